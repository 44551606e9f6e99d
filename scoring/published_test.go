package scoring_test

import (
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/candor-project/candor"
	"github.com/candor-project/candor/catalogue"
	"github.com/candor-project/candor/scoring"
)

// mustNextVersion compiles the shipped rental-deposit scorecard as
// version 2 with base 900.
func mustNextVersion(tb testing.TB, cat *candor.Catalogue) *scoring.Compiled {
	tb.Helper()
	yaml, err := os.ReadFile("scorecards/rental-deposit.yaml")
	if err != nil {
		tb.Fatal(err)
	}
	v2 := strings.Replace(strings.Replace(string(yaml), "\nversion: 1\n", "\nversion: 2\n", 1), "\nbase: 1000\n", "\nbase: 900\n", 1)
	c, err := scoring.Load("rental-deposit-v2.yaml", []byte(v2), cat)
	if err != nil {
		tb.Fatal(err)
	}
	return c
}

func TestPublishedSet(t *testing.T) {
	cat := catalogue.Default()
	shipped, err := scoring.Shipped(cat)
	if err != nil {
		t.Fatal(err)
	}
	v1 := shipped[2]
	if v1.Scorecard().ID != "rental-deposit" {
		t.Fatalf("shipped[2] is %s, want rental-deposit", v1.Scorecard().ID)
	}
	v2 := mustNextVersion(t, cat)

	p := scoring.NewPublished(shipped, nil) // the active ones are published too
	before := p.Snapshot()
	if len(before.All()) != len(shipped) || before.Version(v1.Key()) != v1 || !before.IsActive(v1.Key()) {
		t.Fatalf("NewPublished(shipped, nil): all %d, version %v", len(before.All()), before.Version(v1.Key()))
	}
	if before.Version(v2.Key()) != nil {
		t.Fatal("version 2 published before Set")
	}

	active := []*scoring.Compiled{shipped[0], shipped[1], v2}
	p.Set(active, append(shipped, v2))
	now := p.Snapshot()
	if got := now.ActiveByID("rental-deposit"); got != v2 {
		t.Errorf("active rental-deposit after Set: %v, want version 2", got.Scorecard().Version)
	}
	if got := now.ActiveFor(candor.PurposeRental, candor.Person); got != v2 {
		t.Errorf("ActiveFor(rental, person) after Set: %v, want version 2", got.Scorecard().Version)
	}
	if now.Version(v1.Key()) != v1 || now.IsActive(v1.Key()) || !now.IsActive(v2.Key()) {
		t.Error("version 1 is not published as superseded after Set")
	}
	if len(now.All()) != 4 {
		t.Errorf("all after Set: %d versions, want 4", len(now.All()))
	}
	// A snapshot taken before keeps answering from its set.
	if before.ActiveByID("rental-deposit") != v1 || before.Version(v2.Key()) != nil {
		t.Error("the snapshot taken before Set changed")
	}
	sa, sall := p.Scorers()
	if len(sa) != 3 || sa[2] != candor.Scorer(v2) || len(sall) != 4 {
		t.Errorf("Scorers: %d active, %d in all", len(sa), len(sall))
	}

	var nilP *scoring.Published
	if a, all := nilP.Scorers(); len(a)+len(all) != 0 || nilP.Snapshot().Version(v1.Key()) != nil {
		t.Error("a nil Published serves something")
	}
}

// TestPublishedSetRace has readers check that every snapshot is one set,
// never a mix of two, while Set swaps between them (run with -race).
func TestPublishedSetRace(t *testing.T) {
	cat := catalogue.Default()
	shipped, err := scoring.Shipped(cat)
	if err != nil {
		t.Fatal(err)
	}
	v2 := mustNextVersion(t, cat)
	setA := []*scoring.Compiled{shipped[0], shipped[1], shipped[2]}
	setB := []*scoring.Compiled{shipped[0], shipped[1], v2}
	p := scoring.NewPublished(setA, setA)
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				s := p.Snapshot()
				active := s.ActiveByID("rental-deposit")
				if s.Version(active.Key()) != active || len(s.All()) != 3 {
					t.Error("a snapshot mixes two sets")
					return
				}
			}
		}()
	}
	for i := range 1000 {
		if i%2 == 0 {
			p.Set(setB, setB)
		} else {
			p.Set(setA, setA)
		}
	}
	close(stop)
	wg.Wait()
}
