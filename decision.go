package candor

import (
	"crypto/rand"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// RelyingParty is an organisation that asks for decisions about subjects
// (a bank, a landlord), only for the purposes it is registered for and
// only with the subject's consent.
type RelyingParty struct {
	ID       string    `json:"id"`
	Name     string    `json:"name"`
	Purposes []Purpose `json:"purposes"`
	// Statutory are the purposes among Purposes the law lets it pursue
	// without the subject's consent, looking subjects up by identifier.
	// Only court enforcement may be one.
	Statutory []Purpose `json:"statutory,omitempty"`
	CreatedAt time.Time `json:"created_at"`
}

// StatutoryFor reports whether rp may look subjects up for p without
// consent.
func (rp *RelyingParty) StatutoryFor(p Purpose) bool { return slices.Contains(rp.Statutory, p) }

// Serves reports whether rp is registered for purpose p.
func (rp *RelyingParty) Serves(p Purpose) bool { return slices.Contains(rp.Purposes, p) }

// Validate checks rp. Errors: EINVALID naming every problem.
func (rp *RelyingParty) Validate() error {
	var ps []string
	if !validFieldName(rp.ID) {
		ps = append(ps, fmt.Sprintf("id %q must be lower-case letters, digits and '_', starting with a letter", rp.ID))
	}
	if strings.TrimSpace(rp.Name) == "" || len(rp.Name) > 200 || !printable(rp.Name) {
		ps = append(ps, "name must be 1 to 200 printable characters")
	}
	if len(rp.Purposes) == 0 {
		ps = append(ps, "at least one purpose is required")
	}
	seen := map[Purpose]bool{}
	for _, p := range rp.Purposes {
		if p == 0 || p >= numPurposes || seen[p] {
			ps = append(ps, fmt.Sprintf("purpose %q is unknown or listed twice", p))
		}
		seen[p] = true
	}
	for _, p := range rp.Statutory {
		if p != PurposeCourtEnforcement || !rp.Serves(p) {
			ps = append(ps, fmt.Sprintf("only court_enforcement, among its purposes, can be pursued without consent, not %q", p))
		}
	}
	if len(ps) > 0 {
		return Errorf(EINVALID, "relying party %s: %s", rp.ID, strings.Join(ps, "; "))
	}
	return nil
}

// Consent periods.
const (
	DefaultConsentPeriod = 30 * 24 * time.Hour
	MaxConsentPeriod     = 365 * 24 * time.Hour
)

// Consent is a subject's grant to one relying party, for one purpose, for
// a period. The code is what the subject hands over; it is revocable at any
// time, effective at once.
type Consent struct {
	Code         string    `json:"code"`
	Subject      SubjectID `json:"subject"`
	RelyingParty string    `json:"relying_party"`
	Purpose      Purpose   `json:"purpose"`
	GrantedAt    time.Time `json:"granted_at"`
	ExpiresAt    time.Time `json:"expires_at"`
	RevokedAt    time.Time `json:"revoked_at,omitzero"`
}

// NewConsent returns a consent of subject to rp for purpose from now for
// period (DefaultConsentPeriod if zero), with a fresh code. Errors:
// EINVALID for a period over MaxConsentPeriod or not positive.
func NewConsent(subject SubjectID, rp string, purpose Purpose, now time.Time, period time.Duration) (*Consent, error) {
	if period == 0 {
		period = DefaultConsentPeriod
	}
	if period < 0 || period > MaxConsentPeriod {
		return nil, Errorf(EINVALID, "a consent lasts from 1 day to %d days", MaxConsentPeriod/(24*time.Hour))
	}
	return &Consent{Code: NewCode(), Subject: subject, RelyingParty: rp, Purpose: purpose,
		GrantedAt: now.UTC(), ExpiresAt: now.Add(period).UTC()}, nil
}

// codeAlphabet has no letters that read alike (no 0/O, 1/I/L, 2/Z, 5/S,
// 8/B), so that a code can be read out and typed.
const codeAlphabet = "34679ACDEFGHJKMNPQRTUVWXY"

// NewCode returns a fresh random code of 12 characters (about 56 bits),
// grouped in threes: short enough to hand over, too many to guess.
func NewCode() string {
	var b [12]byte
	rand.Read(b[:])
	var s strings.Builder
	for i, c := range b {
		if i > 0 && i%3 == 0 {
			s.WriteByte('-')
		}
		s.WriteByte(codeAlphabet[int(c)%len(codeAlphabet)])
	}
	return s.String()
}

// NormaliseCode returns a code as typed (any case, with or without
// dashes or spaces) in the form NewCode gives.
func NormaliseCode(s string) string {
	if out, ascii := normaliseASCIICode(s); ascii {
		return out
	}
	return normaliseAnyCode(s)
}

// normaliseAnyCode is NormaliseCode for any string, rune by rune.
func normaliseAnyCode(s string) string {
	var raw strings.Builder
	for _, r := range strings.ToUpper(s) {
		if r != '-' && r != ' ' {
			raw.WriteRune(r)
		}
	}
	if raw.Len() != 12 {
		return ""
	}
	var out strings.Builder
	for i, r := range raw.String() {
		if i > 0 && i%3 == 0 {
			out.WriteByte('-')
		}
		out.WriteRune(r)
	}
	return out.String()
}

// normaliseASCIICode is NormaliseCode for a code of ASCII characters
// (reporting false for any other): s itself when it is already in
// NewCode's form, as relying parties send the codes they are given, so
// that the common case allocates nothing.
func normaliseASCIICode(s string) (string, bool) {
	var raw [12]byte
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= utf8.RuneSelf:
			return "", false
		case c == '-' || c == ' ':
			continue
		case 'a' <= c && c <= 'z':
			c -= 'a' - 'A'
		}
		if n == len(raw) {
			return "", true // more than 12: no code
		}
		raw[n] = c
		n++
	}
	if n != len(raw) {
		return "", true
	}
	var out [15]byte
	for i, j := 0, 0; i < len(raw); i++ {
		if i > 0 && i%3 == 0 {
			out[j] = '-'
			j++
		}
		out[j] = raw[i]
		j++
	}
	if string(out[:]) == s {
		return s, true
	}
	return string(out[:]), true
}

