package stats_test

import (
	"context"
	"errors"
	"math"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/candor-project/candor"
	"github.com/candor-project/candor/population"
	"github.com/candor-project/candor/stats"
)

// TestQueryCounts: every table of the list answers near the exact
// counts of a known population (within six times the noise's scale,
// which noise strays beyond with probability e⁻⁶ ≈ 0.25 %; the seed is
// fixed), for the month the facts are in, and near zero for a month
// without facts.
func TestQueryCounts(t *testing.T) {
	w := newWorld(t, 300)
	s := w.service(stats.Options{AnalystEpsilon: 100 * candor.MicroEpsilon, Rand: seededReader(7)})
	ctx := context.Background()
	month := w.month.Format("2006-01")
	prev := w.month.AddDate(0, -1, 0).Format("2006-01")
	near := func(r *candor.StatResult, want int64, labels ...string) {
		t.Helper()
		if c := cell(t, r, labels...); math.Abs(float64(c.Count-want)) > 6*r.Scale {
			t.Errorf("%s %v: %d, want %d within %g", r.Query, labels, c.Count, want, 6*r.Scale)
		}
	}
	for _, c := range []struct {
		table string
		want  map[string]int64
	}{
		{"categories", map[string]int64{stats.All: 300, "credit": 300, "utility_and_rent": 75, "tax": 0}},
		{"sources", map[string]int64{stats.All: 300, "bank": 300, "utility": 75, "court": 0}},
		{"event-types", map[string]int64{"credit.instalment_late": 200, "credit.instalment_paid": 300, "utility.bill_paid": 75, "rent.late": 0}},
		{"arrears", map[string]int64{stats.All: 300, "arrears": 200}},
		{"disputes", map[string]int64{stats.All: 300, "disputed": 0}},
	} {
		q, err := candor.ParseStatQuery(c.table, map[string][]string{"from": {prev}, "to": {month}, "epsilon": {"1"}}, w.now)
		if err != nil {
			t.Fatal(err)
		}
		r, err := s.Query(ctx, analyst("ada"), q)
		if err != nil {
			t.Fatalf("%s: %v", c.table, err)
		}
		if r.Mechanism != "discrete_laplace" || r.Epsilon != 1 || r.Bound < 2 || r.Bound > stats.MaxCells {
			t.Errorf("%s: mechanism %s, ε %g, bound %d", c.table, r.Mechanism, r.Epsilon, r.Bound)
		}
		for label, want := range c.want {
			near(r, want, month, label)
			near(r, 0, prev, label)
		}
	}
	r := queryArrears(t, s, analyst("ada"), w, "1")
	if c := cell(t, r, month, "arrears"); c.Rate == nil || math.Abs(*c.Rate-2.0/3) > 0.1 {
		t.Errorf("arrears rate %v, want near 2/3", c.Rate)
	}
	q, _ := candor.ParseStatQuery("grades", map[string][]string{"scorecard": {"consumer-credit"}, "epsilon": {"1"}}, w.now)
	g, err := s.Query(ctx, analyst("ada"), q)
	if err != nil {
		t.Fatal(err)
	}
	var sum int64
	for _, c := range g.Cells {
		sum += c.Count
	}
	if math.Abs(float64(sum-300)) > 30 || g.Bound != 1 {
		t.Errorf("grades sum to %d (bound %d), want 300 within 30 (bound 1)", sum, g.Bound)
	}
	q.Scorecard = "no-such-card"
	if _, err := s.Query(ctx, analyst("ada"), q); candor.ErrorCode(err) != candor.EINVALID {
		t.Errorf("grades of a scorecard not served: %v, want EINVALID", err)
	}
	if _, err := s.Query(ctx, &candor.APIKey{ID: "op", Role: candor.RoleOperator}, q); candor.ErrorCode(err) != candor.EFORBIDDEN {
		t.Errorf("an operator's key: %v, want EFORBIDDEN", err)
	}
}

