package main_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// BenchmarkRestartAfterKill measures, on an existing store
// (CANDOR_BENCH_RESTART_DATA, e.g. one made by `candor demo --load-only`),
// how long a real `candor serve` takes from exec to the first 200 of
// /healthz (polled every 10 ms) after a SIGKILL during ingest. Each of
// CANDOR_BENCH_RESTART_CYCLES cycles (default 5): start, wait for
// /healthz, post 500-event batches from two clients for 3 s, SIGKILL. The
// first start follows whatever state the store was left in; it prints
// every start's time and the median and range of the starts after a kill.
// With CANDOR_BENCH_RESTART_LOG=1 it also prints each start's log, every
// line prefixed with the time since exec; CANDOR_BENCH_RESTART_BIN runs
// that binary instead of building this tree's. The last server is stopped
// with SIGTERM, so the store is left closed cleanly.
//
//	CANDOR_BENCH_RESTART_DATA=/path/to/data go test ./cmd/candor -run XXX -bench RestartAfterKill -benchtime 1x
func BenchmarkRestartAfterKill(b *testing.B) {
	data := os.Getenv("CANDOR_BENCH_RESTART_DATA")
	if data == "" {
		b.Skip("set CANDOR_BENCH_RESTART_DATA to an existing data dir")
	}
	cycles, _ := strconv.Atoi(os.Getenv("CANDOR_BENCH_RESTART_CYCLES"))
	if cycles <= 0 {
		cycles = 5
	}
	bin := os.Getenv("CANDOR_BENCH_RESTART_BIN") // another build, to compare
	if bin == "" {
		bin = mustBinary(b)
	}
	// A source of its own; adding it again on a later run fails harmlessly.
	exec.Command(bin, "source", "add", "--data", data, "--id", "restartbench", "--name", "Restart bench", "--kind", "bank", "--types", "credit.*").Run()
	var token string
	for _, f := range strings.Fields(candor(b, bin, "source", "key", "--data", data, "restartbench")) {
		if strings.HasPrefix(f, "cndr_") {
			token = f
			break
		}
	}
	addr := freeAddr(b)
	var afterKill []time.Duration
	for c := 0; c <= cycles; c++ {
		srv, took, log := startTimed(b, bin, data, addr)
		fmt.Printf("start %d: %v to /healthz (the store's Pebble open: %s)\n", c, took.Round(time.Millisecond), log.storeOpen(data))
		if os.Getenv("CANDOR_BENCH_RESTART_LOG") != "" {
			fmt.Printf("log of start %d:\n%s", c, log.String())
		}
		if c > 0 {
			afterKill = append(afterKill, took)
		}
		if c == cycles {
			srv.Process.Signal(syscall.SIGTERM)
			srv.Wait()
			break
		}
		n := postAWhile(b, addr, token, 3*time.Second)
		srv.Process.Signal(syscall.SIGKILL)
		srv.Wait()
		fmt.Printf("cycle %d: %d events acknowledged, then SIGKILL\n", c, n)
	}
	slices.Sort(afterKill)
	b.ReportMetric(afterKill[len(afterKill)/2].Seconds(), "s-median")
	b.ReportMetric(afterKill[len(afterKill)-1].Seconds(), "s-max")
	fmt.Printf("after SIGKILL, %d starts: median %v, min %v, max %v\n", len(afterKill),
		afterKill[len(afterKill)/2].Round(time.Millisecond), afterKill[0].Round(time.Millisecond), afterKill[len(afterKill)-1].Round(time.Millisecond))
}

// stampedLog collects a server's log lines, each prefixed with the time
// since start.
type stampedLog struct {
	mu    sync.Mutex
	start time.Time
	buf   bytes.Buffer
}

func (l *stampedLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// storeOpen returns how long the store's Pebble open took by the server's
// log line "pebble: open", or "?" if it is not (yet) there.
func (l *stampedLog) storeOpen(data string) string {
	for line := range strings.Lines(l.String()) {
		_, js, ok := strings.Cut(line, " {")
		var e struct {
			Msg, Dir string
			Took     time.Duration
		}
		if ok && json.Unmarshal([]byte("{"+js), &e) == nil && e.Msg == "pebble: open" && e.Dir == data {
			return e.Took.String()
		}
	}
	return "?"
}

func (l *stampedLog) copy(r io.Reader) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		l.mu.Lock()
		fmt.Fprintf(&l.buf, "%8.3fs %s\n", time.Since(l.start).Seconds(), sc.Text())
		l.mu.Unlock()
	}
}

// startTimed starts `candor serve` and returns it once /healthz answers
// 200, with the time that took and its log so far and after.
func startTimed(tb testing.TB, bin, data, addr string) (*exec.Cmd, time.Duration, *stampedLog) {
	tb.Helper()
	cmd := exec.Command(bin, "serve", "--data", data, "--addr", addr, "--log-format", "json")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		tb.Fatal(err)
	}
	log := &stampedLog{start: time.Now()}
	if err := cmd.Start(); err != nil {
		tb.Fatal(err)
	}
	go log.copy(stderr)
	client := &http.Client{Timeout: time.Second}
	for time.Since(log.start) < time.Minute {
		resp, err := client.Get("http://" + addr + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return cmd, time.Since(log.start), log
			}
		}
		time.Sleep(10 * time.Millisecond)
	}
	cmd.Process.Kill()
	cmd.Wait()
	tb.Fatalf("candor serve gave no 200 on /healthz in a minute:\n%s", log.String())
	return nil, 0, nil
}

// postAWhile posts 500-event batches of new facts from two clients for d
// and returns how many events were acknowledged.
func postAWhile(tb testing.TB, addr, token string, d time.Duration) int64 {
	tb.Helper()
	var acked atomic.Int64
	var wg sync.WaitGroup
	run := time.Now().UnixNano()
	end := time.Now().Add(d)
	client := &http.Client{Timeout: 30 * time.Second}
	for w := range 2 {
		wg.Go(func() {
			for i := w; time.Now().Before(end); i += 2 {
				var body bytes.Buffer
				for j := range 500 {
					fmt.Fprintf(&body, `{"id":"rb-%d-%d-%d","subject":{"kind":"person","scheme":"national_id","value":"RB%07d"},"type":"credit.instalment_paid","occurred_at":"2026-03-01T00:00:00Z","fields":{"account":"A%d","amount":"10.00","currency":"EUR"}}`+"\n", run, i, j, (i*500+j)%20000, j%7)
				}
				r, status, err := post(client, addr, token, body.Bytes())
				if err != nil || status != 200 {
					tb.Errorf("posting: status %d, %v", status, err)
					return
				}
				acked.Add(int64(r.Accepted))
			}
		})
	}
	wg.Wait()
	return acked.Load()
}
