package audit

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/candor-project/candor"
	"github.com/candor-project/candor/tlog"
	"github.com/candor-project/candor/vault"
)

// VerifyConfig is what Verify checks.
type VerifyConfig struct {
	Store candor.Store
	Vault *vault.Vault
	// Log is the log to check, read through its public files: an open
	// *tlog.Log, or PublicLog (offline, or over HTTP).
	Log LogFiles
	// Cards are the keys of every scorecard version whose matches may be
	// stored (every published version): matches are read per version.
	Cards []candor.ScorecardKey
	// OldCheckpoint, if set, is a checkpoint of this log saved earlier:
	// the current one must be consistent with it.
	OldCheckpoint []byte
	// MaxProblems caps the problems reported (default 100); counting goes on.
	MaxProblems int
}

// LogFiles is a log's public files (tlog.Source) with its verifier key.
// *tlog.Log is one.
type LogFiles interface {
	tlog.Source
	VerifierKey() string
}

// PublicLog is a log known by its public files and its verifier key
// alone, as outsiders know it.
type PublicLog struct {
	tlog.Source
	Key string
}

// VerifierKey implements LogFiles.
func (p PublicLog) VerifierKey() string { return p.Key }

// Report is what Verify found.
type Report struct {
	Subjects, Events, Matches, AccessRecords int
	AdminActs                                int    // administrative acts (candor.AdminAct)
	Bundles, Commitments                     int    // in the log
	Pending                                  int    // commitments recorded, not logged yet (logged at the next start)
	Unpublished                              int    // commitments logged beyond the checkpoint (after a crash; published at the next start)
	Size                                     uint64 // the checkpoint's tree size
	Consistent                               bool   // the checkpoint is consistent with OldCheckpoint (if given)
	ProblemCount                             int
	Problems                                 []string
}

// OK reports whether nothing was found wrong.
func (r *Report) OK() bool { return r.ProblemCount == 0 }

func (r *Report) problem(max int, format string, args ...any) {
	r.ProblemCount++
	if len(r.Problems) < max {
		r.Problems = append(r.Problems, fmt.Sprintf(format, args...))
	}
}

