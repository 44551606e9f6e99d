package identity

import (
	"context"
	"slices"
	"time"

	"github.com/candor-project/candor"
	"github.com/candor-project/candor/vault"
)

// A Plan checks link steps against what is stored and against the steps
// planned before them, and writes them into one batch: the way a batch of
// facts that links and unlinks (identity.linked, identity.unlinked,
// posted through the ingest pipeline) is checked whole and committed
// whole, alongside the batch's other events. A Plan reads the store as
// the caller finds it: the caller holds Lock from the Plan's start to its
// commit, so that no other link write comes between.
type Plan struct {
	s     *Service
	ctx   context.Context
	fresh map[candor.SubjectID]freshSubject // subjects the batch creates
	added map[candor.SubjectID][]*candor.Link
	steps []*candor.Link
	last  time.Time
	fence *candor.Lease // the links lease the plan was made under, if any
}

type freshSubject struct {
	kind candor.SubjectKind
	key  *vault.SubjectKey
}

// Begin holds off every other link write (Lock) and starts a plan, to be
// committed before unlock is called. Errors as Lock's.
func (s *Service) Begin(ctx context.Context) (p *Plan, unlock func(), err error) {
	unlock, lease, err := s.lock(ctx)
	if err != nil {
		return nil, nil, err
	}
	p = s.NewPlan(ctx)
	p.fence = lease
	return p, unlock, nil
}

// NewPlan starts an empty plan.
func (s *Service) NewPlan(ctx context.Context) *Plan {
	return &Plan{s: s, ctx: ctx, fresh: map[candor.SubjectID]freshSubject{}, added: map[candor.SubjectID][]*candor.Link{}}
}

// Fresh tells the plan of a subject the batch creates (it is not stored
// yet): a link may name it (an identifier linked before any fact about
// it was posted, whose later facts land on the linked profile).
func (p *Plan) Fresh(kind candor.SubjectKind, key *vault.SubjectKey) {
	p.fresh[key.Subject()] = freshSubject{kind, key}
}

// Steps returns the steps planned, in order.
func (p *Plan) Steps() []*candor.Link { return p.steps }

func (p *Plan) key(id candor.SubjectID) (*vault.SubjectKey, error) {
	if f, ok := p.fresh[id]; ok {
		return f.key, nil
	}
	return p.s.key(p.ctx, id)
}

// standing returns the links of subject that stand, planned steps
// included.
func (p *Plan) standing(subject candor.SubjectID) ([]*candor.Link, error) {
	var h []*candor.Link
	if _, ok := p.fresh[subject]; !ok {
		key, err := p.s.key(p.ctx, subject)
		if err != nil {
			return nil, err
		}
		if h, err = p.s.history(p.ctx, key); err != nil {
			return nil, err
		}
	}
	return candor.CurrentLinks(append(h, p.added[subject]...)), nil
}

// exists reports whether subject is stored or fresh.
func (p *Plan) exists(subject candor.SubjectID) (bool, error) {
	if _, ok := p.fresh[subject]; ok {
		return true, nil
	}
	switch _, err := p.s.cfg.Store.Subject(p.ctx, subject); {
	case candor.ErrorCode(err) == candor.ENOTFOUND:
		return false, nil
	case err != nil:
		return false, err
	}
	return true, nil
}

// group is Service.Group with the planned steps.
func (p *Plan) group(subject candor.SubjectID) (*Group, error) {
	links, err := p.standing(subject)
	if err != nil {
		return nil, err
	}
	survivor := subject
	for _, l := range links {
		if l.Alias == subject {
			survivor = l.Survivor
		}
	}
	if survivor != subject {
		switch links, err = p.standing(survivor); {
		case candor.ErrorCode(err) == candor.ENOTFOUND: // erased: the subject stands alone
			survivor, links = subject, nil
		case err != nil:
			return nil, err
		}
	}
	g := &Group{Survivor: survivor, Members: []candor.SubjectID{survivor}}
	for _, l := range links {
		if l.Survivor != survivor {
			continue
		}
		switch ok, err := p.exists(l.Alias); {
		case err != nil:
			return nil, err
		case !ok: // erased
			continue
		}
		g.Members = append(g.Members, l.Alias)
		g.Links = append(g.Links, l)
	}
	return g, nil
}

// Fact is one link fact, its identifiers resolved to subjects (stored,
// or Fresh in the plan).
type Fact struct {
	Op            candor.LinkOp
	Source        string // the registry's ID; "" for a dispute
	Ref           string // the source's reference (its event ID), or the dispute's
	First, Second candor.Identifier
	A, B          candor.SubjectID
	AKind, BKind  candor.SubjectKind
}