func queryArrears(t *testing.T, s *stats.Service, key *candor.APIKey, w *world, epsilon string) *candor.StatResult {
	t.Helper()
	q, err := candor.ParseStatQuery("arrears", map[string][]string{"from": {w.month.Format("2006-01")}, "to": {w.month.Format("2006-01")}, "epsilon": {epsilon}}, w.now)
	if err != nil {
		t.Fatal(err)
	}
	r, err := s.Query(context.Background(), key, q)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// TestLedgerRefusesOverBudget: with a budget of ε 0.25 a key answers two
// queries of 0.1 and is refused the third, naming what is left, with
// nothing written; another key is not touched; and a service opened
// afresh on the store refuses it too (the ledger is in the store).
func TestLedgerRefusesOverBudget(t *testing.T) {
	w := newWorld(t, 30)
	ctx := context.Background()
	opts := stats.Options{AnalystEpsilon: candor.MicroEpsilon / 4}
	s := w.service(opts)
	ada := analyst("ada")
	queryArrears(t, s, ada, w, "0.1")
	queryArrears(t, s, ada, w, "0.1")
	entries := func() int {
		n := 0
		for _, err := range w.st.AllRecords(ctx, candor.RecordPrivacySpend) {
			if err != nil {
				t.Fatal(err)
			}
			n++
		}
		return n
	}
	q, _ := candor.ParseStatQuery("arrears", nil, w.now)
	for i, svc := range []*stats.Service{s, w.service(opts)} {
		_, err := svc.Query(ctx, ada, q)
		var e *candor.Error
		if !errors.As(err, &e) || e.Code != candor.EFORBIDDEN || !strings.Contains(e.Message, "ε 0.05 left of 0.25") {
			t.Errorf("service %d: a third query of 0.1 from 0.25: %v, want EFORBIDDEN naming ε 0.05 left", i, err)
		}
		if n := entries(); n != 2 {
			t.Errorf("service %d: %d ledger entries after a refusal, want 2", i, n)
		}
	}
	b, err := s.Budget(ctx, ada)
	if err != nil || b.SpentEpsilon != 200_000 || b.LeftEpsilon() != 50_000 || b.Spends != 2 || b.SpentDelta != 0 {
		t.Errorf("budget %+v, %v; want 0.2 spent of 0.25 in 2 spends, δ 0", b, err)
	}
	queryArrears(t, s, analyst("bea"), w, "0.25")
}

// TestLedgerConcurrentSpends: twenty spends of ε 0.1 at once from a limit
// of 1 leave exactly ten answered: the check and the write are one.
func TestLedgerConcurrentSpends(t *testing.T) {
	w := newWorld(t, 1)
	ctx := context.Background()
	ledgers := []*stats.Ledger{stats.NewLedger(w.st, nil), stats.NewLedger(w.st, nil)} // two nodes on one store
	limit := candor.PrivacyBudget{Epsilon: candor.MicroEpsilon, Delta: 0}
	var wg sync.WaitGroup
	var mu sync.Mutex
	ok := 0
	for i := range 20 {
		wg.Go(func() {
			_, err := ledgers[i%2].Spend(ctx, "analyst/x", "q", candor.MicroEpsilon/10, 0, limit)
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				ok++
			case candor.ErrorCode(err) != candor.EFORBIDDEN:
				t.Error(err)
			}
		})
	}
	wg.Wait()
	b, err := ledgers[0].Spent(ctx, "analyst/x", limit)
	if ok != 10 || err != nil || b.SpentEpsilon != candor.MicroEpsilon || b.Spends != 10 {
		t.Errorf("%d spends answered, ledger %+v (%v); want 10 and ε 1 spent", ok, b, err)
	}
}

// TestPublish: a month's release is published once, from its own budget
// (ε 1 over its tables), is listed, and is refused for a month not over.
func TestPublish(t *testing.T) {
	w := newWorld(t, 60)
	s := w.service(stats.Options{})
	ctx := context.Background()
	rel, err := s.Publish(ctx, w.month)
	if err != nil {
		t.Fatal(err)
	}
	if want := len(s.ReleaseQueries(w.month, 1)); len(rel.Tables) != want || want != 6 {
		t.Errorf("%d tables, want %d (6)", len(rel.Tables), want)
	}
	var eps float64
	for _, tb := range rel.Tables {
		eps += tb.Epsilon
	}
	if eps > 1 || eps < 0.99 {
		t.Errorf("the tables spend ε %g, want 1 at most and nearly", eps)
	}
	if _, err := s.Publish(ctx, w.month); candor.ErrorCode(err) != candor.ECONFLICT {
		t.Errorf("a second release of %s: %v, want ECONFLICT", w.month.Format("2006-01"), err)
	}
	if _, err := s.Publish(ctx, candor.MonthOf(w.now)); candor.ErrorCode(err) != candor.EINVALID {
		t.Errorf("a release of this month: %v, want EINVALID", err)
	}
	rels, err := w.service(stats.Options{}).Releases(ctx)
	if err != nil || len(rels) != 1 || !rels[0].Month.Equal(w.month) || len(rels[0].Tables) != 6 {
		t.Fatalf("releases %v, %v; want the one of %s", rels, err, w.month)
	}
	if _, err := s.Release(ctx, w.month.AddDate(0, -1, 0)); candor.ErrorCode(err) != candor.ENOTFOUND {
		t.Errorf("a release never published: %v, want ENOTFOUND", err)
	}
}

