package erasure

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/candor-project/candor"
	"github.com/candor-project/candor/audit"
	"github.com/candor-project/candor/vault"
)

// Config wires a Service.
type Config struct {
	Store     candor.Store
	Vault     *vault.Vault
	Catalogue *candor.Catalogue
	// Now is the clock (nil: time.Now). What other services hold of an
	// erased subject in memory (ingest's and decisions' caches, portal
	// sessions) they drop when the store's erasures version
	// (candor.Versioned) moves, on whichever node they run.
	Now func() time.Time
	// Groups, if set, resolves linked identities (package identity): an
	// erasure of any member of a group is of every member, each under
	// its own key, the aliases first. nil: every subject stands alone.
	Groups interface {
		Members(ctx context.Context, id candor.SubjectID) ([]candor.SubjectID, error)
	}
}

// Service plans and carries out erasures. It is safe for concurrent use;
// it carries out one erasure at a time.
type Service struct {
	cfg Config
	mu  sync.Mutex
}

// New returns a service for cfg.
func New(cfg Config) *Service {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Service{cfg: cfg}
}

// Group is a subject's facts of one category in a plan.
type Group struct {
	Category  string    `json:"category"`
	Statement string    `json:"statement"` // what the category is (CategoryPolicy.Statement)
	Facts     int       `json:"facts"`
	Reason    string    `json:"reason,omitempty"`    // why kept groups are kept
	KeptUntil time.Time `json:"kept_until,omitzero"` // kept groups: when the last of their facts drops off
}

// Records counts a subject's records of one kind in a plan.
type Records struct {
	Kind   string `json:"kind"` // consents, decisions, reviews, refused requests, disputes, opt-outs, access records
	Count  int    `json:"count"`
	Reason string `json:"reason,omitempty"` // why kept ones are kept
}

// Plan is what an erasure of a subject removes and what it keeps, and why.
type Plan struct {
	Subject candor.SubjectID `json:"-"`
	// Whole says nothing is kept: the subject is erased whole, its data
	// key destroyed.
	Whole       bool      `json:"whole"`
	Erase       []Group   `json:"erase"`
	Keep        []Group   `json:"keep"`
	EraseRecord []Records `json:"erase_records"`
	KeepRecord  []Records `json:"keep_records"`
	// Done says the plan was carried out (Erase), not only previewed.
	Done bool `json:"done"`
}

// ReasonLegalObligation prefixes the reason a kept group gives.
const ReasonLegalObligation = "kept under a legal obligation: "

// What a partial erasure does with each record kind about the subject.
// Consents, decisions with their reviews and refused requests exist only
// because of consent-based processing and are erased. Opt-outs are kept:
// they are the person's instruction restricting what remains, and erasing
// them would lift it. Access records are kept: they say who read the data
// still held, which the person and the log must be able to account for.
// A whole erasure removes them all.
var recordKinds = []struct {
	kind   candor.RecordKind
	name   string
	keep   bool
	reason string
}{
	{candor.RecordConsent, "consents", false, ""},
	{candor.RecordDecision, "decisions", false, ""},
	{candor.RecordReview, "reviews of decisions", false, ""},
	{candor.RecordAttempt, "refused requests for a decision", false, ""},
	{candor.RecordIdempotency, "relying parties' retry keys of decisions", false, ""},
	{candor.RecordOptOut, "opt-outs", true, "kept so that your opt-outs stay in force for the data that remains"},
}

const accessRecords = "access records"

const reasonAccess = "kept while data about you is held: who read it, when and why"

// Plan returns what erasing subject would remove and keep, at the
// service's clock. Errors: ENOTFOUND for an unknown subject.
func (s *Service) Plan(ctx context.Context, subject candor.SubjectID) (*Plan, error) {
	members, err := s.members(ctx, subject)
	if err != nil {
		return nil, err
	}
	var plans []*Plan
	for _, m := range members {
		p, _, err := s.plan(ctx, m)
		if err != nil {
			return nil, err
		}
		plans = append(plans, p)
	}
	return merge(subject, plans), nil
}

// members returns the subjects an erasure of subject reaches: its group,
// aliases first, survivor last.
func (s *Service) members(ctx context.Context, subject candor.SubjectID) ([]candor.SubjectID, error) {
	if s.cfg.Groups == nil {
		return []candor.SubjectID{subject}, nil
	}
	ms, err := s.cfg.Groups.Members(ctx, subject)
	if err != nil {
		return nil, err
	}
	ms = slices.Clone(ms)
	slices.Reverse(ms)
	return ms, nil
}

