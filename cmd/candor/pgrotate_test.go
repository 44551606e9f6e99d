package main_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	domain "github.com/candor-project/candor"
	"github.com/candor-project/candor/app"
	"github.com/candor-project/candor/httpapi"
	"github.com/candor-project/candor/postgres/pgtest"
	"github.com/jackc/pgx/v5"
)

// pgRotationSubjects is how many subjects the database holds before the
// rotations on PostgreSQL.
const pgRotationSubjects = 600

// TestOnlineKeyRotationOnPostgres runs two candor serve nodes on one
// PostgreSQL database. A rotation asked of the node that does not hold
// the jobs' lease runs while sources post batches (new subjects among
// them) through both nodes and a person's reads and a relying party's
// decisions go through both, without one failed request; afterwards
// every key is wrapped with the new generation and opens, the old
// generation is retired and a key wrapped with it no longer opens. A
// second rotation, paced, has its runner (the lease holder) SIGKILLed
// mid-way: the other node takes the lease and finishes it, at the pace
// recorded with it, while ingest goes on through it; the killed node
// starts again and serves; audit verify passes.
func TestOnlineKeyRotationOnPostgres(t *testing.T) {
	db := pgtest.Database(t)
	bin := mustBinary(t)
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	st := []string{"--data", data, "--store", db}
	candor(t, bin, append([]string{"source", "add", "--id", "bank1", "--name", "Bank", "--kind", "bank", "--types", "credit.*"}, st...)...)
	bankToken := strings.Fields(candor(t, bin, append(append([]string{"source", "key"}, st...), "bank1")...))[0]
	opKey := writeKeyFile(t, dir, "olga.key", strings.Fields(candor(t, bin, append(append([]string{"operator", "key"}, st...), "olga")...))[0])
	candor(t, bin, append([]string{"rp", "add", "--id", "landlord1", "--name", "Landlord One", "--purposes", "rental"}, st...)...)
	rpToken := strings.Fields(candor(t, bin, append(append([]string{"rp", "key"}, st...), "landlord1")...))[0]
	var b bytes.Buffer
	when := time.Now().UTC().AddDate(0, -1, 0).Format(time.RFC3339)
	for i := range pgRotationSubjects {
		fmt.Fprintf(&b, `{"id":"p-%d","subject":{"kind":"person","scheme":"national_id","value":"PG%07d"},"type":"credit.instalment_paid","occurred_at":%q,"fields":{"account":"A1","amount":"10.00","currency":"EUR"}}`+"\n", i, i, when)
	}
	events := filepath.Join(dir, "events.ndjson")
	if err := os.WriteFile(events, b.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	candor(t, bin, append(append([]string{"import", "--source", "bank1"}, st...), events)...)
	person := strings.Fields(candor(t, bin, append(append([]string{"subject", "key"}, st...), "national_id:PG0000007")...))[0]
	personID, oldWrapped := subjectKey(t, app.StoreConfig{Data: data, Store: db}, "PG0000007")

	logDir := t.TempDir()
	addrs := []string{freeAddr(t), freeAddr(t)}
	nodes := make([]*exec.Cmd, 2)
	start := func(i int) {
		f, err := os.OpenFile(filepath.Join(logDir, fmt.Sprintf("node%d.log", i)), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { f.Close() })
		nodes[i] = startServeLogging(t, bin, data, addrs[i], f, "--store", db, "--lease-ttl", "1500ms")
	}
	start(0) // takes the jobs' lease: it runs the rotations
	start(1)
	defer func() {
		for _, n := range nodes {
			n.Process.Kill()
			n.Wait()
		}
		if t.Failed() {
			for i := range nodes {
				l, _ := os.ReadFile(filepath.Join(logDir, fmt.Sprintf("node%d.log", i)))
				t.Logf("node %d's log:\n%s", i, l)
			}
		}
	}()
	client := &http.Client{Timeout: 30 * time.Second}
	var consent struct{ Code string }
	call(t, client, "POST", "http://"+addrs[0]+"/v1/me/consents", person, `{"relying_party":"landlord1","purpose":"rental"}`, http.StatusCreated, &consent)
	work := func(i int) func() (int, int) {
		return workOn(t, client, addrs[i], bankToken, person, rpToken, consent.Code, func(n int) []byte { return nodeBatch(i, n) })
	}

	// First rotation, asked of node 1, run by node 0, under work on both.
	stop0, stop1 := work(0), work(1)
	var out, errOut bytes.Buffer
	cmd := exec.Command(bin, "keys", "rotate", "--server", "http://"+addrs[1], "--key-file", opKey, "--keys-per-second", "1000")
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := cmd.Run(); err != nil || !strings.Contains(out.String(), "rewrapped") {
		t.Fatalf("keys rotate --server: %v\n%s\n%s", err, out.String(), errOut.String())
	}
	time.Sleep(1500 * time.Millisecond) // both nodes work on past the retirement
	posted0, reads0 := stop0()
	posted1, reads1 := stop1()
	if posted0 == 0 || posted1 == 0 || reads0 == 0 || reads1 == 0 {
		t.Errorf("the clients did too little during the rotation (node 0: %d batches, %d reads; node 1: %d, %d): it proves nothing", posted0, reads0, posted1, reads1)
	}
	checkGenerations(t, db, "after the first rotation", "0 retired false", "1 current true")
	allOpen(t, data, db, 1)
	if _, err := openWith(t, data, db, personID, oldWrapped); err == nil {
		t.Error("a key wrapped with the retired generation still opens")
	}
	for _, a := range addrs { // every node reads the person's key rewrapped
		var facts map[string]any
		call(t, client, "GET", "http://"+a+"/v1/me/events", person, "", http.StatusOK, &facts)
	}
	if m := scrape(t, client, "http://"+addrs[1]); !strings.Contains(m, "candor_key_rotation_running 0") || !strings.Contains(m, "candor_key_rotation_keys_done") {
		t.Errorf("node 1's /metrics shows no finished rotation:\n%s", m)
	}

	// Second rotation, paced, asked of node 1; node 0, running it, is
	// killed mid-way.
	stop1 = work(1)
	watch := exec.Command(bin, "keys", "rotate", "--server", "http://"+addrs[1], "--key-file", opKey, "--keys-per-second", "200")
	var watchOut bytes.Buffer
	watch.Stdout, watch.Stderr = &watchOut, &watchOut
	if err := watch.Start(); err != nil {
		t.Fatal(err)
	}
	killedAt := waitRotated(t, client, "http://"+addrs[1], opKey, time.Now().Add(-time.Second), 100)
	nodes[0].Process.Kill()
	nodes[0].Wait()
	pace := watchPace(t, client, "http://"+addrs[1], opKey, killedAt)
	if err := watch.Wait(); err != nil {
		t.Fatalf("keys rotate --server on the surviving node: %v\n%s", err, watchOut.String())
	}
	if posted, reads := stop1(); posted == 0 || reads == 0 {
		t.Errorf("the clients did nothing on node 1 during the second rotation (%d, %d)", posted, reads)
	}
	if pace > 200*1.5 {
		t.Errorf("after the takeover the rotation ran at %.0f keys/s; it was asked for 200", pace)
	}
	checkGenerations(t, db, "after the second rotation", "0 retired false", "1 retired false", "2 current true")
	start(0)
	var facts map[string]any
	call(t, client, "GET", "http://"+addrs[0]+"/v1/me/events", person, "", http.StatusOK, &facts)
	for _, n := range nodes {
		n.Process.Signal(os.Interrupt)
		n.Wait()
	}
	allOpen(t, data, db, 2)
	if out, err := exec.Command(bin, "audit", "verify", "--data", data, "--store", db).CombinedOutput(); err != nil {
		t.Fatalf("audit verify: %v\n%s", err, out)
	}
}

// nodeBatch is batch n of the source posting to node i: 20 facts about
// subjects of that node's own, new ones among them.
func nodeBatch(i, n int) []byte {
	var b bytes.Buffer
	day := time.Now().UTC().AddDate(0, 0, -3).Format("2006-01-02")
	for j := range 20 {
		fmt.Fprintf(&b, `{"id":"n%d-%d-%d","subject":{"kind":"person","scheme":"national_id","value":"N%c%07d"},"type":"credit.instalment_paid","occurred_at":"%sT00:00:00Z","fields":{"account":"A1","amount":"%d.25","currency":"EUR"}}`+"\n",
			i, n, j, 'A'+i, (n*7+j)%3000, day, j+1)
	}
	return b.Bytes()
}

// watchPace watches the rotation on server from when it had rewrapped
// from keys until it is done, and returns its pace in keys a second from
// the first progress after from (the new runner's) to the end.
func watchPace(t *testing.T, client *http.Client, server, opKey string, from int) float64 {
	t.Helper()
	var first time.Time
	firstDone := 0
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		var st httpapi.KeyRotation
		call(t, client, "GET", server+"/v1/admin/key-rotation", fileText(t, opKey), "", http.StatusOK, &st)
		if st.KeysPerSecond != 200 {
			t.Fatalf("the rotation's pace is %d; it was asked for 200", st.KeysPerSecond)
		}
		switch {
		case st.State == httpapi.RotationDone:
			if first.IsZero() || st.Done == firstDone {
				t.Fatalf("the rotation finished before progress after the kill was seen: %+v", st)
			}
			return float64(st.Done-firstDone) / time.Since(first).Seconds()
		case st.State != httpapi.RotationRunning:
			t.Fatalf("the rotation is %s: %s", st.State, st.Error)
		case first.IsZero() && st.Done > from:
			first, firstDone = time.Now(), st.Done
		}
		time.Sleep(25 * time.Millisecond)
	}
	t.Fatal("the rotation was not finished by the surviving node")
	return 0
}

