package memstore_test

import (
	"sync"
	"testing"
	"time"

	"github.com/candor-project/candor"
	"github.com/candor-project/candor/memstore"
	"github.com/candor-project/candor/storetest"
)

// TestStore runs the conformance suite. The suite opens a store by
// directory and expects the same data when it opens the same directory
// again: the test keeps the last handle opened under each and reopens it.
func TestStore(t *testing.T) {
	var (
		mu     sync.Mutex
		stores = map[string]*memstore.Store{}
	)
	storetest.RunWith(t, func(t *testing.T, dir string) candor.Store {
		mu.Lock()
		defer mu.Unlock()
		s, ok := stores[dir]
		if ok {
			s = s.Reopen()
		} else {
			s = memstore.New()
		}
		stores[dir] = s
		return s
	})
}

// TestHandles: handles on one store's data see each other's writes and
// versions, and closing one leaves the others open.
func TestHandles(t *testing.T) {
	ctx := t.Context()
	a := memstore.New()
	b := a.Reopen()
	sub := candor.SubjectRecord{ID: candor.NewSubjectID(), Kind: candor.Person}
	before := b.SubjectVersion(sub.ID)
	if _, err := a.Commit(ctx, &candor.WriteBatch{Subjects: []candor.SubjectRecord{sub}}); err != nil {
		t.Fatal(err)
	}
	if b.SubjectVersion(sub.ID) == before {
		t.Error("a commit through one handle left another's subject version unchanged")
	}
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Subject(ctx, sub.ID); candor.ErrorCode(err) != candor.EUNAVAILABLE {
		t.Errorf("Subject on a closed handle: %v, want EUNAVAILABLE", err)
	}
	if _, err := b.Subject(ctx, sub.ID); err != nil {
		t.Errorf("Subject on the handle left open: %v", err)
	}
	if err := a.Close(); candor.ErrorCode(err) != candor.EUNAVAILABLE {
		t.Errorf("second Close: %v, want EUNAVAILABLE", err)
	}
}

// TestCommitConflicts: a batch holding a key already stored, or twice,
// fails whole with ECONFLICT, as the contract (and PostgreSQL) has it.
func TestCommitConflicts(t *testing.T) {
	ctx := t.Context()
	s := memstore.New()
	sub := candor.SubjectRecord{ID: candor.NewSubjectID(), Kind: candor.Person}
	bi := candor.BlindIndex{1}
	at := time.Date(2026, 3, 14, 0, 0, 0, 0, time.UTC)
	ev := &candor.EventRecord{Subject: sub.ID, OccurredAt: at, Dedupe: candor.DedupeKey{2}}
	rec := &candor.Record{Kind: candor.RecordDecision, ID: "d1", Subject: sub.ID}
	if _, err := s.Commit(ctx, &candor.WriteBatch{Subjects: []candor.SubjectRecord{sub},
		Indexes: []candor.IndexEntry{{Index: bi, Subject: sub.ID}}, Events: []*candor.EventRecord{ev}, Records: []*candor.Record{rec}}); err != nil {
		t.Fatal(err)
	}
	other := candor.NewSubjectID()
	tests := []struct {
		name string
		b    *candor.WriteBatch
	}{
		{"stored subject", &candor.WriteBatch{Subjects: []candor.SubjectRecord{sub}}},
		{"subject twice", &candor.WriteBatch{Subjects: []candor.SubjectRecord{{ID: other}, {ID: other}}}},
		{"stored index", &candor.WriteBatch{Indexes: []candor.IndexEntry{{Index: bi, Subject: other}}}},
		{"stored dedupe key", &candor.WriteBatch{Events: []*candor.EventRecord{{Subject: other, OccurredAt: at, Dedupe: ev.Dedupe}}}},
		{"dedupe key twice", &candor.WriteBatch{Events: []*candor.EventRecord{{Subject: other, OccurredAt: at, Dedupe: candor.DedupeKey{3}}, {Subject: other, OccurredAt: at, Dedupe: candor.DedupeKey{3}}}}},
		{"stored record", &candor.WriteBatch{Records: []*candor.Record{{Kind: candor.RecordDecision, ID: "d1", Subject: sub.ID}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.b.Subjects = append(tt.b.Subjects, candor.SubjectRecord{ID: candor.NewSubjectID()})
			if _, err := s.Commit(ctx, tt.b); candor.ErrorCode(err) != candor.ECONFLICT {
				t.Fatalf("Commit: %v, want ECONFLICT", err)
			}
			if _, err := s.Subject(ctx, tt.b.Subjects[len(tt.b.Subjects)-1].ID); candor.ErrorCode(err) != candor.ENOTFOUND {
				t.Errorf("a refused batch stored its new subject (%v)", err)
			}
		})
	}
}

// TestEdges: what the suite does not reach. A batch deleting one event
// twice deletes it once, and AuditEntries after the last possible
// sequence yields nothing.
func TestEdges(t *testing.T) {
	ctx := t.Context()
	s := memstore.New()
	sub := candor.NewSubjectID()
	e := &candor.EventRecord{Subject: sub, OccurredAt: time.Date(2026, 3, 14, 0, 0, 0, 0, time.UTC), Dedupe: candor.DedupeKey{1}}
	if _, err := s.Commit(ctx, &candor.WriteBatch{Events: []*candor.EventRecord{e},
		Commitments: func(*candor.WriteBatch, uint64) ([]candor.Commitment, []candor.Commitment) {
			return []candor.Commitment{{1}}, nil
		}}); err != nil {
		t.Fatal(err)
	}
	del := candor.Deletion{Event: e.Ref(), Seen: candor.Seen{State: e.State}}
	if _, err := s.Commit(ctx, &candor.WriteBatch{Deletes: []candor.Deletion{del, del}}); err != nil {
		t.Fatalf("deleting an event twice in one batch: %v", err)
	}
	if _, _, err := s.Event(ctx, e.Ref()); candor.ErrorCode(err) != candor.ENOTFOUND {
		t.Errorf("Event after its deletion: %v, want ENOTFOUND", err)
	}
	for range s.AuditEntries(ctx, ^uint64(0)) {
		t.Error("AuditEntries after the last sequence yielded an entry")
	}
}
