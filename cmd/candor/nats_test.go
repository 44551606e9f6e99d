package main_test

import (
	"context"
	"crypto/rand"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// TestNATSCrashMidStream publishes batches to JetStream, SIGKILLs a real
// server while it ingests them, restarts it, and checks that every event
// is stored exactly once and nothing was dead-lettered.
func TestNATSCrashMidStream(t *testing.T) {
	url := os.Getenv("CANDOR_TEST_NATS")
	if url == "" {
		t.Skip("set CANDOR_TEST_NATS to a NATS server with JetStream (e.g. nats://127.0.0.1:4222) to run this test")
	}
	bin := mustBinary(t)
	data := filepath.Join(t.TempDir(), "data")
	candor(t, bin, "source", "add", "--data", data, "--id", "bank1", "--name", "Bank One", "--kind", "bank", "--types", "credit.*")
	token := strings.Fields(candor(t, bin, "source", "key", "--data", data, "bank1"))[0]

	ctx := context.Background()
	sfx := strings.ToLower(rand.Text()[:10])
	stream, subjects, dead, deadSubjects := "T_CRASH_"+sfx, "t"+sfx+".events", "T_CRASHDL_"+sfx, "t"+sfx+".dead"
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
	const msgs, size = 300, 100
	for i := range msgs {
		m := nats.NewMsg(subjects + ".bank1")
		m.Data = batch(i, size)
		m.Header.Set("Authorization", "Bearer "+token)
		m.Header.Set("Content-Type", "application/x-ndjson")
		if _, err := js.PublishMsg(ctx, m); err != nil {
			t.Fatal(err)
		}
	}
	left := func() uint64 {
		info, err := s.Info(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return info.State.Msgs
	}
	flags := []string{"--nats", url, "--nats-stream", stream, "--nats-subjects", subjects, "--nats-dead-letter", dead, "--nats-dead-letter-subjects", deadSubjects, "--nats-ack-wait", "3s"}
	addr := freeAddr(t)
	srv := startServe(t, bin, data, addr, flags...)
	for deadline := time.Now().Add(30 * time.Second); left() > msgs*3/4 && time.Now().Before(deadline); {
		time.Sleep(5 * time.Millisecond)
	}
	if err := srv.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	srv.Wait()
	atKill := left()
	if atKill == 0 || atKill == msgs {
		t.Fatalf("%d of %d messages left at the kill: not mid-stream", atKill, msgs)
	}
	t.Logf("%d of %d messages left at SIGKILL", atKill, msgs)

	srv = startServe(t, bin, data, addr, flags...)
	for deadline := time.Now().Add(60 * time.Second); left() > 0 && time.Now().Before(deadline); {
		time.Sleep(20 * time.Millisecond)
	}
	srv.Process.Signal(syscall.SIGTERM)
	if err := srv.Wait(); err != nil {
		t.Fatalf("candor serve after SIGTERM: %v", err)
	}
	if n := left(); n != 0 {
		t.Fatalf("%d messages never acknowledged", n)
	}
	ds, err := js.Stream(ctx, dead)
	if err != nil {
		t.Fatal(err)
	}
	if info, _ := ds.Info(ctx); info.State.Msgs != 0 {
		t.Errorf("%d messages dead-lettered; a redelivered message must be a duplicate, not a refusal", info.State.Msgs)
	}
	report := auditVerify(t, bin, data)
	if want := fmt.Sprintf(" %d events,", msgs*size); !strings.Contains(report, want) {
		t.Errorf("audit verify saw other than%s (each event exactly once):\n%s", want, report)
	}
}
