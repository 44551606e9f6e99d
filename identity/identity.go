package identity

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"sync"
	"time"

	"github.com/candor-project/candor"
	"github.com/candor-project/candor/vault"
)

// Config is what a Service works with.
type Config struct {
	Store candor.Store
	Vault *vault.Vault
	Now   func() time.Time // nil: time.Now
	// LeaseTTL is how long the links lease is taken for (0: 10 s); a
	// link write that takes longer is refused at its commit
	// (candor.ErrFenced) once another node took the lease over.
	LeaseTTL time.Duration
}

// Service links and unlinks subjects and resolves their groups. Its
// methods are safe for concurrent use.
type Service struct {
	cfg    Config
	mu     sync.Mutex // serialises link writes in this process
	holder string     // this Service's name for the links lease
	// disputes, if set, takes the subjects' disputes of links
	// (WithDisputes).
	disputes FactDisputes
}

// New returns a Service over cfg.
func New(cfg Config) *Service {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.LeaseTTL <= 0 {
		cfg.LeaseTTL = leaseTTL
	}
	var b [8]byte
	rand.Read(b[:])
	return &Service{cfg: cfg, holder: "identity-" + hex.EncodeToString(b[:])}
}

// LinksLease is the lease that serialises link writes among the nodes
// sharing a store (candor.Leaser), so that two nodes cannot link one
// identifier to two profiles at once.
const LinksLease = "identity-links"

// Lease timing: a link write takes milliseconds; a node waits this long
// for another's before it gives up.
const (
	leaseTTL  = 10 * time.Second
	leaseWait = 3 * time.Second
)

// Lock holds off link writes, in this process and on every node sharing
// the store, until the returned unlock is called: erasure holds it while
// it erases a group, so that no link step is added to a member between
// its plan and its commit. Errors as for Link's EUNAVAILABLE.
func (s *Service) Lock(ctx context.Context) (unlock func(), err error) {
	unlock, _, err = s.lock(ctx)
	return unlock, err
}

