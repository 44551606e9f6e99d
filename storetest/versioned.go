package storetest

import (
	"sync"
	"testing"
	"time"

	"github.com/candor-project/candor"
)

// Versioned (store.go): every write that could stale what a caller cached
// changes the version covering it, before the write returns.

// versions is what the cases watch of one subject: its subject version
// and the versions of two kinds of its records.
type versions [3]uint64

var versionNames = [3]string{"subject", "consents", "decisions"}

// What a write must change, as bits of versions.
const (
	changesSubject = 1 << iota
	changesConsents
	changesDecisions
)

func readVersions(s candor.Store, id candor.SubjectID) versions {
	return versions{s.SubjectVersion(id), s.RecordsVersion(candor.RecordConsent, id), s.RecordsVersion(candor.RecordDecision, id)}
}

// versionWrite is a write and the versions it must change.
type versionWrite struct {
	name    string
	changes int
	write   func() error
}

// checkVersionWrites runs the writes in order and fails the test for every
// version a write did not raise, or that went back.
func checkVersionWrites(t *testing.T, s candor.Store, id candor.SubjectID, writes []versionWrite) {
	t.Helper()
	for _, w := range writes {
		before := readVersions(s, id)
		if err := w.write(); err != nil {
			t.Fatalf("%s: %v", w.name, err)
		}
		after := readVersions(s, id)
		for i := range after {
			switch {
			case after[i] < before[i]:
				t.Errorf("%s took the %s version back from %d to %d", w.name, versionNames[i], before[i], after[i])
			case w.changes&(1<<i) != 0 && after[i] == before[i]:
				t.Errorf("%s did not change the %s version", w.name, versionNames[i])
			}
		}
	}
}

// testSubjectWrites checks that every write of a subject's record, events
// and matches changes its subject version, and an erasure every version.
func testSubjectWrites(t *testing.T, h *harness) {
	sub := newSubject(candor.Person)
	id := sub.ID
	e := newEvent(id, base)
	e.Matches = []*candor.MatchRecord{{Scorecard: 1, Sealed: randomBytes(8)}}
	seen := candor.Seen{State: candor.StateActive, Matches: 3}
	commit := func(b *candor.WriteBatch) func() error {
		return func() error { _, err := h.s.Commit(ctx, b); return err }
	}
	match := func(card candor.ScorecardKey) *candor.MatchRecord {
		return &candor.MatchRecord{Subject: id, Scorecard: card, OccurredAt: e.OccurredAt, Event: e.ID, State: candor.StateActive, Sealed: randomBytes(8)}
	}
	checkVersionWrites(t, h.s, id, []versionWrite{
		{"a new subject", changesSubject, commit(&candor.WriteBatch{Subjects: []candor.SubjectRecord{sub}})},
		{"an event", changesSubject, commit(&candor.WriteBatch{Events: []*candor.EventRecord{e}})},
		{"a match on its own", changesSubject, func() error {
			_, err := h.s.Commit(ctx, &candor.WriteBatch{Matches: []*candor.MatchRecord{match(2)}})
			return err
		}},
		{"PutMatches", changesSubject, func() error { return h.s.PutMatches(ctx, []*candor.MatchRecord{match(3)}) }},
		{"a state change", changesSubject, func() error {
			_, err := h.s.Commit(ctx, &candor.WriteBatch{Changes: []candor.StateChange{{Event: e.Ref(), Seen: seen, State: candor.StateDisputed}}})
			return err
		}},
		{"a deletion", changesSubject, func() error {
			_, err := h.s.Commit(ctx, &candor.WriteBatch{Deletes: []candor.Deletion{{Event: e.Ref(), Seen: candor.Seen{State: candor.StateDisputed, Matches: 3}}}})
			return err
		}},
		{"an erasure", changesSubject | changesConsents | changesDecisions, commit(&candor.WriteBatch{Erase: []candor.Erasure{{Subject: id}}})},
	})
}

