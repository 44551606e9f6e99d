package decisions

import (
	"crypto/sha256"
	"encoding/hex"
	"regexp"
	"strings"
	"testing"

	"github.com/candor-project/candor"
)

// TestIDs checks the IDs records are stored under against the
// formulas they were first written with (stored data is found by them),
// and that making one allocates only the string.
func TestIDs(t *testing.T) {
	for _, code := range []string{candor.NewCode(), candor.NewCode(), "ABC-DEF-GHJ-KMN", "", strings.Repeat("X", 100)} {
		h := sha256.Sum256([]byte("candor/v1/consent/" + code))
		if got, want := consentID(code), hex.EncodeToString(h[:16]); got != want {
			t.Errorf("consentID(%q) = %s, want %s", code, got, want)
		}
	}
	sub := candor.SubjectID{1, 2, 3, 0xfe}
	for _, card := range []string{"rental-deposit", strings.Repeat("c", 90)} {
		if got, want := optOutID(sub, card), sub.String()+"/"+card; got != want {
			t.Errorf("optOutID = %s, want %s", got, want)
		}
	}
	shape := regexp.MustCompile(`^d_[a-z2-7]{16}$`)
	seen := map[string]bool{}
	for range 1000 {
		id := newID("d")
		if !shape.MatchString(id) || seen[id] {
			t.Fatalf("newID: %q (repeated: %v)", id, seen[id])
		}
		seen[id] = true
	}
	code := candor.NewCode()
	for name, f := range map[string]func(){"consentID": func() { _ = consentID(code) }, "newID": func() { _ = newID("d") },
		"optOutID": func() { _ = optOutID(sub, "rental-deposit") }} {
		if n := testing.AllocsPerRun(100, f); n > 1 && !raceEnabled {
			t.Errorf("%s: %v allocations, want 1", name, n)
		}
	}
}
