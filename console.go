package candor

import (
	"context"
	"time"
)

// The services the operator console is built on, besides those of
// services.go: the history of scorecard versions and views of the whole
// population in counts only. None of them discloses anything about one
// subject.

// VersionState is where a scorecard version stands.
type VersionState string

const (
	VersionActive     VersionState = "active"     // published and served: scores and decisions use it
	VersionSuperseded VersionState = "superseded" // published, but a later version is served
	VersionProposed   VersionState = "proposed"   // awaiting a second policy administrator's approval
)

// ScorecardVersion is one version of a scorecard as the console lists it,
// with who proposed and approved it. A version shipped with Candor has
// neither: Shipped is set.
type ScorecardVersion struct {
	Scorecard              *Scorecard
	State                  VersionState
	Shipped                bool
	ProposedBy, ApprovedBy string
	ProposedAt, ApprovedAt time.Time
	// Audit is the latest fairness audit recorded of this version's
	// source, if any.
	Audit *FairnessAudit
}

// VersionHistory lists the scorecard versions (scoring.History is one).
type VersionHistory interface {
	// Versions returns every published version, shipped ones first, then
	// every proposal awaiting approval, in the order they were proposed.
	// Errors: the store's, or EINTERNAL for a stored version that no
	// longer compiles.
	Versions(ctx context.Context) ([]*ScorecardVersion, error)
}

// Policy is the policy administrators' administration: scorecard
// versions and the administrators' own keys (policy.Service is one). Each
// act takes the acting administrator's authenticated key and is recorded
// in the chain of administrative acts; the two-person rule holds for
// every approval. It works with the server running, from any node.
type Policy interface {
	VersionHistory
	// Propose stores source, a scorecard file called file, as the next
	// version of its scorecard, awaiting a second administrator's
	// approval. Errors: EINVALID for a file that does not compile or is
	// not numbered above every version; EFORBIDDEN for a key that does
	// not stand.
	Propose(ctx context.Context, by *APIKey, file string, source []byte) (*ScorecardVersion, error)
	// Approve approves a proposed version, which is then activated: its
	// matches are stored and it is served, on every node, without a
	// restart. The version returned carries the audit it was approved
	// with. Errors: ENOTFOUND for no such proposal; ECONFLICT if it
	// was approved already; EFORBIDDEN for a key that does not stand or
	// whose holder proposed it, or for a version of characteristics for
	// a purpose resting on consent that no fairness audit of its source
	// was recorded for.
	Approve(ctx context.Context, by *APIKey, id string, version int) (*ScorecardVersion, error)
	// Audit audits proposed version of scorecard id on sample, a CSV of
	// the values of its characteristics (as candor features writes them)
	// with an outcome column (1 bad, 0 good), against groups, a CSV of
	// protected attributes with one row per row of sample, at each of its
	// benefits' cut-offs, and records the summary (group-level rates
	// only; neither sample nor groups is stored). Errors: ENOTFOUND for
	// no such stored version; EINVALID for a rule scorecard, a scorecard
	// without benefits, a sample or groups file that does not read, or a
	// group of fewer than MinAuditGroup rows; EFORBIDDEN for a key that
	// does not stand.
	Audit(ctx context.Context, by *APIKey, id string, version int, sample, groups []byte) (*FairnessAudit, error)
	// MintKey makes a policy administrator's key for name and returns its
	// token, shown once. With by nil it bootstraps one of the first two
	// administrators (the key works at once); otherwise by requests it,
	// and it works once a second administrator approves it.
	MintKey(ctx context.Context, by *APIKey, name string) (token string, key *APIKey, act *AdminAct, err error)
	// ApproveKey approves a requested key; by may be neither who
	// requested it nor the one it is for.
	ApproveKey(ctx context.Context, by *APIKey, keyID string) (*AdminAct, error)
	// RevokeKey revokes an administrator's key at once, never leaving
	// fewer than two administrators.
	RevokeKey(ctx context.Context, by *APIKey, keyID string) (*AdminAct, error)
}

// GradeDistribution is how many subjects have each grade under one
// scorecard version.
type GradeDistribution struct {
	ID      string         `json:"id"`
	Version int            `json:"version"`
	Grades  map[string]int `json:"grades"`
	Total   int            `json:"total"`
}

// GradeCensus is the grade distributions under every active scorecard
// version at one instant, and how long counting them took.
type GradeCensus struct {
	At    time.Time           `json:"at"`
	Took  time.Duration       `json:"took"`
	Cards []GradeDistribution `json:"cards"`
	// Epsilon is the privacy loss the census spent (its counts carry
	// discrete Laplace noise, stats.ConsoleViews), Margin the half-width
	// within which one count's noise falls 95 % of the time.
	Epsilon float64 `json:"epsilon,omitempty"`
	Margin  int64   `json:"margin95,omitempty"`
}

// GradeMigration is how many subjects of a scorecard's kind have each
// grade under one version (From) and each grade under another (To), at
// one instant.
type GradeMigration struct {
	From, To *Scorecard
	At       time.Time
	// Moves counts subjects by their grade under From and under To.
	Moves map[[2]string]int
	// Total is every subject counted; Up and Down those whose grade
	// under To is better or worse by From's bands (a grade From does not
	// have counts as neither).
	Total, Up, Down int
	// Epsilon and Margin are as GradeCensus's.
	Epsilon float64
	Margin  int64
}

// Count returns how many subjects move from grade from to grade to.
func (m *GradeMigration) Count(from, to string) int { return m.Moves[[2]string{from, to}] }

// PopulationViews are passes over the whole population that yield counts
// only (stats.ConsoleViews is one). A pass reads every subject: it takes
// long, and the caller runs one at a time.
type PopulationViews interface {
	// Census returns the census CountGrades stored last, or nil if there
	// is none.
	Census(ctx context.Context) (*GradeCensus, error)
	// CountGrades counts the subjects of each active version's kind by
	// their grade at at, from the matches stored, and stores the census
	// for Census.
	CountGrades(ctx context.Context, at time.Time) (*GradeCensus, error)
	// GradeMigration scores every subject of from's kind under version
	// from and under version to at at. Each is named by ID and version
	// and may be any VersionHistory lists. Errors: ENOTFOUND for a
	// version not listed, EINVALID for versions for different kinds of
	// subject.
	GradeMigration(ctx context.Context, from, to *Scorecard, at time.Time) (*GradeMigration, error)
}

// DisputeDesk is the operators' side of disputes: the queue, one dispute
// at a time, and an answer a source gave another way (a letter, a call),
// recorded in the operator's name (disputes.Service is one).
type DisputeDesk interface {
	// Queue returns the open disputes of facts source posted ("" for
	// every source), nearest deadline first.
	Queue(ctx context.Context, source string) ([]*Dispute, error)
	// Dispute returns dispute id. Errors: ENOTFOUND.
	Dispute(ctx context.Context, id string) (*Dispute, error)
	// Resolve records the reply of the fact's source to dispute id, in
	// operator's name, and settles the fact. Errors: ENOTFOUND, EINVALID,
	// ECONFLICT if it is settled already.
	Resolve(ctx context.Context, operator, id string, reply DisputeReply) (*Dispute, error)
}