// TestDifferencingAttack: an attacker who knows every person but one
// asks for the grades at ε = 0.5 in a world without and a world with
// that person, and guesses "with" when the target's grade counts more
// than it would without. ε-differential privacy bounds the success of
// any such guess at e^ε/(1+e^ε) ≈ 0.622; the threshold test is the best
// there is against the discrete Laplace mechanism and reaches it, so over
// 3,000 trials the success rate is within 3 standard errors of the bound:
// not above it (the noise hides the person) and not far below (the noise
// is not more than ε calls for).
func TestDifferencingAttack(t *testing.T) {
	without := newWorld(t, 40)
	with := newWorld(t, 41) // person 40 has one late instalment
	ctx := context.Background()
	exact := func(w *world) map[string]int {
		d, err := population.Grades(ctx, w.st, w.vault, 1, w.cards, w.now)
		if err != nil {
			t.Fatal(err)
		}
		return d[0].Grades
	}
	a, b := exact(without), exact(with)
	target := ""
	for g, n := range b {
		if n == a[g]+1 {
			target = g
		}
	}
	if target == "" {
		t.Fatalf("no grade counts the target: %v and %v", a, b)
	}
	opts := stats.Options{AnalystEpsilon: 100000 * candor.MicroEpsilon, Rand: seededReader(20)}
	services := []*stats.Service{without.service(opts)}
	opts.Rand = seededReader(21)
	services = append(services, with.service(opts))
	q, _ := candor.ParseStatQuery("grades", map[string][]string{"scorecard": {"consumer-credit"}, "epsilon": {"0.5"}}, without.now)
	const trials = 3000
	right := 0
	for i := range trials {
		world := i % 2
		r, err := services[world].Query(ctx, analyst("mallory"), q)
		if err != nil {
			t.Fatal(err)
		}
		guess := 0
		if cell(t, r, target).Count >= int64(a[target])+1 {
			guess = 1
		}
		if guess == world {
			right++
		}
	}
	rate, bound := float64(right)/trials, math.Exp(0.5)/(1+math.Exp(0.5))
	se := math.Sqrt(bound * (1 - bound) / trials)
	t.Logf("the attacker guessed right %d times in %d (%.3f); ε = 0.5 allows %.3f", right, trials, rate, bound)
	if rate > bound+3*se || rate < bound-3*se {
		t.Errorf("success rate %.3f, want %.3f within 3 standard errors (%.3f)", rate, bound, se)
	}
}

// TestPublishDue: the schedule publishes last month's release once, across
// nodes; when a month ends, the next.
func TestPublishDue(t *testing.T) {
	w := newWorld(t, 20)
	ctx := context.Background()
	for i, want := range []int{1, 0} {
		n, err := w.service(stats.Options{}).PublishDue(ctx) // another node each time
		if err != nil || n != want {
			t.Fatalf("round %d: published %d (%v), want %d", i, n, err, want)
		}
	}
	if _, err := w.service(stats.Options{}).Release(ctx, w.month); err != nil {
		t.Fatalf("last month's release: %v", err)
	}
	next := w.service(stats.Options{Now: func() time.Time { return w.now.AddDate(0, 1, 0) }})
	if n, err := next.PublishDue(ctx); err != nil || n != 1 {
		t.Fatalf("a month later: published %d (%v), want 1", n, err)
	}
	rels, err := next.Releases(ctx)
	if err != nil || len(rels) != 2 || !rels[0].Month.Equal(candor.MonthOf(w.now)) {
		t.Errorf("releases %v, %v; want this month's and last month's", rels, err)
	}
}
