package main

import (
	"context"
	"crypto/rand"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// TestDamagedLogStopsNATS damages an entry the start does not read again
// and checks that, once the background check finds it, the node takes no
// more messages from NATS: they wait in the stream.
func TestDamagedLogStopsNATS(t *testing.T) {
	url := os.Getenv("CANDOR_TEST_NATS")
	if url == "" {
		t.Skip("set CANDOR_TEST_NATS to a NATS server with JetStream (e.g. nats://127.0.0.1:4222) to run this test")
	}
	data := filepath.Join(t.TempDir(), "data")
	mustRun(t, "source", "add", "--data", data, "--id", "bank1", "--name", "Bank One", "--kind", "bank", "--types", "credit.*")
	out, _ := mustRun(t, "source", "key", "--data", data, "bank1")
	token := strings.Fields(out)[0]
	srv, _, err := serveLogged(t, data)
	if err != nil {
		t.Fatal(err)
	}
	postOneByOne(t, srv.Addr(), token, 0, 5)
	stopServer(t, srv) // keeps the verified mark at the log's size
	// The log is a partial bundle: flip the last entry of the largest.
	bundles, _ := filepath.Glob(filepath.Join(data, "log", "tile", "entries", "000.p", "*"))
	if len(bundles) == 0 {
		t.Fatal("no partial entry bundle")
	}
	largest := bundles[0]
	for _, b := range bundles {
		if n, m := len(filepath.Base(b)), len(filepath.Base(largest)); n > m || n == m && b > largest {
			largest = b
		}
	}
	flip(t, largest, -1) // the last entry, inside the mark

	ctx := context.Background()
	sfx := strings.ToLower(rand.Text()[:10])
	stream, subjects, dead, deadSubjects := "T_LOGCHECK_"+sfx, "lc"+sfx+".events", "T_LOGCHECKDL_"+sfx, "lc"+sfx+".dead"
	nc, err := nats.Connect(url)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, _ := jetstream.New(nc)
	s, err := js.CreateStream(ctx, jetstream.StreamConfig{Name: stream, Subjects: []string{subjects + ".>"}, Retention: jetstream.WorkQueuePolicy})
	if err != nil {
		t.Fatal(err)
	}
	defer js.DeleteStream(ctx, stream)
	defer js.DeleteStream(ctx, dead)
	srv, logs, err := serveLogged(t, data, "--nats", url, "--nats-stream", stream, "--nats-subjects", subjects,
		"--nats-dead-letter", dead, "--nats-dead-letter-subjects", deadSubjects)
	if err != nil {
		t.Fatalf("serve refused to start: %v; want it to start and find the damage after", err)
	}
	defer stopServer(t, srv)
	for deadline := time.Now().Add(30 * time.Second); !strings.Contains(logs.String(), "transparency log damaged"); {
		if time.Now().After(deadline) {
			t.Fatalf("no background check found the damage in 30 s:\n%s", logs.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	for i := range 3 {
		m := nats.NewMsg(subjects + ".bank1")
		m.Data = fmt.Appendf(nil, `{"id":"lcn-%d","subject":{"kind":"person","scheme":"national_id","value":"LN%07d"},"type":"credit.instalment_paid","occurred_at":"2026-03-01T00:00:00Z","fields":{"account":"A1","amount":"1.00","currency":"EUR"}}`+"\n", i, i)
		m.Header.Set("Authorization", "Bearer "+token)
		m.Header.Set("Content-Type", "application/x-ndjson")
		if _, err := js.PublishMsg(ctx, m); err != nil {
			t.Fatal(err)
		}
	}
	time.Sleep(2 * time.Second)
	info, err := s.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if info.State.Msgs != 3 {
		t.Errorf("%d of 3 messages left in the stream after the log was found damaged; want all 3", info.State.Msgs)
	}
}
