package audit

import (
	"context"
	"fmt"
	"reflect"
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
	// Complete are the scorecard versions whose matches the store says
	// are complete (those served): each subject's stored matches with
	// each must be exactly those its events give, none missing and none
	// twice. This opens every event.
	Complete []CompleteCard
	// OldCheckpoint, if set, is a checkpoint of this log saved earlier:
	// the current one must be consistent with it.
	OldCheckpoint []byte
	// MaxProblems caps the problems reported (default 100); counting goes on.
	MaxProblems int
}

// CompleteCard is a scorecard version whose matches must be complete
// (scoring.Compiled is one).
type CompleteCard interface {
	Key() candor.ScorecardKey
	Scorecard() *candor.Scorecard
	Matches(events []*candor.Event) []candor.Match
	// Resolve gives stored matches both their type's name and number
	// (candor.Match.TypeNo), as Matches does.
	Resolve(ms []candor.Match)
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
	PrivacySpends                            int    // privacy-budget ledger entries (candor.PrivacySpend)
	Links                                    int    // link records (candor.Link), one per member and step
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
	v := &verifier{cfg: cfg, r: &Report{}, logged: map[candor.BundleRef]*tlog.Bundle{}, recorded: map[kc]int{}}
	steps := []func(context.Context) error{
		v.checkLog,           // the log on its own, and against the checkpoint the store kept
		v.readEntries,        // the store's audit entries against the log's bundles
		v.applyRetirements,   // what was retired on purpose accounts for nothing
		v.checkSubjects,      // every subject's events, matches and access records
		v.checkAdminActs,     // administrative acts, unsalted
		v.checkPrivacySpends, // the privacy-budget ledger, unsalted
	}
	for _, step := range steps {
		if err := step(ctx); err != nil {
			return nil, err
		}
	}
	v.checkNothingLeft()
	return v.r, nil
}

// verifier is the state of one Verify as its steps pass it on.
type verifier struct {
	cfg VerifyConfig
	r   *Report
	// st is the log's state as tlog.Check found it.
	st *tlog.State
	// logged holds the log's bundles not yet matched by a store entry.
	logged map[candor.BundleRef]*tlog.Bundle
	// recorded counts the recorded commitments not yet accounted for.
	recorded map[kc]int
	retired  []retirement
}

func (v *verifier) problem(format string, args ...any) {
	v.r.problem(v.cfg.MaxProblems, format, args...)
}

// checkLog checks the log with nothing but its verifier key — every entry
// well formed, every tile recomputed, the checkpoint's root — and keeps
// its bundles; then its consistency with cfg.OldCheckpoint and CheckStore.
func (v *verifier) checkLog(ctx context.Context) error {
	if w, ok := v.cfg.Log.(interface {
		WaitPublished(context.Context) ([]byte, error)
	}); ok {
		// An open log publishes what it holds on disk within a second.
		wctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		_, err := w.WaitPublished(wctx)
		cancel()
		if err != nil && ctx.Err() == nil {
			v.problem("no checkpoint covering every entry of the log was published within 10s")
		}
	}
	vkey := v.cfg.Log.VerifierKey()
	st, err := tlog.Check(ctx, v.cfg.Log, vkey, func(index uint64, b *tlog.Bundle) error {
		ref := refOf(b)
		if _, dup := v.logged[ref]; dup {
			v.problem("log entry %d: bundle %v is logged twice", index, ref)
		}
		c := *b
		c.Commitments = slices.Clone(b.Commitments)
		v.logged[ref] = &c
		return nil
	})
	if err != nil {
		if ctx.Err() != nil {
			return err
		}
		v.problem("%v", err)
		st = &tlog.State{}
	}
	v.st = st
	for _, p := range st.Problems {
		v.problem("log: %s", p)
	}
	v.r.Size, v.r.Bundles, v.r.Commitments = st.Size, st.Bundles, st.Commitments
	if v.cfg.OldCheckpoint != nil {
		if err := st.Consistent(v.cfg.OldCheckpoint, vkey); err != nil {
			v.problem("%v", err)
		} else {
			v.r.Consistent = true
		}
	}
	against, err := CheckStore(ctx, v.cfg.Store, st, vkey, false)
	if err != nil {
		return err
	}
	for _, p := range against {
		v.problem("%s", p)
	}
	return nil
}

// readEntries checks the store's audit entries against the log, bundle
// for bundle, and counts their commitments as recorded: what the store's
// records must account for. A bundle in the log that no entry has is a
// dropped entry; its commitments must be accounted for all the same.
func (v *verifier) readEntries(ctx context.Context) error {
	mark, err := v.cfg.Store.AuditMark(ctx)
	if err != nil {
		return err
	}
	for e, err := range v.cfg.Store.AuditEntries(ctx, 0) {
		if err != nil {
			return err
		}
		v.matchBundles(ctx, e, mark)
		for _, c := range e.Write {
			v.recorded[kc{candor.AuditWrite, c}]++
		}
		for _, c := range e.Access {
			v.recorded[kc{candor.AuditAccess, c}]++
		}
		if len(e.Retired) > 0 {
			rc := candor.RetireCommitment(e.Retired)
			if !slices.Contains(e.Write, rc) {
				v.problem("commit %d: its retired commitments are not the ones it logged: the entry was altered", e.Seq)
				continue
			}
			v.recorded[kc{candor.AuditWrite, rc}]-- // accounted for by the entry itself
			v.retired = append(v.retired, retirement{e.Seq, slices.Clone(e.Retired)})
		}
	}
	for ref := range v.logged {
		v.problem("the log holds bundle %v, which the store has no record of: an audit entry was dropped", ref)
		for _, c := range v.logged[ref].Commitments {
			v.recorded[kc{ref.Kind, c}]++
		}
	}
	return nil
}

