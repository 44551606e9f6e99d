package candor

import (
	"context"
	"time"
)

// The services delivery (the JSON API, the portal and console) is built
// on: one small interface per use case, in domain types only. Delivery
// holds no key, opens no sealed data and touches no store; the services
// (profile, decisions, disputes, erasure, credentials, ingest, audit)
// implement these interfaces over the store and the vault.
//
// Stored before disclosed (charter point 6): every answer that discloses
// data about a subject is recorded as an Access before a byte of it is
// sent. Delivery encodes the answer, describes the access (who, why, the
// hash of exactly the bytes it will send) and hands it to an
// AccessRecorder, or, for an answer the request creates (a decision), to
// the service, which stores what it created in the same commit as the
// access record. Delivery sends the bytes only if that returned nil.

// Scorer is one compiled, published scorecard version (scoring.Compiled is
// one): it scores a subject from its events or from the matches stored
// with them.
type Scorer interface {
	Scorecard() *Scorecard
	Key() ScorecardKey
	// Score scores the subject from its events at instant at, with every
	// contribution. Errors: those of evaluating a rule.
	Score(subject SubjectID, events []*Event, at time.Time) (Score, error)
	// ScoreFromMatches is Score from the subject's stored matches.
	ScoreFromMatches(subject SubjectID, ms []Match, at time.Time) Score
	// PointsFromMatches is the points and grade of ScoreFromMatches,
	// without contributions or reasons.
	PointsFromMatches(ms []Match, at time.Time) (int, string)
}

// ServedScorers is the set of scorecard versions a server serves, which
// may change while it runs, as a new version is approved
// (scoring.Published is one).
type ServedScorers interface {
	// Scorers returns, from one consistent set, the active version of
	// each served scorecard and every published version, the active ones
	// included. A caller takes them once per request or operation, MUST
	// NOT keep them across requests (the next request takes the set
	// served then) and MUST NOT modify them.
	Scorers() (active, all []Scorer)
}

// IngestResult is the answer to a source's accepted post.
type IngestResult struct {
	Accepted   int    `json:"accepted"`   // new events stored
	Duplicates int    `json:"duplicates"` // events already stored with identical content
	Commit     uint64 `json:"commit"`     // the store commit that made the post durable
	// Links are the link steps the post's link facts made, or the links
	// that stood already, in the order of the facts (none for a fact
	// posted before: a duplicate).
	Links []IngestedLink `json:"links,omitempty"`
}

// IngestedLink is the link step a link fact made.
type IngestedLink struct {
	Index int       `json:"index"` // the fact's position in the post
	Link  string    `json:"link"`  // the link's ID
	Type  string    `json:"type"`  // identity.linked or identity.unlinked
	At    time.Time `json:"at"`
}

// Ingester takes what sources post (ingest.Pipeline is one).
type Ingester interface {
	// Post decodes body, one post in env (its media type; a CloudEvent's
	// attributes in binary mode), and stores its events whole or not at
	// all, before it returns. A CloudEvent's source attribute must name
	// src (NamesSource). Errors: EUNSUPPORTED for a media type it does
	// not read, ETOOLARGE, EMALFORMED, EINVALID naming every problem,
	// EERASED naming the facts erased at their subject's request,
	// EUNAVAILABLE when shutting down, the store's.
	Post(ctx context.Context, src *Source, env Envelope, body []byte) (IngestResult, error)
	// Posted says, for each of src's event IDs, whether an event of src's
	// is stored under it and whether it is a fact erased at its subject's
	// request (which is never taken again), so that a source can
	// reconcile what it sent with what Candor holds. It tells nothing
	// of other sources' events. Errors: EINVALID naming an ID no event
	// could have; ETOOLARGE for more than MaxReconcileIDs IDs.
	Posted(ctx context.Context, src *Source, ids []string) ([]PostedEvent, error)
}

// MaxReconcileIDs bounds the event IDs one Posted call asks about.
const MaxReconcileIDs = 1000

// PostedEvent is what Ingester.Posted says of one of a source's event IDs.
type PostedEvent struct {
	ID     string `json:"id"`
	Stored bool   `json:"stored"`
	// Erased: the fact was erased at its subject's request and is
	// refused if posted again.
	Erased bool `json:"erased"`
}

// Scorecards are the published scorecards.
type Scorecards interface {
	// Active returns the active version of each published scorecard.
	Active() []*Scorecard
	// Version returns version v of scorecard id, active or not, or nil if
	// it is not published.
	Version(id string, v int) *Scorecard
}

// EventQuery selects a subject's events for Profiles.Events.
type EventQuery struct {
	Since time.Time // only events that occurred at or after Since (zero: all)
	Type  string    // only events of this type ("" for all)
	Limit int       // at most this many (0: no limit)
}