// merge sums the plans of a group's members into one for subject.
func merge(subject candor.SubjectID, plans []*Plan) *Plan {
	if len(plans) == 1 {
		return plans[0]
	}
	out := &Plan{Subject: subject, Whole: true, Done: true}
	groups := func(dst []Group, src []Group) []Group {
		for _, g := range src {
			if i := slices.IndexFunc(dst, func(d Group) bool { return d.Category == g.Category }); i >= 0 {
				dst[i].Facts += g.Facts
				dst[i].KeptUntil = later(dst[i].KeptUntil, g.KeptUntil)
				continue
			}
			dst = append(dst, g)
		}
		return dst
	}
	records := func(dst []Records, src []Records) []Records {
		for _, r := range src {
			if i := slices.IndexFunc(dst, func(d Records) bool { return d.Kind == r.Kind }); i >= 0 {
				dst[i].Count += r.Count
				continue
			}
			dst = append(dst, r)
		}
		return dst
	}
	for _, p := range plans {
		out.Whole = out.Whole && p.Whole
		out.Done = out.Done && p.Done
		out.Erase, out.Keep = groups(out.Erase, p.Erase), groups(out.Keep, p.Keep)
		out.EraseRecord, out.KeepRecord = records(out.EraseRecord, p.EraseRecord), records(out.KeepRecord, p.KeepRecord)
	}
	return out
}

// planned is what carrying out a plan needs beyond it.
type planned struct {
	key     *vault.SubjectKey
	sub     *candor.Subject
	erase   []candor.EventRef
	records []*candor.Record
	erased  []*candor.Record // what is kept of the erased facts (candor.ErasedRecord)
}

func (s *Service) plan(ctx context.Context, subject candor.SubjectID) (*Plan, *planned, error) {
	st := s.cfg.Store
	rec, err := st.Subject(ctx, subject)
	if err != nil {
		return nil, nil, err
	}
	key, err := s.cfg.Vault.SubjectKey(ctx, subject)
	if candor.ErrorCode(err) == candor.ENOTFOUND {
		return nil, nil, candor.Errorf(candor.EINTERNAL, "subject %s is stored without a data key: an erasure cut short after shredding it left its records, unreadable (audit verify lists them)", subject)
	}
	if err != nil {
		return nil, nil, err
	}
	sub, err := key.OpenSubject(rec)
	if err != nil {
		return nil, nil, err
	}
	evs, err := key.ReadEvents(ctx, st)
	if err != nil {
		return nil, nil, err
	}
	now := s.cfg.Now()
	p := &Plan{Subject: subject, Erase: []Group{}, Keep: []Group{}, EraseRecord: []Records{}, KeepRecord: []Records{}}
	pd := &planned{key: key, sub: sub}
	erase, keep := map[candor.Category]*Group{}, map[candor.Category]*Group{}
	for _, e := range evs {
		t := s.cfg.Catalogue.Type(e.Type)
		if t == nil {
			return nil, nil, fmt.Errorf("erasure: event %d has type %q, not in the catalogue", e.ID, e.Type)
		}
		pol := t.Category.Policy()
		// Only a fact that still stands is kept: not one past its
		// retention, nor one its source withdrew or corrected, or left
		// unverified after a dispute, whatever its category.
		if st := e.EffectiveState(t, now); pol.LegalObligation && (st == candor.StateActive || st == candor.StateDisputed) {
			g := group(keep, t.Category)
			g.Reason = ReasonLegalObligation + pol.Statement
			g.KeptUntil = later(g.KeptUntil, e.ExpiresAt(t))
			continue
		}
		group(erase, t.Category)
		pd.erase = append(pd.erase, candor.EventRef{Subject: e.Subject, OccurredAt: e.OccurredAt, ID: e.ID})
		if until := e.ExpiresAt(t); until.After(now) {
			k := s.cfg.Vault.DedupeKey(e.Source, e.SourceEventID)
			pd.erased = append(pd.erased, candor.ErasedRecord(k, until))
		}
	}
	p.Erase, p.Keep = sorted(erase), sorted(keep)
	p.Whole = len(p.Keep) == 0
	for _, k := range recordKinds {
		n := 0
		for r, err := range st.Records(ctx, k.kind, subject) {
			if err != nil {
				return nil, nil, err
			}
			n++
			if !k.keep || p.Whole {
				pd.records = append(pd.records, &candor.Record{Kind: r.Kind, ID: r.ID, Subject: r.Subject})
			}
		}
		switch {
		case n == 0:
		case k.keep && !p.Whole:
			p.KeepRecord = append(p.KeepRecord, Records{Kind: k.name, Count: n, Reason: k.reason})
		default:
			p.EraseRecord = append(p.EraseRecord, Records{Kind: k.name, Count: n})
		}
	}
	if err := s.planDisputes(ctx, p, pd); err != nil {
		return nil, nil, err
	}
	n := 0
	for _, err := range st.AccessRecords(ctx, subject) {
		if err != nil {
			return nil, nil, err
		}
		n++
	}
	switch {
	case n == 0:
	case p.Whole:
		p.EraseRecord = append(p.EraseRecord, Records{Kind: accessRecords, Count: n})
	default:
		p.KeepRecord = append(p.KeepRecord, Records{Kind: accessRecords, Count: n, Reason: reasonAccess})
	}
	return p, pd, nil
}

