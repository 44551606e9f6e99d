package scoring_test

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/candor-project/candor"
	"github.com/candor-project/candor/scoring"
)

// testType has a field of every type; opt is optional; s, a reference, is
// never scorable.
var testType = &candor.EventType{
	Name: "test.event", Category: candor.CategoryCredit, SubjectKind: candor.Person,
	Fields: []candor.FieldSpec{
		{Name: "n", Type: candor.FieldInt, Required: true},
		{Name: "amount", Type: candor.FieldAmount, Required: true},
		{Name: "currency", Type: candor.FieldCurrency, Required: true},
		{Name: "day", Type: candor.FieldDate, Required: true},
		{Name: "kind", Type: candor.FieldEnum, Required: true, Values: []string{"a", "b", "c"}},
		{Name: "ok", Type: candor.FieldBool, Required: true},
		{Name: "s", Type: candor.FieldReference, Required: true, MaxLen: 10},
		{Name: "opt", Type: candor.FieldInt},
	},
}

// MustCondition compiles a condition that must be valid.
func MustCondition(tb testing.TB, src string) *scoring.Condition {
	tb.Helper()
	c, err := scoring.CompileCondition(src, []*candor.EventType{testType})
	if err != nil {
		tb.Fatalf("CompileCondition(%q): %v", src, err)
	}
	return c
}

// randomFields draws values near the constants the conditions use, leaving
// opt out half the time.
func randomFields(r *rand.Rand) []candor.Field {
	fs := []candor.Field{
		{Name: "n", Value: candor.Value{Type: candor.FieldInt, Int: int64(r.IntN(60))}},
		{Name: "amount", Value: candor.Value{Type: candor.FieldAmount, Int: int64(r.IntN(2_000_000))}},
		{Name: "currency", Value: candor.Value{Type: candor.FieldCurrency, Str: []string{"EUR", "USD", "GBP"}[r.IntN(3)]}},
		{Name: "day", Value: candor.Value{Type: candor.FieldDate, Int: 20500 + int64(r.IntN(60))}},
		{Name: "kind", Value: candor.Value{Type: candor.FieldEnum, Str: []string{"a", "b", "c"}[r.IntN(3)]}},
		{Name: "ok", Value: candor.Value{Type: candor.FieldBool, Int: int64(r.IntN(2))}},
		{Name: "s", Value: candor.Value{Type: candor.FieldReference, Str: []string{"", "x", "RELIGION: catholic"}[r.IntN(3)]}},
	}
	if r.IntN(2) == 0 {
		fs = append(fs, candor.Field{Name: "opt", Value: candor.Value{Type: candor.FieldInt, Int: int64(r.IntN(10))}})
	}
	r.Shuffle(len(fs), func(i, j int) { fs[i], fs[j] = fs[j], fs[i] })
	return fs
}

// atom returns a random comparison; native says whether the plain Go path
// should take it.
func atom(r *rand.Rand) (src string, native bool) {
	ops := []string{"==", "!=", "<", "<=", ">", ">="}
	op := ops[r.IntN(len(ops))]
	switch r.IntN(12) {
	case 0:
		return fmt.Sprintf("n %s %d", op, r.IntN(60)), true
	case 1:
		return fmt.Sprintf("%d %s n", r.IntN(60), op), true
	case 2:
		return fmt.Sprintf("amount %s %d.%02d", op, r.IntN(200), r.IntN(100)), true
	case 3:
		return fmt.Sprintf("currency %s %q", op, []string{"EUR", "USD", "CHF"}[r.IntN(3)]), true
	case 4:
		return fmt.Sprintf("day %s date(\"2026-%02d-%02d\")", op, 2+r.IntN(2), 1+r.IntN(28)), true
	case 5:
		return fmt.Sprintf("kind in [%q, %q]", []string{"a", "b", "c"}[r.IntN(3)], []string{"a", "b", "c"}[r.IntN(3)]), true
	case 6:
		return fmt.Sprintf("ok %s %v", op, r.IntN(2) == 0), true
	case 7:
		return fmt.Sprintf("currency %s %q", op, []string{"", "E", "EUQ", "GBP"}[r.IntN(4)]), true
	case 8:
		return fmt.Sprintf("opt %s %d", op, r.IntN(10)), true
	case 9:
		return fmt.Sprintf("n in [%d, %d, %d]", r.IntN(60), r.IntN(60), r.IntN(60)), true
	case 10:
		return "ok", true
	default: // shapes left to CEL
		return []string{"!(opt > 3)", "n + 1 > opt", "currency.startsWith(\"E\")", "size(currency) == 3", "n % 2 == 0", "!ok"}[r.IntN(6)], false
	}
}

// expr returns a random && / || tree of atoms.
func expr(r *rand.Rand, depth int) (string, bool) {
	if depth == 0 || r.IntN(3) == 0 {
		return atom(r)
	}
	l, ln := expr(r, depth-1)
	rt, rn := expr(r, depth-1)
	op := []string{"&&", "||"}[r.IntN(2)]
	return "(" + l + " " + op + " " + rt + ")", ln && rn
}