// matchBundles finds each bundle of entry e in the log. Entries up to mark
// must be logged; a bundle logged at an index beyond the checkpoint was
// not published yet (a crash stopped the log; it publishes at its next
// start); entries after mark are pending.
func (v *verifier) matchBundles(ctx context.Context, e *candor.AuditEntry, mark candor.AuditMark) {
	beyond := func(seq uint64, i int) bool {
		idx, err := v.cfg.Store.LogIndexes(ctx, seq)
		return err == nil && i < len(idx) && idx[i] >= v.st.Size
	}
	for i, b := range Bundles(e) {
		ref := refOf(&b)
		lb, ok := v.logged[ref]
		switch {
		case ok:
			if !slices.Equal(lb.Commitments, b.Commitments) {
				v.problem("bundle %v: the store recorded other commitments than the log holds", ref)
			}
			delete(v.logged, ref)
		case e.Seq <= mark.Seq && !beyond(e.Seq, i):
			v.problem("bundle %v (%d of commit %d) is recorded as logged but is not in the log", ref, i, e.Seq)
		case e.Seq <= mark.Seq:
			v.r.Unpublished += len(b.Commitments)
		default:
			v.r.Pending += len(b.Commitments)
		}
	}
}

// applyRetirements uses up the commitments retired on purpose (a state
// changed, a fact past its retention deleted, a subject erased): they no
// longer account for a record in the store.
func (v *verifier) applyRetirements(context.Context) error {
	for _, rt := range v.retired {
		for _, c := range rt.commitments {
			if !take(v.recorded, kc{candor.AuditWrite, c}) && !take(v.recorded, kc{candor.AuditAccess, c}) {
				v.problem("commit %d retires commitment %v, which was never recorded (or is retired twice)", rt.seq, c)
			}
		}
	}
	return nil
}

// use uses up a recorded write commitment.
func (v *verifier) use(c candor.Commitment) bool {
	return take(v.recorded, kc{candor.AuditWrite, c})
}

// useAll uses up the recorded write commitments cs, all or none.
func (v *verifier) useAll(cs []candor.Commitment) bool {
	need := map[candor.Commitment]int{}
	for _, c := range cs {
		if need[c]++; v.recorded[kc{candor.AuditWrite, c}] < need[c] {
			return false
		}
	}
	for _, c := range cs {
		v.use(c)
	}
	return true
}

// checkSubjects recomputes the commitments of every subject's records
// from the store and accounts for each with a recorded one.
func (v *verifier) checkSubjects(ctx context.Context) error {
	for se, err := range v.cfg.Store.Population(ctx, candor.Part{}) {
		if err != nil {
			return err
		}
		v.r.Subjects++
		sub := se.Subject
		key, err := v.cfg.Vault.SubjectKey(ctx, sub.ID)
		if err != nil {
			v.problem("subject %s: %v", sub.ID, err)
			continue
		}
		byEvent, err := subjectMatches(ctx, v.cfg.Store, sub.ID, v.cfg.Cards)
		if err != nil {
			return err
		}
		if err := v.checkComplete(ctx, sub, key, se.Events); err != nil {
			return err
		}
		v.checkEvents(sub.ID, key.Salt(), se.Events, byEvent)
		if err := v.checkAccessRecords(ctx, sub.ID, key); err != nil {
			return err
		}
		if err := v.checkLinks(ctx, key); err != nil {
			return err
		}
	}
	return nil
}

// checkLinks accounts for a subject's link steps (candor.Link), each
// committed with the subject's salt.
func (v *verifier) checkLinks(ctx context.Context, key *vault.SubjectKey) error {
	for rec, err := range v.cfg.Store.Records(ctx, candor.RecordLink, key.Subject()) {
		if err != nil {
			return err
		}
		v.r.Links++
		plain, err := key.OpenRecord(rec)
		if err != nil {
			v.problem("%v", err)
			continue
		}
		if !v.use(candor.LinkCommitment(key.Salt(), plain)) {
			v.problem("link record %s of subject %s: no recorded commitment matches it: altered or added", rec.ID, key.Subject())
		}
	}
	return nil
}

