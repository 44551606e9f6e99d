package storetest

import (
	"bytes"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/candor-project/candor"
)

// testUnaliased checks that records handed to and returned by the store
// share no memory with what it holds.
func testUnaliased(t *testing.T, h *harness) {
	sub := newSubject(candor.Person)
	var bi candor.BlindIndex
	rand32(&bi)
	ev := newEvent(sub.ID, base)
	wantSub := sub
	wantSub.Sealed = bytes.Clone(sub.Sealed)
	batch := &candor.WriteBatch{
		Subjects: []candor.SubjectRecord{sub},
		Indexes:  []candor.IndexEntry{{Index: bi, Subject: sub.ID}},
		Events:   []*candor.EventRecord{ev},
	}
	MustCommit(t, h.s, batch)
	wantEv := *ev
	wantEv.Sealed = bytes.Clone(ev.Sealed)

	// Scribble over the inputs.
	clear(sub.Sealed)
	batch.Subjects[0].Kind = candor.Organisation
	batch.Indexes[0].Subject = candor.SubjectID{}
	clear(ev.Sealed)
	ev.State = candor.StateRemoved

	checkSubject := func(what string) {
		t.Helper()
		got, err := h.s.Subject(ctx, sub.ID)
		if err != nil {
			t.Fatalf("Subject: %v", err)
		}
		if got.Kind != wantSub.Kind || !bytes.Equal(got.Sealed, wantSub.Sealed) {
			t.Errorf("%s changed the stored subject", what)
		}
	}
	checkEvent := func(what string) {
		t.Helper()
		wantEvents(t, events(t, h.s, sub.ID, candor.EventFilter{}), []*candor.EventRecord{&wantEv})
	}
	checkSubject("modifying the committed batch")
	checkEvent("modifying the committed batch")
	if got, err := h.s.SubjectByIndex(ctx, bi); err != nil || got != sub.ID {
		t.Errorf("modifying the committed batch changed the index: %s, %v", got, err)
	}

	// Scribble over what reads return.
	got, err := h.s.Subject(ctx, sub.ID)
	if err != nil {
		t.Fatalf("Subject: %v", err)
	}
	clear(got.Sealed)
	got.Sealed = append(got.Sealed, 1, 2, 3)
	checkSubject("modifying a returned subject")

	for r, err := range h.s.Events(ctx, sub.ID, candor.EventFilter{}) {
		if err != nil {
			t.Fatalf("Events: %v", err)
		}
		clear(r.Sealed)
		r.Sealed = append(r.Sealed, 1, 2, 3)
		r.State = candor.StateRemoved
	}
	checkEvent("modifying a yielded event")

	src := &candor.Source{ID: "bank7", Name: "Bank Seven", Kind: candor.SourceBank, AllowedTypes: []string{"loan_repaid"}, CreatedAt: base}
	if err := h.s.PutSource(ctx, src); err != nil {
		t.Fatalf("PutSource: %v", err)
	}
	src.Name, src.AllowedTypes[0] = "changed", "changed"
	gotSrc, err := h.s.Source(ctx, "bank7")
	if err != nil || gotSrc.Name != "Bank Seven" || !slices.Equal(gotSrc.AllowedTypes, []string{"loan_repaid"}) {
		t.Fatalf("modifying a put source changed the stored one: %+v, %v", gotSrc, err)
	}
	gotSrc.AllowedTypes[0] = "changed"
	if again, err := h.s.Source(ctx, "bank7"); err != nil || again.AllowedTypes[0] != "loan_repaid" {
		t.Errorf("modifying a returned source changed the stored one: %+v, %v", again, err)
	}

	value := []byte("value")
	if err := h.s.PutMeta(ctx, "name", value); err != nil {
		t.Fatalf("PutMeta: %v", err)
	}
	clear(value)
	gotMeta, err := h.s.GetMeta(ctx, "name")
	if err != nil || string(gotMeta) != "value" {
		t.Fatalf("modifying a put meta value changed the stored one: %q, %v", gotMeta, err)
	}
	clear(gotMeta)
	if again, err := h.s.GetMeta(ctx, "name"); err != nil || string(again) != "value" {
		t.Errorf("modifying a returned meta value changed the stored one: %q, %v", again, err)
	}
}

