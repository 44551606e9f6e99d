package pebble_test

import (
	"bytes"
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"testing"
	"time"

	"github.com/candor-project/candor"
	"github.com/candor-project/candor/memstore"
	"github.com/candor-project/candor/pebble"
	"github.com/candor-project/candor/vault"
	cpebble "github.com/cockroachdb/pebble/v2"
)

// TestOpenReadsFormat4: a store of format 4, whose dedupe entries hold
// their event's digest, opens as it is and is marked format 5 (so that a
// format-4 build refuses it from then on); its old entries and the new
// ones written after it was opened are read back whole, with the digests
// of their events, and every event with its matches reads as it was
// committed.
func TestOpenReadsFormat4(t *testing.T) {
	ctx := t.Context()
	dir := t.TempDir()
	s := MustOpen(t, dir)
	sub := candor.SubjectRecord{ID: candor.NewSubjectID(), Kind: candor.Person, CreatedAt: time.Unix(1, 0).UTC()}
	events := testEvents(sub.ID, 0, 40)
	if _, err := s.Commit(ctx, &candor.WriteBatch{Subjects: []candor.SubjectRecord{sub}, Events: events}); err != nil {
		t.Fatal(err)
	}
	for _, e := range events[:3] {
		d, err := s.Dedupe(ctx, e.Dedupe)
		if err != nil || d != (candor.DedupeEntry{Digest: e.Digest, Subject: e.Subject, Event: e.ID}) {
			t.Fatalf("Dedupe of a new entry: %+v, %v", d, err)
		}
	}
	s.Close()
	// What a format-4 build wrote: the same events, their dedupe entries
	// with the digest.
	var kvs [][]byte
	for _, e := range events {
		kvs = append(kvs, pebble.DedupeKeyOf(e.Dedupe), pebble.EncodeDedupeV1(candor.DedupeEntry{Digest: e.Digest, Subject: e.Subject, Event: e.ID}))
	}
	kvs = append(kvs, []byte("\x00format"), binary.BigEndian.AppendUint32(nil, 4))
	writeRaw(t, dir, kvs...)

	s = MustOpen(t, dir)
	more := testEvents(sub.ID, 40, 10)
	if _, err := s.Commit(ctx, &candor.WriteBatch{Events: more}); err != nil {
		t.Fatal(err)
	}
	all := append(events, more...)
	for _, e := range all {
		d, err := s.Dedupe(ctx, e.Dedupe)
		if err != nil || d != (candor.DedupeEntry{Digest: e.Digest, Subject: e.Subject, Event: e.ID}) {
			t.Fatalf("Dedupe of event %d: %+v, %v", e.ID, d, err)
		}
	}
	var got []*candor.EventRecord
	for r, err := range s.Events(ctx, sub.ID, candor.EventFilter{}) {
		if err != nil {
			t.Fatal(err)
		}
		c := *r
		c.Sealed = bytes.Clone(r.Sealed)
		got = append(got, &c)
	}
	if len(got) != len(all) {
		t.Fatalf("Events: %d, want %d", len(got), len(all))
	}
	for i, e := range all {
		g := got[i]
		if g.ID != e.ID || !g.OccurredAt.Equal(e.OccurredAt) || g.Digest != e.Digest || g.Dedupe != e.Dedupe || !bytes.Equal(g.Sealed, e.Sealed) || g.State != e.State {
			t.Fatalf("event %d read back as %+v, want %+v", i, g, e)
		}
		_, ms, err := s.Event(ctx, e.Ref())
		if err != nil || len(ms) != 1 || !bytes.Equal(ms[0].Sealed, e.Matches[0].Sealed) {
			t.Fatalf("Event %d: matches %v, %v", e.ID, ms, err)
		}
	}
	s.Close()
	if v := readFormat(t, dir); v != pebble.FormatVersion {
		t.Fatalf("format after opening a format-4 store: %d, want %d", v, pebble.FormatVersion)
	}
}

func testEvents(sub candor.SubjectID, from, n int) []*candor.EventRecord {
	out := make([]*candor.EventRecord, n)
	for i := range out {
		e := &candor.EventRecord{Subject: sub, OccurredAt: time.Date(2026, 1, 1+from+i, 0, 0, 0, 0, time.UTC),
			State: candor.StateActive, Sealed: fmt.Appendf(nil, "sealed event %d", from+i),
			Matches: []*candor.MatchRecord{{Scorecard: 7, Sealed: fmt.Appendf(nil, "match %d", from+i)}}}
		rand.Read(e.Dedupe[:])
		rand.Read(e.Digest[:])
		out[i] = e
	}
	return out
}

