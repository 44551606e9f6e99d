// Package erasure erases a subject's data on request (GDPR Art. 17,
// charter point 8). What a subject holds under a legal obligation (tax
// records, court orders, corporate filings: candor.CategoryPolicy's
// LegalObligation) stays until its retention ends, and the subject is told
// why. If nothing stays, the subject is erased whole: first its wrapped
// data key, which every sealed byte about it depends on, is deleted from
// the keyring, apart from the data, and from the keyring's files
// (crypto-shredding: copies of the sealed data elsewhere, backups of the
// store included, can no longer be opened, once the keyring's own backups
// older than the erasure have expired), then its record, blind indexes,
// events, matches, records and access records. Every removal goes through
// audit.Changes, so that the transparency log accounts for it. What is
// kept of each erased fact is its idempotency key (candor.ErasedRecord),
// until its retention ends, in the same commit: the write path refuses
// that fact if its source posts it again (EERASED).
package erasure
