package decisions_test

import (
	"crypto/ed25519"
	"strings"
	"testing"

	"github.com/candor-project/candor/decisions"
)

// BenchmarkSignDetached signs a decision answer's size of bytes; its
// baseline, in the same run, is the bare Ed25519 signature of the same
// bytes.
func BenchmarkSignDetached(b *testing.B) {
	body := []byte(strings.Repeat("x", 732))
	s, err := decisions.GenerateSigner()
	if err != nil {
		b.Fatal(err)
	}
	b.Run("jws", func(b *testing.B) {
		for b.Loop() {
			s.SignDetached(body)
		}
	})
	_, priv, _ := ed25519.GenerateKey(nil)
	b.Run("bare-ed25519", func(b *testing.B) {
		for b.Loop() {
			ed25519.Sign(priv, body)
		}
	})
}
