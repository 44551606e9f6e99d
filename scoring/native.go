package scoring

import (
	"fmt"
	"slices"
	"strings"

	celast "cel.dev/cel-go/common/ast"
	"cel.dev/cel-go/common/operators"
	"cel.dev/cel-go/common/types"

	"github.com/candor-project/candor"
)

// analysis walks a type-checked condition: check finds mistakes CEL's type
// checker lets through, native turns the common shapes into plain Go.
type analysis struct {
	vars   map[string]*variable
	info   *celast.SourceInfo
	issues []ConditionIssue
}

func (a *analysis) issue(e celast.Expr, format string, args ...any) {
	loc := a.info.GetStartLocation(e.ID())
	a.issues = append(a.issues, ConditionIssue{Line: max(loc.Line(), 1), Column: max(loc.Column(), 0) + 1, Message: fmt.Sprintf(format, args...)})
}

// check reports date() calls whose argument is not a valid date literal and
// enum fields compared with words they cannot hold (a typo would otherwise
// make a rule silently never match).
func (a *analysis) check(e celast.Expr) {
	switch e.Kind() {
	case celast.CallKind:
		call := e.AsCall()
		args := call.Args()
		switch fn := call.FunctionName(); {
		case fn == "date":
			if s, ok := stringLiteral(args[0]); !ok {
				a.issue(e, "date() takes a literal date like date(\"2026-03-14\")")
			} else if _, ok := dateDays(s); !ok {
				a.issue(args[0], "%q is not a date like 2026-03-14", s)
			}
		case len(args) == 2 && isComparison(fn):
			a.checkEnum(args[0], args[1])
			a.checkEnum(args[1], args[0])
		case fn == operators.In && len(args) == 2 && args[1].Kind() == celast.ListKind:
			for _, el := range args[1].AsList().Elements() {
				a.checkEnum(args[0], el)
			}
		}
		if call.IsMemberFunction() {
			a.check(call.Target())
		}
		for _, arg := range args {
			a.check(arg)
		}
	case celast.ListKind:
		for _, el := range e.AsList().Elements() {
			a.check(el)
		}
	case celast.SelectKind:
		a.check(e.AsSelect().Operand())
	case celast.MapKind:
		for _, en := range e.AsMap().Entries() {
			a.check(en.AsMapEntry().Key())
			a.check(en.AsMapEntry().Value())
		}
	}
}

// checkScorable reports every read of a field that is not scorable: text
// and references are never read by a condition, whatever it does with
// them (charter point 1).
func (a *analysis) checkScorable(e celast.Expr) {
	switch e.Kind() {
	case celast.IdentKind:
		if v := a.vars[e.AsIdent()]; v != nil && !v.typ.Scorable() {
			a.issue(e, "%s is a %s field: conditions may read only enums, numbers, amounts, currencies, dates and booleans, never free text or references (charter point 1)",
				e.AsIdent(), v.typ)
		}
	case celast.CallKind:
		call := e.AsCall()
		if call.IsMemberFunction() {
			a.checkScorable(call.Target())
		}
		for _, arg := range call.Args() {
			a.checkScorable(arg)
		}
	case celast.ListKind:
		for _, el := range e.AsList().Elements() {
			a.checkScorable(el)
		}
	case celast.SelectKind:
		a.checkScorable(e.AsSelect().Operand())
	case celast.MapKind:
		for _, en := range e.AsMap().Entries() {
			a.checkScorable(en.AsMapEntry().Key())
			a.checkScorable(en.AsMapEntry().Value())
		}
	case celast.StructKind:
		for _, f := range e.AsStruct().Fields() {
			a.checkScorable(f.AsStructField().Value())
		}
	}
}

func (a *analysis) checkEnum(field, lit celast.Expr) {
	if field.Kind() != celast.IdentKind {
		return
	}
	v := a.vars[field.AsIdent()]
	s, ok := stringLiteral(lit)
	if v == nil || v.typ != candor.FieldEnum || !ok || slices.Contains(v.values, s) {
		return
	}
	a.issue(lit, "%s is one of %s; %q is not among them", field.AsIdent(), strings.Join(v.values, ", "), s)
}

