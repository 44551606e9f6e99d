package memstore

import (
	"bytes"
	"cmp"
	"math"
	"slices"
	"time"

	"github.com/candor-project/candor"
)

// Event times are kept, as pebble keeps them, in Unix nanoseconds, which
// cover 1677 to 2262; an event or match outside is refused (EINVALID).
var (
	minTime = time.Unix(0, math.MinInt64).UTC()
	maxTime = time.Unix(0, math.MaxInt64).UTC()
)

func inRange(t time.Time) bool { return !t.Before(minTime) && !t.After(maxTime) }

// place is where an event or match sorts within its subject (and
// scorecard): by occurrence, ties by event ID.
type place struct {
	at time.Time
	id candor.EventID
}

func cmpEvent(e *candor.EventRecord, p place) int {
	return cmp.Or(e.OccurredAt.Compare(p.at), cmp.Compare(e.ID, p.id))
}

func cmpMatch(m *candor.MatchRecord, p place) int {
	return cmp.Or(m.OccurredAt.Compare(p.at), cmp.Compare(m.Event, p.id))
}

// event returns the stored event ref names and its position, or nil.
func (d *data) event(ref candor.EventRef) (*subjectData, int, *candor.EventRecord) {
	h := d.held[ref.Subject]
	if h == nil {
		return nil, 0, nil
	}
	i, ok := slices.BinarySearchFunc(h.events, place{ref.OccurredAt, ref.ID}, cmpEvent)
	if !ok {
		return h, i, nil
	}
	return h, i, h.events[i]
}

// heldFor returns the data stored under sub, creating it if need be.
func (d *data) heldFor(sub candor.SubjectID) *subjectData {
	h := d.held[sub]
	if h == nil {
		h = &subjectData{}
		d.held[sub] = h
	}
	return h
}

// forgetIfEmpty drops the data stored under sub once nothing is left.
func (d *data) forgetIfEmpty(sub candor.SubjectID) {
	if h := d.held[sub]; h != nil && h.empty() {
		delete(d.held, sub)
	}
}

// insertEvent stores a copy of e (whose ID is assigned) in order.
func (h *subjectData) insertEvent(e *candor.EventRecord) {
	c := copyEvent(e)
	i, _ := slices.BinarySearchFunc(h.events, place{c.OccurredAt, c.ID}, cmpEvent)
	h.events = slices.Insert(h.events, i, c)
}

// putMatch stores a copy of m in order, replacing a match stored under
// the same scorecard, time and event.
func (h *subjectData) putMatch(m *candor.MatchRecord) {
	c := copyMatch(m)
	if h.matches == nil {
		h.matches = map[candor.ScorecardKey][]*candor.MatchRecord{}
	}
	ms := h.matches[c.Scorecard]
	i, found := slices.BinarySearchFunc(ms, place{c.OccurredAt, c.Event}, cmpMatch)
	if found {
		ms[i] = c
		return
	}
	h.matches[c.Scorecard] = slices.Insert(ms, i, c)
}

// eventMatches returns the matches stored for the event at p, of any
// scorecard, in scorecard key order.
func (h *subjectData) eventMatches(p place) []*candor.MatchRecord {
	cards := make([]candor.ScorecardKey, 0, len(h.matches))
	for card := range h.matches {
		cards = append(cards, card)
	}
	slices.Sort(cards)
	var out []*candor.MatchRecord
	for _, card := range cards {
		ms := h.matches[card]
		if i, ok := slices.BinarySearchFunc(ms, p, cmpMatch); ok {
			out = append(out, ms[i])
		}
	}
	return out
}

// setState replaces the event at index i and every match stored for it by
// copies in state, the matches all stored with their event.
func (h *subjectData) setState(i int, state candor.EventState) {
	e := *h.events[i]
	e.State = state
	h.events[i] = &e
	p := place{e.OccurredAt, e.ID}
	for _, ms := range h.matches {
		if j, ok := slices.BinarySearchFunc(ms, p, cmpMatch); ok {
			m := *ms[j]
			m.State, m.Alone = state, false
			ms[j] = &m
		}
	}
}

// deleteEvent removes the event at index i with every match stored for it.
func (h *subjectData) deleteEvent(i int) {
	e := h.events[i]
	h.events = slices.Delete(h.events, i, i+1)
	p := place{e.OccurredAt, e.ID}
	for card, ms := range h.matches {
		if j, ok := slices.BinarySearchFunc(ms, p, cmpMatch); ok {
			ms = slices.Delete(ms, j, j+1)
			if len(ms) == 0 {
				delete(h.matches, card)
			} else {
				h.matches[card] = ms
			}
		}
	}
}

// lastAccess returns the number of the subject's last access record, 0 if
// none.
func (h *subjectData) lastAccess() uint64 {
	if h == nil || len(h.access) == 0 {
		return 0
	}
	return h.access[len(h.access)-1].N
}

// Copies in and out: the store shares no memory with its callers.

func copyEvent(e *candor.EventRecord) *candor.EventRecord {
	c := *e
	c.OccurredAt = storedTime(e.OccurredAt)
	c.Sealed = bytes.Clone(e.Sealed)
	c.Matches = nil
	return &c
}

func copyMatch(m *candor.MatchRecord) *candor.MatchRecord {
	c := *m
	c.OccurredAt = storedTime(m.OccurredAt)
	c.Sealed = bytes.Clone(m.Sealed)
	return &c
}

func copySubject(r *candor.SubjectRecord) *candor.SubjectRecord {
	c := *r
	c.CreatedAt = storedTime(r.CreatedAt)
	c.Sealed = bytes.Clone(r.Sealed)
	return &c
}

func copyAccess(a *candor.AccessRecord) *candor.AccessRecord {
	c := *a
	c.Sealed = bytes.Clone(a.Sealed)
	return &c
}

func copyRecord(r *candor.Record) *candor.Record {
	c := *r
	c.Data = bytes.Clone(r.Data)
	return &c
}

func copyEntry(e *candor.AuditEntry) *candor.AuditEntry {
	return &candor.AuditEntry{Seq: e.Seq, Write: slices.Clone(e.Write), Access: slices.Clone(e.Access), Retired: slices.Clone(e.Retired)}
}
