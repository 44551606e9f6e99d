// Package erasure erases a subject's data on request (GDPR Art. 17,
// charter point 8). What a subject holds under a legal obligation (tax
// records, court orders, corporate filings: candor.CategoryPolicy's
// LegalObligation) stays until its retention ends, and the subject is told
// why. If nothing stays, the subject is erased whole: its record, and with
// it the wrapped data key every sealed byte about it depends on, is
// deleted (crypto-shredding: copies of the sealed data elsewhere can no
// longer be opened with the store's keys; a backup of the store holds the
// wrapped key until it is destroyed), as are its blind indexes, events,
// matches, records and access records. Every removal goes through
// audit.Changes, so that the transparency log accounts for it. What is
// kept of each erased fact is its idempotency key (candor.ErasedRecord),
// until its retention ends, in the same commit: the write path refuses
// that fact if its source posts it again (EERASED).
package erasure