func isComparison(fn string) bool {
	switch fn {
	case operators.Equals, operators.NotEquals, operators.Less, operators.LessEquals, operators.Greater, operators.GreaterEquals:
		return true
	}
	return false
}

func stringLiteral(e celast.Expr) (string, bool) {
	if e.Kind() != celast.LiteralKind {
		return "", false
	}
	s, ok := e.AsLiteral().(types.String)
	return string(s), ok
}

// pred is a condition in plain Go.
type pred = func([]candor.Field) bool

// lookup returns the value of the field named name.
func lookup(fs []candor.Field, name string) (candor.Value, bool) {
	for i := range fs {
		if fs[i].Name == name {
			return fs[i].Value, true
		}
	}
	return candor.Value{}, false
}

// native returns e as plain Go if it is one of the shapes it knows: a field
// compared with a constant, a field in a list of constants, a bool field, a
// bool literal, and && and || of those. Negation is left to CEL: a field an
// event lacks makes CEL's answer an error, not false, and !error is not
// true; && and || treat an error as CEL does when it is read as false.
func (a *analysis) native(e celast.Expr) (pred, bool) {
	switch e.Kind() {
	case celast.LiteralKind:
		b, ok := e.AsLiteral().(types.Bool)
		return func([]candor.Field) bool { return bool(b) }, ok
	case celast.IdentKind:
		name := e.AsIdent()
		if v := a.vars[name]; v == nil || v.typ != candor.FieldBool {
			return nil, false
		}
		return func(fs []candor.Field) bool {
			v, ok := lookup(fs, name)
			return ok && v.Type == candor.FieldBool && v.Int != 0
		}, true
	case celast.CallKind:
	default:
		return nil, false
	}
	call := e.AsCall()
	args := call.Args()
	if call.IsMemberFunction() || len(args) != 2 {
		return nil, false
	}
	switch fn := call.FunctionName(); {
	case fn == operators.LogicalAnd || fn == operators.LogicalOr:
		l, ok1 := a.native(args[0])
		r, ok2 := a.native(args[1])
		if !ok1 || !ok2 {
			return nil, false
		}
		if fn == operators.LogicalAnd {
			return func(fs []candor.Field) bool { return l(fs) && r(fs) }, true
		}
		return func(fs []candor.Field) bool { return l(fs) || r(fs) }, true
	case isComparison(fn):
		if args[0].Kind() == celast.IdentKind {
			return a.compare(args[0].AsIdent(), fn, args[1])
		}
		if args[1].Kind() == celast.IdentKind {
			return a.compare(args[1].AsIdent(), flip(fn), args[0])
		}
	case fn == operators.In && args[0].Kind() == celast.IdentKind && args[1].Kind() == celast.ListKind:
		return a.in(args[0].AsIdent(), args[1].AsList().Elements())
	}
	return nil, false
}

// flip turns "c op x" into "x flip(op) c".
func flip(fn string) string {
	switch fn {
	case operators.Less:
		return operators.Greater
	case operators.LessEquals:
		return operators.GreaterEquals
	case operators.Greater:
		return operators.Less
	case operators.GreaterEquals:
		return operators.LessEquals
	}
	return fn
}

// constant is a literal as the field's representation compares it.
type constant struct {
	i int64   // int, date, bool (0 or 1)
	f float64 // amount
	s string  // currency, enum, string
}

// constantFor returns e as a constant of the variable's type, if it is a
// literal (or a date() of one) of that type.
func (a *analysis) constantFor(v *variable, e celast.Expr) (constant, bool) {
	if v.typ == candor.FieldDate && e.Kind() == celast.CallKind && e.AsCall().FunctionName() == "date" {
		s, ok := stringLiteral(e.AsCall().Args()[0])
		if !ok {
			return constant{}, false
		}
		d, ok := dateDays(s)
		return constant{i: d}, ok
	}
	if e.Kind() != celast.LiteralKind {
		return constant{}, false
	}
	switch lit := e.AsLiteral().(type) {
	case types.Int:
		return constant{i: int64(lit)}, v.typ == candor.FieldInt || v.typ == candor.FieldDate
	case types.Double:
		return constant{f: float64(lit)}, v.typ == candor.FieldAmount
	case types.String:
		return constant{s: string(lit)}, v.typ == candor.FieldCurrency || v.typ == candor.FieldEnum
	case types.Bool:
		c := constant{}
		if lit {
			c.i = 1
		}
		return c, v.typ == candor.FieldBool
	}
	return constant{}, false
}

