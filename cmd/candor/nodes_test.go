package main_test

import (
	"encoding/json"
	"fmt"
	"io"
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

	// A relying party, registered while the nodes run, asks the third
	// node for decisions about a person throughout.
	client := &http.Client{Timeout: 10 * time.Second}
	decide := decisionsOn(t, bin, data, db, token, client, addrs)
	decisions := 0
	const batchSize = 100
	var (
		mu    sync.Mutex
		acked = map[int]bool{}
		sent  = map[int]bool{}
		wg    sync.WaitGroup
		stop  = make(chan struct{})
	)
	wg.Go(func() {
		for {
			select {
			case <-stop:
				return
			default:
			}
			decide()
			decisions++
			time.Sleep(20 * time.Millisecond)
		}
	})
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
	approveOnNodes(t, bin, data, db, addrs)
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
	// The lease expires and another node takes it, with the appender; what
	// the clients posted since the kill then reaches the log.
	tookOver := func() bool {
		for i := 1; i < len(addrs); i++ {
			l, _ := os.ReadFile(filepath.Join(logDir, fmt.Sprintf("node%d.log", i)))
			if strings.Contains(string(l), `"msg":"jobs' lease","held":true`) {
				return true
			}
		}
		return false
	}
	deadline := time.Now().Add(20 * time.Second)
	for !tookOver() {
		if time.Now().After(deadline) {
			t.Fatal("no node took the lease over in 20 s after its holder died")
		}
		time.Sleep(100 * time.Millisecond)
	}
	atTakeOver := logSize(addrs[2])
	for logSize(addrs[2]) <= atTakeOver {
		if time.Now().After(deadline) {
			t.Fatalf("the log stayed at size %d after the lease moved", atTakeOver)
		}
		time.Sleep(100 * time.Millisecond)
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
	if want := fmt.Sprintf(" %d events,", len(sent)*batchSize+1); !strings.Contains(report, want) { // and the tenant's
		t.Errorf("audit verify saw other than%s:\n%s", want, report)
	}
	if m := regexp.MustCompile(`(?m)^.*logged.*$`).FindString(report); m != "" {
		t.Logf("%s", m)
	}
	t.Logf("%d batches sent to three nodes, %d acknowledged, %d half stored, %d decisions answered; log at size %d when its appender's node was killed, %d when another took over",
		len(sent), len(acked), half, decisions, atKill, atTakeOver)
}

// approveOnNodes bootstraps two policy administrators on the database
// while the nodes run; one proposes a rental-deposit version 2 through
// the first node, the other approves it through the second, and every
// node serves it within seconds, while the sources post on.
func approveOnNodes(t *testing.T, bin, data, db string, addrs []string) {
	t.Helper()
	dir := t.TempDir()
	keyOf := func(name string) string {
		return writeKeyFile(t, dir, name, strings.Fields(candor(t, bin, "policy", "key", name, "--data", data, "--store", db))[0])
	}
	alice, bob := keyOf("alice"), keyOf("bob")
	candor(t, bin, "policy", "propose", nextRentalVersion(t, dir), "--server", "http://"+addrs[0], "--key-file", alice)
	auditRental(t, func(args ...string) string { return candor(t, bin, args...) }, "--server", "http://"+addrs[0], "--key-file", alice)
	candor(t, bin, "policy", "approve", "rental-deposit", "2", "--server", "http://"+addrs[1], "--key-file", bob)
	deadline := time.Now().Add(30 * time.Second)
	for _, addr := range addrs {
		waitServed(t, "http://"+addr, "rental-deposit", 2, deadline)
	}
}

// decisionsOn registers a relying party and a person who consents to its
// decisions, through the CLI and the first two nodes while they run, and
// returns a func that asks the third node for one decision and fails the
// test unless it is answered. The person's fact is one event.
func decisionsOn(t *testing.T, bin, data, db, source string, client *http.Client, addrs []string) (decide func()) {
	t.Helper()
	candor(t, bin, "rp", "add", "--data", data, "--store", db, "--id", "landlord1", "--name", "Landlord One", "--purposes", "rental")
	rp := strings.Fields(candor(t, bin, "rp", "key", "--data", data, "--store", db, "landlord1"))[0]
	fact := fmt.Sprintf(`{"id":"tenant","subject":{"kind":"person","scheme":"national_id","value":"TE0000001"},"type":"credit.instalment_paid","occurred_at":%q,"fields":{"account":"A1","amount":"1.00","currency":"EUR"}}`,
		time.Now().UTC().AddDate(0, 0, -3).Format(time.RFC3339))
	if _, status, err := post(client, addrs[0], source, []byte(fact)); err != nil || status != 200 {
		t.Fatalf("posting the person's fact: %d %v", status, err)
	}
	person := strings.Fields(candor(t, bin, "subject", "key", "--data", data, "--store", db, "national_id:TE0000001"))[0]
	var consent struct{ Code string }
	call(t, client, "POST", "http://"+addrs[1]+"/v1/me/consents", person, `{"relying_party":"landlord1","purpose":"rental"}`, http.StatusCreated, &consent)
	body := fmt.Sprintf(`{"consent":%q,"purpose":"rental","benefit":"deposit_waived"}`, consent.Code)
	return func() {
		var d struct{ Outcome string }
		call(t, client, "POST", "http://"+addrs[2]+"/v1/decisions", rp, body, http.StatusOK, &d)
		if d.Outcome == "" {
			t.Error("a decision without an outcome")
		}
	}
}

// call sends body with token and decodes the answer into out, failing the
// test unless the status is want.
func call(t *testing.T, client *http.Client, method, url, token, body string, want int, out any) {
	t.Helper()
	req, _ := http.NewRequest(method, url, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		t.Errorf("%s %s: %v", method, url, err)
		return
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != want {
		t.Errorf("%s %s: %s %s", method, url, resp.Status, data)
		return
	}
	if err := json.Unmarshal(data, out); err != nil {
		t.Errorf("%s %s: %v", method, url, err)
	}
}