// AccessEntry is one access record about a subject, opened: the access,
// where the store put it and its commitment in the transparency log.
type AccessEntry struct {
	Access
	N          uint64 // numbers the subject's access records, from 1
	Commit     uint64 // the store commit that recorded it
	Commitment Commitment
}

// Profiles reads a subject's profile as the subject and the operators see
// it. It records nothing: the caller records the read (AccessRecorder)
// before it discloses anything it got.
type Profiles interface {
	// Lookup resolves an external identifier to a subject through the
	// blind index. Errors: ENOTFOUND.
	Lookup(ctx context.Context, id Identifier) (SubjectID, SubjectKind, error)
	// Subject returns the subject with its identifiers. Errors: ENOTFOUND.
	Subject(ctx context.Context, id SubjectID) (*Subject, error)
	// Events returns the subject's events selected by q, in time order,
	// and whether more were selected than q.Limit. Errors: ENOTFOUND for
	// an unknown subject, EINVALID for an unknown event type.
	Events(ctx context.Context, id SubjectID, q EventQuery) (events []*Event, truncated bool, err error)
	// Scores scores the subject at instant at: under every active
	// scorecard for its kind if card is "", else under scorecard card
	// (its active version, or version if not 0), explained. Errors:
	// ENOTFOUND for an unknown subject or scorecard version, EINVALID for
	// a scorecard for the other kind of subject.
	Scores(ctx context.Context, id SubjectID, card string, version int, at time.Time) ([]Score, error)
	// History grades the subject at each of instants under the active
	// version of each scorecard for its kind, without explanations: its
	// grade history, as the versions served now grade the facts held
	// now (a fact disputed or removed since does not count at any
	// instant). Errors: ENOTFOUND for an unknown subject; EINVALID for
	// more than MaxHistory instants.
	History(ctx context.Context, id SubjectID, instants []time.Time) ([]GradeHistory, error)
	// Access returns every access record about the subject, oldest
	// first. Errors: ENOTFOUND.
	Access(ctx context.Context, id SubjectID) ([]AccessEntry, error)
}

// MaxHistory bounds the instants of one Profiles.History call.
const MaxHistory = 400

// GradeHistory is a subject's grades under one scorecard version at
// several instants.
type GradeHistory struct {
	Scorecard *Scorecard
	Grades    []GradeAt // one per instant asked for, in the same order
}

// GradeAt is a grade at an instant.
type GradeAt struct {
	At     time.Time
	Points int
	Grade  string
}

// RegisterScorecard is the scorecard the public company register shows.
const RegisterScorecard = "business-compliance"

// RegisterEntry is an organisation's entry in the public company
// register: its current grade under the RegisterScorecard.
type RegisterEntry struct {
	CompanyRegNo string // normalised
	Grade        string
	AsOf         time.Time
	Scorecard    *Scorecard // the version graded under
}

// ErrNoRegister is the answer to a register look-up where no Register is
// served.
var ErrNoRegister = Errorf(EUNAVAILABLE, "The company register is not published on this server.")

// Register is the public company register (charter point 5: organisations'
// compliance grades may be published; persons never are).
type Register interface {
	// Organisation returns the entry of the organisation registered under
	// a company registration number. Errors: ENOTFOUND alike for a number
	// no organisation has, a malformed one and a person's (the register
	// never says which); EUNAVAILABLE if the RegisterScorecard is not
	// published.
	Organisation(ctx context.Context, regNo string) (*RegisterEntry, error)
}

// AccessRecorder records who read what about a subject (charter point 6).
// Record returns once every access record is durable, in the transparency
// log's queue; a read MUST NOT be served unless it returned nil.
// audit.Recorder is one.
type AccessRecorder interface {
	// Record stores the access records. Errors: ENOTFOUND for an unknown
	// subject, EUNAVAILABLE when shutting down, or the store's error.
	Record(ctx context.Context, as ...*Access) error
}

// Disclose is how delivery answers with something a service creates: the
// service calls it with what it created, delivery encodes its answer
// (keeping the bytes to send) and returns the access record of that
// disclosure, which the service stores in the same durable commit as what
// it created, before it returns. A Disclose error is returned as it is,
// and nothing is stored.
type Disclose[T any] func(T) (*Access, error)

// DecisionRequest is a relying party's question: may the holder of the
// consent with code Consent have Benefit, for Purpose?
type DecisionRequest struct {
	Consent string
	Purpose Purpose
	Benefit string
	// IdempotencyKey, if set, makes a retry of the same request (the same
	// consent, purpose and benefit) with the same key, by the same
	// relying party, return the decision first taken, not take another.
	IdempotencyKey string
}