// openWith opens wrapped as a node started now would.
func openWith(t *testing.T, data, db string, id domain.SubjectID, wrapped []byte) (*domain.Salt, error) {
	t.Helper()
	inst, err := app.OpenExisting(app.StoreConfig{Data: data, Store: db}, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer inst.Close()
	k, err := inst.Vault.OpenSubjectKey(id, wrapped)
	if err != nil {
		return nil, err
	}
	return k.Salt(), nil
}

// allOpen checks that every key in the keyring is stored under
// generation gen and opens, and that there are more than the imported.
func allOpen(t *testing.T, data, db string, gen uint32) {
	t.Helper()
	ctx := context.Background()
	inst, err := app.OpenExisting(app.StoreConfig{Data: data, Store: db}, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer inst.Close()
	n := 0
	for w, err := range inst.Keyring.SubjectKeys(ctx, domain.SubjectID{}) {
		if err != nil {
			t.Fatal(err)
		}
		n++
		if w.Generation != gen {
			t.Fatalf("the key of %s is stored under generation %d, not %d", w.Subject, w.Generation, gen)
		}
		if _, err := inst.Vault.OpenSubjectKey(w.Subject, w.Wrapped); err != nil {
			t.Fatal(err)
		}
	}
	if n <= pgRotationSubjects {
		t.Errorf("%d keys; want the %d imported and those the sources' batches added", n, pgRotationSubjects)
	}
}

// checkGenerations compares the keyring's generations, as "number state
// has-a-secret", with want.
func checkGenerations(t *testing.T, db, when string, want ...string) {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	rows, err := conn.Query(ctx, `SELECT generation || ' ' || state || ' ' || (sealed IS NOT NULL) FROM candor_keyring.wrap_generations ORDER BY generation`)
	if err != nil {
		t.Fatal(err)
	}
	got, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(got, ", ") != strings.Join(want, ", ") {
		t.Errorf("%s the generations are %q, want %q", when, got, want)
	}
}