// ConsentRefusal is why a consent does not allow a decision: the reason
// code a relying party receives with a 403.
type ConsentRefusal string

const (
	RefusalNoConsent            ConsentRefusal = "no_consent"             // no such consent, or not this relying party's
	RefusalConsentExpired       ConsentRefusal = "consent_expired"        // past its period
	RefusalConsentRevoked       ConsentRefusal = "consent_revoked"        // revoked by the subject
	RefusalWrongPurpose         ConsentRefusal = "consent_other_purpose"  // granted for another purpose
	RefusalPurposeNotRegistered ConsentRefusal = "purpose_not_registered" // the relying party may not ask for this purpose
	RefusalOptedOut             ConsentRefusal = "opted_out"              // the subject opted out of the purpose's scorecard
)

// Consent states, as StateAt names them.
const (
	ConsentActive  = "active"
	ConsentRevoked = "revoked"
	ConsentExpired = "expired"
)

// StateAt returns where c stands at instant now: ConsentRevoked from its
// revocation on, else ConsentExpired from its expiry on, else
// ConsentActive.
func (c *Consent) StateAt(now time.Time) string {
	switch {
	case !c.RevokedAt.IsZero() && !now.Before(c.RevokedAt):
		return ConsentRevoked
	case !now.Before(c.ExpiresAt):
		return ConsentExpired
	}
	return ConsentActive
}

// Check returns why c does not let rp ask for a decision for purpose at
// instant now, or "" if it does.
func (c *Consent) Check(rp *RelyingParty, purpose Purpose, now time.Time) ConsentRefusal {
	switch {
	case !rp.Serves(purpose):
		return RefusalPurposeNotRegistered
	case c == nil || c.RelyingParty != rp.ID:
		return RefusalNoConsent
	case c.StateAt(now) == ConsentRevoked:
		return RefusalConsentRevoked
	case c.StateAt(now) == ConsentExpired:
		return RefusalConsentExpired
	case c.Purpose != purpose:
		return RefusalWrongPurpose
	}
	return ""
}

// Outcome is a decision's answer.
type Outcome uint8

const (
	OutcomeApprove Outcome = iota + 1 // the benefit is granted
	OutcomeDecline                    // it is not
	OutcomeRefer                      // a person must decide: a fact it could rest on is disputed
	numOutcomes
)

var outcomeNames = [numOutcomes]string{OutcomeApprove: "approve", OutcomeDecline: "decline", OutcomeRefer: "refer"}

func (o Outcome) String() string {
	if o == 0 || o >= numOutcomes {
		return "unknown"
	}
	return outcomeNames[o]
}

// ParseOutcome returns the outcome named s.
func ParseOutcome(s string) (Outcome, bool) {
	for o := Outcome(1); o < numOutcomes; o++ {
		if outcomeNames[o] == s {
			return o, true
		}
	}
	return 0, false
}

// DecisionValidity is how long a decision stands.
const DecisionValidity = 30 * 24 * time.Hour

// Decision is an eligibility answer given to a relying party: the outcome,
// the grade and why, never the facts or the points. It is stored and shown
// to the subject, and it can be reproduced: scoring the subject's events
// known at the time (IDs up to KnownThrough) at At under the same
// scorecard version gives the same outcome.
type Decision struct {
	ID               string    `json:"id"`
	Subject          SubjectID `json:"subject"`
	RelyingParty     string    `json:"relying_party"`
	Consent          string    `json:"consent"`
	Purpose          Purpose   `json:"purpose"`
	Benefit          string    `json:"benefit"`
	Outcome          Outcome   `json:"outcome"`
	Grade            string    `json:"grade"`
	Scorecard        string    `json:"scorecard"`
	ScorecardVersion int       `json:"scorecard_version"`
	Reasons          []Reason  `json:"reasons"`
	At               time.Time `json:"at"`
	ValidUntil       time.Time `json:"valid_until"`
	KnownThrough     EventID   `json:"known_through"`
	Review           *Review   `json:"review,omitempty"`
}

