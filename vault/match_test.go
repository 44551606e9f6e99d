package vault_test

import (
	"bytes"
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/candor-project/candor"
	"github.com/candor-project/candor/pebble"
	"github.com/candor-project/candor/vault"
)

func TestMatchesRoundTrip(t *testing.T) {
	ctx := context.Background()
	st, err := pebble.Open(t.TempDir(), pebble.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	v := mustVault(t, 1)
	id := candor.NewSubjectID()
	key, _ := v.NewSubjectKey(id)
	ev := validEvent()
	plain, _ := vault.EncodeEvent(nil, "bank7", ev.OccurredAt, ev)
	const cardA, cardB candor.ScorecardKey = 11, 12
	ms := []candor.Match{{Scorecard: cardA, Type: ev.Type.Name, Rules: 1<<63 | 5}, {Scorecard: cardB, Type: ev.Type.Name, Rules: 2, Values: []int64{45, 0, -1 << 62}}}
	sealedEv, recs := key.SealWithMatches(nil, plain, ev.OccurredAt, ms)
	if len(recs) != 2 || bytes.Contains(recs[0].Sealed, []byte("instalment")) {
		t.Fatalf("SealWithMatches gave %d records (or one holds the type in the clear)", len(recs))
	}
	rec := &candor.EventRecord{Subject: id, OccurredAt: ev.OccurredAt, State: candor.StateActive, Sealed: sealedEv, Matches: recs}
	if _, err := st.Commit(ctx, &candor.WriteBatch{Events: []*candor.EventRecord{rec}}); err != nil {
		t.Fatal(err)
	}
	if _, err := key.OpenEvent(rec); err != nil {
		t.Fatalf("the event sealed with its matches does not open: %v", err)
	}
	got, err := key.ReadMatches(ctx, st, cardA)
	want := candor.Match{Scorecard: cardA, Event: rec.ID, Type: ev.Type.Name, OccurredAt: ev.OccurredAt, State: candor.StateActive, Rules: 1<<63 | 5}
	if err != nil || len(got) != 1 || !reflect.DeepEqual(got[0], want) {
		t.Fatalf("ReadMatches: %+v, %v; want %+v", got, err, want)
	}
	// The values a sum or max aggregates come back as sealed.
	got, err = key.ReadMatches(ctx, st, cardB)
	want = candor.Match{Scorecard: cardB, Event: rec.ID, Type: ev.Type.Name, OccurredAt: ev.OccurredAt, State: candor.StateActive, Rules: 2, Values: []int64{45, 0, -1 << 62}}
	if err != nil || len(got) != 1 || !reflect.DeepEqual(got[0], want) {
		t.Fatalf("ReadMatches with values: %+v, %v; want %+v", got, err, want)
	}

	// A match moved to another scorecard or time does not open.
	moved := key.SealMatches([]candor.Match{{Scorecard: cardA, Event: rec.ID, Type: "x", OccurredAt: ev.OccurredAt, State: candor.StateActive, Rules: 1}})
	for _, change := range []func(*candor.MatchRecord){
		func(r *candor.MatchRecord) { r.Scorecard = cardB },
		func(r *candor.MatchRecord) { r.OccurredAt = r.OccurredAt.Add(time.Hour) },
	} {
		r := *moved[0]
		change(&r)
		if err := st.PutMatches(ctx, []*candor.MatchRecord{&r}); err != nil {
			t.Fatal(err)
		}
		if _, err := key.ReadMatches(ctx, st, r.Scorecard); err == nil {
			t.Errorf("a match moved to scorecard %x at %s opened", r.Scorecard, r.OccurredAt)
		}
	}
	other, _ := v.NewSubjectKey(id)
	if _, err := other.ReadMatches(ctx, st, cardA); err == nil {
		t.Error("a match opened under another data key")
	}
}