// planDisputes adds the subject's disputes to the plan: a dispute goes
// with the fact it contests (its open-queue entry too), and stays, still
// open, with a fact that stays.
func (s *Service) planDisputes(ctx context.Context, p *Plan, pd *planned) error {
	erased := make(map[candor.EventID]bool, len(pd.erase))
	for _, ref := range pd.erase {
		erased[ref.ID] = true
	}
	var gone, kept int
	for r, err := range s.cfg.Store.Records(ctx, candor.RecordDispute, p.Subject) {
		if err != nil {
			return err
		}
		var d candor.Dispute
		if err := pd.key.OpenJSON(r, &d); err != nil {
			return fmt.Errorf("erasure: dispute %s: %w", r.ID, err)
		}
		if !p.Whole && !erased[d.Event] {
			kept++
			continue
		}
		gone++
		pd.records = append(pd.records,
			&candor.Record{Kind: candor.RecordDispute, ID: r.ID, Subject: p.Subject},
			&candor.Record{Kind: candor.RecordDisputeOpen, ID: r.ID, Subject: p.Subject})
	}
	if gone > 0 {
		p.EraseRecord = append(p.EraseRecord, Records{Kind: "disputes", Count: gone})
	}
	if kept > 0 {
		p.KeepRecord = append(p.KeepRecord, Records{Kind: "disputes", Count: kept, Reason: "kept with the facts they contest, which stay"})
	}
	return nil
}

func group(m map[candor.Category]*Group, c candor.Category) *Group {
	g := m[c]
	if g == nil {
		pol := c.Policy()
		g = &Group{Category: pol.Name, Statement: pol.Statement}
		m[c] = g
	}
	g.Facts++
	return g
}

func sorted(m map[candor.Category]*Group) []Group {
	cs := make([]candor.Category, 0, len(m))
	for c := range m {
		cs = append(cs, c)
	}
	slices.SortFunc(cs, func(a, b candor.Category) int { return cmp.Compare(a, b) })
	out := make([]Group, 0, len(cs))
	for _, c := range cs {
		out = append(out, *m[c])
	}
	return out
}

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// Erase carries out the plan for subject and returns it, Done. A whole
// erasure revokes the subject's API keys, shreds its data key (deleted
// from the keyring and its files: vault.ShredKey), then erases it in one
// atomic commit (audit.Changes.Erase), having recorded beforehand what
// the commit will do (candor.ErasureIntent): cut short between the two,
// the subject's records stay in the store, unreadable, until Resume
// finishes the erasure from the intent. A partial one deletes the events in one atomic
// commit, then the records one by one: if it fails half way, erasing
// again finishes it. A fact stored or changed while the erasure was being
// prepared makes the store refuse the commit, which is then prepared again
// (audit.Changes.Commit). A request whose events were already resolved to
// the subject and commits after the erasure stores them under an ID that
// no longer has a key: unreadable, and reported by audit verify. With
// linked identities (Config.Groups) every member of the subject's group
// is erased so, aliases first, and the plans are summed, with link
// writes held off meanwhile if Groups can (identity.Service.Lock). Errors:
// ENOTFOUND for an unknown subject.
func (s *Service) Erase(ctx context.Context, subject candor.SubjectID) (*Plan, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if l, ok := s.cfg.Groups.(interface {
		Lock(ctx context.Context) (func(), error)
	}); ok {
		unlock, err := l.Lock(ctx)
		if err != nil {
			return nil, err
		}
		defer unlock()
	}
	members, err := s.members(ctx, subject)
	if err != nil {
		return nil, err
	}
	var plans []*Plan
	for _, m := range members {
		p, err := s.eraseOne(ctx, m)
		if err != nil {
			return nil, err
		}
		plans = append(plans, p)
	}
	return merge(subject, plans), nil
}