// Review is a human review of a decision, asked for by its subject.
type Review struct {
	RequestedAt time.Time `json:"requested_at"`
	Statement   string    `json:"statement"`
	ClosedAt    time.Time `json:"closed_at,omitzero"`
	Reviewer    string    `json:"reviewer,omitempty"`
	Outcome     Outcome   `json:"outcome,omitempty"`
	Rationale   string    `json:"rationale,omitempty"`
}

// Overturned reports whether a closed review changed the outcome.
func (d *Decision) Overturned() bool {
	return d.Review != nil && !d.Review.ClosedAt.IsZero() && d.Review.Outcome != d.Outcome
}

// MaxStatement bounds a subject's statement and a reviewer's rationale.
const MaxStatement = 4000

// MarshalText writes the outcome's name.
func (o Outcome) MarshalText() ([]byte, error) {
	if o == 0 || o >= numOutcomes {
		return nil, fmt.Errorf("unknown outcome %d", o)
	}
	return []byte(o.String()), nil
}

// UnmarshalText reads an outcome's name.
func (o *Outcome) UnmarshalText(b []byte) error {
	v, ok := ParseOutcome(string(b))
	if !ok {
		return Errorf(EINVALID, "outcome %q: want approve, decline or refer", b)
	}
	*o = v
	return nil
}

// CourtOrder is what a court-order lookup tells a relying party registered
// for court enforcement: the order and how to contest it, nothing else.
type CourtOrder struct {
	OrderRef    string    `json:"order_ref"`
	Court       string    `json:"court"`
	LegalBasis  string    `json:"legal_basis"`
	Restriction string    `json:"restriction"`
	ExpiresOn   time.Time `json:"expires_on"`
	AppealRoute string    `json:"appeal_route"`
	source      string    // the court source that posted it; only it lifts it
}

// Courts returns whether a source ID, among sources, is a court's: the
// isCourt of ActiveCourtOrders.
func Courts(sources []*Source) func(source string) bool {
	courts := map[string]bool{}
	for _, s := range sources {
		if s.Kind == SourceCourt {
			courts[s.ID] = true
		}
	}
	return func(source string) bool { return courts[source] }
}

// ActiveCourtOrders returns the court-ordered restrictions in events (a
// subject's, in order of occurrence) that stand at instant now: imposed,
// not lifted by a later event of the same order reference from the same
// source, not past their expiry date, and active themselves. Only events
// whose source isCourt counts, and an order that does not pass
// EventType.CheckOrder is never served: orders stored before ingest
// checked them (posted by a source that is not a court; a blank
// reference, court, legal basis or appeal route, an unlisted restriction,
// an expiry beyond its retention) stay out. No score creates or changes an
// order; this reads only what courts posted.
func ActiveCourtOrders(cat *Catalogue, events []*Event, now time.Time, isCourt func(source string) bool) []CourtOrder {
	var orders []CourtOrder
	for _, e := range events {
		t := cat.Type(e.Type)
		if t == nil || t.Category != CategoryCourtOrder || e.EffectiveState(t, now) != StateActive || e.OccurredAt.After(now) ||
			!isCourt(e.Source) || len(t.CheckOrder(e.OccurredAt, e.Fields)) > 0 {
			continue
		}
		ref := e.Field("order_ref").Str
		orders = slices.DeleteFunc(orders, func(o CourtOrder) bool { return o.OrderRef == ref && o.source == e.Source })
		if t.LiftsOrder {
			continue
		}
		o := CourtOrder{OrderRef: ref, Court: e.Field("court").Str, LegalBasis: e.Field("legal_basis").Str,
			Restriction: e.Field("restriction").Str, AppealRoute: e.Field("appeal_route").Str,
			ExpiresOn: time.Unix(e.Field("expires_on").Int*86400, 0).UTC(), source: e.Source}
		if now.Before(o.ExpiresOn.AddDate(0, 0, 1)) { // in force through its expiry date
			orders = append(orders, o)
		}
	}
	return orders
}

// Attempt is a refused request for a decision, kept for the subject to
// see.
type Attempt struct {
	RelyingParty string         `json:"relying_party"`
	Purpose      Purpose        `json:"purpose"`
	Reason       ConsentRefusal `json:"reason"`
	At           time.Time      `json:"at"`
}

// OptOut is a subject's opt-out of a scorecard whose purpose rests on
// consent (Purpose.RestsOnConsent): while it stands, no decision for that
// purpose is taken from that scorecard, whatever consent the subject gave.
type OptOut struct {
	Scorecard string    `json:"scorecard"`
	Purpose   Purpose   `json:"purpose"`
	Since     time.Time `json:"since"`
}
