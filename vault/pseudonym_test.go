package vault_test

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/candor-project/candor"
	"github.com/candor-project/candor/vault"
)

func reference(s string) []candor.Field {
	return []candor.Field{
		{Name: "days_late", Value: candor.Value{Type: candor.FieldInt, Int: 30}},
		{Name: "account", Value: candor.Value{Type: candor.FieldReference, Str: s}},
	}
}

func TestPseudonymise(t *testing.T) {
	v, other := mustVault(t, 7), mustVault(t, 8)
	pseudonym := func(v *vault.Vault, s string) candor.Value {
		fs := reference(s)
		v.Pseudonymise(fs)
		if fs[0].Value.Int != 30 {
			t.Fatalf("a field that is not a reference changed: %+v", fs[0])
		}
		return fs[1].Value
	}
	for _, tc := range []struct {
		raw, shown string
	}{
		{"ACC-0009-4821", "…4821"},
		{"RELIGION: catholic", "…"},
		{"12", "…12"},
		{"NB-9x", "…"},
		{"٣٤٥", "…"}, // only ASCII digits are kept
	} {
		t.Run(tc.raw, func(t *testing.T) {
			p := pseudonym(v, tc.raw)
			if p.Type != candor.FieldReference || p.String() != tc.shown || len(p.ReferenceHash()) != candor.ReferenceHashLen {
				t.Errorf("pseudonym %+v shown %q, want %q", p, p.String(), tc.shown)
			}
			if strings.Contains(p.Str, strings.TrimRight(tc.raw, "0123456789")) && strings.TrimRight(tc.raw, "0123456789") != "" {
				t.Errorf("the pseudonym %q keeps the reference", p.Str)
			}
			if again := pseudonym(v, tc.raw); again != p {
				t.Errorf("the same reference gave %q and %q", p.Str, again.Str)
			}
			if o := pseudonym(other, tc.raw); o.ReferenceHash() == p.ReferenceHash() {
				t.Error("another master key gave the same pseudonym: it is not keyed")
			}
		})
	}
	if pseudonym(v, "ACC-1").ReferenceHash() == pseudonym(v, "ACC-2").ReferenceHash() {
		t.Error("two references, one pseudonym")
	}
}

// BenchmarkPseudonymise measures what pseudonymising one reference adds to
// the keyed hashes ingest already computes for every event (blind index,
// dedupe key, content digest), both in one loop so that they see the same
// machine. It reports ns per event for each and the ratio.
func BenchmarkPseudonymise(b *testing.B) {
	v := mustVault(b, 7)
	id := candor.Identifier{Scheme: candor.NationalID, Value: "AB1234567"}
	content := bytes.Repeat([]byte{'x'}, 120)
	fs := reference("ACC-0009-4821")
	const batch = 100
	var hashes, pseudo time.Duration
	n := 0
	for b.Loop() {
		t0 := time.Now()
		for range batch {
			v.BlindIndex(id)
			v.DedupeKey("bank7", "evt-000123")
			v.Digest(id, content)
		}
		t1 := time.Now()
		for range batch {
			fs[1].Value = candor.Value{Type: candor.FieldReference, Str: "ACC-0009-4821"}
			v.Pseudonymise(fs)
		}
		hashes += t1.Sub(t0)
		pseudo += time.Since(t1)
		n += batch
	}
	b.ReportMetric(float64(hashes.Nanoseconds())/float64(n), "hashes-ns/event")
	b.ReportMetric(float64(pseudo.Nanoseconds())/float64(n), "pseudonymise-ns/event")
	b.ReportMetric(float64(pseudo)/float64(hashes), "pseudonymise/hashes")
}
