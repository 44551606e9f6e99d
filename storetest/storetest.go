package storetest

import (
	"bytes"
	"cmp"
	"context"
	"crypto/rand"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/candor-project/candor"
)

// OpenFunc opens the store kept under dir, creating an empty one if there is
// none. The suite calls it with a fresh, empty directory for every store it
// needs, and again with the same directory (after closing the store) to
// check that data and counters persist. A store that does not live in a
// directory uses dir as a unique name for its instance (for example, hashed
// into a database schema name) and must hand back the same data for the
// same dir. It reports failures through t.
type OpenFunc func(t *testing.T, dir string) candor.Store

// A capability is one interface of the contract with its cases. has
// reports whether a store has it (nil: required, checked by the compiler
// through candor.Store).
type capability struct {
	name  string
	has   func(candor.Store) bool
	cases []testCase
}

type testCase struct {
	name string
	fn   func(t *testing.T, h *harness)
}

func optional[T any](s candor.Store) bool { _, ok := s.(T); return ok }

// capabilities is the whole suite.
var capabilities = []capability{
	{"EventStore", nil, []testCase{
		{"SubjectRoundTrip", testSubjectRoundTrip},
		{"SubjectByIndex", testSubjectByIndex},
		{"IndexesOf", testIndexesOf},
		{"Dedupe", testDedupe},
		{"CommitAssignsIDs", testCommitAssignsIDs},
		{"EmptyBatch", testEmptyBatch},
		{"InvalidBatch", testInvalidBatch},
		{"CancelledContext", testCancelledContext},
		{"EventRoundTrip", testEventRoundTrip},
		{"EventsOrder", testEventsOrder},
		{"EventsIsolation", testEventsIsolation},
		{"EventsSince", testEventsSince},
		{"EventsEarlyBreak", testEventsEarlyBreak},
		{"LargeBatch", testLargeBatch},
		{"Unaliased", testUnaliased},
		{"ConcurrentCommit", testConcurrentCommit},
		{"Population", testPopulation},
		{"PopulationParts", testPopulationParts},
		{"Matches", testMatches},
		{"StandaloneMatches", testStandaloneMatches},
		{"SharedMatches", testSharedMatches},
		{"Changes", testChanges},
	}},
	{"Registry", nil, []testCase{
		{"Sources", testSources},
		{"Keys", testKeys},
	}},
	{"Meta", nil, []testCase{
		{"RoundTrip", testMeta},
	}},
	{"RecordStore", nil, []testCase{
		{"Records", testRecords},
		{"RecordsInBatch", testRecordsInBatch},
	}},
	{"AuditStore", nil, []testCase{
		{"AuditEntries", testAuditEntries},
		{"AccessRecords", testAccessRecords},
		{"AuditMark", testAuditMark},
	}},
	{"Versioned", nil, []testCase{
		{"SubjectWrites", testSubjectWrites},
		{"RecordWrites", testRecordWrites},
		{"Grows", testVersionsGrow},
		{"Erasures", testErasuresVersion},
	}},
	{"MatchFence", nil, []testCase{
		{"Fence", testFence},
		{"Concurrent", testFenceConcurrent},
	}},
	{"Store", nil, []testCase{
		{"Capabilities", testCapabilities},
		{"Reopen", testReopen},
		{"Size", testSize},
		{"Closed", testClosed},
	}},
	{"KeyLister", optional[candor.KeyLister], []testCase{
		{"ListKeys", testListKeys},
	}},
	{"PipelinedCommitter", optional[candor.PipelinedCommitter], []testCase{
		{"CommitAsync", testPipelinedCommit},
	}},
	{"LogResetter", optional[candor.LogResetter], []testCase{
		{"ResetAuditLog", testResetAuditLog},
	}},
	{"Compacter", optional[candor.Compacter], []testCase{
		{"Compact", testCompact},
	}},
	{"Leaser", optional[candor.Leaser], []testCase{
		{"Lease", testLease},
		{"Fence", testLeaseFence},
	}},
}

// RunWith runs the conformance suite against the stores open returns:
// every case of every required capability, and of every optional one the
// store has.
func RunWith(t *testing.T, open OpenFunc) {
	for _, c := range capabilities {
		t.Run(c.name, func(t *testing.T) {
			for _, tc := range c.cases {
				t.Run(tc.name, func(t *testing.T) {
					h := newHarness(t, open)
					if c.has != nil && !c.has(h.s) {
						t.Skipf("store %T is not a candor.%s", h.s, c.name)
					}
					tc.fn(t, h)
				})
			}
		})
	}
}

// harness holds the store under test and can reopen it.
type harness struct {
	t    *testing.T
	open OpenFunc
	dir  string
	s    candor.Store // nil once closed by the test
}

func newHarness(t *testing.T, open OpenFunc) *harness {
	t.Helper()
	h := &harness{t: t, open: open, dir: t.TempDir()}
	h.s = open(t, h.dir)
	t.Cleanup(func() {
		if h.s != nil {
			if err := h.s.Close(); err != nil {
				t.Errorf("Close: %v", err)
			}
		}
	})
	return h
}