// Decisions answers relying parties (decisions.Service is one).
type Decisions interface {
	// RelyingParty returns a registered relying party. Errors: ENOTFOUND.
	RelyingParty(ctx context.Context, id string) (*RelyingParty, error)
	// Decide takes the decision rp asks for and stores it with the access
	// record disclose returns for it, in one commit, before it returns:
	// a decision not stored was never taken. Errors: EFORBIDDEN when the
	// consent does not allow it (the refusal is kept for the subject);
	// EINVALID for a benefit the scorecard does not grant or a purpose
	// no active scorecard serves; ECONFLICT for an idempotency key
	// already used by rp for another request; disclose's.
	Decide(ctx context.Context, rp *RelyingParty, req DecisionRequest, disclose Disclose[*Decision]) (*Decision, error)
	// CourtOrders returns the court-ordered restrictions standing now on
	// the subject of a consent code, or, for a relying party the law lets
	// look subjects up, of an identifier; and the subject (zero for an
	// identifier that names nobody). Errors: EFORBIDDEN, ENOTFOUND.
	CourtOrders(ctx context.Context, rp *RelyingParty, code string, id *Identifier) ([]CourtOrder, SubjectID, error)
	// Decisions returns every decision about subject, newest first.
	Decisions(ctx context.Context, subject SubjectID) ([]*Decision, error)
	// Attempts returns the refused requests for decisions about subject,
	// newest first.
	Attempts(ctx context.Context, subject SubjectID) ([]*Attempt, error)
}

// Consents are subjects' grants to relying parties (decisions.Service is
// one).
type Consents interface {
	// Grant gives rpID a consent for purpose for period (0: the default).
	// Errors: EINVALID, ENOTFOUND for an unknown relying party.
	Grant(ctx context.Context, subject SubjectID, rpID string, purpose Purpose, period time.Duration) (*Consent, error)
	// Consents returns the subject's consents, newest first.
	Consents(ctx context.Context, subject SubjectID) ([]*Consent, error)
	// Revoke ends the subject's consent with code at once. Errors:
	// ENOTFOUND.
	Revoke(ctx context.Context, subject SubjectID, code string) (*Consent, error)
	// ConsentFor returns the consent with code to the relying party it
	// was granted to. Errors: ENOTFOUND (for another party's too).
	ConsentFor(ctx context.Context, rp *RelyingParty, code string) (*Consent, error)
}

// OptOuts are subjects' opt-outs of scorecards whose purpose rests on
// consent (decisions.Service is one).
type OptOuts interface {
	// OptOuts returns the subject's opt-outs.
	OptOuts(ctx context.Context, subject SubjectID) ([]*OptOut, error)
	// Optable returns the active scorecards a subject of kind may opt out
	// of.
	Optable(kind SubjectKind) []*Scorecard
	// OptOut opts the subject out of scorecard. Errors: EINVALID for a
	// scorecard that cannot be opted out of, ENOTFOUND.
	OptOut(ctx context.Context, subject SubjectID, scorecard string) (*OptOut, error)
	// OptIn withdraws the subject's opt-out of scorecard.
	OptIn(ctx context.Context, subject SubjectID, scorecard string) error
}

// Reviews are human reviews of decisions (charter point 7;
// decisions.Service is one).
type Reviews interface {
	// RequestReview asks for a person to review the subject's decision id.
	// Errors: ENOTFOUND, EINVALID for a bad statement, ECONFLICT if one
	// was asked for already.
	RequestReview(ctx context.Context, subject SubjectID, id, statement string) (*Decision, error)
	// OpenReviews returns the decisions under review, oldest request
	// first.
	OpenReviews(ctx context.Context) ([]*Decision, error)
	// Review returns decision id with the score it rests on, reproduced
	// and explained: the subject's facts known when it was taken, at its
	// instant, under its scorecard version. Errors: ENOTFOUND.
	Review(ctx context.Context, id string) (*Decision, Score, error)
	// CloseReview records reviewer's outcome of the review of decision id.
	// Errors: ENOTFOUND, EINVALID, ECONFLICT if it is closed already.
	CloseReview(ctx context.Context, reviewer, id string, outcome Outcome, rationale string) (*Decision, error)
}

// Disputes are subjects' challenges of facts, answered by the sources
// that posted them (charter point 7; disputes.Service is one).
type Disputes interface {
	// Open disputes the subject's fact event, setting it aside at once.
	// Errors: ENOTFOUND, EINVALID, ECONFLICT if it is disputed already.
	Open(ctx context.Context, subject SubjectID, event EventID, statement string) (*Dispute, error)
	// Of returns the subject's disputes, newest first.
	Of(ctx context.Context, subject SubjectID) ([]*Dispute, error)
	// Queue returns the open disputes of facts source posted, nearest
	// deadline first.
	Queue(ctx context.Context, source string) ([]*Dispute, error)
	// Answer records source's reply to dispute id and settles the fact.
	// Errors: ENOTFOUND, EINVALID, ECONFLICT if it is settled already.
	Answer(ctx context.Context, source, id string, reply DisputeReply) (*Dispute, error)
	// Notices returns relying party rp's notices of facts corrected or
	// removed after a decision it received.
	Notices(ctx context.Context, rp string) ([]*Notice, error)
}
