package candor

import (
	"context"
	"iter"
)

// WrappedKey is one subject's data key as the keyring holds it: wrapped
// (encrypted and authenticated) by the master key, bound to the subject.
type WrappedKey struct {
	Subject SubjectID
	Wrapped []byte
	// Generation is the generation of the wrapping key it is wrapped
	// with, for a keyring that keeps them (WrapKeyring): 0 for the
	// first. Other keyrings ignore it and yield 0.
	Generation uint32
}

// Keyring keeps the subjects' wrapped data keys apart from the data they
// open (charter point 8): in its own directory, schema or database, with
// its own backups, so that a backup of the data holds no key and erasing a
// key from the keyring shreds every copy of the subject's data, once the
// keyring's own backups older than the erasure are gone.
//
// Writers order their writes so that no committed subject is without its
// key: a new subject's key is stored (PutSubjectKeys returns) before the
// store commit that adds the subject. A key whose subject was never
// committed (the commit failed) is an orphan, harmless, and may be swept.
// An erasure deletes the key first (DeleteSubjectKey returns), then
// removes the subject from the store.
//
// Implementations: pebble.Keyring, postgres.Keyring, memstore.Keyring;
// storetest.RunKeyring is the suite they pass.
type Keyring interface {
	// PutSubjectKeys stores keys, all or none, replacing any stored under
	// the same subject, durably (synced to stable storage) before it
	// returns. Errors: EINVALID for a key with a zero subject or empty
	// wrapped bytes (nothing is stored).
	PutSubjectKeys(ctx context.Context, keys []WrappedKey) error
	// SubjectKey returns a subject's wrapped key, or ENOTFOUND.
	SubjectKey(ctx context.Context, id SubjectID) ([]byte, error)
	// DeleteSubjectKey removes a subject's wrapped key durably, and MUST
	// leave none of its bytes in the keyring's live files when it returns
	// (a store that keeps deleted rows or tombstoned values rewrites what
	// held them). Removing a key not stored is no error.
	DeleteSubjectKey(ctx context.Context, id SubjectID) error
	// SubjectKeys yields every stored key whose subject ID is above after
	// (the zero ID: every key), in subject ID order: for rotation and
	// sweeping. What it yields is only valid until the next iteration; a
	// key put or deleted meanwhile may or may not be seen. An error is
	// yielded once, as the last item.
	SubjectKeys(ctx context.Context, after SubjectID) iter.Seq2[WrappedKey, error]
	// Close releases the keyring. Calls after Close return EUNAVAILABLE.
	Close() error
}

// CheckWrappedKeys returns EINVALID, naming the first bad key, for keys a
// Keyring must refuse: a zero subject or empty wrapped bytes.
func CheckWrappedKeys(keys []WrappedKey) error {
	for i, k := range keys {
		if k.Subject.IsZero() {
			return Errorf(EINVALID, "wrapped key %d: zero subject", i)
		}
		if len(k.Wrapped) == 0 {
			return Errorf(EINVALID, "wrapped key %d (subject %s): empty", i, k.Subject)
		}
	}
	return nil
}

// ErasureLedger is what a Keyring MAY also keep: for every erasure, its
// intent without its blind indexes (ErasureIntent.ForLedger: the
// subject's pseudonymous ID, the commitments its records were logged
// under and the idempotency keys the erasure keeps — no key, nothing that
// names the person or finds them by an identifier), kept with the
// keyring, apart from the data, so that a restore of a data backup taken
// before the erasure can apply it again (app.Restore; the restored store
// gives the blind indexes, EventStore.IndexesOf) and the backup's records
// of the subject are deleted, not only unreadable.
// Implementations: pebble.Keyring, postgres.Keyring, memstore.Keyring;
// storetest.RunKeyring checks them.
type ErasureLedger interface {
	// RecordErasure keeps x.ForLedger() durably before it returns,
	// replacing any kept for the same subject. Errors: EINVALID for a zero
	// subject.
	RecordErasure(ctx context.Context, x *ErasureIntent) error
	// Erasures yields every erasure kept; an error is yielded once, as
	// the last item.
	Erasures(ctx context.Context) iter.Seq2[*ErasureIntent, error]
}
