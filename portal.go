package candor

import "context"

// The services the person's portal is built on, besides those of
// services.go.

// SessionSealer seals the portal sessions of a person with the person's
// data key, so that a stored session says nothing without the key and an
// erased person's sessions can no longer be opened (vault.Sessions is
// one).
type SessionSealer interface {
	// SealSession seals payload, the session stored under id, for
	// subject. Errors: ENOTFOUND for a subject not stored (or erased).
	SealSession(ctx context.Context, subject SubjectID, id string, payload []byte) ([]byte, error)
	// OpenSession opens what SealSession sealed for subject under id.
	// Errors: ENOTFOUND for a subject not stored (or erased); an error
	// if sealed was altered or sealed for another subject or id.
	OpenSession(ctx context.Context, subject SubjectID, id string, sealed []byte) ([]byte, error)
}
