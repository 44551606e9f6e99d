package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/open-policy-agent/opa/v1/format"
	"github.com/open-policy-agent/opa/v1/rego"

	"github.com/candor-project/candor"
	"github.com/candor-project/candor/internal/scorebench"
)

// The engine, the hand-written function and both Rego versions agree on
// the 30-event person, the edge histories and a synthetic population: if
// the scorecard, the hand-written function or the Rego changes alone, this
// fails.
func TestAgree(t *testing.T) {
	ctx := context.Background()
	s, err := newScorers(ctx, policy)
	if err != nil {
		t.Fatal(err)
	}
	subject := candor.SubjectID{1}
	if _, _, err := s.agree(ctx, "the 30-event person", subject, scorebench.CreditHistory(subject), scorebench.HistoryAt); err != nil {
		t.Fatal(err)
	}
	if _, err := s.checkEdges(ctx); err != nil {
		t.Fatal(err)
	}
	if testing.Short() {
		t.Skip("generates a population")
	}
	st, err := s.checkPopulation(ctx, 2000, 20)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d of %d persons checked, %d scores; each rule counted in %d to %d", st.checked, st.persons, st.scores, st.minRule, st.maxRule)
}

// A disagreement is an error that names it.
func TestDisagreementNamed(t *testing.T) {
	ctx := context.Background()
	s, err := newScorers(ctx, strings.Replace(policy, "\t650,\n", "\t651,\n", 1)) // the base one point too high
	if err != nil {
		t.Fatal(err)
	}
	subject := candor.SubjectID{1}
	_, _, err = s.agree(ctx, "the 30-event person", subject, scorebench.CreditHistory(subject), scorebench.HistoryAt)
	if err == nil || !strings.Contains(err.Error(), "disagreement on the 30-event person (30 events) at 2026-11-24T00:00:00Z: engine 576 E, hand-written 576 E, OPA 577 E") {
		t.Fatalf("err = %v", err)
	}
}

// run checks, times and reports whether the targets are met.
func TestRun(t *testing.T) {
	if testing.Short() {
		t.Skip("generates a population")
	}
	var stdout, stderr bytes.Buffer
	if err := run(context.Background(), []string{"-duration", "1ms", "-check", "5"}, &stdout, &stderr); err != nil {
		t.Fatalf("%v\n%s", err, stderr.String())
	}
	for _, want := range []string{"576 points, grade E", "engine / hand-written", "OPA / engine", "target ≥ 100"} {
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, stdout.String())
		}
	}
}

// The Rego's grade bands are the scorecard's, at every number of points:
// the scores checked seldom land on a band's lowest points.
func TestGradeBands(t *testing.T) {
	ctx := context.Background()
	s, err := newScorers(ctx, policy)
	if err != nil {
		t.Fatal(err)
	}
	pq, err := rego.New(rego.Query("data.candor.consumer_credit.grade with data.candor.consumer_credit.points as input.points"),
		rego.Module("consumer_credit.rego", policy), rego.Module("decay.rego", decayRego)).PrepareForEval(ctx)
	if err != nil {
		t.Fatal(err)
	}
	sc := s.engine.Scorecard()
	for p := sc.Min; p <= sc.Max; p++ {
		rs, err := pq.Eval(ctx, rego.EvalInput(map[string]any{"points": p}))
		if err != nil || len(rs) != 1 {
			t.Fatalf("%d points: %v %v", p, rs, err)
		}
		if g := rs[0].Expressions[0].Value; g != sc.Grade(p) {
			t.Errorf("%d points: Rego grade %v, scorecard %s", p, g, sc.Grade(p))
		}
	}
}

// The Rego is as opa fmt writes it.
func TestRegoFormatted(t *testing.T) {
	for name, src := range map[string]string{"consumer_credit.rego": policy, "decay.rego": decayRego, "decay_go.rego": decayGo} {
		out, err := format.Source(name, []byte(src))
		if err != nil {
			t.Fatal(err)
		}
		if string(out) != src {
			t.Errorf("%s is not formatted as opa fmt would; it would be:\n%s", name, out)
		}
	}
}
