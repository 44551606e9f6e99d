package disputes

import (
	"context"
	"crypto/rand"
	"encoding/base32"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/candor-project/candor"
	"github.com/candor-project/candor/audit"
	"github.com/candor-project/candor/vault"
)

// Service opens, answers and expires disputes. It is safe for concurrent
// use; changes are serialised.
type Service struct {
	store candor.Store
	vault *vault.Vault
	cat   *candor.Catalogue
	now   func() time.Time
	mu    sync.Mutex
	// onStatus, if set, is told of each dispute that enters a status.
	onStatus func(candor.DisputeStatus)
	// links, if set, undoes the link a disputed link fact made when the
	// dispute upholds the subject (UndoLinks).
	links LinkUndoer
}

// LinkUndoer undoes the link a fact made (identity.Service is one).
type LinkUndoer interface {
	UndoFact(ctx context.Context, subject candor.SubjectID, source, ref, dispute string) error
}

// UndoLinks makes a dispute of a link fact (candor.TypeLinked) that ends
// with the fact withdrawn, corrected or expired undo the link it made,
// through u, before the dispute is recorded as settled: a crash in
// between leaves the dispute open, and settling it again undoes nothing
// twice. A verified link fact stands. Call it before the service is used.
func (s *Service) UndoLinks(u LinkUndoer) { s.links = u }

// OnStatus makes the service call f with the status each dispute enters
// (opened, then settled), once it is stored: for metrics. Call it before
// the service is used.
func (s *Service) OnStatus(f func(candor.DisputeStatus)) { s.onStatus = f }

// entered tells onStatus of st.
func (s *Service) entered(st candor.DisputeStatus) {
	if s.onStatus != nil {
		s.onStatus(st)
	}
}