// The plain Go path and CEL must agree on every input, including events
// without the optional field.
func TestConditionNativeAgreesWithCEL(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	inputs := make([][]candor.Field, 300)
	for i := range inputs {
		inputs[i] = randomFields(r)
	}
	natives := 0
	for range 400 {
		src, native := expr(r, 3)
		c := MustCondition(t, src)
		if c.Native() != native {
			t.Errorf("%s: Native() = %v, want %v", src, c.Native(), native)
		}
		if c.Native() {
			natives++
		}
		trues := 0
		for _, fs := range inputs {
			got, want := c.Match(fs), c.MatchCEL(fs)
			if got != want {
				t.Fatalf("%s on %v: plain Go says %v, CEL %v", src, fs, got, want)
			}
			if got {
				trues++
			}
		}
		t.Logf("%-70s native=%v matches %d/%d", src, c.Native(), trues, len(inputs))
	}
	if natives < 100 {
		t.Errorf("only %d of 400 conditions ran natively", natives)
	}
}

func TestConditionShapes(t *testing.T) {
	tests := []struct {
		src    string
		native bool
		match  bool // on the fields below
	}{
		{"n >= 30", true, true},
		{"n > 30", true, false},
		{"amount > 100.0", true, true},
		{"amount == 120.5", true, true},
		{"kind == \"b\"", true, true},
		{"kind in [\"a\", \"c\"]", true, false},
		{"currency == \"EUR\" && n >= 30", true, true},
		{"opt > 1 || n == 30", true, true},  // opt absent: the other side decides
		{"opt > 1 && n == 30", true, false}, // opt absent: false
		{"!(opt > 1)", false, false},        // absent is not "not greater"
		{"day == date(\"2026-03-14\")", true, true},
		{"true", true, true},
		{"currency.startsWith(\"EU\")", false, true},
	}
	fs := []candor.Field{
		{Name: "n", Value: candor.Value{Type: candor.FieldInt, Int: 30}},
		{Name: "amount", Value: candor.Value{Type: candor.FieldAmount, Int: 1_205_000}},
		{Name: "currency", Value: candor.Value{Type: candor.FieldCurrency, Str: "EUR"}},
		{Name: "day", Value: candor.Value{Type: candor.FieldDate, Int: 20526}},
		{Name: "kind", Value: candor.Value{Type: candor.FieldEnum, Str: "b"}},
		{Name: "ok", Value: candor.Value{Type: candor.FieldBool, Int: 1}},
	}
	for _, tt := range tests {
		t.Run(tt.src, func(t *testing.T) {
			c := MustCondition(t, tt.src)
			if c.Native() != tt.native {
				t.Errorf("Native() = %v, want %v", c.Native(), tt.native)
			}
			if got := c.Match(fs); got != tt.match {
				t.Errorf("Match = %v, want %v", got, tt.match)
			}
			if got := c.MatchCEL(fs); got != tt.match {
				t.Errorf("MatchCEL = %v, want %v", got, tt.match)
			}
		})
	}
}

func TestConditionFieldTypeClash(t *testing.T) {
	other := &candor.EventType{Name: "test.other", Category: candor.CategoryCredit, SubjectKind: candor.Person,
		Fields: []candor.FieldSpec{{Name: "n", Type: candor.FieldCurrency}}}
	_, err := scoring.CompileCondition("n == 1", []*candor.EventType{testType, other})
	if err == nil || !strings.Contains(err.Error(), "field n is currency in test.other but int in another of the rule's types") {
		t.Fatalf("err = %v", err)
	}
}

// No condition reads a reference or text field, whatever it makes of it
// (issue 11, part 4): the closed catalogue must not leak through free text.
func TestConditionRefusesUnscorableFields(t *testing.T) {
	for _, src := range []string{
		`s == "x"`,
		`s.contains("MOSQUE")`,
		`s.matches("(?i)relig|ethnic|union")`,
		`size(s) > 3`,
		`n > 1 || s != ""`,
		`[s, "a"] == ["b", "a"]`,
		`{"k": s}["k"] == "x"`,
		`s.startsWith("HIV") && kind == "a"`,
	} {
		t.Run(src, func(t *testing.T) {
			_, err := scoring.CompileCondition(src, []*candor.EventType{testType})
			if err == nil || !strings.Contains(err.Error(), "s is a reference field: conditions may read only enums, numbers, amounts, currencies, dates and booleans") ||
				!strings.Contains(err.Error(), "(charter point 1)") {
				t.Fatalf("err = %v", err)
			}
		})
	}
	text := &candor.EventType{Name: "test.order", Category: candor.CategoryCourtOrder, SubjectKind: candor.Person,
		Fields: []candor.FieldSpec{{Name: "legal_basis", Type: candor.FieldText, MaxLen: 40}}}
	if _, err := scoring.CompileCondition(`legal_basis.contains("party")`, []*candor.EventType{text}); err == nil || !strings.Contains(err.Error(), "legal_basis is a text field") {
		t.Fatalf("a condition on a text field: %v", err)
	}
}