// testConcurrentCommit commits from several goroutines while others read.
func testConcurrentCommit(t *testing.T, h *harness) {
	const writers, commits, perCommit = 6, 15, 40
	subs := make([]candor.SubjectID, 8)
	for i := range subs {
		subs[i] = candor.NewSubjectID()
	}
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		all      []*candor.EventRecord
		seqs     []uint64
		done     = make(chan struct{})
		readErrs = make(chan error, 1)
	)
	for w := range writers {
		wg.Go(func() {
			for c := range commits {
				evs := make([]*candor.EventRecord, perCommit)
				for i := range evs {
					evs[i] = newEvent(subs[(w+c+i)%len(subs)], base.Add(time.Duration(w*1000+c*perCommit+i)*time.Millisecond))
				}
				seq, err := h.s.Commit(ctx, &candor.WriteBatch{Events: evs})
				if err != nil {
					t.Errorf("writer %d, commit %d: %v", w, c, err)
					return
				}
				mu.Lock()
				all = append(all, evs...)
				seqs = append(seqs, seq)
				mu.Unlock()
			}
		})
	}
	var readers sync.WaitGroup
	readers.Go(func() {
		for {
			select {
			case <-done:
				return
			default:
			}
			for _, s := range subs {
				last := time.Time{}
				for r, err := range h.s.Events(ctx, s, candor.EventFilter{}) {
					if err == nil && r.OccurredAt.Before(last) {
						err = errOutOfOrder
					}
					if err != nil {
						select {
						case readErrs <- err:
						default:
						}
						return
					}
					last = r.OccurredAt
				}
			}
		}
	})
	wg.Wait()
	close(done)
	readers.Wait()
	select {
	case err := <-readErrs:
		t.Errorf("reading while committing: %v", err)
	default:
	}
	if t.Failed() {
		return
	}

	ids := map[candor.EventID]bool{}
	for _, e := range all {
		if e.ID == 0 || ids[e.ID] {
			t.Fatalf("event ID %d assigned twice (or not at all)", e.ID)
		}
		ids[e.ID] = true
	}
	slices.Sort(seqs)
	if len(slices.Compact(seqs)) != writers*commits {
		t.Errorf("%d commits returned %d distinct sequence numbers", writers*commits, len(seqs))
	}
	for _, s := range subs {
		var want []*candor.EventRecord
		for _, e := range all {
			if e.Subject == s {
				want = append(want, e)
			}
		}
		wantEvents(t, events(t, h.s, s, candor.EventFilter{}), sortedByOccurrence(want))
	}
	for _, e := range all {
		if d, err := h.s.Dedupe(ctx, e.Dedupe); err != nil || d.Event != e.ID {
			t.Fatalf("Dedupe of event %d = %+v, %v", e.ID, d, err)
		}
	}
}

var errOutOfOrder = candor.Errorf(candor.EINTERNAL, "events out of order")

// testReopen checks that everything survives closing and reopening the
// store, and that IDs and commit sequences carry on where they stopped.
func testReopen(t *testing.T, h *harness) {
	sub := newSubject(candor.Person)
	var bi candor.BlindIndex
	rand32(&bi)
	e1, e2 := newEvent(sub.ID, base), newEvent(sub.ID, base.Add(time.Minute))
	seq1 := MustCommit(t, h.s, &candor.WriteBatch{
		Subjects: []candor.SubjectRecord{sub},
		Indexes:  []candor.IndexEntry{{Index: bi, Subject: sub.ID}},
		Events:   []*candor.EventRecord{e1},
	})
	seq2 := commitEvents(t, h.s, e2)
	src := &candor.Source{ID: "tax", Name: "Tax office", Kind: candor.SourceTaxAuthority, CreatedAt: base}
	_, key := candor.NewAPIKey(candor.RoleSource, "tax", base)
	if err := h.s.PutSource(ctx, src); err != nil {
		t.Fatal(err)
	}
	if err := h.s.PutKey(ctx, key); err != nil {
		t.Fatal(err)
	}
	if err := h.s.PutMeta(ctx, "demo_loaded", []byte("yes")); err != nil {
		t.Fatal(err)
	}

	if seq2 <= seq1 {
		t.Errorf("commit sequences %d then %d, want increasing", seq1, seq2)
	}
	want := []*candor.EventRecord{e1, e2}
	lastID, lastSeq := e2.ID, seq2
	for round := range 2 {
		s := h.reopen()
		if got, err := s.Subject(ctx, sub.ID); err != nil || !bytes.Equal(got.Sealed, sub.Sealed) {
			t.Errorf("round %d: Subject after reopen: %v", round, err)
		}
		if got, err := s.SubjectByIndex(ctx, bi); err != nil || got != sub.ID {
			t.Errorf("round %d: SubjectByIndex after reopen = %s, %v", round, got, err)
		}
		if d, err := s.Dedupe(ctx, e2.Dedupe); err != nil || d.Event != e2.ID {
			t.Errorf("round %d: Dedupe after reopen = %+v, %v", round, d, err)
		}
		if got, err := s.Source(ctx, "tax"); err != nil || !sameSource(got, src) {
			t.Errorf("round %d: Source after reopen = %+v, %v", round, got, err)
		}
		if got, err := s.Key(ctx, key.ID); err != nil || !sameKey(got, key) {
			t.Errorf("round %d: Key after reopen = %+v, %v", round, got, err)
		}
		if got, err := s.GetMeta(ctx, "demo_loaded"); err != nil || string(got) != "yes" {
			t.Errorf("round %d: GetMeta after reopen = %q, %v", round, got, err)
		}
		wantEvents(t, events(t, s, sub.ID, candor.EventFilter{}), sortedByOccurrence(want))

		// Counters carry on where they stopped.
		e := newEvent(sub.ID, base.Add(-time.Duration(round+1)*time.Minute))
		seq := commitEvents(t, s, e)
		if e.ID <= lastID {
			t.Errorf("round %d: first event after reopen has ID %d, not above %d", round, e.ID, lastID)
		}
		if seq <= lastSeq {
			t.Errorf("round %d: first commit after reopen has sequence %d, not above %d", round, seq, lastSeq)
		}
		want = append(want, e)
		lastID, lastSeq = e.ID, seq
	}
	wantEvents(t, events(t, h.s, sub.ID, candor.EventFilter{}), sortedByOccurrence(want))
}

