package candor_test

import (
	"crypto/sha256"
	"testing"

	"github.com/candor-project/candor"
)

// The commitment is exactly what commitment.go documents, so anyone can
// recompute it with any SHA-256.
func TestCommitment(t *testing.T) {
	salt := candor.Salt{1, 2, 3}
	record := []byte("record")
	for _, tc := range []struct {
		kind candor.AuditKind
		tag  string
	}{
		{candor.AuditWrite, "candor/v1/commitment/write\x00"},
		{candor.AuditAccess, "candor/v1/commitment/access\x00"},
	} {
		want := sha256.Sum256(append(append([]byte(tc.tag), salt[:]...), record...))
		if got := candor.NewCommitment(tc.kind, &salt, record); got != want {
			t.Errorf("%v commitment %x, want %x", tc.kind, got, want)
		}
	}
	if candor.NewCommitment(candor.AuditWrite, &salt, record) == candor.NewCommitment(candor.AuditAccess, &salt, record) {
		t.Error("write and access commitments of the same record collide")
	}
	other := candor.NewSalt()
	if candor.NewCommitment(candor.AuditWrite, &salt, record) == candor.NewCommitment(candor.AuditWrite, &other, record) {
		t.Error("two salts, one commitment")
	}
}