// testRecordWrites checks that every write of a subject's records of a
// kind changes that kind's version, and of records about no subject the
// zero subject's.
func testRecordWrites(t *testing.T, h *harness) {
	id := candor.NewSubjectID()
	consent := func(data string) *candor.Record {
		return &candor.Record{Kind: candor.RecordConsent, ID: "c1", Subject: id, Data: []byte(data)}
	}
	checkVersionWrites(t, h.s, id, []versionWrite{
		{"a record in a batch", changesConsents, func() error {
			_, err := h.s.Commit(ctx, &candor.WriteBatch{Records: []*candor.Record{consent("granted")}})
			return err
		}},
		{"PutRecord", changesConsents, func() error { return h.s.PutRecord(ctx, consent("revoked")) }},
		{"DeleteRecord", changesConsents, func() error { return h.s.DeleteRecord(ctx, candor.RecordConsent, "c1") }},
		{"a decision", changesDecisions, func() error {
			return h.s.PutRecord(ctx, &candor.Record{Kind: candor.RecordDecision, ID: "d1", Subject: id, Data: []byte("d")})
		}},
	})

	var none candor.SubjectID
	before := h.s.RecordsVersion(candor.RecordRelyingParty, none)
	if err := h.s.PutRecord(ctx, &candor.Record{Kind: candor.RecordRelyingParty, ID: "rp1", Data: []byte("{}")}); err != nil {
		t.Fatal(err)
	}
	if after := h.s.RecordsVersion(candor.RecordRelyingParty, none); after <= before {
		t.Errorf("PutRecord of a relying party: version %d, was %d; want it raised", after, before)
	}
}

// testVersionsGrow writes one subject's data from several goroutines
// while others read its versions, and checks that no reader ever sees a
// version go back, and that the versions end above where they started.
func testVersionsGrow(t *testing.T, h *harness) {
	sub := newSubject(candor.Person)
	MustCommit(t, h.s, &candor.WriteBatch{Subjects: []candor.SubjectRecord{sub}})
	start := readVersions(h.s, sub.ID)
	var wg sync.WaitGroup
	done := make(chan struct{})
	for range 2 {
		wg.Go(func() {
			last := start
			for {
				select {
				case <-done:
					return
				default:
				}
				v := readVersions(h.s, sub.ID)
				for i := range v {
					if v[i] < last[i] {
						t.Errorf("the %s version went back from %d to %d", versionNames[i], last[i], v[i])
						return
					}
				}
				last = v
			}
		})
	}
	var writers sync.WaitGroup
	for w := range 2 {
		writers.Go(func() {
			for i := range 20 {
				if w == 0 {
					if _, err := h.s.Commit(ctx, &candor.WriteBatch{Events: []*candor.EventRecord{newEvent(sub.ID, base.Add(time.Duration(i)*time.Minute))}}); err != nil {
						t.Error(err)
						return
					}
					continue
				}
				if err := h.s.PutRecord(ctx, &candor.Record{Kind: candor.RecordConsent, ID: "c1", Subject: sub.ID, Data: []byte{byte(i)}}); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	writers.Wait()
	close(done)
	wg.Wait()
	end := readVersions(h.s, sub.ID)
	if end[0] <= start[0] || end[1] <= start[1] {
		t.Errorf("versions %v after 20 events and 20 consents, %v before; want subject and consents raised", end, start)
	}
}

// testCapabilities checks that CheckCapabilities accepts the store.
func testCapabilities(t *testing.T, h *harness) {
	if err := candor.CheckCapabilities(h.s); err != nil {
		t.Fatal(err)
	}
}

// testErasuresVersion checks that RecordsVersion(RecordErased, zero)
// changes with every erasure of a subject, and not with writes of
// subjects' data, however many subjects they touch.
func testErasuresVersion(t *testing.T, h *harness) {
	var none candor.SubjectID
	erasures := func() uint64 { return h.s.RecordsVersion(candor.RecordErased, none) }
	before := erasures()
	b := &candor.WriteBatch{}
	for range 300 {
		sub := newSubject(candor.Person)
		b.Subjects = append(b.Subjects, sub)
		b.Events = append(b.Events, newEvent(sub.ID, base))
		b.Records = append(b.Records, &candor.Record{Kind: candor.RecordConsent, ID: sub.ID.String(), Subject: sub.ID, Data: []byte("c")})
	}
	MustCommit(t, h.s, b)
	if after := erasures(); after != before {
		t.Errorf("writes of 300 subjects' data changed the erasures' version from %d to %d", before, after)
	}
	MustCommit(t, h.s, &candor.WriteBatch{Erase: []candor.Erasure{{Subject: b.Subjects[0].ID, Events: 1}}})
	if after := erasures(); after <= before {
		t.Errorf("an erasure left the erasures' version at %d", after)
	}
}