func testSize(t *testing.T, h *harness) {
	before := h.s.Size()
	if before < 0 {
		t.Errorf("Size of an empty store = %d", before)
	}
	sub := candor.NewSubjectID()
	var evs []*candor.EventRecord
	for i := range 2000 {
		e := newEvent(sub, base.Add(time.Duration(i)*time.Second))
		e.Sealed = randomBytes(500)
		evs = append(evs, e)
	}
	commitEvents(t, h.s, evs...)
	if after := h.s.Size(); after <= before {
		t.Errorf("Size = %d after committing 1 MB, %d before", after, before)
	}
}

// testClosed checks that a closed store returns errors rather than
// panicking.
func testClosed(t *testing.T, h *harness) {
	s := h.s
	h.close()
	sub := candor.NewSubjectID()
	checks := []struct {
		name string
		call func() error
	}{
		{"Commit", func() error {
			_, err := s.Commit(ctx, &candor.WriteBatch{Events: []*candor.EventRecord{newEvent(sub, base)}})
			return err
		}},
		{"Subject", func() error { _, err := s.Subject(ctx, sub); return err }},
		{"SubjectByIndex", func() error { _, err := s.SubjectByIndex(ctx, candor.BlindIndex{}); return err }},
		{"Dedupe", func() error { _, err := s.Dedupe(ctx, candor.DedupeKey{}); return err }},
		{"Events", func() error {
			for _, err := range s.Events(ctx, sub, candor.EventFilter{}) {
				if err != nil {
					return err
				}
			}
			return nil
		}},
		{"Matches", func() error {
			for _, err := range s.Matches(ctx, sub, 1) {
				if err != nil {
					return err
				}
			}
			return nil
		}},
		{"PutMatches", func() error { return s.PutMatches(ctx, nil) }},
		{"PutRecord", func() error {
			return s.PutRecord(ctx, &candor.Record{Kind: candor.RecordConsent, ID: "x"})
		}},
		{"Record", func() error { _, err := s.Record(ctx, candor.RecordConsent, "x"); return err }},
		{"PutSource", func() error { return s.PutSource(ctx, &candor.Source{ID: "x", Name: "x", Kind: candor.SourceBank}) }},
		{"Sources", func() error { _, err := s.Sources(ctx); return err }},
		{"Key", func() error { _, err := s.Key(ctx, "x"); return err }},
		{"GetMeta", func() error { _, err := s.GetMeta(ctx, "x"); return err }},
		{"PutMeta", func() error { return s.PutMeta(ctx, "x", nil) }},
	}
	for _, c := range checks {
		t.Run(c.name, func(t *testing.T) {
			if err := c.call(); err == nil {
				t.Errorf("%s on a closed store succeeded", c.name)
			}
		})
	}
}
