package ingest_test

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/candor-project/candor"
	"github.com/candor-project/candor/ingest"
)

// cardMatcher matches every event with one scorecard version.
type cardMatcher candor.ScorecardKey

func (c cardMatcher) Match(ev *candor.ValidEvent, dst []candor.Match) []candor.Match {
	return append(dst, candor.Match{Scorecard: candor.ScorecardKey(c), Rules: 1})
}

// TestApprovalWhileIngesting: sources post while the store's match
// generation is advanced (a scorecard version approved); no request is
// refused, the pipeline fetches the new matcher once it is refused, and
// the bound splits the events: those at or below it matched with the old
// version only, those above with the new one only.
func TestApprovalWhileIngesting(t *testing.T) {
	v1, v2 := candor.KeyOf("rental-deposit", 1), candor.KeyOf("rental-deposit", 2)
	e := &env{matcher: cardMatcher(v1)}
	e = mustEnvWith(t, e)
	ctx := context.Background()
	var fetched int
	e.close(t)
	e.openWith(t, func(o *ingest.Options) {
		o.Matchers = func(ctx context.Context) (ingest.Matcher, uint64, error) {
			fetched++
			gen, err := e.store.MatchGeneration(ctx)
			return cardMatcher(v2), gen, err
		}
	})
	const posters, posts = 4, 30
	var wg sync.WaitGroup
	for w := range posters {
		wg.Go(func() {
			for i := range posts {
				nid := fmt.Sprintf("AB%07d", w*1000+i%7)
				if _, err := e.post(t, late(fmt.Sprintf("w%d-%d", w, i), nid, 40)); err != nil {
					t.Errorf("post %d of poster %d: %v", i, w, err)
					return
				}
			}
		})
	}
	if _, err := e.post(t, late("first", "AB9999999", 40)); err != nil {
		t.Fatal(err)
	}
	_, bound, err := e.store.AdvanceMatchGeneration(ctx)
	if err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	if _, err := e.post(t, late("last", "AB9999999", 40)); err != nil {
		t.Fatal(err)
	}
	if fetched != 1 {
		t.Errorf("the new matcher was fetched %d times, want once", fetched)
	}
	var before, after int
	for w := range posters {
		for i := range 7 {
			before, after = e.checkSplit(t, fmt.Sprintf("AB%07d", w*1000+i), bound, v1, v2, before, after)
		}
	}
	before, after = e.checkSplit(t, "AB9999999", bound, v1, v2, before, after)
	if before == 0 || after == 0 {
		t.Errorf("%d events at or below the bound, %d above: want both", before, after)
	}
}

// checkSplit checks one subject's events' matches against the bound and
// adds its events to the counts of those at or below it and above it.
func (e *env) checkSplit(t *testing.T, nid string, bound candor.EventID, v1, v2 candor.ScorecardKey, before, after int) (int, int) {
	t.Helper()
	key := e.key(t, nid)
	for _, ev := range e.events(t, nid) {
		want, other := v1, v2
		if ev.ID > bound {
			want, other = v2, v1
			after++
		} else {
			before++
		}
		has := map[candor.ScorecardKey]bool{}
		for _, card := range []candor.ScorecardKey{v1, v2} {
			ms, err := key.ReadMatches(context.Background(), e.store, card)
			if err != nil {
				t.Fatal(err)
			}
			for _, m := range ms {
				if m.Event == ev.ID {
					has[card] = true
				}
			}
		}
		if !has[want] || has[other] {
			t.Errorf("%s's event %d (bound %d): matched with %v, want only %d", nid, ev.ID, bound, has, want)
		}
	}
	return before, after
}