// checkComplete checks that the subject's stored matches with every
// complete scorecard version of its kind are those its events give.
func (v *verifier) checkComplete(ctx context.Context, sub *candor.SubjectRecord, key *vault.SubjectKey, recs []*candor.EventRecord) error {
	if len(v.cfg.Complete) == 0 {
		return nil
	}
	events, err := key.OpenEvents(recs)
	if err != nil {
		v.problem("subject %s: its events do not open: %v", sub.ID, err)
		return nil
	}
	for _, c := range v.cfg.Complete {
		sc := c.Scorecard()
		if sc.SubjectKind != sub.Kind {
			continue
		}
		stored, err := key.ReadMatches(ctx, v.cfg.Store, c.Key())
		if err != nil {
			return err
		}
		c.Resolve(stored) // stored with type names or numbers, Matches gives both
		if want := c.Matches(events); !reflect.DeepEqual(stored, want) && (len(stored) > 0 || len(want) > 0) {
			v.problem("subject %s: %d matches with %s v%d stored, %d from its events: the version's matches are not complete, or not only its events'", sub.ID, len(stored), sc.ID, sc.Version, len(want))
		}
	}
	return nil
}

// checkEvents accounts for a subject's events, each with the matches
// stored with it (byEvent, which it empties of them), and then for the
// matches left, stored on their own.
func (v *verifier) checkEvents(sub candor.SubjectID, salt *candor.Salt, events []*candor.EventRecord, byEvent map[candor.EventID][]*candor.MatchRecord) {
	for _, e := range events {
		v.r.Events++
		ms := byEvent[e.ID]
		delete(byEvent, e.ID)
		v.r.Matches += len(ms)
		if !v.useAll(candor.StoredCommitments(salt, e, ms)) && !v.useSplit(salt, e, ms) {
			v.problem("event %d of subject %s (%s): no recorded commitment matches it: the event or its materialised matches were altered or added", e.ID, sub, e.OccurredAt.Format("2006-01-02"))
		}
	}
	for id, ms := range byEvent {
		for _, m := range ms {
			v.r.Matches++
			if !v.use(candor.MatchCommitment(salt, m)) {
				v.problem("match of subject %s with event %d, which is not stored: no recorded commitment matches it", sub, id)
			}
		}
	}
}

// useSplit accounts for an event of a store written before matches were
// marked Alone: matches of versions activated after the event was stored
// were committed on their own, the others with the event.
func (v *verifier) useSplit(salt *candor.Salt, e *candor.EventRecord, ms []*candor.MatchRecord) bool {
	var with []*candor.MatchRecord
	var alone []candor.Commitment
	for _, m := range ms {
		if c := candor.MatchCommitment(salt, m); v.recorded[kc{candor.AuditWrite, c}] > 0 {
			alone = append(alone, c)
		} else {
			with = append(with, m)
		}
	}
	if len(alone) == 0 || !v.use(candor.EventCommitment(salt, e, with)) {
		return false
	}
	for _, c := range alone {
		v.use(c)
	}
	return true
}

// checkAccessRecords accounts for a subject's access records.
func (v *verifier) checkAccessRecords(ctx context.Context, sub candor.SubjectID, key *vault.SubjectKey) error {
	salt := key.Salt()
	for rec, err := range v.cfg.Store.AccessRecords(ctx, sub) {
		if err != nil {
			return err
		}
		v.r.AccessRecords++
		_, plain, err := key.OpenAccess(rec)
		if err != nil {
			v.problem("%v", err)
			continue
		}
		if !take(v.recorded, kc{candor.AuditAccess, candor.AccessCommitment(salt, plain)}) {
			v.problem("access record %d of subject %s: no recorded commitment matches it: altered or added", rec.N, sub)
		}
	}
	return nil
}

// checkAdminActs accounts for the administrative acts, which are public:
// their commitments are unsalted.
func (v *verifier) checkAdminActs(ctx context.Context) error {
	for rec, err := range v.cfg.Store.AllRecords(ctx, candor.RecordAdminAct) {
		if err != nil {
			return err
		}
		v.r.AdminActs++
		enc, _, err := candor.SplitAdminActRecord(rec)
		if err != nil || !v.use(candor.AdminActCommitment(enc)) {
			v.problem("administrative act %s: no recorded commitment matches it: altered or added", rec.ID)
		}
	}
	return nil
}

// checkPrivacySpends accounts for the privacy-budget ledger's entries,
// which are public: their commitments are unsalted.
func (v *verifier) checkPrivacySpends(ctx context.Context) error {
	for rec, err := range v.cfg.Store.AllRecords(ctx, candor.RecordPrivacySpend) {
		if err != nil {
			return err
		}
		v.r.PrivacySpends++
		var p candor.PrivacySpend
		if p.UnmarshalBinary(rec.Data) != nil || rec.ID != candor.PrivacySpendID(p.Account, p.N) || !v.use(candor.PrivacySpendCommitment(rec.Data)) {
			v.problem("privacy ledger entry %s: no recorded commitment matches it: altered or added", rec.ID)
		}
	}
	return nil
}

// checkNothingLeft reports the recorded commitments nothing in the store
// accounted for: records deleted or replaced.
func (v *verifier) checkNothingLeft() {
	left := 0
	for _, n := range v.recorded {
		left += n
	}
	if left > 0 {
		v.problem("%d recorded commitments belong to nothing in the store: events, matches, access or link records were deleted (or replaced)", left)
	}
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
