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
	for p, err := range h.s.Population(ctx) {
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
		if orig == nil || p.Subject.Kind != orig.Kind || !bytes.Equal(p.Subject.WrappedKey, orig.WrappedKey) {
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
	for _, err := range h.s.Population(ctx) {
		if err != nil {
			t.Fatal(err)
		}
		if n++; n == 3 {
			break
		}
	}
}
