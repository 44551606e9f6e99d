package scoring_test

import (
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/candor-project/candor"
	"github.com/candor-project/candor/catalogue"
	"github.com/candor-project/candor/scoring"
)

// FuzzLoad: Load never panics, and a scorecard it accepts scores any
// events within its range, with a grade.
func FuzzLoad(f *testing.F) {
	for _, dir := range []string{"testdata", "scorecards"} {
		filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
			if err == nil && filepath.Ext(path) == ".yaml" {
				b, _ := os.ReadFile(path)
				f.Add(b)
			}
			return nil
		})
	}
	f.Add([]byte("id: x\nrules: [{condition: '1 +'}]"))
	cat := catalogue.Default()
	events := []*candor.Event{late(1, "2026-01-10", 45), paid(2, "2026-02-01"), late(3, "2026-03-10", 5)}
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := scoring.Load("fuzz.yaml", data, cat)
		if err != nil {
			if candor.ErrorCode(err) != candor.EINVALID {
				t.Fatalf("error code %s: %v", candor.ErrorCode(err), err)
			}
			return
		}
		sc := c.Scorecard()
		s, err := c.Score(subject, events, day("2026-06-01"))
		if err != nil {
			t.Fatal(err)
		}
		if s.Points < sc.Min || s.Points > sc.Max || s.Grade == "" {
			t.Fatalf("score %d %q outside %d..%d", s.Points, s.Grade, sc.Min, sc.Max)
		}
		if m := c.ScoreFromMatches(subject, c.Matches(events), day("2026-06-01")); m.Points != s.Points || m.Grade != s.Grade {
			t.Fatalf("from matches %d %s, from events %d %s", m.Points, m.Grade, s.Points, s.Grade)
		}
	})
}

// FuzzCondition: CompileCondition never panics, and a condition it accepts
// gives the same answer on the plain-Go path as in CEL, and the same
// whatever the reference field s holds: no condition reads free text.
func FuzzCondition(f *testing.F) {
	for _, s := range []string{"n >= 30", "amount > 100.0 && kind in [\"a\", \"b\"]", "opt > 1 || ok", "!(n < 3)",
		"day < date(\"2026-03-01\")", "s.startsWith(\"x\")", "size(s) > 0", "currency == \"EUR\"", "n in [1, 2] || amount == 1.5"} {
		f.Add(s)
	}
	r := rand.New(rand.NewPCG(5, 6))
	inputs := make([][]candor.Field, 64)
	for i := range inputs {
		inputs[i] = randomFields(r)
	}
	f.Fuzz(func(t *testing.T, src string) {
		c, err := scoring.CompileCondition(src, []*candor.EventType{testType})
		if err != nil {
			return
		}
		deadline := time.Now().Add(time.Second)
		for _, fs := range inputs {
			got, want := c.Match(fs), c.MatchCEL(fs)
			if got != want {
				t.Fatalf("%s on %v: plain Go %v, CEL %v", src, fs, got, want)
			}
			other := slices.Clone(fs)
			for i := range other {
				if other[i].Name == "s" {
					other[i].Value.Str += "MOSQUE"
				}
			}
			if c.MatchCEL(other) != want {
				t.Fatalf("%s depends on the reference s", src)
			}
			if time.Now().After(deadline) {
				return
			}
		}
	})
}