// eraseOne erases one subject as Erase describes.
func (s *Service) eraseOne(ctx context.Context, subject candor.SubjectID) (*Plan, error) {
	p, pd, err := s.plan(ctx, subject)
	if err != nil {
		return nil, err
	}
	st := s.cfg.Store
	if p.Whole {
		indexes := make([]candor.BlindIndex, len(pd.sub.Identifiers))
		for i, id := range pd.sub.Identifiers {
			indexes[i] = s.cfg.Vault.BlindIndex(id)
		}
		// Its keys are revoked first: after the commit, a failure could
		// not be retried, as the subject is gone.
		if err := s.revokeKeys(ctx, subject); err != nil {
			return nil, err
		}
		c := audit.NewChanges(st)
		if err := c.Erase(ctx, pd.key, indexes); err != nil {
			return nil, fmt.Errorf("erasure: %w", err)
		}
		if err := c.Keep(ctx, pd.erased...); err != nil {
			return nil, fmt.Errorf("erasure: %w", err)
		}
		if err := s.shredAndCommit(ctx, c, subject); err != nil {
			return nil, err
		}
		p.Done = true
		return p, nil
	}
	if len(pd.erase) > 0 {
		c := audit.NewChanges(st)
		for _, ref := range pd.erase {
			if err := c.Delete(ctx, pd.key, ref); err != nil {
				return nil, fmt.Errorf("erasure: event %d: %w", ref.ID, err)
			}
		}
		if err := c.Keep(ctx, pd.erased...); err != nil {
			return nil, fmt.Errorf("erasure: %w", err)
		}
		if _, err := c.Commit(ctx); err != nil {
			return nil, fmt.Errorf("erasure: %w", err)
		}
	}
	for _, r := range pd.records {
		if err := st.DeleteRecord(ctx, r.Kind, r.ID); err != nil {
			return nil, fmt.Errorf("erasure: record %s: %w", r.ID, err)
		}
	}
	p.Done = true
	return p, nil
}

// shredAndCommit records the erasure's intent, shreds the subject's key,
// then commits c, which removes the intent with the subject. The key goes
// first, from the keyring and its files: whatever happens next, every
// copy of the subject's data is shredded. The commit (retried on
// conflicts) uses the key opened when c was prepared; cut short (a crash,
// a failed commit), the intent lets Resume finish it without the key.
func (s *Service) shredAndCommit(ctx context.Context, c *audit.Changes, subject candor.SubjectID) error {
	intent, err := c.ErasureIntent(s.cfg.Now())
	if err != nil {
		return err
	}
	if err := s.cfg.Store.PutRecord(ctx, intent.Record()); err != nil {
		return fmt.Errorf("erasure: recording its intent: %w", err)
	}
	if l, ok := s.cfg.Vault.Keyring().(candor.ErasureLedger); ok {
		if err := l.RecordErasure(ctx, intent); err != nil {
			return fmt.Errorf("erasure: recording it in the keyring's ledger: %w", err)
		}
	}
	if err := s.cfg.Vault.ShredKey(ctx, subject); err != nil {
		return fmt.Errorf("erasure: %w", err)
	}
	if _, err := c.Commit(ctx); err != nil {
		return fmt.Errorf("erasure: the data key is shredded, but removing the subject's records failed (it is finished at the next start, or within minutes by the node holding the jobs' lease): %w", err)
	}
	return nil
}

// Resume finishes the erasures recorded as begun (candor.ErasureIntent)
// before the instant before and never committed, a crash or a failed
// commit having cut them short between the shredding of the key and the
// commit; it returns how many it finished. For each it shreds the key
// (if the crash came before), revokes the subject's API keys and commits
// the erasure as the intent recorded it, without the key: the subject's
// records, indexes and the intent are removed and the commitments
// retired. Facts stored about the subject after the intent was recorded
// are removed too, but their commitments, which need the key, stay
// unaccounted for (audit verify names them). An erasure under way on
// another node sharing the store is not touched if before is a little in
// the past (a node starting on an embedded store, which no other process
// can hold, passes the current time).
func (s *Service) Resume(ctx context.Context, before time.Time) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var intents []*candor.ErasureIntent
	for r, err := range s.cfg.Store.AllRecords(ctx, candor.RecordErasing) {
		if err != nil {
			return 0, err
		}
		x, err := candor.ParseErasureIntent(r)
		if err != nil {
			return 0, fmt.Errorf("erasure: %w", err)
		}
		if x.At.Before(before) {
			intents = append(intents, x)
		}
	}
	n := 0
	for _, x := range intents {
		if err := s.finish(ctx, x); err != nil {
			return n, fmt.Errorf("erasure: finishing that of %s: %w", x.Erasure.Subject, err)
		}
		n++
	}
	return n, nil
}

