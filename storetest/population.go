package storetest

import (
	"bytes"
	"slices"
	"testing"
	"time"

	"github.com/candor-project/candor"
)

// testPopulation: every subject comes back once, in ID order, with exactly
// its own events in the order Events gives them, including subjects with no
// events; stopping early is fine.
func testPopulation(t *testing.T, h *harness) {
	var subjects []candor.SubjectRecord
	var evs []*candor.EventRecord
	for i := range 12 {
		s := newSubject(candor.Person)
		subjects = append(subjects, s)
		for j := range i % 4 { // some subjects have no events
			evs = append(evs, newEvent(s.ID, base.Add(time.Duration((j*7)%5)*time.Hour)))
		}
	}
	MustCommit(t, h.s, &candor.WriteBatch{Subjects: subjects, Events: evs})

	var got []candor.SubjectID
	for p, err := range h.s.Population(ctx, candor.Part{}) {
		if err != nil {
			t.Fatalf("Population: %v", err)
		}
		got = append(got, p.Subject.ID)
		want := events(t, h.s, p.Subject.ID, candor.EventFilter{})
		if len(p.Events) != len(want) {
			t.Fatalf("subject %s: %d events, want %d", p.Subject.ID, len(p.Events), len(want))
		}
		for i, e := range p.Events {
			if e.ID != want[i].ID || e.Subject != p.Subject.ID || !bytes.Equal(e.Sealed, want[i].Sealed) {
				t.Fatalf("subject %s event %d: got %+v, want %+v", p.Subject.ID, i, e, want[i])
			}
		}
		var orig *candor.SubjectRecord
		for i := range subjects {
			if subjects[i].ID == p.Subject.ID {
				orig = &subjects[i]
			}
		}
		if orig == nil || p.Subject.Kind != orig.Kind || !bytes.Equal(p.Subject.Sealed, orig.Sealed) {
			t.Fatalf("subject %s does not match what was stored", p.Subject.ID)
		}
	}
	want := make([]candor.SubjectID, len(subjects))
	for i, s := range subjects {
		want[i] = s.ID
	}
	slices.SortFunc(want, func(a, b candor.SubjectID) int { return bytes.Compare(a[:], b[:]) })
	if !slices.Equal(got, want) {
		t.Fatalf("Population yielded %d subjects %v, want %v in ID order", len(got), got, want)
	}
	n := 0
	for _, err := range h.s.Population(ctx, candor.Part{}) {
		if err != nil {
			t.Fatal(err)
		}
		if n++; n == 3 {
			break
		}
	}
}

// testPopulationParts: the parts of a split hold every subject exactly
// once, each with its events, and an invalid part is refused.
func testPopulationParts(t *testing.T, h *harness) {
	var subjects []candor.SubjectRecord
	var evs []*candor.EventRecord
	for i := range 200 {
		s := newSubject(candor.Person)
		if i == 0 {
			s.ID = candor.SubjectID{} // the lowest ID and the highest: the edges of the first and last part
			s.ID[15] = 1
		}
		if i == 1 {
			for k := range s.ID {
				s.ID[k] = 0xff
			}
		}
		subjects = append(subjects, s)
		evs = append(evs, newEvent(s.ID, base))
	}
	MustCommit(t, h.s, &candor.WriteBatch{Subjects: subjects, Events: evs})
	for _, of := range []int{1, 2, 3, 7} {
		seen := map[candor.SubjectID]int{}
		for i := range of {
			n := 0
			for p, err := range h.s.Population(ctx, candor.Part{Index: i, Of: of}) {
				if err != nil {
					t.Fatalf("part %d of %d: %v", i, of, err)
				}
				if len(p.Events) != 1 || p.Events[0].Subject != p.Subject.ID {
					t.Fatalf("part %d of %d: subject %s with %d events", i, of, p.Subject.ID, len(p.Events))
				}
				seen[p.Subject.ID]++
				n++
			}
			if of > 1 && (n < 200/of/3 || n > 3*200/of) {
				t.Errorf("part %d of %d holds %d of 200 subjects", i, of, n)
			}
		}
		for _, s := range subjects {
			if seen[s.ID] != 1 {
				t.Fatalf("split in %d: subject %s seen %d times", of, s.ID, seen[s.ID])
			}
		}
	}
	for _, bad := range []candor.Part{{Index: 2, Of: 2}, {Index: -1, Of: 3}, {Index: 1, Of: 1}} {
		var last error
		for _, err := range h.s.Population(ctx, bad) {
			last = err
		}
		wantCode(t, last, candor.EINVALID, "an invalid part")
	}
}
