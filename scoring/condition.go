package scoring

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"cel.dev/cel-go/cel"
	"cel.dev/cel-go/common/types"
	"cel.dev/cel-go/common/types/ref"
	"cel.dev/cel-go/interpreter"

	"github.com/candor-project/candor"
)

// MaxConditionLen bounds the source of a condition, in bytes.
const MaxConditionLen = 2000

// Condition is a compiled rule condition: a CEL expression over the fields
// of one event, true when the event counts.
//
// Each field of the rule's event types is a variable of the CEL type its
// field type maps to:
//
//	int                       int
//	amount                    double, in currency units (ten-thousandths are exact below 2^53)
//	currency, enum            string
//	date                      int, days since 1970-01-01; date("2026-03-14") gives the day of a date
//	bool                      bool
//
// Text and reference fields are not scorable (candor.FieldType.Scorable):
// a condition that reads one is refused, with the charter point it breaks.
//
// date is the only function beyond CEL's standard ones, and takes a string
// literal. A condition that reads a field the event does not carry (an
// optional field left out) is false, as is one whose evaluation fails.
//
// Conditions of the common shapes — a field compared with a constant, a
// field in a list of constants, and && and || of those — run as plain Go;
// anything else runs as a CEL program. Both give the same answer.
type Condition struct {
	src  string
	fast func([]candor.Field) bool // nil when the shape is not recognised
	prog cel.Program
}

// ConditionIssue is one problem with a condition's source, at a 1-based
// line and column within it.
type ConditionIssue struct {
	Line, Column int
	Message      string
}

// ConditionError lists what is wrong with a condition.
type ConditionError struct {
	Issues []ConditionIssue
}

func (e *ConditionError) Error() string {
	ms := make([]string, len(e.Issues))
	for i, is := range e.Issues {
		ms[i] = fmt.Sprintf("%d:%d: %s", is.Line, is.Column, is.Message)
	}
	return "condition: " + strings.Join(ms, "; ")
}

// variable is what a condition may read: one field name of the rule's types.
type variable struct {
	typ    candor.FieldType
	values []string // enum: the allowed words of every type declaring it
}

// CompileCondition compiles src over the fields of types. It returns a
// *ConditionError if src does not parse, names anything but those fields
// and the date helper, reads a text or reference field, does not
// type-check against the field types, is not
// boolean, compares an enum field with a word it cannot hold, or if two of
// the types declare one field name with different types.
func CompileCondition(src string, types []*candor.EventType) (*Condition, error) {
	vars, issues := variables(types)
	if len(issues) > 0 {
		return nil, &ConditionError{Issues: issues}
	}
	return compileCondition(src, vars)
}

func variables(ts []*candor.EventType) (map[string]*variable, []ConditionIssue) {
	vars := map[string]*variable{}
	var issues []ConditionIssue
	for _, t := range ts {
		for _, f := range t.Fields {
			v := vars[f.Name]
			switch {
			case v == nil:
				vars[f.Name] = &variable{typ: f.Type, values: slices.Clone(f.Values)}
			case celType(v.typ) != celType(f.Type):
				issues = append(issues, ConditionIssue{Line: 1, Column: 1, Message: fmt.Sprintf(
					"field %s is %s in %s but %s in another of the rule's types: split the rule", f.Name, f.Type, t.Name, v.typ)})
			default:
				for _, w := range f.Values {
					if !slices.Contains(v.values, w) {
						v.values = append(v.values, w)
					}
				}
			}
		}
	}
	return vars, issues
}

func celType(t candor.FieldType) *cel.Type {
	switch t {
	case candor.FieldInt, candor.FieldDate:
		return cel.IntType
	case candor.FieldAmount:
		return cel.DoubleType
	case candor.FieldBool:
		return cel.BoolType
	}
	return cel.StringType
}

// celValue is v as the CEL variable of its field.
func celValue(v candor.Value) any {
	switch v.Type {
	case candor.FieldInt, candor.FieldDate:
		return v.Int
	case candor.FieldAmount:
		return float64(v.Int) / candor.AmountScale
	case candor.FieldBool:
		return v.Int != 0
	}
	return v.Str
}

