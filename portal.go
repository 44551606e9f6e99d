package candor

import (
	"context"
	"time"
)

// The services the person's portal is built on, besides those of
// services.go.

// Sessions keeps the sessions of the portal and the console in the store,
// so that they survive a restart and every node sharing the store knows
// them (vault.Sessions is one). A person's session is sealed with the
// person's data key: a stored session says nothing without the key, and an
// erased person's sessions can no longer be opened.
type Sessions interface {
	// PutSession stores payload, the session under id, until expires:
	// sealed for subject if subject is set (a person's), as it is
	// otherwise (the console's). Errors: ENOTFOUND for a subject not
	// stored (or erased).
	PutSession(ctx context.Context, id string, subject SubjectID, expires time.Time, payload []byte) error
	// Session returns the subject and payload of the session stored
	// under id. Errors: ENOTFOUND if there is none, or it ended by now
	// (it is then removed), or its subject was erased; EINTERNAL for a
	// stored session that is malformed or does not open.
	Session(ctx context.Context, id string, now time.Time) (SubjectID, []byte, error)
	// DeleteSession removes the session under id; none is no error.
	DeleteSession(ctx context.Context, id string) error
	// SweepSessions removes every session that ended by now and returns
	// how many.
	SweepSessions(ctx context.Context, now time.Time) (int, error)
	// ErasuresVersion changes after every erasure of a subject, on any
	// node: the erased person's sessions are gone from the store then.
	ErasuresVersion() uint64
}

// CredentialKind is what a credential is issued for.
type CredentialKind string

const (
	// CredentialShown is a QR code shown on the holder's screen, valid for
	// minutes, with no status entry.
	CredentialShown CredentialKind = "shown"
	// CredentialDownload is a credential the holder keeps, valid for days,
	// with a status entry: it can be revoked.
	CredentialDownload CredentialKind = "download"
	// CredentialBadge is an organisation's compliance badge.
	CredentialBadge CredentialKind = "badge"
)

// MaxQRImageBytes is the largest photo of a QR code a verifier reads.
const MaxQRImageBytes = 8 << 20

// CredentialStatement is a statement a credential may carry, with its
// value and in plain words.
type CredentialStatement struct {
	Name  string
	Says  string
	Value any
}

// CredentialDocument is an identity document a holder may disclose to
// bind a credential to themselves.
type CredentialDocument struct {
	Type, Number string
}

// CredentialOffer is what a subject may put in a credential now, and how
// long each kind of credential is valid.
type CredentialOffer struct {
	Statements []CredentialStatement // true of the subject now, in catalogue order
	Documents  []CredentialDocument
	ShownFor   time.Duration // the validity of a CredentialShown
	KeptFor    time.Duration // the validity of a CredentialDownload
}

// CredentialRequest asks for a credential: its kind, the names of the
// statements it carries, and the type of the identity document it
// discloses ("" for none).
type CredentialRequest struct {
	Kind       CredentialKind
	Statements []string
	Document   string
}

// CredentialInfo is what the holder sees of a credential issued to them.
type CredentialInfo struct {
	ID         string
	Kind       CredentialKind
	IssuedAt   time.Time
	Expires    time.Time
	Statements []CredentialStatement
	Document   string // the type of the document disclosed, or ""
	Revocable  bool   // it has a status entry
	RevokedAt  time.Time
	Status     string // valid, expired, revoked or suspended
}

// IssuedCredential is a credential issued: the SD-JWT, the text of its QR
// code and what the holder sees of it.
type IssuedCredential struct {
	Credential string
	QR         string
	Info       *CredentialInfo
}

// CredentialExplanation is a verified credential in plain words, for a
// person checking it: what it says, and what it does not.
type CredentialExplanation struct {
	Kind     string   // "status credential" or "compliance badge"
	Issuer   string   // who signed it
	Valid    string   // "valid until …"
	Status   string   // the status list's word, or why there is none
	Says     []string // one line per disclosed statement
	Document string   // the identity document to compare, or ""
	// NotReceived says what the verifier did not get.
	NotReceived []string
	// The same in parts, for a page that writes it in another language:
	// when it was issued and ends, the status list's word and date (no
	// word without a list), each statement shown, how many the holder
	// withheld, and the catalogue's statements it says nothing about.
	IssuedAt, Expires time.Time
	StatusWord        string
	StatusAsOf        time.Time
	Shown             []ExplainedStatement
	Withheld          int
	Absent            []string
}

// ExplainedStatement is one statement a credential shows. Label is the
// English sentence that says it, with %v for Value where it has one; ""
// for a statement Candor does not define.
type ExplainedStatement struct {
	Name, Label string
	Value       any
}

// QRCode is a rendered QR code.
type QRCode struct {
	Text    string
	Version int    // 1–40
	SVG     string // an SVG image, one path of dark modules, scaling to its container
}

// CredentialDesk issues a person's credentials, and verifies anyone's
// (charter point 5: the holder picks what a credential discloses;
// credentials.Desk is one).
type CredentialDesk interface {
	// Offer returns what subject may put in a credential now. Errors:
	// ENOTFOUND.
	Offer(ctx context.Context, subject SubjectID) (*CredentialOffer, error)
	// Credentials returns the credentials issued to subject, with their
	// status now.
	Credentials(ctx context.Context, subject SubjectID) ([]*CredentialInfo, error)
	// Issue issues a credential to subject as req asks, then stores it
	// with the access record disclose returns for handing it over, in one
	// durable commit, before it returns: a credential not stored could
	// not be listed or revoked. Errors: EINVALID naming every problem
	// with req, ENOTFOUND, disclose's (and then nothing is stored).
	Issue(ctx context.Context, subject SubjectID, req CredentialRequest, disclose Disclose[*IssuedCredential]) (*IssuedCredential, error)
	// Revoke revokes subject's credential id. Errors: ENOTFOUND.
	Revoke(ctx context.Context, subject SubjectID, id string) (*CredentialInfo, error)
	// Verify verifies a credential, as an SD-JWT or a QR code's text,
	// with this issuer's keys and status list. Errors: EINVALID saying
	// why it does not verify.
	Verify(ctx context.Context, text string) (*CredentialExplanation, error)
	// VerifyBadge verifies a compliance badge, as a register entry's URL
	// carries it, shown for the organisation with company registration
	// number regNo. Errors: EINVALID saying why it does not verify, or
	// that it is another organisation's or not a badge.
	VerifyBadge(ctx context.Context, badge, regNo string) (*CredentialExplanation, error)
	// ScanQR returns the text of the QR code in a PNG or JPEG photo.
	// Errors: EINVALID for an image over MaxQRImageBytes, of another
	// format or without a QR code; EUNAVAILABLE if no scanner is
	// installed.
	ScanQR(ctx context.Context, img []byte) (string, error)
	// RenderQR renders text as a QR code. Errors: EINVALID for text no
	// QR code can hold.
	RenderQR(text string) (*QRCode, error)
}

// RelyingParties are the registered relying parties, as the portal names
// them to a person and the console lists them (decisions.Service is one).
type RelyingParties interface {
	// RelyingParties returns every registered relying party.
	RelyingParties(ctx context.Context) ([]*RelyingParty, error)
	// RelyingParty returns a registered relying party. Errors: ENOTFOUND.
	RelyingParty(ctx context.Context, id string) (*RelyingParty, error)
}