func readFormat(t *testing.T, dir string) uint32 {
	t.Helper()
	db, err := cpebble.Open(dir, &cpebble.Options{Logger: quietLogger{}, ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	v, closer, err := db.Get([]byte("\x00format"))
	if err != nil || len(v) != 4 {
		t.Fatalf("format version: %x, %v", v, err)
	}
	defer closer.Close()
	return binary.BigEndian.Uint32(v)
}

// TestOpenReadsFormat5: a store of format 5, whose events keep lists of
// matches sealed each on its own with their type's name, opens as it is
// and is marked format 6; its matches and those of events stored after,
// sealed together with type numbers, read back through the vault, also
// after a state change rewrote an event of each kind.
func TestOpenReadsFormat5(t *testing.T) {
	ctx := t.Context()
	dir := t.TempDir()
	v, err := vault.New(bytes.Repeat([]byte{5}, vault.KeySize), memstore.NewKeyring())
	if err != nil {
		t.Fatal(err)
	}
	sub := candor.SubjectRecord{ID: candor.NewSubjectID(), Kind: candor.Person, CreatedAt: time.Unix(1, 0).UTC()}
	key, _ := v.NewSubjectKey(sub.ID)
	const cardA, cardB candor.ScorecardKey = 21, 22
	day := func(i int) time.Time { return time.Date(2026, 1, 1+i, 0, 0, 0, 0, time.UTC) }
	event := func(i int, ms []*candor.MatchRecord) *candor.EventRecord {
		e := &candor.EventRecord{Subject: sub.ID, OccurredAt: day(i), State: candor.StateActive, Sealed: []byte("sealed event"), Matches: ms}
		rand.Read(e.Dedupe[:])
		return e
	}
	// What a format-5 build wrote: each match sealed on its own (as
	// SealMatches still does without a type number), kept in a list.
	var old []*candor.EventRecord
	for i := range 3 {
		ms := key.SealMatches([]candor.Match{
			{Scorecard: cardA, Type: "credit.instalment_late", OccurredAt: day(i), Rules: 1},
			{Scorecard: cardB, Type: "credit.default", OccurredAt: day(i), Rules: 2, Values: []int64{int64(i)}}})
		for _, m := range ms {
			m.Subject, m.Event, m.State = candor.SubjectID{}, 0, 0
		}
		old = append(old, event(i, ms))
	}
	s := MustOpen(t, dir)
	if _, err := s.Commit(ctx, &candor.WriteBatch{Subjects: []candor.SubjectRecord{sub}, Events: old}); err != nil {
		t.Fatal(err)
	}
	s.Close()
	writeRaw(t, dir, []byte("\x00format"), binary.BigEndian.AppendUint32(nil, 5))

	s = MustOpen(t, dir)
	defer s.Close()
	_, recs := key.SealWithMatches(nil, []byte("content"), day(3), []candor.Match{
		{Scorecard: cardA, TypeNo: 1, Rules: 1}, {Scorecard: cardB, TypeNo: 2, Rules: 2, Values: []int64{3}}})
	fresh := event(3, recs)
	if _, err := s.Commit(ctx, &candor.WriteBatch{Events: []*candor.EventRecord{fresh}}); err != nil {
		t.Fatal(err)
	}
	check := func(disputed candor.EventID) {
		t.Helper()
		for _, card := range []candor.ScorecardKey{cardA, cardB} {
			got, err := key.ReadMatches(ctx, s, card)
			if err != nil || len(got) != 4 {
				t.Fatalf("ReadMatches(%d): %+v, %v", card, got, err)
			}
			for i, m := range got {
				wantState := candor.StateActive
				if m.Event == disputed {
					wantState = candor.StateDisputed
				}
				named := i < 3 // the old ones name their type
				if m.Rules != uint64(card-cardA+1) || (m.Type != "") != named || (m.TypeNo == 0) != named || m.State != wantState ||
					card == cardB && (len(m.Values) != 1 || m.Values[0] != int64(i)) {
					t.Fatalf("match %d with %d: %+v", i, card, m)
				}
			}
		}
	}
	check(0)
	for _, e := range []*candor.EventRecord{old[1], fresh} {
		if _, err := s.Commit(ctx, &candor.WriteBatch{Changes: []candor.StateChange{{Event: e.Ref(), Seen: candor.Seen{State: candor.StateActive, Matches: 2}, State: candor.StateDisputed}}}); err != nil {
			t.Fatal(err)
		}
		check(e.ID)
		if _, err := s.Commit(ctx, &candor.WriteBatch{Changes: []candor.StateChange{{Event: e.Ref(), Seen: candor.Seen{State: candor.StateDisputed, Matches: 2}, State: candor.StateActive}}}); err != nil {
			t.Fatal(err)
		}
	}
	s.Close()
	if v := readFormat(t, dir); v != pebble.FormatVersion {
		t.Fatalf("format after opening a format-5 store: %d, want %d", v, pebble.FormatVersion)
	}
}