// OpenCount returns how many disputes are open, in the store.
func (s *Service) OpenCount(ctx context.Context) (int, error) {
	n := 0
	for _, err := range s.store.AllRecords(ctx, candor.RecordDisputeOpen) {
		if err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

// New returns the service; now is its clock (nil: time.Now).
func New(store candor.Store, v *vault.Vault, cat *candor.Catalogue, now func() time.Time) *Service {
	if now == nil {
		now = time.Now
	}
	return &Service{store: store, vault: v, cat: cat, now: now}
}

// Open disputes the subject's event id with a statement, sets the fact
// aside and returns the dispute. Errors: EINVALID for a blank or overlong
// statement; ENOTFOUND if the subject has no such event; ECONFLICT if the
// fact is not active (already disputed, corrected, removed or expired).
func (s *Service) Open(ctx context.Context, subject candor.SubjectID, id candor.EventID, statement string) (*candor.Dispute, error) {
	if err := candor.CheckStatement("statement", statement, true); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	key, err := s.vault.StoredKey(ctx, s.store, subject)
	if err != nil {
		return nil, err
	}
	ev, err := s.event(ctx, key, id)
	if err != nil {
		return nil, err
	}
	now := s.now()
	if st := ev.EffectiveState(s.cat.Type(ev.Type), now); st != candor.StateActive {
		return nil, candor.Errorf(candor.ECONFLICT, "fact %d is %v: only an active fact can be disputed", id, st)
	}
	d := &candor.Dispute{
		ID: newID("dsp"), Subject: subject, Event: ev.ID, OccurredAt: ev.OccurredAt, Type: ev.Type,
		Source: ev.Source, SourceEventID: ev.SourceEventID, Statement: statement,
		OpenedAt: now, Deadline: now.Add(candor.DisputeWindow), Status: candor.DisputeOpen,
		Steps: []candor.DisputeStep{{At: now, Status: candor.DisputeOpen, By: "subject", Note: statement}},
	}
	// The dispute is recorded before the fact is set aside: a crash in
	// between leaves an open dispute that its answer or deadline settles,
	// never a fact set aside with no dispute to end it.
	if err := s.put(ctx, key, d); err != nil {
		return nil, err
	}
	if err := s.store.PutRecord(ctx, &candor.Record{Kind: candor.RecordDisputeOpen, ID: d.ID, Subject: subject}); err != nil {
		return nil, err
	}
	if err := s.setState(ctx, key, d.Ref(), candor.StateDisputed); err != nil {
		return nil, err
	}
	s.entered(candor.DisputeOpen)
	return d, nil
}

// event finds and opens one of the subject's events. Errors: ENOTFOUND.
func (s *Service) event(ctx context.Context, key *vault.SubjectKey, id candor.EventID) (*candor.Event, error) {
	for rec, err := range s.store.Events(ctx, key.Subject(), candor.EventFilter{}) {
		if err != nil {
			return nil, err
		}
		if rec.ID == id {
			return key.OpenEvent(rec)
		}
	}
	return nil, candor.Errorf(candor.ENOTFOUND, "no fact %d", id)
}

// setState changes the state of a disputed fact through the log. A fact
// already in that state (a change made before a crash) is left as it is,
// and one no longer stored (past its retention, purged) needs no change:
// the dispute is settled all the same.
func (s *Service) setState(ctx context.Context, key *vault.SubjectKey, ref candor.EventRef, state candor.EventState) error {
	c := audit.NewChanges(s.store)
	err := c.SetState(ctx, key, ref, state)
	if code := candor.ErrorCode(err); code == candor.ECONFLICT || code == candor.ENOTFOUND {
		return nil
	}
	if err != nil {
		return err
	}
	_, err = c.Commit(ctx)
	return err
}

// Of returns the subject's disputes, newest first.
func (s *Service) Of(ctx context.Context, subject candor.SubjectID) ([]*candor.Dispute, error) {
	key, err := s.vault.StoredKey(ctx, s.store, subject)
	if err != nil {
		return nil, err
	}
	out, err := vault.ReadJSON[candor.Dispute](ctx, s.store, key, candor.RecordDispute)
	if err != nil {
		return nil, err
	}
	slices.SortFunc(out, func(a, b *candor.Dispute) int { return b.OpenedAt.Compare(a.OpenedAt) })
	return out, nil
}

// Queue returns the open disputes, oldest deadline first; with a non-empty
// source, only those of facts that source posted.
func (s *Service) Queue(ctx context.Context, source string) ([]*candor.Dispute, error) {
	var refs []candor.Record
	for r, err := range s.store.AllRecords(ctx, candor.RecordDisputeOpen) {
		if err != nil {
			return nil, err
		}
		refs = append(refs, candor.Record{ID: r.ID, Subject: r.Subject})
	}
	var out []*candor.Dispute
	for _, r := range refs {
		d, _, err := s.get(ctx, r.Subject, r.ID)
		if candor.ErrorCode(err) == candor.ENOTFOUND {
			continue // erased meanwhile
		}
		if err != nil {
			return nil, err
		}
		if d.Status == candor.DisputeOpen && (source == "" || d.Source == source) {
			out = append(out, d)
		}
	}
	slices.SortFunc(out, func(a, b *candor.Dispute) int { return a.Deadline.Compare(b.Deadline) })
	return out, nil
}

// Dispute returns the dispute id, whoever's it is (for the operators who
// settle it). Errors: ENOTFOUND.
func (s *Service) Dispute(ctx context.Context, id string) (*candor.Dispute, error) {
	r, err := s.store.Record(ctx, candor.RecordDispute, id)
	if err != nil {
		return nil, err
	}
	d, _, err := s.get(ctx, r.Subject, id)
	return d, err
}

// get reads one dispute of a subject. Errors: ENOTFOUND.
func (s *Service) get(ctx context.Context, subject candor.SubjectID, id string) (*candor.Dispute, *vault.SubjectKey, error) {
	r, err := s.store.Record(ctx, candor.RecordDispute, id)
	if err == nil && r.Subject != subject {
		err = candor.Errorf(candor.ENOTFOUND, "no dispute %s", id)
	}
	if err != nil {
		return nil, nil, err
	}
	key, err := s.vault.StoredKey(ctx, s.store, subject)
	if err != nil {
		return nil, nil, err
	}
	d := new(candor.Dispute)
	return d, key, key.OpenJSON(r, d)
}

// Answer records source's answer to dispute id and settles the fact.
// Errors: ENOTFOUND if there is no open dispute id of a fact source
// posted; EINVALID for an unknown answer, a missing or stray correction,
// a correction that is not stored or is about another subject, or an
// overlong note; ECONFLICT if the dispute is settled already.
func (s *Service) Answer(ctx context.Context, source string, id string, a candor.DisputeReply) (*candor.Dispute, error) {
	return s.answer(ctx, id, a, source, source)
}

// Resolve records, for an operator, the answer the fact's source gave
// another way (a letter, a call), as Answer does; the step names the
// operator. Errors as Answer's, ENOTFOUND for any dispute not open.
func (s *Service) Resolve(ctx context.Context, operator string, id string, a candor.DisputeReply) (*candor.Dispute, error) {
	return s.answer(ctx, id, a, "", "operator "+operator)
}

// answer settles dispute id with a, if source (when not empty) posted the
// fact, and records the step as by by (and the source's ID, if it is not
// the source).
func (s *Service) answer(ctx context.Context, id string, a candor.DisputeReply, source, by string) (*candor.Dispute, error) {
	status := a.Answer.Status()
	if status == "" {
		return nil, candor.Errorf(candor.EINVALID, "answer %q is not one of verify, correct, withdraw", a.Answer)
	}
	if err := candor.CheckStatement("note", a.Note, false); err != nil {
		return nil, err
	}
	if (a.Answer == candor.AnswerCorrect) != (a.Correction != "") {
		return nil, candor.Errorf(candor.EINVALID, "correction: the ID of the correcting event is required with the answer correct, and only with it")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	open, err := s.store.Record(ctx, candor.RecordDisputeOpen, id)
	if err != nil {
		return nil, s.notOpen(ctx, id, source, err)
	}
	d, key, err := s.get(ctx, open.Subject, id)
	if err != nil {
		return nil, err
	}
	if source != "" && d.Source != source {
		return nil, candor.Errorf(candor.ENOTFOUND, "no open dispute %s of a fact you posted", id)
	}
	if by != d.Source {
		by += " for " + d.Source
	}
	if a.Answer == candor.AnswerCorrect {
		e, err := s.store.Dedupe(ctx, s.vault.DedupeKey(d.Source, a.Correction))
		switch {
		case candor.ErrorCode(err) == candor.ENOTFOUND:
			return nil, candor.Errorf(candor.EINVALID, "correction: no event %q of %s is stored: post it first", a.Correction, d.Source)
		case err != nil:
			return nil, err
		case e.Subject != d.Subject || e.Event == d.Event:
			return nil, candor.Errorf(candor.EINVALID, "correction: event %q is not another fact about the same subject", a.Correction)
		}
		d.Correction = a.Correction
	}
	return d, s.settle(ctx, key, d, candor.DisputeStep{At: s.now(), Status: status, By: by, Note: a.Note})
}

// notOpen tells a settled dispute (ECONFLICT) from an unknown one, for
// the source that posted the fact (or an operator: source empty) only.
func (s *Service) notOpen(ctx context.Context, id, source string, err error) error {
	if candor.ErrorCode(err) != candor.ENOTFOUND {
		return err
	}
	if r, err := s.store.Record(ctx, candor.RecordDispute, id); err == nil {
		if d, _, err := s.get(ctx, r.Subject, id); err == nil && (source == "" || d.Source == source) {
			return candor.Errorf(candor.ECONFLICT, "dispute %s is %s already", id, d.Status)
		}
	}
	return candor.Errorf(candor.ENOTFOUND, "no open dispute %s of a fact you posted", id)
}

// settle applies a dispute's last step: the fact's state, the dispute
// record, the queue and the notices.
func (s *Service) settle(ctx context.Context, key *vault.SubjectKey, d *candor.Dispute, step candor.DisputeStep) error {
	if err := s.setState(ctx, key, d.Ref(), step.Status.EventState()); err != nil {
		return err
	}
	if s.links != nil && candor.LinkOpOf(d.Type) == candor.OpLinked && step.Status != candor.DisputeVerified {
		if err := s.links.UndoFact(ctx, d.Subject, d.Source, d.SourceEventID, d.ID); err != nil {
			return err
		}
	}
	d.Status = step.Status
	d.Steps = append(d.Steps, step)
	if err := s.put(ctx, key, d); err != nil {
		return err
	}
	if err := s.store.DeleteRecord(ctx, candor.RecordDisputeOpen, d.ID); err != nil {
		return err
	}
	if step.Status == candor.DisputeVerified {
		s.entered(step.Status)
		return nil
	}
	if err := s.notify(ctx, key, d, step); err != nil {
		return err
	}
	s.entered(step.Status)
	return nil
}

// Expire removes the facts of open disputes past their deadline and
// returns how many it settled.
func (s *Service) Expire(ctx context.Context) (int, error) {
	queue, err := s.Queue(ctx, "")
	if err != nil {
		return 0, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, d := range queue {
		now := s.now()
		if now.Before(d.Deadline) {
			break // the queue is in deadline order
		}
		if _, err := s.store.Record(ctx, candor.RecordDisputeOpen, d.ID); err != nil {
			if candor.ErrorCode(err) == candor.ENOTFOUND {
				continue // answered meanwhile
			}
			return n, err
		}
		key, err := s.vault.StoredKey(ctx, s.store, d.Subject)
		if err != nil {
			return n, err
		}
		step := candor.DisputeStep{At: now, Status: candor.DisputeExpired, By: "candor",
			Note: "not verified by its source within 30 days: removed"}
		if err := s.settle(ctx, key, d, step); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

// notify sends a notice to every relying party that received a decision
// about the subject within candor.NoticePeriod before the step.
func (s *Service) notify(ctx context.Context, key *vault.SubjectKey, d *candor.Dispute, step candor.DisputeStep) error {
	var notices []*candor.Notice
	for r, err := range s.store.Records(ctx, candor.RecordDecision, d.Subject) {
		if err != nil {
			return err
		}
		plain, err := key.OpenRecord(r)
		if err != nil {
			return err
		}
		var dec candor.Decision
		if err := candor.DecodeDecision(plain, &dec); err != nil {
			return fmt.Errorf("disputes: decision %s: %w", r.ID, err)
		}
		if dec.At.After(step.At.Add(-candor.NoticePeriod)) {
			notices = append(notices, &candor.Notice{ID: noticeID(step.At), RelyingParty: dec.RelyingParty,
				Decision: dec.ID, At: step.At, Change: step.Status})
		}
	}
	for _, n := range notices {
		if err := putNotice(ctx, s.store, n); err != nil {
			return err
		}
	}
	return nil
}

func (s *Service) put(ctx context.Context, key *vault.SubjectKey, d *candor.Dispute) error {
	r, err := key.SealJSON(candor.RecordDispute, d.ID, d)
	if err != nil {
		return err
	}
	return s.store.PutRecord(ctx, r)
}

var idEncoding = base32.StdEncoding.WithPadding(base32.NoPadding)

// newID returns a random ID with a prefix: 80 random bits.
func newID(prefix string) string {
	var b [10]byte
	rand.Read(b[:])
	return prefix + "_" + strings.ToLower(idEncoding.EncodeToString(b[:]))
}
