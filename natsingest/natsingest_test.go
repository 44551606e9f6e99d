package natsingest_test

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/candor-project/candor"
	"github.com/candor-project/candor/internal/testenv"
	"github.com/candor-project/candor/natsingest"
)

// natsURL returns CANDOR_TEST_NATS or skips the test.
func natsURL(tb testing.TB) string {
	tb.Helper()
	u := os.Getenv("CANDOR_TEST_NATS")
	if u == "" {
		tb.Skip("set CANDOR_TEST_NATS to a NATS server with JetStream (e.g. nats://127.0.0.1:4222) to run this test")
	}
	return u
}

// names are one test's stream and subject names, unique to it.
type names struct {
	stream, subjects, dead, deadSubjects string
}

func newNames() names {
	s := strings.ToLower(rand.Text()[:10])
	return names{stream: "T_EV_" + s, subjects: "t" + s + ".events", dead: "T_DL_" + s, deadSubjects: "t" + s + ".dead"}
}

// fixture is a store, a NATS connection and a running consumer.
type fixture struct {
	env   *testenv.Env
	js    jetstream.JetStream
	names names
	bank  *candor.Source
	token string
}

func start(t *testing.T) *fixture {
	t.Helper()
	url := natsURL(t)
	f := &fixture{env: testenv.New(t), names: newNames()}
	ctx := context.Background()
	f.bank = &candor.Source{ID: "bank1", Name: "Bank One", Kind: candor.SourceBank, AllowedTypes: []string{"credit.instalment_paid", "credit.instalment_late"}}
	if err := f.env.Store.PutSource(ctx, f.bank); err != nil {
		t.Fatal(err)
	}
	f.token = f.key(t, candor.RoleSource, "bank1")
	nc, err := nats.Connect(url)
	if err != nil {
		t.Fatal(err)
	}
	f.js, _ = jetstream.New(nc)
	c, err := natsingest.Start(ctx, natsingest.Config{URL: url, Stream: f.names.stream, Subjects: f.names.subjects,
		DeadLetter: f.names.dead, DeadLetterSubjects: f.names.deadSubjects, Workers: 4,
		Registry: f.env.Store, Ingester: f.env.Pipeline})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		c.Close()
		f.js.DeleteStream(ctx, f.names.stream)
		f.js.DeleteStream(ctx, f.names.dead)
		nc.Close()
	})
	return f
}

func (f *fixture) key(t *testing.T, role candor.Role, principal string) string {
	t.Helper()
	token, key := candor.NewAPIKey(role, principal, time.Now())
	if err := f.env.Store.PutKey(context.Background(), key); err != nil {
		t.Fatal(err)
	}
	return token
}

// publish publishes body on the source's subject with token.
func (f *fixture) publish(t *testing.T, source, token, body string) {
	t.Helper()
	m := nats.NewMsg(f.names.subjects + "." + source)
	m.Data = []byte(body)
	if token != "" {
		m.Header.Set(natsingest.AuthHeader, "Bearer "+token)
	}
	m.Header.Set("Content-Type", "application/x-ndjson")
	if _, err := f.js.PublishMsg(context.Background(), m); err != nil {
		t.Fatal(err)
	}
}

