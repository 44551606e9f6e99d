package candor

import (
	"context"
	"time"
)

// WrapState is the state of a generation of the wrapping key.
type WrapState string

// The states of a WrapGeneration: the current one wraps new data keys
// unless a next one exists (a rotation under way), which then does; data
// keys open under either. A retired one opens nothing: its secret is
// deleted.
const (
	WrapCurrent WrapState = "current"
	WrapNext    WrapState = "next"
	WrapRetired WrapState = "retired"
)

// WrapGeneration is one generation of the wrapping key (the
// key-encryption key the subjects' data keys are wrapped with) as a
// WrapKeyring keeps it.
type WrapGeneration struct {
	Number uint32
	State  WrapState
	// Sealed is the generation's secret, sealed under a key the master
	// key derives for this use alone (vault.SealWrapSecret), so that the
	// keyring alone opens nothing; nil for the generation derived from
	// the master key itself, and for a retired one.
	Sealed []byte
}

// WrapRotation is a rotation of the wrapping key, as a WrapKeyring
// records it: from generation From to To, at most KeysPerSecond keys
// rewrapped a second (0: no bound) by whichever node runs it, Done of
// about Total rewrapped so far.
type WrapRotation struct {
	From, To      uint32
	KeysPerSecond int
	Done, Total   int
	StartedAt     time.Time
	FinishedAt    time.Time // zero until From is retired
	// Error is why the rotation stopped, if it failed; a failed rotation
	// goes on when it is asked for again (BeginWrapRotation).
	Error string
}

// ErrWrapRetired is a WrapKeyring's error for data keys wrapped with a
// generation of the wrapping key that is retired or unknown: nothing was
// stored. The writer reloads the generations, wraps the keys again with
// the one it should and tries again.
var ErrWrapRetired = Errorf(ECONFLICT, "data keys wrapped with a retired wrapping key; nothing was stored, try again")

// WrapKeyring is what a Keyring shared by several nodes (postgres.Keyring)
// MAY also keep: the generations of the wrapping key and the rotation
// between them, so that a rotation begun on one node reaches every node
// through the keyring, with no file to copy. Its PutSubjectKeys stores
// each key with its WrappedKey.Generation and refuses, with
// ErrWrapRetired, keys wrapped with a generation that is neither current
// nor next, in the same transaction as the write, ordered against
// FinishWrapRotation: a node that has not yet learnt of a rotation can
// still wrap with the current generation until the rotation retires it,
// never after. So no key is ever stored under a retired generation, and
// no node has to be waited for.
type WrapKeyring interface {
	Keyring
	// WrapGenerations returns the generations not retired, in number
	// order, and the last rotation (nil: none yet).
	WrapGenerations(ctx context.Context) ([]WrapGeneration, *WrapRotation, error)
	// InitWrapGenerations records, in a keyring that has no generation
	// yet, first as current generation 0, the generation every key it
	// holds is wrapped with, and, if next is not nil, generation 1 as
	// next, with a rotation to it (one begun by an earlier build) at
	// keysPerSecond. A keyring that has generations is left as it is.
	InitWrapGenerations(ctx context.Context, first []byte, next []byte, keysPerSecond int) error
	// BeginWrapRotation begins a rotation to a new generation, numbered
	// one above the current, whose secret seal returns sealed, at
	// keysPerSecond, and returns it. If a rotation is under way it
	// begins none (seal is not called): it clears the failure of the
	// one under way, sets its pace if keysPerSecond is positive, and
	// returns it.
	BeginWrapRotation(ctx context.Context, seal func(number uint32) []byte, keysPerSecond int) (WrapRotation, error)
	// FailWrapRotation records why the rotation to generation to
	// stopped; it goes on when asked for again.
	FailWrapRotation(ctx context.Context, to uint32, reason string) error
	// StaleSubjectKeys returns at most limit keys wrapped with generation
	// gen, above after in subject ID order.
	StaleSubjectKeys(ctx context.Context, gen uint32, after SubjectID, limit int) ([]WrappedKey, error)
	// RewrapSubjectKeys replaces each key of old by the key of rewrapped
	// at the same index (the same subject, wrapped with the rotation's
	// next generation) where the stored key is still old's: a key
	// deleted or replaced meanwhile is left as it is, never brought
	// back. It counts those it replaced in the progress of the rotation
	// to that generation, in the same transaction, and returns how many.
	// Errors: ErrWrapRetired for keys not wrapped with a next
	// generation; EINVALID for lists that do not match.
	RewrapSubjectKeys(ctx context.Context, old, rewrapped []WrappedKey) (int, error)
	// FinishWrapRotation retires the generation the rotation to
	// generation to rotates from, deleting its secret, and makes to the
	// current one, if no key is wrapped with the old one; it returns
	// whether it did (or had). Ordered against PutSubjectKeys: a key
	// stored under the old generation before it is seen, and none after.
	FinishWrapRotation(ctx context.Context, to uint32) (bool, error)
}