// Add checks f against what is stored and the steps planned before it,
// and plans its step. It returns the step, and planned false when f
// changes nothing (a link that stands already is returned as it is).
// Errors: EINVALID for identifiers of one subject or of subjects of
// different kinds, or a bad reference; ECONFLICT when Second's subject is
// linked elsewhere or has aliases, or First's is another's alias;
// ENOTFOUND for an unlink of subjects that are not linked.
func (p *Plan) Add(f Fact) (l *candor.Link, planned bool, err error) {
	if f.Ref == "" || len(f.Ref) > candor.MaxLinkString || len(f.Source) > candor.MaxLinkString {
		return nil, false, candor.Errorf(candor.EINVALID, "a link's reference and source have 1 to %d bytes", candor.MaxLinkString)
	}
	if f.Op == candor.OpUnlinked {
		l, err = p.unlink(f)
	} else {
		l, planned, err = p.link(f)
		if err != nil || !planned {
			return l, false, err
		}
	}
	if err != nil {
		return nil, false, err
	}
	p.plan(l)
	return l, true, nil
}

func (p *Plan) link(f Fact) (*candor.Link, bool, error) {
	a, b := f.A, f.B
	switch {
	case a == b:
		return nil, false, candor.Errorf(candor.EINVALID, "the %s and the %s name one profile already", f.First.Scheme, f.Second.Scheme)
	case f.AKind != f.BKind:
		return nil, false, candor.Errorf(candor.EINVALID, "the %s names %s and the %s %s: a link joins two identifiers of one kind of subject", f.First.Scheme, f.AKind.Noun(), f.Second.Scheme, f.BKind.Noun())
	}
	ga, err := p.group(a)
	if err != nil {
		return nil, false, err
	}
	gb, err := p.group(b)
	if err != nil {
		return nil, false, err
	}
	if ga.Survivor == a && slices.Contains(ga.Members, b) {
		return ga.Links[slices.Index(ga.Members, b)-1], false, nil
	}
	if ga.Survivor != a {
		return nil, false, candor.Errorf(candor.ECONFLICT, "the %s is already linked to another profile (link %s): unlink it first, or link to that profile", f.First.Scheme, linkTo(ga, a))
	}
	if gb.Linked() {
		return nil, false, candor.Errorf(candor.ECONFLICT, "the %s is already linked to another profile (link %s): unlink it first", f.Second.Scheme, linkTo(gb, b))
	}
	return &candor.Link{ID: newLinkID(), Op: candor.OpLinked, Survivor: a, Alias: b, Source: f.Source, Ref: f.Ref}, true, nil
}

func (p *Plan) unlink(f Fact) (*candor.Link, error) {
	links, err := p.standing(f.A)
	if err != nil {
		return nil, err
	}
	for _, l := range links {
		if l.Survivor == f.A && l.Alias == f.B || l.Survivor == f.B && l.Alias == f.A {
			u := *l
			u.Op, u.Source, u.Ref = candor.OpUnlinked, f.Source, f.Ref
			return &u, nil
		}
	}
	return nil, candor.Errorf(candor.ENOTFOUND, "the %s and the %s are not linked", f.First.Scheme, f.Second.Scheme)
}

// plan dates step l after every step planned before it, so that the
// order of a batch's steps is the order of their facts, and adds it.
func (p *Plan) plan(l *candor.Link) {
	at := p.s.cfg.Now().UTC()
	if !at.After(p.last) {
		at = p.last.Add(time.Nanosecond)
	}
	l.At, p.last = at, at
	p.steps = append(p.steps, l)
	p.added[l.Survivor] = append(p.added[l.Survivor], l)
	p.added[l.Alias] = append(p.added[l.Alias], l)
}

// Write adds the records of the planned steps to b, each under both its
// subjects, sealed with that subject's key, and returns their write
// commitments (each salted with its subject's salt), for the batch's
// audit entry. It fences b with the links lease the plan was begun
// under (candor.WriteBatch.Fence), so that the store refuses it with
// candor.ErrFenced if the lease passed to another node meanwhile.
func (p *Plan) Write(b *candor.WriteBatch) ([]candor.Commitment, error) {
	if len(p.steps) > 0 {
		b.Fence = p.fence
	}
	var cs []candor.Commitment
	for _, l := range p.steps {
		enc, err := l.MarshalBinary()
		if err != nil {
			return nil, err
		}
		for _, member := range []candor.SubjectID{l.Survivor, l.Alias} {
			key, err := p.key(member)
			if err != nil {
				return nil, err
			}
			b.Records = append(b.Records, key.SealRecord(candor.RecordLink, candor.LinkRecordID(l, member), enc))
			cs = append(cs, candor.LinkCommitment(key.Salt(), enc))
		}
	}
	return cs, nil
}
