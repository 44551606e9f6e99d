package main

import (
	"cmp"
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"strconv"
	"time"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/rego"
	"github.com/open-policy-agent/opa/v1/types"

	"github.com/candor-project/candor"
	"github.com/candor-project/candor/catalogue"
	"github.com/candor-project/candor/internal/scorebench"
	"github.com/candor-project/candor/scoring"
)

// Targets of issue 3 §6.
const (
	maxEngineOverHand = 3   // the engine at most 3× the hand-written function
	minOPAOverEngine  = 100 // OPA at least 100× the engine
)

func main() {
	if err := run(context.Background(), os.Args[1:], os.Stdout, os.Stderr); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "bench/score:", err)
		}
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fl := flag.NewFlagSet("score", flag.ContinueOnError)
	fl.SetOutput(stderr)
	duration := fl.Duration("duration", 10*time.Second, "how long to time them, interleaved")
	persons := fl.Int("persons", 2000, "synthetic persons to generate to check agreement on before timing")
	first := fl.Int("check", 300, "how many of them to check, besides those with events of rare rules")
	if err := fl.Parse(args); err != nil {
		return err
	}
	s, err := newScorers(ctx, policy)
	if err != nil {
		return err
	}

	subject := candor.SubjectID{1}
	events := scorebench.CreditHistory(subject)
	at := scorebench.HistoryAt
	p, g, err := s.agree(ctx, "the 30-event person", subject, events, at)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "consumer-credit, one person with %d events at %s: %d points, grade %s; engine, hand-written Go and OPA agree\n",
		len(events), at.Format(time.DateOnly), p, g)
	n, err := s.checkEdges(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "agreement: %d scores of persons whose events reach every cap, every \"at most\" and both sides of every condition's boundary\n", n)
	st, err := s.checkPopulation(ctx, *persons, *first)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "agreement: %d of %d synthetic persons (%d events) at %d instants each, as generated and with some events disputed, corrected or removed: all %d scores agree; each rule counted in %d to %d of them\n",
		st.checked, st.persons, st.events, len(checkInstants), st.scores, st.minRule, st.maxRule)

	m, err := s.measure(ctx, subject, events, at, *duration)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "\ntimed for %s on that person, interleaved in rounds of %d engine, %d hand-written and %d + %d OPA scores:\n\n", *duration, batch, batch, opaBatch, opaBatch)
	row := func(name string, ns float64, what string) {
		fmt.Fprintf(stdout, "  %-20s %12s ns/op   %s\n", name, thousands(ns), what)
	}
	row("engine", m.engine, "scoring.Compiled.Points")
	row("hand-written", m.hand, "scorebench.HandCredit")
	row("OPA", m.opa, "PreparedEvalQuery.Eval of consumer_credit.rego and decay.rego, EvalParsedInput, result read back")
	row("OPA, 2^-x in Go", m.opaGoEx, "the same with decay.rego's exponential a Go built-in (math.Exp2)")
	row("(OPA input)", m.input, "events and instant made into OPA's input value: once per subject, not in the OPA figures")
	fmt.Fprintln(stdout, "\n  not timed: loading the scorecard, PrepareForEval, making the events")
	fmt.Fprintf(stdout, "\n  engine / hand-written     %6.2f   target ≤ %d: %s\n", m.engine/m.hand, maxEngineOverHand, met(m.engine/m.hand <= maxEngineOverHand))
	fmt.Fprintf(stdout, "  OPA / engine              %6.0f   target ≥ %d: %s\n", m.opa/m.engine, minOPAOverEngine, met(m.opa/m.engine >= minOPAOverEngine))
	fmt.Fprintf(stdout, "  OPA, 2^-x in Go / engine  %6.0f\n", m.opaGoEx/m.engine)
	return nil
}