// settled waits until the work-queue stream is empty: every message was
// acknowledged or terminated.
func (f *fixture) settled(t *testing.T) {
	t.Helper()
	ctx := context.Background()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		s, err := f.js.Stream(ctx, f.names.stream)
		if err != nil {
			t.Fatal(err)
		}
		info, err := s.Info(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if info.State.Msgs == 0 {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatal("messages still unsettled after 20s")
}

// stored returns how many events person nid has (0 if unknown).
func (f *fixture) stored(t *testing.T, nid string) int {
	t.Helper()
	ctx := context.Background()
	id, err := f.env.Store.SubjectByIndex(ctx, f.env.Vault.BlindIndex(candor.Identifier{Scheme: candor.NationalID, Value: nid}))
	if candor.ErrorCode(err) == candor.ENOTFOUND {
		return 0
	}
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, err := range f.env.Store.Events(ctx, id, candor.EventFilter{}) {
		if err != nil {
			t.Fatal(err)
		}
		n++
	}
	return n
}

// deadLetters returns every message of the dead-letter stream.
func (f *fixture) deadLetters(t *testing.T) []natsingest.DeadLetter {
	t.Helper()
	ctx := context.Background()
	c, err := f.js.OrderedConsumer(ctx, f.names.dead, jetstream.OrderedConsumerConfig{})
	if err != nil {
		t.Fatal(err)
	}
	var out []natsingest.DeadLetter
	batch, err := c.FetchNoWait(100)
	if err != nil {
		t.Fatal(err)
	}
	for m := range batch.Messages() {
		if m.Headers().Get(natsingest.AuthHeader) != "" {
			t.Error("a dead letter carries the API key")
		}
		var dl natsingest.DeadLetter
		if err := json.Unmarshal(m.Data(), &dl); err != nil {
			t.Fatal(err)
		}
		out = append(out, dl)
	}
	return out
}

func event(id, nid, typ string) string {
	return fmt.Sprintf(`{"id":%q,"subject":{"kind":"person","scheme":"national_id","value":%q},"type":%q,"occurred_at":"2026-10-01T00:00:00Z","fields":{"account":"A1","amount":"10.00","currency":"EUR"}}`, id, nid, typ)
}

func TestIngestsAndAcks(t *testing.T) {
	f := start(t)
	f.publish(t, "bank1", f.token, event("e1", "NA0000001", "credit.instalment_paid")+"\n"+event("e2", "NA0000001", "credit.instalment_paid"))
	f.publish(t, "bank1", f.token, event("e3", "NA0000002", "credit.instalment_paid"))
	f.settled(t)
	if n := f.stored(t, "NA0000001"); n != 2 {
		t.Errorf("NA0000001 has %d events, want 2", n)
	}
	if n := f.stored(t, "NA0000002"); n != 1 {
		t.Errorf("NA0000002 has %d events, want 1", n)
	}
	if dl := f.deadLetters(t); len(dl) != 0 {
		t.Errorf("dead letters for good messages: %+v", dl)
	}
}

func TestSameMessageTwiceStoredOnce(t *testing.T) {
	f := start(t)
	body := event("dup1", "NA0000003", "credit.instalment_paid")
	f.publish(t, "bank1", f.token, body)
	f.settled(t)
	f.publish(t, "bank1", f.token, body)
	f.settled(t)
	if n := f.stored(t, "NA0000003"); n != 1 {
		t.Errorf("stored %d times, want once", n)
	}
	if dl := f.deadLetters(t); len(dl) != 0 {
		t.Errorf("a repeat is a duplicate, not a refusal: %+v", dl)
	}
}

func TestRefusedGoesToDeadLetter(t *testing.T) {
	f := start(t)
	court := f.key(t, candor.RoleSource, "court1")
	if err := f.env.Store.PutSource(context.Background(), &candor.Source{ID: "court1", Name: "Court", Kind: candor.SourceCourt}); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name, source, token, body string
		code                      string
		problems                  []string // fields of the expected problems
	}{
		{"invalid events, whole batch refused", "bank1", f.token,
			event("ok1", "NA0000004", "credit.instalment_paid") + "\n" +
				strings.Replace(event("bad1", "NA0000004", "credit.instalment_paid"), `"10.00"`, `"ten"`, 1) + "\n" +
				strings.Replace(event("bad2", "NA0000004", "credit.instalment_paid"), "2026-10-01", "2026-13-01", 1),
			candor.EINVALID, []string{"fields.amount", "occurred_at"}},
		{"type the source may not post", "bank1", f.token, event("t1", "NA0000004", "tax.return_filed"), candor.EFORBIDDEN, nil},
		{"no key", "bank1", "", event("n1", "NA0000004", "credit.instalment_paid"), candor.EUNAUTHORIZED, nil},
		{"unknown key", "bank1", "cnd_src_nope", event("u1", "NA0000004", "credit.instalment_paid"), candor.EUNAUTHORIZED, nil},
		{"another source's key", "bank1", court, event("c1", "NA0000004", "credit.instalment_paid"), candor.EFORBIDDEN, nil},
		{"empty body", "bank1", f.token, " \n", candor.EMALFORMED, nil},
		{"subject of no source", "bank1.x", f.token, event("s1", "NA0000004", "credit.instalment_paid"), candor.EINVALID, nil},
	}
	for _, tc := range cases {
		f.publish(t, tc.source, tc.token, tc.body)
	}
	f.settled(t)
	if n := f.stored(t, "NA0000004"); n != 0 {
		t.Fatalf("refused messages stored %d events", n)
	}
	for _, want := range []struct {
		stream    string
		retention jetstream.RetentionPolicy
		maxAge    time.Duration
	}{
		{f.names.stream, jetstream.WorkQueuePolicy, 0},
		{f.names.dead, jetstream.LimitsPolicy, 30 * 24 * time.Hour},
	} {
		s, err := f.js.Stream(context.Background(), want.stream)
		if err != nil {
			t.Fatal(err)
		}
		if c := s.CachedInfo().Config; c.Retention != want.retention || c.MaxAge != want.maxAge || c.Storage != jetstream.FileStorage {
			t.Errorf("stream %s created with %v, %v, %v", want.stream, c.Retention, c.MaxAge, c.Storage)
		}
	}
	dls := f.deadLetters(t)
	if len(dls) != len(cases) {
		t.Fatalf("%d dead letters, want %d: %+v", len(dls), len(cases), dls)
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dl := dls[i] // one worker order is not guaranteed; match by data
			for _, d := range dls {
				if string(d.Data) == tc.body {
					dl = d
				}
			}
			if string(dl.Data) != tc.body {
				t.Fatalf("no dead letter holds the message")
			}
			if dl.Code != tc.code || dl.Subject != f.names.subjects+"."+tc.source || dl.StreamSequence == 0 {
				t.Errorf("dead letter %+v, want code %s", dl, tc.code)
			}
			var fields []string
			for _, p := range dl.Details {
				fields = append(fields, p.Field)
			}
			if strings.Join(fields, ",") != strings.Join(tc.problems, ",") {
				t.Errorf("problems %+v, want fields %v", dl.Details, tc.problems)
			}
		})
	}
}
