package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/candor-project/candor"
	"github.com/candor-project/candor/scoring"
)

// loadScorecardArg loads a scorecard named by a published ID or a file.
func loadScorecardArg(arg string, cat *candor.Catalogue) (*candor.Scorecard, error) {
	if _, err := os.Stat(arg); err == nil {
		data, err := os.ReadFile(arg)
		if err != nil {
			return nil, err
		}
		c, err := scoring.Load(filepath.Base(arg), data, cat)
		if err != nil {
			return nil, err
		}
		return c.Scorecard(), nil
	}
	shipped, err := scoring.Shipped(cat)
	if err != nil {
		return nil, err
	}
	for _, c := range shipped {
		if c.Scorecard().ID == arg {
			return c.Scorecard(), nil
		}
	}
	return nil, fmt.Errorf("%q is neither a file nor a published scorecard", arg)
}

// ruleAttrs are the attributes of a rule that a diff compares, in the order
// it prints them.
var ruleAttrs = []attr[candor.Rule]{
	{"types", func(r *candor.Rule) string { return strings.Join(r.EventTypes, ", ") }},
	{"condition", func(r *candor.Rule) string { return r.Condition }},
	{"points", func(r *candor.Rule) string { return strconv.FormatFloat(r.Points, 'g', -1, 64) }},
	{"window", func(r *candor.Rule) string { return durationText(r.Window) }},
	{"decay", func(r *candor.Rule) string { return r.Decay.String() }},
	{"half_life", func(r *candor.Rule) string { return durationText(r.HalfLife) }},
	{"counting", func(r *candor.Rule) string { return r.Counting.String() + " " + strconv.Itoa(r.AtMost) }},
	{"cap", func(r *candor.Rule) string { return strconv.FormatFloat(r.Cap, 'g', -1, 64) }},
	{"reason_code", func(r *candor.Rule) string { return r.ReasonCode }},
	{"reason_text", func(r *candor.Rule) string { return r.ReasonText }},
	{"group", func(r *candor.Rule) string { return r.Group }},
	{"description", func(r *candor.Rule) string { return r.Description }},
}

// charAttrs are the attributes of a characteristic that a diff compares.
var charAttrs = []attr[candor.Characteristic]{
	{"types", func(c *candor.Characteristic) string { return strings.Join(c.EventTypes, ", ") }},
	{"condition", func(c *candor.Characteristic) string { return c.Condition }},
	{"aggregate", func(c *candor.Characteristic) string { return c.Aggregate.String() }},
	{"field", func(c *candor.Characteristic) string { return c.Field }},
	{"currency", func(c *candor.Characteristic) string { return c.Currency }},
	{"window", func(c *candor.Characteristic) string { return durationText(c.Window) }},
	{"bins", func(c *candor.Characteristic) string {
		parts := make([]string, len(c.Bins))
		for i := range c.Bins {
			parts[i] = fmt.Sprintf("%s: %d", c.Bins[i].String(), c.Bins[i].Points)
		}
		return strings.Join(parts, "; ")
	}},
	{"other", func(c *candor.Characteristic) string { return strconv.Itoa(c.Other) }},
	{"reason_code", func(c *candor.Characteristic) string { return c.ReasonCode }},
	{"reason_text", func(c *candor.Characteristic) string { return c.ReasonText }},
	{"description", func(c *candor.Characteristic) string { return c.Description }},
}

func durationText(d time.Duration) string {
	if d == 0 {
		return "-"
	}
	return candor.FormatRetention(d)
}

// printDiff writes what changes from a to b: scorecard attributes, bands,
// benefits, rules and characteristics (added, removed, changed attribute
// by attribute).
func printDiff(w io.Writer, a, b *candor.Scorecard) {
	changed := false
	line := func(format string, args ...any) {
		changed = true
		fmt.Fprintf(w, "  "+format+"\n", args...)
	}
	fmt.Fprintf(w, "%s v%d -> %s v%d\n", a.ID, a.Version, b.ID, b.Version)
	for _, attr := range []struct{ name, a, b string }{
		{"title", a.Title, b.Title},
		{"purpose", a.Purpose.String(), b.Purpose.String()},
		{"subject_kind", a.SubjectKind.String(), b.SubjectKind.String()},
		{"effective_from", a.EffectiveFrom.Format(time.DateOnly), b.EffectiveFrom.Format(time.DateOnly)},
		{"base", strconv.Itoa(a.Base), strconv.Itoa(b.Base)},
		{"range", fmt.Sprintf("%d-%d", a.Min, a.Max), fmt.Sprintf("%d-%d", b.Min, b.Max)},
		{"description", a.Description, b.Description},
	} {
		if attr.a != attr.b {
			line("%s: %q -> %q", attr.name, attr.a, attr.b)
		}
	}
	bands := func(s *candor.Scorecard) string {
		var parts []string
		for _, g := range s.Grades {
			parts = append(parts, fmt.Sprintf("%s>=%d", g.Grade, g.Min))
		}
		return strings.Join(parts, " ")
	}
	if bands(a) != bands(b) {
		line("grades: %s -> %s", bands(a), bands(b))
	}
	benefits := func(s *candor.Scorecard) string {
		var parts []string
		for _, x := range s.Benefits {
			parts = append(parts, x.Name+" at "+x.MinGrade)
		}
		return strings.Join(parts, ", ")
	}
	if benefits(a) != benefits(b) {
		line("benefits: %s -> %s", benefits(a), benefits(b))
	}
	diffParts(line, "rule", a.Rules, b.Rules, func(r *candor.Rule) string { return r.ID },
		func(r *candor.Rule) string { return r.ReasonText }, ruleAttrs,
		func(r *candor.Rule) string {
			return fmt.Sprintf("%s, %s points, types %s", r.ReasonText, ruleAttrs[2].get(r), ruleAttrs[0].get(r))
		})
	diffParts(line, "characteristic", a.Characteristics, b.Characteristics, func(c *candor.Characteristic) string { return c.ID },
		func(c *candor.Characteristic) string { return c.ReasonText }, charAttrs,
		func(c *candor.Characteristic) string {
			what := c.Aggregate.String()
			if c.Field != "" {
				what += " of " + c.Field
			}
			return fmt.Sprintf("%s, %s of %s, bins %s", c.ReasonText, what, charAttrs[0].get(c), charAttrs[6].get(c))
		})
	if !changed {
		fmt.Fprintln(w, "  no changes")
	}
}

// attr is one attribute of a rule or characteristic that a diff compares.
type attr[T any] struct {
	name string
	get  func(*T) string
}

// diffParts writes, through line, the parts (rules or characteristics, by
// id) that b removed from a, changed in one of attrs, or added.
func diffParts[T any](line func(string, ...any), kind string, a, b []T, id, reason func(*T) string, attrs []attr[T], added func(*T) string) {
	find := func(s []T, want string) *T {
		for i := range s {
			if id(&s[i]) == want {
				return &s[i]
			}
		}
		return nil
	}
	for i := range a {
		pa := &a[i]
		pb := find(b, id(pa))
		if pb == nil {
			line("%s %s: removed (%s)", kind, id(pa), reason(pa))
			continue
		}
		for _, at := range attrs {
			if va, vb := at.get(pa), at.get(pb); va != vb {
				line("%s %s: %s %q -> %q", kind, id(pa), at.name, va, vb)
			}
		}
	}
	for i := range b {
		if pb := &b[i]; find(a, id(pb)) == nil {
			line("%s %s: added: %s", kind, id(pb), added(pb))
		}
	}
}
