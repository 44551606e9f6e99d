package main_test

import (
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/candor-project/candor/postgres/pgtest"
)

// TestNodesOnOneDatabase runs three real candor serve processes on one
// PostgreSQL database and one data dir (the log's tiles and keys, as a
// shared path would hold them). Four sources' worth of clients post to
// all three; the first node, which holds the lease and so appends to the
// log, is SIGKILLed mid-ingest. Then: the lease moves (the log grows
// again on another node), every acknowledged batch is wholly stored and
// none half, and after a clean stop every commitment is in the log and
// candor audit verify passes.
func TestNodesOnOneDatabase(t *testing.T) {
	db := pgtest.Database(t)
	bin := mustBinary(t)
	data := filepath.Join(t.TempDir(), "data")
	store := []string{"--store", db}
	candor(t, bin, append([]string{"source", "add", "--data", data, "--id", "bank1", "--name", "Bank One", "--kind", "bank", "--types", "credit.*"}, store...)...)
	token := strings.Fields(candor(t, bin, "source", "key", "--data", data, "--store", db, "bank1"))[0]

	node := append([]string{"--lease-ttl", "1500ms"}, store...)
	addrs := []string{freeAddr(t), freeAddr(t), freeAddr(t)}
	nodes := make([]*exec.Cmd, len(addrs))
	logDir := t.TempDir()
	for i, addr := range addrs { // the first takes the lease
		f, err := os.Create(filepath.Join(logDir, fmt.Sprintf("node%d.log", i)))
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		nodes[i] = startServeLogging(t, bin, data, addr, f, node...)
	}
	defer func() {
		if t.Failed() {
			for i := range addrs {
				l, _ := os.ReadFile(filepath.Join(logDir, fmt.Sprintf("node%d.log", i)))
				t.Logf("node %d's log:\n%s", i, l)
			}
		}
	}()
	running := []bool{true, true, true}
	defer func() {
		for i, n := range nodes {
			if running[i] {
				n.Process.Signal(syscall.SIGTERM)
				n.Wait()
			}
		}
	}()

	const batchSize = 100
	var (
		mu    sync.Mutex
		acked = map[int]bool{}
		sent  = map[int]bool{}
		wg    sync.WaitGroup
		stop  = make(chan struct{})
	)
	client := &http.Client{Timeout: 10 * time.Second}
	for w := range 4 {
		wg.Go(func() {
			for i := w; ; i += 4 {
				select {
				case <-stop:
					return
				default:
				}
				addr := addrs[i%3]
				mu.Lock()
				sent[i] = true
				mu.Unlock()
				r, status, err := post(client, addr, token, batch(i, batchSize))
				if err != nil {
					continue // that node died under us: the next batch goes to another
				}
				if status != 200 || r.Accepted != batchSize {
					t.Errorf("batch %d on %s: status %d, %+v", i, addr, status, r)
					return
				}
				mu.Lock()
				acked[i] = true
				mu.Unlock()
			}
		})
	}
	time.Sleep(1500 * time.Millisecond)
	logSize := func(addr string) int {
		t.Helper()
		resp, err := http.Get("http://" + addr + "/log/checkpoint")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var origin string
		var size int
		if _, err := fmt.Fscanf(resp.Body, "%s\n%d\n", &origin, &size); err != nil {
			t.Fatalf("checkpoint from %s: %v", addr, err)
		}
		return size
	}
	if err := nodes[0].Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	nodes[0].Wait()
	running[0] = false
	atKill := logSize(addrs[1])
	// The lease expires, another node takes the appender over, and what the
	// clients post meanwhile reaches the log.
	deadline := time.Now().Add(20 * time.Second)
	for logSize(addrs[2]) <= atKill {
		if time.Now().After(deadline) {
			t.Fatalf("the log stayed at size %d for 20 s after its appender's node died: the lease did not move", atKill)
		}
		time.Sleep(200 * time.Millisecond)
	}
	close(stop)
	wg.Wait()
	if len(acked) == 0 {
		t.Fatal("no batch was acknowledged")
	}

	half := 0
	for i := range sent {
		r, status, err := post(client, addrs[1+i%2], token, batch(i, batchSize))
		if err != nil || status != 200 {
			t.Fatalf("re-posting batch %d: %d %v", i, status, err)
		}
		switch {
		case acked[i] && r.Duplicates != batchSize:
			t.Errorf("acknowledged batch %d is not wholly stored: %+v", i, r)
		case r.Accepted != 0 && r.Accepted != batchSize:
			half++
			t.Errorf("batch %d was half stored: %+v", i, r)
		}
	}
	for i := 1; i < len(nodes); i++ {
		nodes[i].Process.Signal(syscall.SIGTERM)
		if err := nodes[i].Wait(); err != nil {
			t.Fatalf("node %d after SIGTERM: %v", i, err)
		}
		running[i] = false
	}
	out, err := exec.Command(bin, append([]string{"audit", "verify", "--data", data}, store...)...).CombinedOutput()
	report := string(out)
	if err != nil {
		t.Fatalf("candor audit verify: %v\n%s", err, report)
	}
	if !strings.Contains(report, " 0 commitments recorded but not logged") {
		t.Fatalf("after a clean stop, commitments are still unlogged:\n%s", report)
	}
	if want := fmt.Sprintf(" %d events,", len(sent)*batchSize); !strings.Contains(report, want) {
		t.Errorf("audit verify saw other than%s:\n%s", want, report)
	}
	if m := regexp.MustCompile(`(?m)^.*logged.*$`).FindString(report); m != "" {
		t.Logf("%s", m)
	}
	t.Logf("%d batches sent to three nodes, %d acknowledged, %d half stored; log at size %d when its appender's node was killed", len(sent), len(acked), half, atKill)
}