// Reapply applies again the erasures the keyring's ledger kept
// (candor.ErasureLedger) of subjects the store holds: a store restored
// from a backup taken before them. Each is finished as Resume finishes
// one, so the subject's records, which no key opens any more, are
// deleted, not only unreadable. It returns how many it applied; a
// keyring without a ledger has none.
func (s *Service) Reapply(ctx context.Context) (int, error) {
	l, ok := s.cfg.Vault.Keyring().(candor.ErasureLedger)
	if !ok {
		return 0, nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var todo []*candor.ErasureIntent
	var subjects []candor.SubjectID
	for x, err := range l.Erasures(ctx) {
		if err != nil {
			return 0, err
		}
		if _, err := s.cfg.Store.Subject(ctx, x.Erasure.Subject); err == nil {
			todo = append(todo, x)
			subjects = append(subjects, x.Erasure.Subject)
		} else if candor.ErrorCode(err) != candor.ENOTFOUND {
			return 0, err
		}
	}
	if len(todo) == 0 {
		return 0, nil
	}
	indexes, err := s.cfg.Store.IndexesOf(ctx, subjects) // the ledger keeps none
	if err != nil {
		return 0, err
	}
	for i, x := range todo {
		x.Unindex = indexes[x.Erasure.Subject]
		if err := s.finish(ctx, x); err != nil {
			return i, fmt.Errorf("erasure: applying that of %s again: %w", x.Erasure.Subject, err)
		}
	}
	return len(todo), nil
}

// finish commits an erasure as its intent recorded it (Resume).
func (s *Service) finish(ctx context.Context, x *candor.ErasureIntent) error {
	st, sub := s.cfg.Store, x.Erasure.Subject
	if _, err := st.Subject(ctx, sub); candor.ErrorCode(err) == candor.ENOTFOUND {
		// erased since; a store that kept the intent drops it now
		return st.DeleteRecord(ctx, candor.RecordErasing, sub.String())
	} else if err != nil {
		return err
	}
	if err := s.cfg.Vault.ShredKey(ctx, sub); err != nil {
		return err
	}
	if err := s.revokeKeys(ctx, sub); err != nil {
		return err
	}
	for attempt := 1; ; attempt++ {
		b := candor.WriteBatch{Erase: []candor.Erasure{x.Erasure}, Unindex: x.Unindex, Retire: x.Retire, Records: x.Keep}
		_, err := st.Commit(ctx, &b)
		if candor.ErrorCode(err) != candor.ECONFLICT || attempt == maxAttempts {
			return err
		}
		// Stored since the intent: counted now, to be removed as well.
		if x.Erasure.Events, x.Erasure.Access, err = s.count(ctx, sub); err != nil {
			return err
		}
	}
}

// maxAttempts bounds finish's commits while facts keep coming in.
const maxAttempts = 5

// count returns how many events and access records the store holds of
// sub.
func (s *Service) count(ctx context.Context, sub candor.SubjectID) (events, access int, err error) {
	for _, err := range s.cfg.Store.Events(ctx, sub, candor.EventFilter{}) {
		if err != nil {
			return 0, 0, err
		}
		events++
	}
	for _, err := range s.cfg.Store.AccessRecords(ctx, sub) {
		if err != nil {
			return 0, 0, err
		}
		access++
	}
	return events, access, nil
}

// revokeKeys revokes the API keys of an erased subject, which name it.
func (s *Service) revokeKeys(ctx context.Context, subject candor.SubjectID) error {
	keys, err := s.cfg.Store.Keys(ctx)
	if err != nil {
		return fmt.Errorf("erasure: revoking the subject's keys: %w", err)
	}
	for _, k := range keys {
		if k.Role == candor.RoleSubject && k.Principal == subject.String() && k.RevokedAt.IsZero() {
			k.RevokedAt = s.cfg.Now().UTC()
			if err := s.cfg.Store.PutKey(ctx, k); err != nil {
				return fmt.Errorf("erasure: revoking key %s: %w", k.ID, err)
			}
		}
	}
	return nil
}
