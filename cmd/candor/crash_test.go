package main_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// binDir holds the binary buildCandor builds; TestMain removes it.
var binDir string

// TestMain also fails the run if a test left the default data directory
// (./candor-data, its keyring or master key) in the package's directory:
// a test that forgot --data, or put it after a positional argument, writes
// a store and a master key into the source tree.
func TestMain(m *testing.M) {
	before := defaultDataLeft()
	code := m.Run()
	if binDir != "" {
		os.RemoveAll(binDir)
	}
	if left := defaultDataLeft(); len(left) > len(before) {
		fmt.Fprintf(os.Stderr, "a test wrote the default data directory into the package's directory: %v\n", left)
		for _, p := range left {
			os.RemoveAll(p)
		}
		code = 1
	}
	os.Exit(code)
}

// defaultDataLeft lists what of the default data directory exists in the
// working directory.
func defaultDataLeft() []string {
	left, _ := filepath.Glob("candor-data*")
	return left
}

// buildCandor builds the command once per test binary run.
var buildCandor = sync.OnceValues(func() (string, error) {
	dir, err := os.MkdirTemp("", "candor-bin-")
	if err != nil {
		return "", err
	}
	binDir = dir
	bin := filepath.Join(dir, "candor")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("go build: %v\n%s", err, out)
	}
	return bin, nil
})

func mustBinary(t testing.TB) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds and runs the real binary; skipped with -short")
	}
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("no go command to build candor with")
	}
	bin, err := buildCandor()
	if err != nil {
		t.Fatal(err)
	}
	return bin
}

func candor(t testing.TB, bin string, args ...string) string {
	t.Helper()
	out, err := exec.Command(bin, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("candor %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

func freeAddr(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// startServe starts "candor serve" with extra flags and waits until it is ready.
func startServe(t *testing.T, bin, data, addr string, extra ...string) *exec.Cmd {
	t.Helper()
	return startServeLogging(t, bin, data, addr, io.Discard, extra...)
}

// startServeLogging is startServe with the server's log written to log.
func startServeLogging(t *testing.T, bin, data, addr string, log io.Writer, extra ...string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(bin, append([]string{"serve", "--data", data, "--addr", addr}, extra...)...)
	cmd.Stderr = log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		resp, err := http.Get("http://" + addr + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return cmd
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	cmd.Process.Kill()
	t.Fatal("candor serve did not become ready")
	return nil
}

type result struct {
	Accepted, Duplicates int
}

func post(client *http.Client, addr, token string, body []byte) (result, int, error) {
	req, _ := http.NewRequest("POST", "http://"+addr+"/v1/events", bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/x-ndjson")
	resp, err := client.Do(req)
	if err != nil {
		return result{}, 0, err
	}
	defer resp.Body.Close()
	var r result
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return result{}, resp.StatusCode, err
	}
	if resp.StatusCode == 200 {
		err = json.Unmarshal(data, &r)
	}
	return r, resp.StatusCode, err
}

func batch(n, size int) []byte {
	var b bytes.Buffer
	day := time.Now().UTC().AddDate(0, 0, -3).Format("2006-01-02")
	for i := 0; i < size; i++ {
		fmt.Fprintf(&b, `{"id":"crash-%d-%d","subject":{"kind":"person","scheme":"national_id","value":"CR%07d"},"type":"credit.instalment_paid","occurred_at":"%sT00:00:00Z","fields":{"account":"A%d","amount":"%d.25","currency":"EUR"}}`+"\n",
			n, i, (n*7+i)%5000, day, n, i+1)
	}
	return b.Bytes()
}

// TestCrashDuringIngest SIGKILLs a real server while clients post batches.
// After a restart every acknowledged batch is wholly present, no batch is
// half present, and posting everything again stores nothing twice.
func TestCrashDuringIngest(t *testing.T) {
	bin := mustBinary(t)
	data := filepath.Join(t.TempDir(), "data")
	candor(t, bin, "source", "add", "--data", data, "--id", "bank1", "--name", "Bank One", "--kind", "bank", "--types", "credit.*")
	out := candor(t, bin, "source", "key", "--data", data, "bank1")
	token := strings.Fields(out)[0]

	addr := freeAddr(t)
	srv := startServe(t, bin, data, addr)
	const batchSize = 200
	var (
		mu    sync.Mutex
		acked = map[int]bool{}
		sent  = map[int]bool{}
		wg    sync.WaitGroup
		stop  = make(chan struct{})
	)
	client := &http.Client{Timeout: 10 * time.Second}
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; ; i += 4 {
				select {
				case <-stop:
					return
				default:
				}
				mu.Lock()
				sent[i] = true
				mu.Unlock()
				r, status, err := post(client, addr, token, batch(i, batchSize))
				if err != nil {
					return // the server died under us
				}
				if status != 200 || r.Accepted != batchSize {
					t.Errorf("batch %d: status %d, %+v", i, status, r)
					return
				}
				mu.Lock()
				acked[i] = true
				mu.Unlock()
			}
		}()
	}
	time.Sleep(1500 * time.Millisecond)
	if err := srv.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	srv.Wait()
	close(stop)
	wg.Wait()
	if len(acked) == 0 {
		t.Fatal("no batch was acknowledged before the kill")
	}
	// Every stored event's commitment is recorded, logged or pending.
	t.Logf("after SIGKILL: %s", auditVerify(t, bin, data))

	srv = startServe(t, bin, data, addr)
	stopped := false
	defer func() {
		if !stopped {
			srv.Process.Signal(syscall.SIGTERM)
			srv.Wait()
		}
	}()
	half := 0
	for i := range sent {
		r, status, err := post(client, addr, token, batch(i, batchSize))
		if err != nil || status != 200 {
			t.Fatalf("re-posting batch %d: %d %v", i, status, err)
		}
		switch {
		case acked[i] && r.Duplicates != batchSize:
			t.Errorf("acknowledged batch %d is not wholly present: %+v", i, r)
		case r.Accepted != 0 && r.Accepted != batchSize:
			half++
			t.Errorf("batch %d was half stored: %+v", i, r)
		}
		again, _, err := post(client, addr, token, batch(i, batchSize))
		if err != nil || again.Duplicates != batchSize {
			t.Errorf("batch %d stored twice or lost: %+v %v", i, again, err)
		}
	}
	t.Logf("%d batches sent, %d acknowledged before SIGKILL, %d half present", len(sent), len(acked), half)

	// After the restart, what was recorded but unlogged at the kill is in
	// the log: every acknowledged write's commitment is logged.
	srv.Process.Signal(syscall.SIGTERM)
	if err := srv.Wait(); err != nil {
		t.Fatalf("candor serve after SIGTERM: %v", err)
	}
	stopped = true
	report := auditVerify(t, bin, data)
	if !strings.Contains(report, " 0 commitments recorded but not logged") {
		t.Fatalf("after a restart and a clean stop, commitments are still unlogged:\n%s", report)
	}
	// Every batch sent is stored by now (re-posting stored what was lost).
	if want := fmt.Sprintf(" %d events,", len(sent)*batchSize); !strings.Contains(report, want) {
		t.Errorf("audit verify saw other than%s:\n%s", want, report)
	}
	t.Logf("after restart: %s", report)
}

// auditVerify runs "candor audit verify" on data and fails the test unless
// it finds nothing wrong.
func auditVerify(t *testing.T, bin, data string) string {
	t.Helper()
	out, err := exec.Command(bin, "audit", "verify", "--data", data).CombinedOutput()
	if err != nil {
		t.Fatalf("candor audit verify: %v\n%s", err, out)
	}
	return string(out)
}
