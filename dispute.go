package candor

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// DisputeWindow is how long a source has to verify a disputed fact: past
// it, an unverified fact is removed (charter point 7).
const DisputeWindow = 30 * 24 * time.Hour

// NoticePeriod is how far back decisions are looked for when a fact is
// corrected or removed: the relying parties that received one in that
// period are notified.
const NoticePeriod = 183 * 24 * time.Hour

// DisputeStatus is where a dispute stands.
type DisputeStatus string

const (
	DisputeOpen      DisputeStatus = "open"      // the fact is set aside until the source answers
	DisputeVerified  DisputeStatus = "verified"  // the source stood by the fact: it counts again
	DisputeCorrected DisputeStatus = "corrected" // the source posted a correction, which replaces the fact
	DisputeWithdrawn DisputeStatus = "withdrawn" // the source withdrew the fact: removed
	DisputeExpired   DisputeStatus = "expired"   // not verified within DisputeWindow: removed
)

// DisputeAnswer is what a source may answer to a dispute.
type DisputeAnswer string

const (
	AnswerVerify   DisputeAnswer = "verify"
	AnswerCorrect  DisputeAnswer = "correct"
	AnswerWithdraw DisputeAnswer = "withdraw"
)

// Status is the dispute status an answer leads to, or "" for an unknown
// answer.
func (a DisputeAnswer) Status() DisputeStatus {
	switch a {
	case AnswerVerify:
		return DisputeVerified
	case AnswerCorrect:
		return DisputeCorrected
	case AnswerWithdraw:
		return DisputeWithdrawn
	}
	return ""
}

// EventState is the state the disputed fact takes with status s.
func (s DisputeStatus) EventState() EventState {
	switch s {
	case DisputeOpen:
		return StateDisputed
	case DisputeVerified:
		return StateActive
	case DisputeCorrected:
		return StateCorrected
	}
	return StateRemoved
}

// Dispute is a subject's challenge of one fact, and every step taken on it.
type Dispute struct {
	ID         string    `json:"id"`
	Subject    SubjectID `json:"subject"`
	Event      EventID   `json:"event"`
	OccurredAt time.Time `json:"occurred_at"`
	Type       string    `json:"type"`
	Source     string    `json:"source"`
	// SourceEventID is the source's own ID of the fact, so that the
	// source can find it.
	SourceEventID string        `json:"source_event_id"`
	Statement     string        `json:"statement"`
	OpenedAt      time.Time     `json:"opened_at"`
	Deadline      time.Time     `json:"deadline"`
	Status        DisputeStatus `json:"status"`
	// Correction is the source's ID of the event that corrects the fact.
	Correction string        `json:"correction,omitempty"`
	Steps      []DisputeStep `json:"steps"`
}

// Ref returns the reference of the disputed event.
func (d *Dispute) Ref() EventRef { return EventRef{d.Subject, d.OccurredAt, d.Event} }

// DisputeStep is one step of a dispute: who did what, when.
type DisputeStep struct {
	At     time.Time     `json:"at"`
	Status DisputeStatus `json:"status"`
	By     string        `json:"by"` // "subject", the source's ID, or "candor" for the deadline
	Note   string        `json:"note,omitempty"`
}

// CheckStatement checks free text a person, an operator or a source
// submits (a dispute statement, a source's note, a review's statement or
// rationale): multi-line text as CheckText allows it, not blank if
// required, at most MaxStatement characters. Errors: EINVALID naming the
// field and the problem.
func CheckStatement(field, s string, required bool) error {
	if err := CheckText(field, s, true); err != nil {
		return err
	}
	n := utf8.RuneCountInString(s)
	switch {
	case required && strings.TrimSpace(s) == "":
		return Errorf(EINVALID, "%s is required: say what is wrong with the fact", field)
	case n > MaxStatement:
		return Errorf(EINVALID, "%s has %d characters, more than %d", field, n, MaxStatement)
	}
	return nil
}

// Notice tells a relying party that a fact about a subject it received a
// decision about was corrected or removed after the decision: the decision
// may rest on it, and a fresh one (with the subject's consent) may differ.
// It names the decision only, never the fact.
type Notice struct {
	ID           string        `json:"id"`
	RelyingParty string        `json:"relying_party"`
	Decision     string        `json:"decision"`
	At           time.Time     `json:"at"`
	Change       DisputeStatus `json:"change"` // corrected, withdrawn or expired
}

// NoticeRecordID is the record ID of a notice: the relying party's ID
// first, so that its notices are found together.
func NoticeRecordID(rp, id string) string { return fmt.Sprintf("%s/%s", rp, id) }

// DisputeReply is a source's (or an operator's) answer to a dispute.
type DisputeReply struct {
	Answer DisputeAnswer
	// Correction is the source's ID of the event that corrects the fact,
	// posted before (POST /v1/events) about the same subject; required
	// with AnswerCorrect, refused otherwise.
	Correction string
	Note       string
}