// dateDays parses a date literal into days since 1970-01-01.
func dateDays(s string) (int64, bool) {
	d, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return 0, false
	}
	return d.Unix() / 86400, true
}

var dateFunction = cel.Function("date",
	cel.Overload("date_string", []*cel.Type{cel.StringType}, cel.IntType,
		cel.UnaryBinding(func(v ref.Val) ref.Val {
			s, ok := v.Value().(string)
			if !ok {
				return types.NewErr("date: want a string")
			}
			d, ok := dateDays(s)
			if !ok {
				return types.NewErr("date: want YYYY-MM-DD")
			}
			return types.Int(d)
		})))

func compileCondition(src string, vars map[string]*variable) (*Condition, error) {
	if len(src) > MaxConditionLen {
		return nil, &ConditionError{Issues: []ConditionIssue{{1, 1, fmt.Sprintf("longer than %d bytes", MaxConditionLen)}}}
	}
	opts := []cel.EnvOption{
		cel.ClearMacros(), // fields are scalars: no has(), all(), exists() or map()
		cel.ParserRecursionLimit(50),
		cel.ParserExpressionSizeLimit(500),
		dateFunction,
	}
	names := make([]string, 0, len(vars))
	for name := range vars {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		opts = append(opts, cel.Variable(name, celType(vars[name].typ)))
	}
	env, err := cel.NewEnv(opts...)
	if err != nil {
		return nil, fmt.Errorf("condition: %w", err)
	}
	parsed, iss := env.Parse(src)
	if iss.Err() == nil {
		// Before type-checking, so that a read of text or a reference is
		// refused for what it is, whatever the expression makes of it.
		a := &analysis{vars: vars, info: parsed.NativeRep().SourceInfo()}
		if a.checkScorable(parsed.NativeRep().Expr()); len(a.issues) > 0 {
			return nil, &ConditionError{Issues: a.issues}
		}
	}
	ast, iss := env.Compile(src)
	if iss.Err() != nil {
		var issues []ConditionIssue
		for _, e := range iss.Errors() {
			issues = append(issues, ConditionIssue{Line: e.Location.Line(), Column: e.Location.Column() + 1,
				Message: strings.TrimSuffix(e.Message, " (in container '')")})
		}
		return nil, &ConditionError{Issues: issues}
	}
	if out := ast.OutputType(); !out.IsExactType(cel.BoolType) {
		return nil, &ConditionError{Issues: []ConditionIssue{{1, 1, fmt.Sprintf("must be true or false, but is %s", out)}}}
	}
	a := &analysis{vars: vars, info: ast.NativeRep().SourceInfo()}
	a.check(ast.NativeRep().Expr())
	if len(a.issues) > 0 {
		return nil, &ConditionError{Issues: a.issues}
	}
	prog, err := env.Program(ast, cel.EvalOptions(cel.OptOptimize))
	if err != nil {
		return nil, &ConditionError{Issues: []ConditionIssue{{1, 1, err.Error()}}}
	}
	c := &Condition{src: src, prog: prog}
	c.fast, _ = a.native(ast.NativeRep().Expr())
	return c, nil
}

// String returns the condition's source.
func (c *Condition) String() string { return c.src }

// Native reports whether the condition runs as plain Go rather than CEL.
func (c *Condition) Native() bool { return c.fast != nil }

// Match reports whether an event with fields fs satisfies the condition.
func (c *Condition) Match(fs []candor.Field) bool {
	if c.fast != nil {
		return c.fast(fs)
	}
	return c.MatchCEL(fs)
}

// MatchCEL is Match always run by the CEL program: the reference the plain
// Go path is tested against.
func (c *Condition) MatchCEL(fs []candor.Field) bool {
	out, _, err := c.prog.Eval(activation(fs))
	if err != nil {
		return false
	}
	b, ok := out.(types.Bool)
	return ok && bool(b)
}

// activation resolves CEL variables from an event's fields without building
// a map.
type activation []candor.Field

func (a activation) ResolveName(name string) (any, bool) {
	for i := range a {
		if a[i].Name == name {
			return celValue(a[i].Value), true
		}
	}
	return nil, false
}

func (activation) Parent() interpreter.Activation { return nil }
