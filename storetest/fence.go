package storetest

import (
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/candor-project/candor"
)

// testFence: the generation starts at 0 and persists; once advanced,
// events matched at the old generation are refused whole, batches without
// events are not checked, and every event stored after has an ID above
// the bound.
func testFence(t *testing.T, h *harness) {
	if gen, err := h.s.MatchGeneration(ctx); gen != 0 || err != nil {
		t.Fatalf("MatchGeneration of a new store: %d %v, want 0", gen, err)
	}
	sub := newSubject(candor.Person)
	first := newEvent(sub.ID, base)
	MustCommit(t, h.s, &candor.WriteBatch{Subjects: []candor.SubjectRecord{sub}, Events: []*candor.EventRecord{first}})
	gen, bound, err := h.s.AdvanceMatchGeneration(ctx)
	if err != nil || gen != 1 || bound < first.ID {
		t.Fatalf("AdvanceMatchGeneration: %d %d %v, want 1 and a bound at or above %d", gen, bound, err, first.ID)
	}
	stale := newEvent(sub.ID, base.Add(time.Hour))
	_, err = h.s.Commit(ctx, &candor.WriteBatch{Events: []*candor.EventRecord{stale}})
	if !errors.Is(err, candor.ErrStaleMatches) || candor.ErrorCode(err) != candor.ECONFLICT {
		t.Fatalf("an event matched at generation 0 after the advance: %v, want ErrStaleMatches", err)
	}
	if _, err := h.s.Dedupe(ctx, stale.Dedupe); candor.ErrorCode(err) != candor.ENOTFOUND {
		t.Errorf("the refused event's dedupe entry: %v, want ENOTFOUND", err)
	}
	if got := events(t, h.s, sub.ID, candor.EventFilter{}); len(got) != 1 {
		t.Errorf("after the refusal the subject has %d events, want 1", len(got))
	}
	MustCommit(t, h.s, &candor.WriteBatch{Records: []*candor.Record{{Kind: candor.RecordConsent, ID: "fence", Subject: sub.ID, Data: []byte("x")}}})
	fresh := newEvent(sub.ID, base.Add(2*time.Hour))
	MustCommit(t, h.s, &candor.WriteBatch{Events: []*candor.EventRecord{fresh}, Generation: gen})
	if fresh.ID <= bound {
		t.Errorf("an event stored after the advance has ID %d, at or below the bound %d", fresh.ID, bound)
	}
	h.reopen()
	if got, err := h.s.MatchGeneration(ctx); got != gen || err != nil {
		t.Errorf("MatchGeneration after a reopen: %d %v, want %d", got, err, gen)
	}
}

// testFenceConcurrent: writers commit events, each at the generation it
// last read (reading it again when refused), while the generation is
// advanced several times; every advance's bound then splits the events
// exactly: those matched before it at or below, the others above.
func testFenceConcurrent(t *testing.T, h *harness) {
	type stored struct {
		id  candor.EventID
		gen uint64
	}
	type advance struct {
		gen   uint64
		bound candor.EventID
	}
	var (
		mu  sync.Mutex
		all []stored
		wg  sync.WaitGroup
	)
	const writers, perWriter = 4, 40
	for range writers {
		wg.Go(func() {
			sub := newSubject(candor.Person)
			MustCommit(t, h.s, &candor.WriteBatch{Subjects: []candor.SubjectRecord{sub}})
			gen, _ := h.s.MatchGeneration(ctx)
			for i := 0; i < perWriter; {
				e := newEvent(sub.ID, base.Add(time.Duration(i)*time.Minute))
				_, err := h.s.Commit(ctx, &candor.WriteBatch{Events: []*candor.EventRecord{e}, Generation: gen})
				switch {
				case errors.Is(err, candor.ErrStaleMatches):
					gen, err = h.s.MatchGeneration(ctx)
				case err == nil:
					mu.Lock()
					all = append(all, stored{e.ID, gen})
					mu.Unlock()
					i++
				}
				if err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	var advances []advance
	for range 5 {
		time.Sleep(2 * time.Millisecond)
		gen, bound, err := h.s.AdvanceMatchGeneration(ctx)
		if err != nil {
			t.Fatal(err)
		}
		advances = append(advances, advance{gen, bound})
	}
	wg.Wait()
	for _, a := range advances {
		for _, e := range all {
			if before := e.gen < a.gen; before != (e.id <= a.bound) {
				t.Errorf("event %d matched at generation %d, advance to %d with bound %d: the bound does not split the events", e.id, e.gen, a.gen, a.bound)
			}
		}
	}
}
