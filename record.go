package candor

// RecordKind is the kind of a Record.
type RecordKind uint8

const (
	RecordRelyingParty RecordKind = iota + 1 // a relying party (no subject; JSON in the clear)
	RecordConsent                            // a subject's consent, by its code
	RecordDecision                           // a decision about a subject
	RecordReview                             // an open review of a decision, by the decision's ID
	RecordAttempt                            // a refused request for a decision about a subject
	RecordDispute                            // a subject's dispute of a fact, by its ID
	RecordDisputeOpen                        // an open dispute, by its ID (empty: the queue)
	RecordNotice                             // a notice to a relying party (no subject; JSON in the clear)
	RecordOptOut                             // a subject's opt-out of a scorecard, by subject and scorecard
	RecordSession                            // a portal or console session, by its token's hash
	RecordErased                             // an erased fact's idempotency key (no subject; see ErasedRecord)
	RecordAdminAct                           // an administrative act (no subject; see AdminActRecord), by AdminActID
	RecordCredential                         // a credential issued to a subject, by its ID
	RecordStatusSlot                         // a status list entry in use, by its index (no subject; JSON in the clear)
	RecordIdempotency                        // a relying party's Idempotency-Key and the decision it took, by a hash of both
	RecordPrivacySpend                       // a privacy-budget ledger entry (no subject; see PrivacySpend), by PrivacySpendID
	RecordLink                               // one step of a subject's link history (Link), by LinkRecordID; sealed
	RecordErasing                            // an erasure begun and not yet committed (ErasureIntent), by subject ID
	numRecordKinds
)

// Valid reports whether k is a known kind.
func (k RecordKind) Valid() bool { return k > 0 && k < numRecordKinds }

// A Record is a small document that is not an event: a relying party, a
// portal session, or a consent, decision, review, refused attempt or
// opt-out about one subject. What is about a subject is sealed with the
// subject's data key by the caller, so that erasing the key erases it
// too. IDs are unique within a kind.
type Record struct {
	Kind    RecordKind
	ID      string
	Subject SubjectID // zero for records about no subject
	Data    []byte
}
