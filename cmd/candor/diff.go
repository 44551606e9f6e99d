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
var ruleAttrs = []struct {
	name string
	get  func(r *candor.Rule) string
}{
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
var charAttrs = []struct {
	name string
	get  func(c *candor.Characteristic) string
}{
	{"types", func(c *candor.Characteristic) string { return strings.Join(c.EventTypes, ", ") }},
	{"condition", func(c *candor.Characteristic) string { return c.Condition }},
	{"aggregate", func(c *candor.Characteristic) string { return c.Aggregate.String() }},
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
	find := func(s *candor.Scorecard, id string) *candor.Rule {
		for i := range s.Rules {
			if s.Rules[i].ID == id {
				return &s.Rules[i]
			}
		}
		return nil
	}
	for i := range a.Rules {
		ra := &a.Rules[i]
		rb := find(b, ra.ID)
		if rb == nil {
			line("rule %s: removed (%s)", ra.ID, ra.ReasonText)
			continue
		}
		for _, attr := range ruleAttrs {
			if va, vb := attr.get(ra), attr.get(rb); va != vb {
				line("rule %s: %s %q -> %q", ra.ID, attr.name, va, vb)
			}
		}
	}
	for i := range b.Rules {
		if rb := &b.Rules[i]; find(a, rb.ID) == nil {
			line("rule %s: added: %s, %s points, types %s", rb.ID, rb.ReasonText, ruleAttrs[2].get(rb), ruleAttrs[0].get(rb))
		}
	}
	findChar := func(s *candor.Scorecard, id string) *candor.Characteristic {
		for i := range s.Characteristics {
			if s.Characteristics[i].ID == id {
				return &s.Characteristics[i]
			}
		}
		return nil
	}
	for i := range a.Characteristics {
		ca := &a.Characteristics[i]
		cb := findChar(b, ca.ID)
		if cb == nil {
			line("characteristic %s: removed (%s)", ca.ID, ca.ReasonText)
			continue
		}
		for _, attr := range charAttrs {
			if va, vb := attr.get(ca), attr.get(cb); va != vb {
				line("characteristic %s: %s %q -> %q", ca.ID, attr.name, va, vb)
			}
		}
	}
	for i := range b.Characteristics {
		if cb := &b.Characteristics[i]; findChar(a, cb.ID) == nil {
			line("characteristic %s: added: %s, %s of %s, bins %s", cb.ID, cb.ReasonText, cb.Aggregate, charAttrs[0].get(cb), charAttrs[4].get(cb))
		}
	}
	if !changed {
		fmt.Fprintln(w, "  no changes")
	}
}
