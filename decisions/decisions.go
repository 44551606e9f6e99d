package decisions

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash/maphash"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/candor-project/candor"
	"github.com/candor-project/candor/scoring"
	"github.com/candor-project/candor/vault"
)

// Service takes decisions and keeps what they rest on. It is safe for
// concurrent use.
type Service struct {
	store candor.Store
	vault *vault.Vault
	cat   *candor.Catalogue
	// published are the served scorecard versions: the active ones, which
	// decisions use, one per purpose and subject kind, and every
	// published one, for reproducing old decisions. Read once per
	// operation: the set may change while the service runs.
	published *scoring.Published
	now       func() time.Time
	access    AccessLog // nil: decisions are stored on their own

	consents  subjectCache[string, consentRead]
	optOuts   subjectCache[string, bool] // by opt-out record ID
	matchSets subjectCache[matchesKey, []candor.Match]
	parties   sync.Map   // relying party ID → *partyEntry
	groups    groupCache // linked identities (links.go)
	// erasures is one more than the store's erasures version the caches
	// were last emptied at (see catchUpErasures).
	erasures atomic.Uint64
	locks    keyLocks // of idempotency keys
}

// New returns a service over store, whose events follow catalogue cat.
// published are the served scorecard versions: each decision is taken
// under the active version served when it is taken (materialised: its
// matches stored), and a decision taken under an older version is
// reproduced under that version while it is published. nil serves none.
// now is the clock (nil: time.Now).
func New(store candor.Store, v *vault.Vault, cat *candor.Catalogue, published *scoring.Published, now func() time.Time) *Service {
	if now == nil {
		now = time.Now
	}
	s := &Service{store: store, vault: v, cat: cat, published: published, now: now}
	s.locks.seed = maphash.MakeSeed()
	return s
}

// PutRelyingParty registers or updates a relying party; an update keeps
// the registration time unless rp gives one. Errors: EINVALID.
func (s *Service) PutRelyingParty(ctx context.Context, rp *candor.RelyingParty) error {
	if err := rp.Validate(); err != nil {
		return err
	}
	if rp.CreatedAt.IsZero() {
		switch old, err := s.RelyingParty(ctx, rp.ID); candor.ErrorCode(err) {
		case "":
			rp.CreatedAt = old.CreatedAt
		case candor.ENOTFOUND:
			rp.CreatedAt = s.now().UTC()
		default:
			return err
		}
	}
	data, err := json.Marshal(rp)
	if err != nil {
		return err
	}
	return s.store.PutRecord(ctx, &candor.Record{Kind: candor.RecordRelyingParty, ID: rp.ID, Data: data})
}

// RelyingParty returns a registered relying party, decoded once for each
// version of its record (callers MUST NOT modify its slices, which are
// shared), and read from the store again only when the store's version
// of the relying parties' records (candor.Versioned) moved since it was
// kept: on every relying party's request, that is. Errors: ENOTFOUND.
func (s *Service) RelyingParty(ctx context.Context, id string) (*candor.RelyingParty, error) {
	v := s.store.RecordsVersion(candor.RecordRelyingParty, candor.SubjectID{}) // taken before the read
	if e, ok := s.parties.Load(id); ok && e.(*partyEntry).version == v {
		c := *e.(*partyEntry).rp
		return &c, nil
	}
	r, err := s.store.Record(ctx, candor.RecordRelyingParty, id)
	if candor.ErrorCode(err) == candor.ENOTFOUND {
		return nil, candor.Errorf(candor.ENOTFOUND, "no relying party %s", id)
	}
	if err != nil {
		return nil, err
	}
	if e, ok := s.parties.Load(id); ok && bytes.Equal(e.(*partyEntry).raw, r.Data) {
		s.parties.Store(id, &partyEntry{raw: r.Data, rp: e.(*partyEntry).rp, version: v})
		c := *e.(*partyEntry).rp
		return &c, nil
	}
	rp, err := decodeRelyingParty(r)
	if err != nil {
		return nil, err
	}
	s.parties.Store(id, &partyEntry{raw: r.Data, rp: rp, version: v})
	c := *rp
	return &c, nil
}