func (a *analysis) compare(name, fn string, lit celast.Expr) (pred, bool) {
	v := a.vars[name]
	if v == nil {
		return nil, false
	}
	c, ok := a.constantFor(v, lit)
	if !ok {
		return nil, false
	}
	typ := v.typ
	switch typ {
	case candor.FieldInt, candor.FieldDate, candor.FieldBool:
		cmp := intOp(fn, c.i)
		return func(fs []candor.Field) bool {
			v, ok := lookup(fs, name)
			return ok && v.Type == typ && cmp(v.Int)
		}, cmp != nil
	case candor.FieldAmount:
		cmp := floatOp(fn, c.f)
		return func(fs []candor.Field) bool {
			v, ok := lookup(fs, name)
			return ok && v.Type == typ && cmp(float64(v.Int)/candor.AmountScale)
		}, cmp != nil
	default:
		cmp := stringOp(fn, c.s)
		return func(fs []candor.Field) bool {
			v, ok := lookup(fs, name)
			return ok && v.Type == typ && cmp(v.Str)
		}, cmp != nil
	}
}

func (a *analysis) in(name string, elems []celast.Expr) (pred, bool) {
	v := a.vars[name]
	if v == nil {
		return nil, false
	}
	cs := make([]constant, len(elems))
	for i, el := range elems {
		c, ok := a.constantFor(v, el)
		if !ok {
			return nil, false
		}
		cs[i] = c
	}
	typ := v.typ
	switch typ {
	case candor.FieldInt, candor.FieldDate, candor.FieldBool:
		set := make([]int64, len(cs))
		for i, c := range cs {
			set[i] = c.i
		}
		return func(fs []candor.Field) bool {
			v, ok := lookup(fs, name)
			return ok && v.Type == typ && slices.Contains(set, v.Int)
		}, true
	case candor.FieldAmount:
		set := make([]float64, len(cs))
		for i, c := range cs {
			set[i] = c.f
		}
		return func(fs []candor.Field) bool {
			v, ok := lookup(fs, name)
			return ok && v.Type == typ && slices.Contains(set, float64(v.Int)/candor.AmountScale)
		}, true
	default:
		set := make([]string, len(cs))
		for i, c := range cs {
			set[i] = c.s
		}
		return func(fs []candor.Field) bool {
			v, ok := lookup(fs, name)
			return ok && v.Type == typ && slices.Contains(set, v.Str)
		}, true
	}
}

func intOp(fn string, c int64) func(int64) bool {
	switch fn {
	case operators.Equals:
		return func(x int64) bool { return x == c }
	case operators.NotEquals:
		return func(x int64) bool { return x != c }
	case operators.Less:
		return func(x int64) bool { return x < c }
	case operators.LessEquals:
		return func(x int64) bool { return x <= c }
	case operators.Greater:
		return func(x int64) bool { return x > c }
	case operators.GreaterEquals:
		return func(x int64) bool { return x >= c }
	}
	return nil
}

func floatOp(fn string, c float64) func(float64) bool {
	switch fn {
	case operators.Equals:
		return func(x float64) bool { return x == c }
	case operators.NotEquals:
		return func(x float64) bool { return x != c }
	case operators.Less:
		return func(x float64) bool { return x < c }
	case operators.LessEquals:
		return func(x float64) bool { return x <= c }
	case operators.Greater:
		return func(x float64) bool { return x > c }
	case operators.GreaterEquals:
		return func(x float64) bool { return x >= c }
	}
	return nil
}

func stringOp(fn string, c string) func(string) bool {
	switch fn {
	case operators.Equals:
		return func(x string) bool { return x == c }
	case operators.NotEquals:
		return func(x string) bool { return x != c }
	case operators.Less:
		return func(x string) bool { return x < c }
	case operators.LessEquals:
		return func(x string) bool { return x <= c }
	case operators.Greater:
		return func(x string) bool { return x > c }
	case operators.GreaterEquals:
		return func(x string) bool { return x >= c }
	}
	return nil
}