// close closes the store and fails the test if Close fails.
func (h *harness) close() {
	h.t.Helper()
	s := h.s
	h.s = nil
	if err := s.Close(); err != nil {
		h.t.Fatalf("Close: %v", err)
	}
}

// reopen closes the store and opens it again from the same directory.
func (h *harness) reopen() candor.Store {
	h.t.Helper()
	h.close()
	h.s = h.open(h.t, h.dir)
	return h.s
}

var ctx = context.Background()

// base is a time with nanoseconds, to check that stores keep them.
var base = time.Date(2026, 3, 14, 9, 26, 53, 589793238, time.UTC)

func randomBytes(n int) []byte {
	b := make([]byte, n)
	rand.Read(b)
	return b
}

func newSubject(kind candor.SubjectKind) candor.SubjectRecord {
	return candor.SubjectRecord{
		ID:        candor.NewSubjectID(),
		Kind:      kind,
		CreatedAt: base,
		Sealed:    randomBytes(90),
	}
}

// newEvent returns an active event of sub at time at with a random
// idempotency key, digest and 64-byte payload.
func newEvent(sub candor.SubjectID, at time.Time) *candor.EventRecord {
	e := &candor.EventRecord{
		Subject:    sub,
		OccurredAt: at,
		State:      candor.StateActive,
		Sealed:     randomBytes(64),
	}
	rand.Read(e.Dedupe[:])
	rand.Read(e.Digest[:])
	return e
}

// MustCommit commits b and fails the test on error.
func MustCommit(tb testing.TB, s candor.Store, b *candor.WriteBatch) uint64 {
	tb.Helper()
	seq, err := s.Commit(ctx, b)
	if err != nil {
		tb.Fatalf("Commit: %v", err)
	}
	return seq
}

// commitEvents commits events in one batch and fails the test on error.
func commitEvents(tb testing.TB, s candor.Store, events ...*candor.EventRecord) uint64 {
	tb.Helper()
	return MustCommit(tb, s, &candor.WriteBatch{Events: events})
}

// events reads a subject's events, copying each record, and fails the test
// on error.
func events(tb testing.TB, s candor.Store, id candor.SubjectID, f candor.EventFilter) []candor.EventRecord {
	tb.Helper()
	var out []candor.EventRecord
	for r, err := range s.Events(ctx, id, f) {
		if err != nil {
			tb.Fatalf("Events(%s): %v", id, err)
		}
		if r == nil {
			tb.Fatalf("Events(%s) yielded a nil record without an error", id)
		}
		c := *r
		c.Sealed = bytes.Clone(r.Sealed)
		out = append(out, c)
	}
	return out
}

// wantCode fails the test unless err has the given candor error code.
func wantCode(tb testing.TB, err error, code, what string) {
	tb.Helper()
	if got := candor.ErrorCode(err); got != code {
		tb.Fatalf("%s: error code %q (%v), want %q", what, got, err, code)
	}
}

func sameEvent(a, b *candor.EventRecord) bool {
	return a.Subject == b.Subject && a.OccurredAt.Equal(b.OccurredAt) && a.ID == b.ID &&
		a.State == b.State && a.Dedupe == b.Dedupe && a.Digest == b.Digest &&
		bytes.Equal(a.Sealed, b.Sealed)
}

func formatEvent(e *candor.EventRecord) string {
	return fmt.Sprintf("{subject %s, at %s, id %d, state %s, %d sealed bytes}",
		e.Subject, e.OccurredAt.Format(time.RFC3339Nano), e.ID, e.State, len(e.Sealed))
}

// wantEvents fails the test unless got holds exactly want, in order.
func wantEvents(tb testing.TB, got []candor.EventRecord, want []*candor.EventRecord) {
	tb.Helper()
	ok := len(got) == len(want)
	for i := 0; ok && i < len(got); i++ {
		ok = sameEvent(&got[i], want[i])
	}
	if ok {
		return
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, "got %d events:\n", len(got))
	for i := range got {
		fmt.Fprintf(&b, "\t%s\n", formatEvent(&got[i]))
	}
	fmt.Fprintf(&b, "want %d:\n", len(want))
	for _, e := range want {
		fmt.Fprintf(&b, "\t%s\n", formatEvent(e))
	}
	tb.Fatal(b.String())
}

// sortedByOccurrence returns events sorted as a store returns them: by
// occurrence time, ties by ID.
func sortedByOccurrence(evs []*candor.EventRecord) []*candor.EventRecord {
	s := slices.Clone(evs)
	slices.SortFunc(s, func(a, b *candor.EventRecord) int {
		if c := a.OccurredAt.Compare(b.OccurredAt); c != 0 {
			return c
		}
		return cmp.Compare(a.ID, b.ID)
	})
	return s
}
