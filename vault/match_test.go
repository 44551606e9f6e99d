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

// matchFixture is what the match tests start from: a Pebble store (closed
// when the test ends), a vault, a new subject and its key, and a valid
// event encoded as source bank7's.
func matchFixture(t *testing.T) (*pebble.Store, *vault.Vault, candor.SubjectID, *vault.SubjectKey, *candor.ValidEvent, []byte) {
	t.Helper()
	st, err := pebble.Open(t.TempDir(), pebble.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	v := mustVault(t, 1)
	id := candor.NewSubjectID()
	key, _ := v.NewSubjectKey(id)
	ev := validEvent()
	plain, _ := vault.EncodeEvent(nil, "bank7", ev.OccurredAt, ev)
	return st, v, id, key, ev, plain
}

func TestMatchesRoundTrip(t *testing.T) {
	ctx := context.Background()
	st, v, id, key, ev, plain := matchFixture(t)
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

// TestMatchesSealedTogether: an event's matches are sealed in one group
// (one nonce, one tag, type numbers rather than names), which each record
// carries; reading one scorecard's matches returns its entry alone; a
// group whose keys were reordered, or moved to another time, does not
// open; a match sealed on its own with a type number reads back with it.
func TestMatchesSealedTogether(t *testing.T) {
	ctx := context.Background()
	st, _, id, key, ev, plain := matchFixture(t)
	const cardA, cardB, cardC candor.ScorecardKey = 11, 12, 13
	ms := []candor.Match{
		{Scorecard: cardA, Type: ev.Type.Name, TypeNo: 2, Rules: 5},
		{Scorecard: cardB, Type: ev.Type.Name, Rules: 2, Values: []int64{45, 0, -1 << 62}}, // no number: the name is kept
		{Scorecard: cardC, Type: ev.Type.Name, TypeNo: 300, Rules: 1 << 63, Values: []int64{7}},
	}
	_, recs := key.SealWithMatches(nil, plain, ev.OccurredAt, ms)
	g := recs[0].Sealed
	for i, r := range recs {
		if !r.Shared || r.Scorecard != ms[i].Scorecard || !bytes.Equal(r.Sealed, g) {
			t.Fatalf("record %d: %+v; want the group, shared", i, r)
		}
	}
	// The header (1 + 3 × 8), one nonce and tag (28), and the plaintext:
	// version 1, A's 3 bytes (number, rules, no values), B's 0, the name,
	// rules and 12 bytes of values, C's 2 + 10 + 1 + 1.
	if want := 1 + 24 + 28 + 1 + 3 + (1 + 1 + len(ev.Type.Name) + 1 + 12) + (2 + 10 + 1 + 1); len(g) != want {
		t.Errorf("group of %d bytes, want %d", len(g), want)
	}
	rec := &candor.EventRecord{Subject: id, OccurredAt: ev.OccurredAt, State: candor.StateActive, Sealed: []byte("e"), Matches: recs}
	if _, err := st.Commit(ctx, &candor.WriteBatch{Events: []*candor.EventRecord{rec}}); err != nil {
		t.Fatal(err)
	}
	for _, m := range ms {
		got, err := key.ReadMatches(ctx, st, m.Scorecard)
		want := m
		want.Event, want.OccurredAt, want.State = rec.ID, ev.OccurredAt, candor.StateActive
		if want.TypeNo != 0 {
			want.Type = "" // stored as its number
		}
		if err != nil || len(got) != 1 || !reflect.DeepEqual(got[0], want) {
			t.Fatalf("ReadMatches(%x): %+v, %v; want %+v", m.Scorecard, got, err, want)
		}
	}

	// The same group with A's and B's keys swapped, or at another time.
	swapped := bytes.Clone(g)
	copy(swapped[1:9], g[9:17])
	copy(swapped[9:17], g[1:9])
	for i, e := range []*candor.EventRecord{
		{Subject: id, OccurredAt: ev.OccurredAt.Add(time.Hour), State: candor.StateActive, Sealed: []byte("e"),
			Matches: []*candor.MatchRecord{{Scorecard: cardB, Shared: true, Sealed: swapped}, {Scorecard: cardA, Shared: true, Sealed: swapped}, {Scorecard: cardC, Shared: true, Sealed: swapped}}},
		{Subject: id, OccurredAt: ev.OccurredAt.Add(2 * time.Hour), State: candor.StateActive, Sealed: []byte("e"),
			Matches: []*candor.MatchRecord{{Scorecard: cardA, Shared: true, Sealed: g}, {Scorecard: cardB, Shared: true, Sealed: g}, {Scorecard: cardC, Shared: true, Sealed: g}}},
	} {
		other, err := pebble.Open(t.TempDir(), pebble.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := other.Commit(ctx, &candor.WriteBatch{Events: []*candor.EventRecord{e}}); err != nil {
			t.Fatal(err)
		}
		if got, err := key.ReadMatches(ctx, other, cardA); err == nil {
			t.Errorf("case %d: an altered or moved group opened: %+v", i, got)
		}
		other.Close()
	}

	// On its own, with a type number: version 3.
	alone := key.SealMatches([]candor.Match{{Scorecard: 20, Event: rec.ID, Type: ev.Type.Name, TypeNo: 1, OccurredAt: ev.OccurredAt, State: candor.StateActive, Rules: 3}})
	if err := st.PutMatches(ctx, alone); err != nil {
		t.Fatal(err)
	}
	got, err := key.ReadMatches(ctx, st, 20)
	if err != nil || len(got) != 1 || got[0].TypeNo != 1 || got[0].Type != "" || got[0].Rules != 3 {
		t.Fatalf("a match on its own with a type number: %+v, %v", got, err)
	}
}