// lock serialises a link write in this process and, if the store has
// leases, among every node sharing it. It returns the unlock and the
// lease, which the write's commit is fenced with (candor.WriteBatch.Fence:
// a node that stalled past the lease's TTL while another took it over
// cannot commit what it checked under it); nil without leases. Errors:
// EUNAVAILABLE when another node holds the lease beyond leaseWait.
func (s *Service) lock(ctx context.Context) (func(), *candor.Lease, error) {
	s.mu.Lock()
	l, ok := s.cfg.Store.(candor.Leaser)
	if !ok {
		return s.mu.Unlock, nil, nil
	}
	deadline := time.Now().Add(leaseWait)
	for {
		lease, held, err := l.AcquireLease(ctx, LinksLease, s.holder, s.cfg.LeaseTTL)
		if err != nil {
			s.mu.Unlock()
			return nil, nil, err
		}
		if held {
			return func() {
				l.ReleaseLease(context.WithoutCancel(ctx), LinksLease, s.holder)
				s.mu.Unlock()
			}, &lease, nil
		}
		if time.Now().After(deadline) {
			s.mu.Unlock()
			return nil, nil, candor.Errorf(candor.EUNAVAILABLE, "another node is linking identities; try again")
		}
		select {
		case <-ctx.Done():
			s.mu.Unlock()
			return nil, nil, ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// Registry reports whether a source of kind k may link identifiers: a
// civil or company registry, or a tax office.
func Registry(k candor.SourceKind) bool {
	return k == candor.SourceRegistry || k == candor.SourceTaxAuthority
}

// Request names two identifiers of one subject as a registry posts them:
// First is the identifier the profile goes by (the survivor's), Second the
// one that becomes its alias.
type Request struct {
	Source        *candor.Source // nil only for an unlink through a dispute
	Ref           string         // the source's reference, or the dispute's ID
	First, Second candor.Identifier
}

// Group is a profile's members: the survivor first, then its aliases in
// the order they were linked. A subject without links is a group of one.
type Group struct {
	Survivor candor.SubjectID
	Members  []candor.SubjectID
	Links    []*candor.Link // the standing links, survivor to alias
}

// Linked reports whether the group has more than one member.
func (g *Group) Linked() bool { return len(g.Members) > 1 }

func (s *Service) key(ctx context.Context, id candor.SubjectID) (*vault.SubjectKey, error) {
	return s.cfg.Vault.StoredKey(ctx, s.cfg.Store, id)
}

// history reads and opens every link step stored under subject.
func (s *Service) history(ctx context.Context, key *vault.SubjectKey) ([]*candor.Link, error) {
	var out []*candor.Link
	for r, err := range s.cfg.Store.Records(ctx, candor.RecordLink, key.Subject()) {
		if err != nil {
			return nil, err
		}
		plain, err := key.OpenRecord(r)
		if err != nil {
			return nil, fmt.Errorf("identity: %w", err)
		}
		l := new(candor.Link)
		if err := l.UnmarshalBinary(plain); err != nil {
			return nil, fmt.Errorf("identity: record %s: %w", r.ID, err)
		}
		out = append(out, l)
	}
	return out, nil
}

// Group returns the group subject belongs to. Errors: ENOTFOUND for an
// unknown subject.
func (s *Service) Group(ctx context.Context, subject candor.SubjectID) (*Group, error) {
	return s.NewPlan(ctx).group(subject)
}

// Members implements the readers' view (profile.Groups): the members of
// subject's group, the survivor first.
func (s *Service) Members(ctx context.Context, subject candor.SubjectID) ([]candor.SubjectID, error) {
	g, err := s.Group(ctx, subject)
	if err != nil {
		return nil, err
	}
	return g.Members, nil
}

// resolve returns the subject of id, with ENOTFOUND naming the identifier.
func (s *Service) resolve(ctx context.Context, id candor.Identifier) (candor.SubjectID, *candor.SubjectRecord, error) {
	sub, err := s.cfg.Store.SubjectByIndex(ctx, s.cfg.Vault.BlindIndex(id))
	if candor.ErrorCode(err) == candor.ENOTFOUND {
		return sub, nil, candor.Errorf(candor.ENOTFOUND, "no profile has the %s given", id.Scheme)
	}
	if err != nil {
		return sub, nil, err
	}
	rec, err := s.cfg.Store.Subject(ctx, sub)
	return sub, rec, err
}

func checkRequest(r *Request, unlink bool) error {
	if r.Source == nil && !unlink || r.Source != nil && !Registry(r.Source.Kind) {
		return candor.Errorf(candor.EFORBIDDEN, "only a civil, company or tax registry may link or unlink identifiers")
	}
	if r.Ref == "" || len(r.Ref) > candor.MaxLinkString {
		return candor.Errorf(candor.EINVALID, "ref: required, at most %d bytes", candor.MaxLinkString)
	}
	if r.Source != nil && len(r.Source.ID) > candor.MaxLinkString {
		return candor.Errorf(candor.EINVALID, "source: longer than %d bytes", candor.MaxLinkString)
	}
	return nil
}

// Link makes Second's subject an alias of First's, in one commit with its
// commitments. Linking two identifiers already linked so is a no-op that
// returns the standing link. Errors: EFORBIDDEN for a source that is not
// a registry; ENOTFOUND for an identifier no profile has; EINVALID for
// identifiers of one subject or of subjects of different kinds, or a bad
// reference; ECONFLICT when Second's subject is linked elsewhere or has
// aliases, or First's is another's alias.
func (s *Service) Link(ctx context.Context, r Request) (*candor.Link, error) {
	return s.do(ctx, r, candor.OpLinked)
}

// do links or unlinks as a Request asks, in a commit of its own.
func (s *Service) do(ctx context.Context, r Request, op candor.LinkOp) (*candor.Link, error) {
	if err := checkRequest(&r, op == candor.OpUnlinked); err != nil {
		return nil, err
	}
	unlock, lease, err := s.lock(ctx)
	if err != nil {
		return nil, err
	}
	defer unlock()
	a, arec, err := s.resolve(ctx, r.First)
	if err != nil {
		return nil, err
	}
	b, brec, err := s.resolve(ctx, r.Second)
	if err != nil {
		return nil, err
	}
	f := Fact{Op: op, Ref: r.Ref, First: r.First, Second: r.Second, A: a, B: b, AKind: arec.Kind, BKind: brec.Kind}
	if r.Source != nil {
		f.Source = r.Source.ID
	}
	p := s.NewPlan(ctx)
	p.fence = lease
	l, planned, err := p.Add(f)
	if err != nil || !planned {
		return l, err
	}
	return l, s.commit(ctx, p)
}

// linkTo names the link that holds member in g.
func linkTo(g *Group, member candor.SubjectID) string {
	for _, l := range g.Links {
		if l.Alias == member || l.Survivor == member {
			return l.ID
		}
	}
	return "?"
}

func newLinkID() string {
	var b [8]byte
	rand.Read(b[:])
	return "lnk-" + hex.EncodeToString(b[:])
}

// Unlink undoes the standing link between First's and Second's subjects
// (in either order): both are profiles of their own again, exactly as if
// never linked. Errors as for Link, and ENOTFOUND when they are not
// linked.
func (s *Service) Unlink(ctx context.Context, r Request) (*candor.Link, error) {
	return s.do(ctx, r, candor.OpUnlinked)
}

// commit stores the steps of p, each under both its subjects, in one
// commit with their commitments.
func (s *Service) commit(ctx context.Context, p *Plan) error {
	b := &candor.WriteBatch{}
	cs, err := p.Write(b)
	if err != nil {
		return err
	}
	b.Commitments = func(*candor.WriteBatch, uint64) (write, access []candor.Commitment) { return cs, nil }
	_, err = s.cfg.Store.Commit(ctx, b)
	return err
}

// FactDisputes opens a dispute of a stored fact (disputes.Service is
// one): the disputes workflow a link's fact goes through.
type FactDisputes interface {
	Open(ctx context.Context, subject candor.SubjectID, id candor.EventID, statement string) (*candor.Dispute, error)
}

// WithDisputes makes Dispute send a disputed link to review through d.
// Call it before the service is used.
func (s *Service) WithDisputes(d FactDisputes) { s.disputes = d }

// Dispute is the subject's challenge of the standing link id of its
// group. A link a registry's fact made (identity.linked, posted through
// the ingest pipeline) goes to review: the fact is disputed through the
// disputes workflow (WithDisputes), the link stands meanwhile, and the
// registry (or an operator for it) verifies it, which keeps it, or
// withdraws it; a withdrawn, corrected or expired fact undoes the link
// (UndoFact). The dispute is returned, with the link. A link no fact
// made (one made through Link, by a caller inside Candor) is undone at
// once, with no dispute. Errors: ENOTFOUND when subject's group holds no
// standing link id; the disputes workflow's (ECONFLICT for a fact
// disputed already).
func (s *Service) Dispute(ctx context.Context, subject candor.SubjectID, id, statement string) (*candor.Link, *candor.Dispute, error) {
	g, err := s.Group(ctx, subject)
	if err != nil {
		return nil, nil, err
	}
	var l *candor.Link
	for _, x := range g.Links {
		if x.ID == id {
			l = x
		}
	}
	if l == nil {
		return nil, nil, candor.Errorf(candor.ENOTFOUND, "no link %q joins your profile", candor.Clip(id, 40))
	}
	if s.disputes != nil && l.Source != "" {
		e, err := s.cfg.Store.Dedupe(ctx, s.cfg.Vault.DedupeKey(l.Source, l.Ref))
		switch {
		case err == nil:
			d, err := s.disputes.Open(ctx, e.Subject, e.Event, statement)
			return l, d, err
		case candor.ErrorCode(err) != candor.ENOTFOUND:
			return nil, nil, err
		}
	}
	u, err := s.undo(ctx, subject, func(x *candor.Link) bool { return x.ID == id }, DisputeRef)
	if err == nil && u == nil {
		err = candor.Errorf(candor.ENOTFOUND, "no link %q joins your profile", candor.Clip(id, 40))
	}
	return u, nil, err
}

// UndoFact undoes the standing link of subject's group that the fact
// ref of source made, at the end of a dispute that upheld the subject
// (the fact withdrawn, corrected or expired): the step names no source
// and the dispute. It does nothing if no such link stands (undone
// before), so that a dispute settled again after a crash undoes nothing
// twice.
func (s *Service) UndoFact(ctx context.Context, subject candor.SubjectID, source, ref, dispute string) error {
	note := "dispute " + dispute
	if len(note) > candor.MaxLinkString {
		note = note[:candor.MaxLinkString]
	}
	_, err := s.undo(ctx, subject, func(l *candor.Link) bool { return l.Source == source && l.Ref == ref }, note)
	return err
}

// undo writes the unlinked step of the first standing link of subject's
// group that match selects, with reference ref; nil if none matches.
func (s *Service) undo(ctx context.Context, subject candor.SubjectID, match func(*candor.Link) bool, ref string) (*candor.Link, error) {
	unlock, lease, err := s.lock(ctx)
	if err != nil {
		return nil, err
	}
	defer unlock()
	p := s.NewPlan(ctx)
	p.fence = lease
	g, err := p.group(subject)
	if err != nil {
		return nil, err
	}
	for _, l := range g.Links {
		if match(l) {
			u := *l
			u.Op, u.Source, u.Ref = candor.OpUnlinked, "", ref
			p.plan(&u)
			return &u, s.commit(ctx, p)
		}
	}
	return nil, nil
}

// DisputeRef is the reference of a link undone by its subject's dispute.
const DisputeRef = "dispute by the subject"