// Verify checks the store against the log, offline (nothing else may use
// either meanwhile):
//
//   - the log passes tlog.Check (every entry well formed, every hash tile
//     recomputed from the entries, the signed checkpoint's root), is
//     consistent with cfg.OldCheckpoint, and passes CheckStore (no
//     smaller than, and consistent with, the checkpoint the store kept);
//   - every entry the store says is logged is in the log, bundle for
//     bundle, and every bundle in the log is one the store recorded;
//   - every event (with the matches stored with it), every match stored on
//     its own and every access record has its commitment, recomputed from
//     the store with its subject's salt, among the recorded commitments,
//     as has every administrative act (unsalted);
//   - every recorded commitment belongs to something in the store, unless
//     a later commit retired it (a state changed, a fact past its
//     retention deleted, a subject erased): then it must not.
//
// So it detects an altered, added or deleted event, match or access
// record, a dropped audit entry, an altered list of retired commitments
// and a rewritten log. It returns an error
// only when it cannot check; what it finds wrong is in the Report.
func Verify(ctx context.Context, cfg VerifyConfig) (*Report, error) {
	if cfg.MaxProblems <= 0 {
		cfg.MaxProblems = 100
	}
	r := &Report{}
	pr := func(format string, args ...any) { r.problem(cfg.MaxProblems, format, args...) }

	// The log, with nothing but its verifier key: every entry well formed,
	// every tile recomputed, the checkpoint's root.
	logged := map[candor.BundleRef]*tlog.Bundle{}
	if w, ok := cfg.Log.(interface {
		WaitPublished(context.Context) ([]byte, error)
	}); ok {
		// An open log publishes what it holds on disk within a second.
		wctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		_, err := w.WaitPublished(wctx)
		cancel()
		if err != nil && ctx.Err() == nil {
			pr("no checkpoint covering every entry of the log was published within 10s")
		}
	}
	vkey := cfg.Log.VerifierKey()
	st, err := tlog.Check(ctx, cfg.Log, vkey, func(index uint64, b *tlog.Bundle) error {
		ref := refOf(b)
		if _, dup := logged[ref]; dup {
			pr("log entry %d: bundle %v is logged twice", index, ref)
		}
		c := *b
		c.Commitments = slices.Clone(b.Commitments)
		logged[ref] = &c
		return nil
	})
	if err != nil {
		if ctx.Err() != nil {
			return nil, err
		}
		pr("%v", err)
		st = &tlog.State{}
	}
	for _, p := range st.Problems {
		pr("log: %s", p)
	}
	r.Size, r.Bundles, r.Commitments = st.Size, st.Bundles, st.Commitments
	if cfg.OldCheckpoint != nil {
		if err := st.Consistent(cfg.OldCheckpoint, vkey); err != nil {
			pr("%v", err)
		} else {
			r.Consistent = true
		}
	}
	against, err := CheckStore(ctx, cfg.Store, st, vkey, false)
	if err != nil {
		return nil, err
	}
	for _, p := range against {
		pr("%s", p)
	}

	// The recorded entries against the log; the recorded commitments are
	// what the store's records must account for.
	mark, err := cfg.Store.AuditMark(ctx)
	if err != nil {
		return nil, err
	}
	// A bundle logged at an index beyond the checkpoint: the log was
	// stopped before it published it (a crash); it does at its next start.
	beyond := func(seq uint64, i int) bool {
		idx, err := cfg.Store.LogIndexes(ctx, seq)
		return err == nil && i < len(idx) && idx[i] >= st.Size
	}
	recorded := map[kc]int{}
	var retired []retirement
	for e, err := range cfg.Store.AuditEntries(ctx, 0) {
		if err != nil {
			return nil, err
		}
		for i, b := range Bundles(e) {
			ref := refOf(&b)
			lb, ok := logged[ref]
			switch {
			case ok:
				if !slices.Equal(lb.Commitments, b.Commitments) {
					pr("bundle %v: the store recorded other commitments than the log holds", ref)
				}
				delete(logged, ref)
			case e.Seq <= mark.Seq && !beyond(e.Seq, i):
				pr("bundle %v (%d of commit %d) is recorded as logged but is not in the log", ref, i, e.Seq)
			case e.Seq <= mark.Seq:
				r.Unpublished += len(b.Commitments)
			default:
				r.Pending += len(b.Commitments)
			}
		}
		for _, c := range e.Write {
			recorded[kc{candor.AuditWrite, c}]++
		}
		for _, c := range e.Access {
			recorded[kc{candor.AuditAccess, c}]++
		}
		if len(e.Retired) > 0 {
			rc := candor.RetireCommitment(e.Retired)
			if !slices.Contains(e.Write, rc) {
				pr("commit %d: its retired commitments are not the ones it logged: the entry was altered", e.Seq)
				continue
			}
			recorded[kc{candor.AuditWrite, rc}]-- // accounted for by the entry itself
			retired = append(retired, retirement{e.Seq, slices.Clone(e.Retired)})
		}
	}
	for ref := range logged {
		pr("the log holds bundle %v, which the store has no record of: an audit entry was dropped", ref)
		for _, c := range logged[ref].Commitments {
			recorded[kc{ref.Kind, c}]++ // what it commits to must be accounted for all the same
		}
	}

	// What was changed or removed on purpose no longer accounts for a
	// record in the store.
	for _, rt := range retired {
		for _, c := range rt.commitments {
			if !take(recorded, kc{candor.AuditWrite, c}) && !take(recorded, kc{candor.AuditAccess, c}) {
				pr("commit %d retires commitment %v, which was never recorded (or is retired twice)", rt.seq, c)
			}
		}
	}

	// Every record in the store, recomputed, against the recorded commitments.
	use := func(c candor.Commitment) bool { return take(recorded, kc{candor.AuditWrite, c}) }
	useAll := func(cs []candor.Commitment) bool {
		need := map[candor.Commitment]int{}
		for _, c := range cs {
			if need[c]++; recorded[kc{candor.AuditWrite, c}] < need[c] {
				return false
			}
		}
		for _, c := range cs {
			use(c)
		}
		return true
	}
	for se, err := range cfg.Store.Population(ctx, candor.Part{}) {
		if err != nil {
			return nil, err
		}
		r.Subjects++
		sub := se.Subject
		key, err := cfg.Vault.OpenSubjectKey(sub.ID, sub.WrappedKey)
		if err != nil {
			pr("subject %s: %v", sub.ID, err)
			continue
		}
		salt := key.Salt()
		byEvent, err := subjectMatches(ctx, cfg.Store, sub.ID, cfg.Cards)
		if err != nil {
			return nil, err
		}
		for _, e := range se.Events {
			r.Events++
			ms := byEvent[e.ID]
			delete(byEvent, e.ID)
			r.Matches += len(ms)
			if useAll(candor.StoredCommitments(salt, e, ms)) {
				continue
			}
			// Stores written before matches were marked Alone: matches of
			// versions activated after the event was stored were
			// committed on their own.
			var with []*candor.MatchRecord
			var alone []candor.Commitment
			for _, m := range ms {
				if c := candor.MatchCommitment(salt, m); recorded[kc{candor.AuditWrite, c}] > 0 {
					alone = append(alone, c)
				} else {
					with = append(with, m)
				}
			}
			if len(alone) == 0 || !use(candor.EventCommitment(salt, e, with)) {
				pr("event %d of subject %s (%s): no recorded commitment matches it: the event or its materialised matches were altered or added", e.ID, sub.ID, e.OccurredAt.Format("2006-01-02"))
				continue
			}
			for _, c := range alone {
				use(c)
			}
		}
		for id, ms := range byEvent {
			for _, m := range ms {
				r.Matches++
				if !use(candor.MatchCommitment(salt, m)) {
					pr("match of subject %s with event %d, which is not stored: no recorded commitment matches it", sub.ID, id)
				}
			}
		}
		for rec, err := range cfg.Store.AccessRecords(ctx, sub.ID) {
			if err != nil {
				return nil, err
			}
			r.AccessRecords++
			_, plain, err := key.OpenAccess(rec)
			if err != nil {
				pr("%v", err)
				continue
			}
			if !take(recorded, kc{candor.AuditAccess, candor.AccessCommitment(salt, plain)}) {
				pr("access record %d of subject %s: no recorded commitment matches it: altered or added", rec.N, sub.ID)
			}
		}
	}
	// Administrative acts are public: their commitments are unsalted.
	for rec, err := range cfg.Store.AllRecords(ctx, candor.RecordAdminAct) {
		if err != nil {
			return nil, err
		}
		r.AdminActs++
		enc, _, err := candor.SplitAdminActRecord(rec)
		if err != nil || !use(candor.AdminActCommitment(enc)) {
			pr("administrative act %s: no recorded commitment matches it: altered or added", rec.ID)
		}
	}
	left := 0
	for _, n := range recorded {
		left += n
	}
	if left > 0 {
		pr("%d recorded commitments belong to nothing in the store: events, matches or access records were deleted (or replaced)", left)
	}
	return r, nil
}

// retirement is what one commit retired.
type retirement struct {
	seq         uint64
	commitments []candor.Commitment
}

// kc is a commitment with its kind: a stored record must be accounted
// for by a commitment of its own kind.
type kc struct {
	kind candor.AuditKind
	c    candor.Commitment
}

// take uses up one recorded commitment, if there is one left.
func take(recorded map[kc]int, k kc) bool {
	if recorded[k] == 0 {
		return false
	}
	recorded[k]--
	return true
}

// subjectMatches returns a subject's stored matches with the given
// scorecard versions, by event, each event's in scorecard order.
func subjectMatches(ctx context.Context, st candor.EventStore, sub candor.SubjectID, cards []candor.ScorecardKey) (map[candor.EventID][]*candor.MatchRecord, error) {
	out := map[candor.EventID][]*candor.MatchRecord{}
	cards = slices.Clone(cards)
	slices.Sort(cards)
	cards = slices.Compact(cards)
	for _, card := range cards {
		for m, err := range st.Matches(ctx, sub, card) {
			if err != nil {
				return nil, err
			}
			c := *m
			c.Sealed = slices.Clone(m.Sealed)
			out[m.Event] = append(out[m.Event], &c)
		}
	}
	return out, nil
}