// partyEntry is a relying party as decoded from its record's bytes, raw:
// RelyingParty decodes the record again only when the store's bytes are
// not raw (it was updated), so it is as fresh as the store's own read.
type partyEntry struct {
	raw []byte
	rp  *candor.RelyingParty
	// version is the store's version of the relying parties' records
	// taken before raw was read: while it has not moved, raw is what a
	// read would return.
	version uint64
}

// RelyingParties returns every registered relying party, by ID.
func (s *Service) RelyingParties(ctx context.Context) ([]*candor.RelyingParty, error) {
	var out []*candor.RelyingParty
	for r, err := range s.store.AllRecords(ctx, candor.RecordRelyingParty) {
		if err != nil {
			return nil, err
		}
		rp, err := decodeRelyingParty(r)
		if err != nil {
			return nil, err
		}
		out = append(out, rp)
	}
	return out, nil
}

func decodeRelyingParty(r *candor.Record) (*candor.RelyingParty, error) {
	var rp candor.RelyingParty
	if err := json.Unmarshal(r.Data, &rp); err != nil {
		return nil, fmt.Errorf("decisions: relying party %s: %w", r.ID, err)
	}
	return &rp, nil
}

// subjectKey opens the data key of a stored subject. Errors: ENOTFOUND.
func (s *Service) subjectKey(ctx context.Context, id candor.SubjectID) (*candor.SubjectRecord, *vault.SubjectKey, error) {
	rec, err := s.store.Subject(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	key, err := s.vault.SubjectKey(ctx, id)
	return rec, key, err
}

// put seals v as JSON into the record kind/id about key's subject.
func put(ctx context.Context, st candor.RecordStore, key *vault.SubjectKey, kind candor.RecordKind, id string, v any) error {
	r, err := key.SealJSON(kind, id, v)
	if err != nil {
		return err
	}
	return st.PutRecord(ctx, r)
}

// consentID is the ID a consent is stored under: a hash of its code, so
// that the codes themselves appear only sealed.
func consentID(code string) string {
	const prefix = "candor/v1/consent/"
	var in [64]byte // prefix and a code in NewCode's form, on the stack
	h := sha256.Sum256(append(append(in[:0], prefix...), code...))
	var out [32]byte
	hex.Encode(out[:], h[:16])
	return string(out[:])
}

// Grant records subject's consent to relying party rpID for purpose, for
// period (0: the default), and returns it with its code. Errors: ENOTFOUND
// for an unknown relying party or subject; EINVALID for a purpose the
// relying party is not registered for or a period out of bounds.
func (s *Service) Grant(ctx context.Context, subject candor.SubjectID, rpID string, purpose candor.Purpose, period time.Duration) (*candor.Consent, error) {
	rp, err := s.RelyingParty(ctx, rpID)
	if err != nil {
		return nil, err
	}
	if !rp.Serves(purpose) {
		return nil, candor.Errorf(candor.EINVALID, "%s is not registered for the purpose %s, so a consent for it would be of no use", rp.Name, purpose)
	}
	_, key, err := s.subjectKey(ctx, subject)
	if err != nil {
		return nil, err
	}
	c, err := candor.NewConsent(subject, rp.ID, purpose, s.now(), period)
	if err != nil {
		return nil, err
	}
	return c, put(ctx, s.store, key, candor.RecordConsent, consentID(c.Code), c)
}

// Consents returns every consent subject granted, revoked and expired ones
// included, newest first.
func (s *Service) Consents(ctx context.Context, subject candor.SubjectID) ([]*candor.Consent, error) {
	_, key, err := s.subjectKey(ctx, subject)
	if err != nil {
		return nil, err
	}
	cs, err := vault.ReadJSON[candor.Consent](ctx, s.store, key, candor.RecordConsent)
	slices.SortFunc(cs, func(a, b *candor.Consent) int { return b.GrantedAt.Compare(a.GrantedAt) })
	return cs, err
}

// Revoke revokes one of subject's consents, effective at once. Errors:
// ENOTFOUND if subject has no consent with that code.
func (s *Service) Revoke(ctx context.Context, subject candor.SubjectID, code string) (*candor.Consent, error) {
	_, key, err := s.subjectKey(ctx, subject)
	if err != nil {
		return nil, err
	}
	id := consentID(candor.NormaliseCode(code))
	r, err := s.store.Record(ctx, candor.RecordConsent, id)
	if err != nil && candor.ErrorCode(err) != candor.ENOTFOUND {
		return nil, err
	}
	if err != nil || r.Subject != subject {
		return nil, candor.Errorf(candor.ENOTFOUND, "you have no consent with that code")
	}
	var c candor.Consent
	if err := key.OpenJSON(r, &c); err != nil {
		return nil, err
	}
	if c.RevokedAt.IsZero() {
		c.RevokedAt = s.now().UTC()
		if err := put(ctx, s.store, key, candor.RecordConsent, id, &c); err != nil {
			return nil, err
		}
	}
	return &c, nil
}

// Refusal returns the EFORBIDDEN error a relying party gets when a
// consent does not allow a decision; its one detail carries the reason
// code, in field "consent".
func Refusal(reason candor.ConsentRefusal) error {
	return &candor.Error{Code: candor.EFORBIDDEN, Message: refusalText[reason],
		Details: []candor.Problem{{Field: "consent", Reason: string(reason)}}}
}

// RefusalReason returns the reason code of an error Refusal made, or "".
func RefusalReason(err error) candor.ConsentRefusal {
	var e *candor.Error
	if errors.As(err, &e) && e.Code == candor.EFORBIDDEN && len(e.Details) == 1 && e.Details[0].Field == "consent" {
		return candor.ConsentRefusal(e.Details[0].Reason)
	}
	return ""
}

var refusalText = map[candor.ConsentRefusal]string{
	candor.RefusalNoConsent:            "no consent with this code was granted to you",
	candor.RefusalConsentExpired:       "the consent has expired; ask the person for a new one",
	candor.RefusalConsentRevoked:       "the person revoked the consent",
	candor.RefusalWrongPurpose:         "the consent was granted for another purpose",
	candor.RefusalPurposeNotRegistered: "you are not registered for this purpose",
	candor.RefusalOptedOut:             "the person opted out of the scorecard for this purpose",
}

// AccessLog stores the access record of a disclosure with what it
// discloses, in one atomic commit. audit.AccessLog is one.
type AccessLog interface {
	RecordWith(ctx context.Context, key *vault.SubjectKey, a *candor.Access, with []*candor.Record) error
}

// RecordDisclosures makes Decide store each decision in the commit of
// its disclosure's access record, in l (candor serve does). Call it
// before the service is used.
func (s *Service) RecordDisclosures(l AccessLog) { s.access = l }

var _ candor.Decisions = (*Service)(nil)

// Decide implements candor.Decisions: may the holder of req.Consent have
// req.Benefit, for req.Purpose? It scores the subject under the active
// scorecard for the purpose and the subject's kind, and stores the
// decision before it returns: with the access record disclose returns for
// it, in one commit, when the service records disclosures
// (RecordDisclosures); on its own otherwise, or when disclose is nil (the
// decision is then disclosed to no one but the caller). With
// req.IdempotencyKey, see DecideOnce. Errors: a Refusal (EFORBIDDEN) when
// the consent does not allow it, recorded for the subject when the code
// names one; EINVALID for a benefit the scorecard does not grant, a
// purpose no active scorecard serves or a malformed idempotency key;
// ECONFLICT for a key rp used for another request; disclose's; the
// store's.
func (s *Service) Decide(ctx context.Context, rp *candor.RelyingParty, req candor.DecisionRequest, disclose candor.Disclose[*candor.Decision]) (*candor.Decision, error) {
	d, _, err := s.DecideOnce(ctx, rp, req, disclose)
	return d, err
}

// DecideOnce is Decide, and reports whether the decision is a replay:
// one rp's req.IdempotencyKey took for the same request (consent, purpose
// and benefit) within IdempotencyRetention. A replay takes no new
// decision; it is disclosed again (disclose's access record is stored, as
// for any read of the decision), whatever became of the consent since. A
// key is remembered only with a decision taken, in the decision's commit:
// a refused request may be retried with the same key. Requests with one
// key are taken one at a time on a node; across nodes, the store keeps
// one record per key.
func (s *Service) DecideOnce(ctx context.Context, rp *candor.RelyingParty, req candor.DecisionRequest, disclose candor.Disclose[*candor.Decision]) (*candor.Decision, bool, error) {
	if req.IdempotencyKey == "" {
		d, err := s.decide(ctx, rp, req, disclose)
		return d, false, err
	}
	if err := CheckIdempotencyKey(req.IdempotencyKey); err != nil {
		return nil, false, err
	}
	defer s.locks.lock(rp.ID, req.IdempotencyKey)()
	d, key, err := s.remembered(ctx, rp, req, s.now().UTC())
	if err != nil {
		return nil, false, err
	}
	if d == nil {
		d, err = s.decide(ctx, rp, req, disclose)
		return d, false, err
	}
	if disclose == nil {
		return d, true, nil
	}
	return d, true, s.disclose(ctx, key, d, func(d *candor.Decision) (*candor.Access, error) {
		a, err := disclose(d)
		if a != nil {
			a.Purpose = candor.Clip(a.Purpose+" ("+ReplayNote+")", 256)
		}
		return a, err
	})
}

// ReplayNote marks the purpose of a replay's access record: the decision
// disclosed again, none taken.
const ReplayNote = "replayed for its Idempotency-Key"

// disclose stores the access record disclose returns for showing d,
// stored already, again (nothing when the service records no
// disclosures).
func (s *Service) disclose(ctx context.Context, key *vault.SubjectKey, d *candor.Decision, disclose candor.Disclose[*candor.Decision]) error {
	if disclose == nil {
		return nil
	}
	a, err := disclose(d)
	if err != nil || s.access == nil {
		return err
	}
	return s.access.RecordWith(ctx, key, a, nil)
}

// decide takes and stores a new decision, with the record of
// req.IdempotencyKey if it is set.
func (s *Service) decide(ctx context.Context, rp *candor.RelyingParty, req candor.DecisionRequest, disclose candor.Disclose[*candor.Decision]) (*candor.Decision, error) {
	t, err := s.take(ctx, rp, req.Consent, req.Purpose, req.Benefit)
	if err != nil {
		return nil, err
	}
	recs := []*candor.Record{t.Record}
	if req.IdempotencyKey != "" {
		r, err := idempotencyRecord(t.Key, rp, req, t.Decision)
		if err != nil {
			return nil, err
		}
		recs = append(recs, r)
	}
	if disclose == nil || s.access == nil {
		if disclose != nil {
			if _, err := disclose(t.Decision); err != nil {
				return nil, err
			}
		}
		for _, r := range recs {
			if err := s.store.PutRecord(ctx, r); err != nil {
				return nil, err
			}
		}
		return t.Decision, nil
	}
	a, err := disclose(t.Decision)
	if err != nil {
		return nil, err
	}
	return t.Decision, s.access.RecordWith(ctx, t.Key, a, recs)
}

// DecisionFor returns decision id if rp asked for it. Errors: ENOTFOUND,
// the same for a decision another relying party asked for as for none,
// so that decision IDs tell nothing.
func (s *Service) DecisionFor(ctx context.Context, rp *candor.RelyingParty, id string) (*candor.Decision, *vault.SubjectKey, error) {
	r, err := s.store.Record(ctx, candor.RecordDecision, id)
	if candor.ErrorCode(err) == candor.ENOTFOUND {
		return nil, nil, candor.Errorf(candor.ENOTFOUND, "you were given no decision %s", id)
	}
	if err != nil {
		return nil, nil, err
	}
	_, key, err := s.subjectKey(ctx, r.Subject)
	if err != nil {
		return nil, nil, err
	}
	d, err := openDecision(key, r)
	if err != nil {
		return nil, nil, err
	}
	if d.RelyingParty != rp.ID {
		return nil, nil, candor.Errorf(candor.ENOTFOUND, "you were given no decision %s", id)
	}
	return d, key, nil
}

// ShowDecision returns decision id to rp, which asked for it, after
// storing the access record disclose returns for it (a read of the
// subject's data, as any disclosure is). Errors: DecisionFor's;
// disclose's; the store's.
func (s *Service) ShowDecision(ctx context.Context, rp *candor.RelyingParty, id string, disclose candor.Disclose[*candor.Decision]) (*candor.Decision, error) {
	d, key, err := s.DecisionFor(ctx, rp, id)
	if err != nil {
		return nil, err
	}
	return d, s.disclose(ctx, key, d, disclose)
}

// taken is a decision taken and not yet stored.
type taken struct {
	Decision *candor.Decision
	// Record is the decision sealed with its subject's key, Key, for
	// storing: it is new (its ID is random), so it can be stored with a
	// WriteBatch (as the access record of its disclosure is).
	Record *candor.Record
	Key    *vault.SubjectKey
}

// take takes the decision Decide takes, without storing it. The caller
// MUST store t.Record durably before disclosing the decision to anyone;
// a decision that is not stored was never taken. Errors: those of
// Decide.
func (s *Service) take(ctx context.Context, rp *candor.RelyingParty, code string, purpose candor.Purpose, benefit string) (*taken, error) {
	now := s.now().UTC()
	consent, sub, key, err := s.consent(ctx, code)
	if err != nil {
		return nil, err
	}
	if reason := consent.Check(rp, purpose, now); reason != "" {
		if consent != nil {
			if err := s.recordAttempt(ctx, key, rp, purpose, reason, now); err != nil {
				return nil, err
			}
		}
		return nil, Refusal(reason)
	}
	card := s.published.Snapshot().ActiveFor(purpose, sub.Kind)
	if card == nil {
		return nil, candor.Errorf(candor.EINVALID, "no published scorecard serves %s for %s", purpose, sub.Kind.Noun())
	}
	if !grants(card.Scorecard(), benefit) {
		return nil, candor.Errorf(candor.EINVALID, "scorecard %s grants no benefit %q; it grants %s", card.Scorecard().ID, benefit, benefitList(card.Scorecard()))
	}
	if err := s.refuseOptedOut(ctx, key, rp, card, now); err != nil {
		return nil, err
	}
	ms, err := s.groupMatches(ctx, key, card.Key())
	if err != nil {
		return nil, err
	}
	d := &candor.Decision{ID: newID("d"), Subject: sub.ID, RelyingParty: rp.ID, Consent: consent.Code, Purpose: purpose,
		Benefit: benefit, At: now, ValidUntil: now.Add(candor.DecisionValidity)}
	for _, m := range ms {
		d.KnownThrough = max(d.KnownThrough, m.Event)
	}
	decide(d, card, ms)
	r, err := sealDecision(key, d)
	if err != nil {
		return nil, err
	}
	return &taken{Decision: d, Record: r, Key: key}, nil
}

// consent returns the consent with code, its subject and the subject's
// key, or nils if there is none, from the cache if it holds them (so
// callers MUST NOT modify them).
func (s *Service) consent(ctx context.Context, code string) (*candor.Consent, *candor.SubjectRecord, *vault.SubjectKey, error) {
	return s.cachedConsent(ctx, consentID(candor.NormaliseCode(code)))
}

// readConsent reads the consent stored under id, its subject and the
// subject's key, or returns nils if there is none.
func (s *Service) readConsent(ctx context.Context, id string) (*candor.Consent, *candor.SubjectRecord, *vault.SubjectKey, error) {
	r, err := s.store.Record(ctx, candor.RecordConsent, id)
	switch candor.ErrorCode(err) {
	case "":
	case candor.ENOTFOUND:
		return nil, nil, nil, nil
	default:
		return nil, nil, nil, err
	}
	sub, key, err := s.subjectKey(ctx, r.Subject)
	if err != nil {
		return nil, nil, nil, err
	}
	c := new(candor.Consent)
	return c, sub, key, key.OpenJSON(r, c)
}

// recordAttempt keeps a refused request for the subject to see.
func (s *Service) recordAttempt(ctx context.Context, key *vault.SubjectKey, rp *candor.RelyingParty, purpose candor.Purpose, reason candor.ConsentRefusal, now time.Time) error {
	a := candor.Attempt{RelyingParty: rp.ID, Purpose: purpose, Reason: reason, At: now}
	return put(ctx, s.store, key, candor.RecordAttempt, newID("a"), a)
}

// decide fills d's outcome, grade, scorecard and reasons from the subject's
// matches with card known through d.KnownThrough, at d.At.
func decide(d *candor.Decision, card *scoring.Compiled, ms []candor.Match) {
	later := func(m candor.Match) bool { return m.Event > d.KnownThrough }
	if slices.ContainsFunc(ms, later) { // (a reproduction; a new decision knows them all)
		ms = slices.DeleteFunc(slices.Clone(ms), later)
	}
	score := card.VerdictFromMatches(d.Subject, ms, d.At)
	sc := card.Scorecard()
	d.Grade, d.Scorecard, d.ScorecardVersion, d.Reasons = score.Grade, sc.ID, sc.Version, score.Reasons
	d.Outcome = candor.OutcomeDecline
	if slices.Contains(score.Benefits, d.Benefit) {
		d.Outcome = candor.OutcomeApprove
	}
	// A disputed fact does not count. If one that could raise the score
	// is disputed, a decline might be wrong: a person decides.
	for _, m := range ms {
		if d.Outcome == candor.OutcomeDecline && m.State == candor.StateDisputed && card.CouldRaise(m) {
			d.Outcome = candor.OutcomeRefer
			break
		}
	}
	if d.Reasons == nil {
		d.Reasons = []candor.Reason{}
	}
}

// Reproduce takes decision d again: the subject's events known when it
// was taken, at its instant, under its scorecard version. The outcome,
// grade and reasons must equal d's.
func (s *Service) Reproduce(ctx context.Context, d *candor.Decision) (*candor.Decision, error) {
	card, events, err := s.basis(ctx, d)
	if err != nil {
		return nil, err
	}
	again := *d
	again.Review = nil
	decide(&again, card, card.Matches(events))
	return &again, nil
}

// basis returns what decision d rests on: its scorecard version and the
// subject's events now stored (the caller keeps those known through
// d.KnownThrough). Errors: ENOTFOUND for a version not published or a
// subject erased.
func (s *Service) basis(ctx context.Context, d *candor.Decision) (*scoring.Compiled, []*candor.Event, error) {
	card := s.published.Snapshot().Version(candor.KeyOf(d.Scorecard, d.ScorecardVersion))
	if card == nil {
		return nil, nil, candor.Errorf(candor.ENOTFOUND, "scorecard %s version %d is not published", d.Scorecard, d.ScorecardVersion)
	}
	_, key, err := s.subjectKey(ctx, d.Subject)
	if err != nil {
		return nil, nil, err
	}
	events, err := s.groupEvents(ctx, key)
	return card, events, err
}

func grants(sc *candor.Scorecard, benefit string) bool {
	for _, b := range sc.Benefits {
		if b.Name == benefit {
			return true
		}
	}
	return false
}

func benefitList(sc *candor.Scorecard) string {
	names := make([]string, len(sc.Benefits))
	for i, b := range sc.Benefits {
		names[i] = b.Name
	}
	return strings.Join(names, ", ")
}

var idEncoding = base32.StdEncoding.WithPadding(base32.NoPadding)

// newID returns a random ID with a prefix naming what it is.
func newID(prefix string) string {
	var b [10]byte
	rand.Read(b[:])
	var buf [32]byte // a short prefix, "_" and 16 base32 digits, on the stack
	id := append(append(buf[:0], prefix...), '_')
	id = idEncoding.AppendEncode(id, b[:])
	for i := len(prefix) + 1; i < len(id); i++ {
		if c := id[i]; 'A' <= c && c <= 'Z' {
			id[i] = c + 'a' - 'A'
		}
	}
	return string(id)
}

// ConsentFor returns the consent with code granted to rp, so that it can
// check it before asking for a decision. Errors: ENOTFOUND if there is
// none, or it was granted to another relying party.
func (s *Service) ConsentFor(ctx context.Context, rp *candor.RelyingParty, code string) (*candor.Consent, error) {
	c, _, _, err := s.consent(ctx, code)
	if err != nil {
		return nil, err
	}
	if c == nil || c.RelyingParty != rp.ID {
		return nil, candor.Errorf(candor.ENOTFOUND, "no consent with this code was granted to you")
	}
	out := *c
	return &out, nil
}
