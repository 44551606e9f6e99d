package audit

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/candor-project/candor"
	"github.com/candor-project/candor/tlog"
	"github.com/candor-project/candor/vault"
	f_log "github.com/transparency-dev/formats/log"
	"github.com/transparency-dev/merkle/compact"
	"github.com/transparency-dev/merkle/rfc6962"
	"golang.org/x/mod/sumdb/note"
)

// VerifyConfig is what Verify checks.
type VerifyConfig struct {
	Store candor.Store
	Vault *vault.Vault
	Log   *tlog.Log
	// Cards are the keys of every scorecard version whose matches may be
	// stored (every published version): matches are read per version.
	Cards []candor.ScorecardKey
	// OldCheckpoint, if set, is a checkpoint of this log saved earlier:
	// the current one must be consistent with it.
	OldCheckpoint []byte
	// MaxProblems caps the problems reported (default 100); counting goes on.
	MaxProblems int
	// CheckpointWait bounds the wait for a checkpoint covering the whole
	// log (default 10 s).
	CheckpointWait time.Duration
}

// Report is what Verify found.
type Report struct {
	Subjects, Events, Matches, AccessRecords int
	AdminActs                                int    // administrative acts (candor.AdminAct)
	Bundles, Commitments                     int    // in the log
	Pending                                  int    // commitments recorded, not logged yet (logged at the next start)
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
//   - the log's entries hash to the root of its signed checkpoint, and the
//     checkpoint is consistent with cfg.OldCheckpoint;
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
	if cfg.CheckpointWait <= 0 {
		cfg.CheckpointWait = 10 * time.Second
	}
	r := &Report{}
	pr := func(format string, args ...any) { r.problem(cfg.MaxProblems, format, args...) }

	// The log, checked against its checkpoint: once a checkpoint covers
	// every entry on disk (after a crash, the tree on disk can be ahead of
	// the last checkpoint until the log publishes the next).
	logged := map[candor.BundleRef]*tlog.Bundle{}
	var leaves [][]byte
	err := cfg.Log.Scan(ctx, 0, func(index uint64, b *tlog.Bundle) error {
		data, err := b.MarshalBinary()
		if err != nil {
			return err
		}
		leaves = append(leaves, rfc6962.DefaultHasher.HashLeaf(data))
		ref := refOf(b)
		if _, dup := logged[ref]; dup {
			pr("log entry %d: bundle %v is logged twice", index, ref)
		}
		logged[ref] = b
		r.Bundles++
		r.Commitments += len(b.Commitments)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("audit: reading the log: %w", err)
	}
	wctx, cancel := context.WithTimeout(ctx, cfg.CheckpointWait)
	_, err = cfg.Log.WaitCheckpoint(wctx, uint64(len(leaves)))
	cancel()
	if err != nil && ctx.Err() == nil {
		pr("no checkpoint covering the %d entries of the log was published within %s", len(leaves), cfg.CheckpointWait)
	}
	cpRaw, size, root, err := cfg.Log.Checkpoint(ctx)
	if err != nil {
		return nil, err
	}
	r.Size = size
	rng := (&compact.RangeFactory{Hash: rfc6962.DefaultHasher.HashChildren}).NewEmptyRange(0)
	for _, l := range leaves[:min(uint64(len(leaves)), size)] {
		if err := rng.Append(l, nil); err != nil {
			return nil, err
		}
	}
	switch got, err := rng.GetRootHash(nil); {
	case err != nil && size > 0:
		return nil, err
	case rng.End() != size:
		pr("the log holds %d entries, its checkpoint says %d", rng.End(), size)
	case size > 0 && !slices.Equal(got, root):
		pr("the log's entries do not hash to its checkpoint's root: the log was altered")
	}
	if cfg.OldCheckpoint != nil {
		if err := checkConsistency(ctx, cfg.Log, cfg.OldCheckpoint, cpRaw); err != nil {
			pr("%v", err)
		} else {
			r.Consistent = true
		}
	}

	// The recorded entries against the log; the recorded commitments are
	// what the store's records must account for.
	mark, err := cfg.Store.AuditMark(ctx)
	if err != nil {
		return nil, err
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
			case e.Seq <= mark.Seq:
				pr("bundle %v (%d of commit %d) is recorded as logged but is not in the log", ref, i, e.Seq)
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

// checkpointSize opens a checkpoint with the log's verifier key and
// returns its size.
func checkpointSize(raw []byte, vkey string) (uint64, error) {
	v, err := note.NewVerifier(vkey)
	if err != nil {
		return 0, err
	}
	cp, _, _, err := f_log.ParseCheckpoint(raw, v.Name(), v)
	if err != nil {
		return 0, err
	}
	return cp.Size, nil
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

// checkConsistency checks that the checkpoint newer extends old.
func checkConsistency(ctx context.Context, l *tlog.Log, old, newer []byte) error {
	oldSize, err := checkpointSize(old, l.VerifierKey())
	if err != nil {
		return fmt.Errorf("the saved checkpoint: %w", err)
	}
	newSize, err := checkpointSize(newer, l.VerifierKey())
	if err != nil {
		return err
	}
	if oldSize > newSize {
		return fmt.Errorf("the log shrank from %d entries (saved checkpoint) to %d", oldSize, newSize)
	}
	hashes, err := l.ConsistencyProof(ctx, oldSize, newSize)
	if err != nil {
		return err
	}
	if err := tlog.VerifyConsistency(l.VerifierKey(), old, newer, hashes); err != nil {
		return fmt.Errorf("the log is not consistent with the saved checkpoint: its history was rewritten: %w", err)
	}
	return nil
}