// thousands formats ns rounded, with thousands separated by commas.
func thousands(ns float64) string {
	s := strconv.FormatInt(int64(math.Round(ns)), 10)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

func met(ok bool) string {
	if ok {
		return "met"
	}
	return "NOT met"
}

var (
	//go:embed consumer_credit.rego
	policy string
	//go:embed decay.rego
	decayRego string
)

// decayGo is package candor.decay with 2^-x computed by Go's math.Exp2, a
// built-in registered with the query: what OPA costs when the one thing
// Rego lacks is handed to Go.
const decayGo = `package candor.decay

exp2_neg(x) := go_exp2_neg(x)
`

// scorers are the ways of scoring consumer-credit compared: the engine,
// scorebench.HandCredit, and OPA with the exponential in Rego and in Go.
type scorers struct {
	engine       *scoring.Compiled
	opa, opaGoEx rego.PreparedEvalQuery
}

// newScorers loads the shipped scorecard and prepares policy, the Rego
// version of it, with each version of package candor.decay.
func newScorers(ctx context.Context, policy string) (*scorers, error) {
	cs, err := scoring.Shipped(catalogue.Default())
	if err != nil {
		return nil, err
	}
	s := &scorers{}
	for _, c := range cs {
		if c.Scorecard().ID == "consumer-credit" {
			s.engine = c
		}
	}
	if s.engine == nil {
		return nil, errors.New("no shipped consumer-credit scorecard")
	}
	prepare := func(opts ...func(*rego.Rego)) (rego.PreparedEvalQuery, error) {
		opts = append(opts, rego.Query("data.candor.consumer_credit.result"), rego.Module("consumer_credit.rego", policy))
		pq, err := rego.New(opts...).PrepareForEval(ctx)
		if err != nil {
			return pq, fmt.Errorf("consumer_credit.rego: %w", err)
		}
		return pq, nil
	}
	if s.opa, err = prepare(rego.Module("decay.rego", decayRego)); err != nil {
		return nil, err
	}
	exp2 := rego.Function1(&rego.Function{Name: "go_exp2_neg", Decl: types.NewFunction(types.Args(types.N), types.N)},
		func(_ rego.BuiltinContext, x *ast.Term) (*ast.Term, error) {
			n, ok := x.Value.(ast.Number)
			f, ok2 := n.Float64()
			if !ok || !ok2 {
				return nil, fmt.Errorf("go_exp2_neg(%v): want a number", x)
			}
			return ast.FloatNumberTerm(math.Exp2(-f)), nil
		})
	if s.opaGoEx, err = prepare(rego.Module("decay_go.rego", decayGo), exp2); err != nil {
		return nil, err
	}
	return s, nil
}

// opaInput is events and the instant as the policy's input: instants in
// Unix nanoseconds, states by name, and fields as a rule's CEL condition
// sees them.
func opaInput(events []*candor.Event, at time.Time) (ast.Value, error) {
	evs := make([]any, len(events))
	for i, e := range events {
		fs := make(map[string]any, len(e.Fields))
		for _, f := range e.Fields {
			switch v := f.Value; v.Type {
			case candor.FieldInt, candor.FieldDate:
				fs[f.Name] = v.Int
			case candor.FieldAmount:
				fs[f.Name] = float64(v.Int) / candor.AmountScale
			case candor.FieldBool:
				fs[f.Name] = v.Int != 0
			default:
				fs[f.Name] = v.Str
			}
		}
		evs[i] = map[string]any{"type": e.Type, "occurred_at": e.OccurredAt.UnixNano(), "state": e.State.String(), "fields": fs}
	}
	return ast.InterfaceToValue(map[string]any{"at": at.UnixNano(), "events": evs})
}

// opaPoints evaluates a prepared policy on an input made by opaInput.
func opaPoints(ctx context.Context, pq rego.PreparedEvalQuery, input ast.Value) (int, string, error) {
	rs, err := pq.Eval(ctx, rego.EvalParsedInput(input))
	if err != nil {
		return 0, "", fmt.Errorf("opa: %w", err)
	}
	if len(rs) != 1 || len(rs[0].Expressions) != 1 {
		return 0, "", fmt.Errorf("opa: %d results, want one", len(rs))
	}
	r, _ := rs[0].Expressions[0].Value.(map[string]any)
	p, _ := r["points"].(json.Number)
	g, _ := r["grade"].(string)
	n, err := p.Int64()
	if err != nil || g == "" {
		return 0, "", fmt.Errorf("opa: result %v, want points and grade", rs[0].Expressions[0].Value)
	}
	return int(n), g, nil
}

// agree scores the subject's events at instant at all four ways and
// returns the points and grade they agree on, or an error naming the
// disagreement and who, a description of the subject (its ID is random).
func (s *scorers) agree(ctx context.Context, who string, subject candor.SubjectID, events []*candor.Event, at time.Time) (int, string, error) {
	p, g, err := s.engine.Points(subject, events, at)
	if err != nil {
		return 0, "", err
	}
	hp, hg := scorebench.HandCredit(events, at)
	in, err := opaInput(events, at)
	if err != nil {
		return 0, "", err
	}
	op, og, err := opaPoints(ctx, s.opa, in)
	if err != nil {
		return 0, "", err
	}
	xp, xg, err := opaPoints(ctx, s.opaGoEx, in)
	if err != nil {
		return 0, "", err
	}
	if hp != p || hg != g || op != p || og != g || xp != p || xg != g {
		return 0, "", fmt.Errorf("disagreement on %s (%d events) at %s: engine %d %s, hand-written %d %s, OPA %d %s, OPA with 2^-x in Go %d %s",
			who, len(events), at.Format(time.RFC3339Nano), p, g, hp, hg, op, og, xp, xg)
	}
	return p, g, nil
}

// checkEdges checks that the scorers agree on scorebench.EdgeHistories,
// each at its scorebench.EdgeInstants, and returns how many scores that
// is.
func (s *scorers) checkEdges(ctx context.Context) (int, error) {
	subject := candor.SubjectID{1}
	n := 0
	for k, evs := range scorebench.EdgeHistories(subject) {
		for _, at := range scorebench.EdgeInstants(s.engine.Scorecard(), evs) {
			if _, _, err := s.agree(ctx, fmt.Sprintf("edge history %d", k), subject, evs, at); err != nil {
				return n, err
			}
			n++
		}
	}
	return n, nil
}

// checkInstants are the instants the population is scored at: when it was
// generated, before (some events not yet occurred, others within windows
// they have left since), at an odd nanosecond, and after.
var checkInstants = []time.Time{
	scorebench.PopNow,
	scorebench.PopNow.AddDate(0, -7, -3).Add(12*time.Hour + 345678901),
	scorebench.PopNow.AddDate(-2, 0, 0),
	scorebench.PopNow.AddDate(1, 2, 0),
}

// rareRule is how many checked persons must have had a rule count for them
// before the check stops seeking out more.
const rareRule = 3

type checkStats struct {
	persons, checked int // generated, checked
	events, scores   int // of those checked
	minRule, maxRule int // least and most scores any one rule counted in
}

// checkPopulation generates persons synthetic persons and checks that the
// scorers agree on the first of them (in the order synth made them) and
// on every other person for whom a rule counts that has counted for fewer
// than rareRule of the persons checked so far: rare events (judgments,
// defaults) are rare in a population. Each person is scored at every check
// instant, with the events as generated and with every third one disputed,
// corrected or removed. It fails if some rule counted in none of the
// scores: the check would say nothing about it.
func (s *scorers) checkPopulation(ctx context.Context, persons, first int) (checkStats, error) {
	st := checkStats{persons: persons}
	pop, err := scorebench.NewPopulation(catalogue.Default(), persons, 1) // synth makes at least one organisation
	if err != nil {
		return st, err
	}
	var evss [][]*candor.Event
	for id, evs := range pop.Subjects {
		if pop.Kind[id] == candor.Person {
			evss = append(evss, evs)
		}
	}
	// Event IDs are given in the order synth posts, the same every run.
	slices.SortFunc(evss, func(a, b []*candor.Event) int { return cmp.Compare(a[0].ID, b[0].ID) })
	reached := map[string]int{} // rule -> persons checked it counted for
	scores := map[string]int{}  // rule -> scores it counted in
	for i, evs := range evss {
		variants := [][]*candor.Event{evs, withStates(evs)}
		var counts [][]candor.Contribution // per variant and instant, the engine's
		rare := false
		for _, v := range variants {
			for _, at := range checkInstants {
				sc, err := s.engine.Score(v[0].Subject, v, at)
				if err != nil {
					return st, err
				}
				counts = append(counts, sc.Contributions)
				for _, c := range sc.Contributions {
					rare = rare || reached[c.Rule] < rareRule
				}
			}
		}
		if i >= first && !rare {
			continue
		}
		for k, v := range variants {
			who := fmt.Sprintf("synthetic person %d (first event %s)", i, v[0].SourceEventID)
			if k == 1 {
				who += ", every third event disputed, corrected or removed"
			}
			for _, at := range checkInstants {
				if _, _, err := s.agree(ctx, who, v[0].Subject, v, at); err != nil {
					return st, err
				}
			}
		}
		counted := map[string]bool{}
		for _, cs := range counts {
			for _, c := range cs {
				scores[c.Rule]++
				counted[c.Rule] = true
			}
		}
		for r := range counted {
			reached[r]++
		}
		st.checked++
		st.events += len(evs)
		st.scores += len(counts)
	}
	st.minRule = st.scores
	for _, r := range s.engine.Scorecard().Rules {
		if scores[r.ID] == 0 {
			return st, fmt.Errorf("rule %s counted in none of the %d scores checked: the check says nothing about it", r.ID, st.scores)
		}
		st.minRule = min(st.minRule, scores[r.ID])
		st.maxRule = max(st.maxRule, scores[r.ID])
	}
	return st, nil
}

// withStates returns a copy of events with every third one disputed,
// corrected or removed in turn.
func withStates(events []*candor.Event) []*candor.Event {
	states := []candor.EventState{candor.StateDisputed, candor.StateCorrected, candor.StateRemoved}
	out := make([]*candor.Event, len(events))
	for i, e := range events {
		out[i] = e
		if i%3 == 1 {
			c := *e
			c.State = states[i/3%len(states)]
			out[i] = &c
		}
	}
	return out
}

// Each round of measure scores batch times with the engine and with the
// hand-written function, opaBatch times with each OPA query, and makes
// OPA's input once.
const (
	batch    = 200
	opaBatch = 2
)

// measured is ns per score of each, and per OPA input made.
type measured struct {
	engine, hand, opa, opaGoEx, input float64
}

// sink keeps the compiler from dropping what is timed.
var sink int

// measure times the scorers on one subject's events, interleaved in rounds
// for at least d, after a round of warm-up.
func (s *scorers) measure(ctx context.Context, subject candor.SubjectID, events []*candor.Event, at time.Time, d time.Duration) (measured, error) {
	in, err := opaInput(events, at)
	if err != nil {
		return measured{}, err
	}
	var warm, total measured // in ns, summed over the rounds
	if err := s.round(ctx, subject, events, at, in, &warm); err != nil {
		return measured{}, err
	}
	rounds := 0
	for start := time.Now(); rounds == 0 || time.Since(start) < d; rounds++ {
		if err := s.round(ctx, subject, events, at, in, &total); err != nil {
			return measured{}, err
		}
	}
	n := float64(rounds)
	return measured{engine: total.engine / (n * batch), hand: total.hand / (n * batch),
		opa: total.opa / (n * opaBatch), opaGoEx: total.opaGoEx / (n * opaBatch), input: total.input / n}, nil
}

// round runs one round of measure, adding the ns each took to sum.
func (s *scorers) round(ctx context.Context, subject candor.SubjectID, events []*candor.Event, at time.Time, in ast.Value, sum *measured) error {
	t0 := time.Now()
	for range batch {
		p, _, _ := s.engine.Points(subject, events, at)
		sink += p
	}
	t1 := time.Now()
	for range batch {
		p, _ := scorebench.HandCredit(events, at)
		sink += p
	}
	t2 := time.Now()
	var ts [2]time.Duration
	for k, pq := range []rego.PreparedEvalQuery{s.opa, s.opaGoEx} {
		t := time.Now()
		for range opaBatch {
			p, _, err := opaPoints(ctx, pq, in)
			if err != nil {
				return err
			}
			sink += p
		}
		ts[k] = time.Since(t)
	}
	t3 := time.Now()
	if _, err := opaInput(events, at); err != nil {
		return err
	}
	t4 := time.Now()
	sum.engine += float64(t1.Sub(t0))
	sum.hand += float64(t2.Sub(t1))
	sum.opa += float64(ts[0])
	sum.opaGoEx += float64(ts[1])
	sum.input += float64(t4.Sub(t3))
	return nil
}
