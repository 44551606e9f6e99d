package scoring

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/candor-project/candor/internal/yamldoc"
	"go.yaml.in/yaml/v3"

	"github.com/candor-project/candor"
)

// MaxFileSize bounds a scorecard file.
const MaxFileSize = 1 << 20

// Load parses data, the scorecard file called name, and compiles it against
// cat. Decoding is strict: an unknown key, a key given twice, a value of the
// wrong shape, an alias, a second document, anything Scorecard.Validate
// refuses, or a condition that does not compile is an error. The error is a
// *candor.Error with code EINVALID whose details list every problem, each
// reason reading "name:line[:column]: rule ID: key: what is wrong". Load
// never panics.
func Load(name string, data []byte, cat *candor.Catalogue) (*Compiled, error) {
	p := &parser{file: name}
	sc := p.parse(data)
	if len(p.problems) > 0 {
		return nil, p.err()
	}
	return compile(sc, cat, p)
}

// parser decodes a scorecard file and remembers where each key was, for
// messages about the decoded scorecard.
type parser struct {
	file     string
	text     []string // the file's lines, for positions in block scalars
	problems []candor.Problem

	lines     map[string]int   // top-level key -> line
	ruleLines []map[string]int // per rule: key -> line ("" for the rule itself)
	conds     []*yaml.Node     // per rule: the condition's node, or nil
	// chars is set when the file has characteristics instead of rules:
	// rule indexes in messages are then characteristics'.
	chars bool
}

func (p *parser) err() error {
	msg := fmt.Sprintf("invalid scorecard %s: %d problems", p.file, len(p.problems))
	if len(p.problems) == 1 {
		msg = fmt.Sprintf("invalid scorecard %s", p.file)
	}
	return &candor.Error{Code: candor.EINVALID, Message: msg, Details: p.problems}
}

// add records a problem at line; rule is the rule's index or -1, and field
// the key concerned.
func (p *parser) add(line, rule int, ruleID, field, format string, args ...any) {
	p.addPos(line, 0, rule, ruleID, field, format, args...)
}

// addPos is add with a column (from 1; 0 for none).
func (p *parser) addPos(line, col, rule int, ruleID, field, format string, args ...any) {
	var b strings.Builder
	b.WriteString(p.file)
	if line > 0 {
		b.WriteString(":" + strconv.Itoa(line))
		if col > 0 {
			b.WriteString(":" + strconv.Itoa(col))
		}
	}
	b.WriteString(": ")
	path := field
	if rule >= 0 {
		if ruleID == "" {
			ruleID = "#" + strconv.Itoa(rule+1)
		}
		unit, key := "rule", "rules."
		if p.chars {
			unit, key = "characteristic", "characteristics."
		}
		fmt.Fprintf(&b, "%s %s: ", unit, ruleID)
		path = key + strconv.Itoa(rule)
		if field != "" {
			path += "." + field
		}
	}
	if field != "" {
		b.WriteString(field + ": ")
	}
	fmt.Fprintf(&b, format, args...)
	p.problems = append(p.problems, candor.Problem{Field: path, Reason: b.String()})
}

// at is add at a node.
func (p *parser) at(n *yaml.Node, rule int, ruleID, field, format string, args ...any) {
	p.add(n.Line, rule, ruleID, field, format, args...)
}

// lineOf returns the line of a key of the scorecard (rule -1) or of a rule.
func (p *parser) lineOf(rule int, field string) int {
	if rule < 0 {
		return p.lines[field]
	}
	if rule < len(p.ruleLines) {
		if l, ok := p.ruleLines[rule][field]; ok {
			return l
		}
		return p.ruleLines[rule][""]
	}
	return 0
}

func (p *parser) parse(data []byte) *candor.Scorecard {
	sc := &candor.Scorecard{}
	p.lines = map[string]int{}
	if len(data) > MaxFileSize {
		p.add(0, -1, "", "", "larger than %d bytes", MaxFileSize)
		return sc
	}
	if !utf8.Valid(data) {
		p.add(0, -1, "", "", "not valid UTF-8")
		return sc
	}
	p.text = strings.Split(string(data), "\n")
	root := p.document(data)
	if root == nil {
		return sc
	}
	if root.Kind != yaml.MappingNode {
		p.at(root, -1, "", "", "want a mapping of id, title, purpose, ... at the top level")
		return sc
	}
	const keys = "id, title, description, purpose, subject_kind, version, effective_from, base, min, max, grades, benefits, rules, characteristics"
	p.mapping(root, -1, "", keys, func(key string, v *yaml.Node) bool {
		p.lines[key] = v.Line
		switch key {
		case "id":
			sc.ID = p.str(v, -1, "", key)
		case "title":
			sc.Title = p.str(v, -1, "", key)
		case "description":
			sc.Description = p.str(v, -1, "", key)
		case "purpose":
			s := p.str(v, -1, "", key)
			pu, ok := candor.ParsePurpose(s)
			if !ok {
				p.at(v, -1, "", key, "unknown purpose %q", truncate(s))
			}
			sc.Purpose = pu
		case "subject_kind":
			s := p.str(v, -1, "", key)
			k, ok := candor.ParseSubjectKind(s)
			if !ok {
				p.at(v, -1, "", key, "must be person or organisation, not %q", truncate(s))
			}
			sc.SubjectKind = k
		case "version":
			sc.Version = p.int(v, -1, "", key)
		case "effective_from":
			s := p.str(v, -1, "", key)
			d, err := time.Parse(time.DateOnly, s)
			if err != nil {
				p.at(v, -1, "", key, "must be a date like 2026-03-14")
			}
			sc.EffectiveFrom = d
		case "base":
			sc.Base = p.int(v, -1, "", key)
		case "min":
			sc.Min = p.int(v, -1, "", key)
		case "max":
			sc.Max = p.int(v, -1, "", key)
		case "grades":
			sc.Grades = p.grades(v)
		case "benefits":
			sc.Benefits = p.benefits(v)
		case "rules":
			sc.Rules = p.rules(v)
		case "characteristics":
			sc.Characteristics = p.characteristics(v)
		default:
			return false
		}
		return true
	})
	for _, k := range []string{"id", "title", "purpose", "subject_kind", "version", "effective_from", "base", "min", "max", "grades"} {
		if _, ok := p.lines[k]; !ok {
			p.add(root.Line, -1, "", k, "required")
		}
	}
	_, rules := p.lines["rules"]
	_, chars := p.lines["characteristics"]
	switch {
	case rules && chars:
		p.add(p.lines["characteristics"], -1, "", "characteristics", "a scorecard has rules or characteristics, not both")
	case !rules && !chars:
		p.add(root.Line, -1, "", "rules", "required (or characteristics)")
	}
	return sc
}

// document decodes the one YAML document in data, refusing aliases and a
// second document. It returns nil after recording a problem.
func (p *parser) document(data []byte) *yaml.Node {
	root, prob := yamldoc.Parse(data)
	switch {
	case prob != nil:
		p.add(prob.Line, -1, "", "", "%s", prob.What)
	case root == nil:
		p.add(0, -1, "", "", "empty file")
	}
	return root
}

// mapping calls use for each key of n; use reports whether it knows the key.
func (p *parser) mapping(n *yaml.Node, rule int, ruleID, want string, use func(key string, v *yaml.Node) bool) {
	seen := map[string]int{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Kind != yaml.ScalarNode || k.Tag == "!!merge" {
			p.at(k, rule, ruleID, "", "keys must be plain words")
			continue
		}
		if line, dup := seen[k.Value]; dup {
			p.at(k, rule, ruleID, "", "key %q given twice (first at line %d)", truncate(k.Value), line)
			continue
		}
		seen[k.Value] = k.Line
		if !use(k.Value, v) {
			p.at(k, rule, ruleID, "", "unknown key %q (want %s)", truncate(k.Value), want)
		}
	}
}

func (p *parser) str(v *yaml.Node, rule int, ruleID, field string) string {
	if v.Kind != yaml.ScalarNode || v.Tag == "!!null" {
		p.at(v, rule, ruleID, field, "want a single value")
		return ""
	}
	return v.Value
}

func (p *parser) int(v *yaml.Node, rule int, ruleID, field string) int {
	s := p.str(v, rule, ruleID, field)
	n, err := strconv.Atoi(s)
	if s != "" && (err != nil || n < -candor.MaxPoints*10 || n > candor.MaxPoints*10) {
		p.at(v, rule, ruleID, field, "want a whole number, not %q", truncate(s))
	}
	return n
}

func (p *parser) float(v *yaml.Node, rule int, ruleID, field string) float64 {
	s := p.str(v, rule, ruleID, field)
	f, err := strconv.ParseFloat(s, 64)
	if s != "" && (err != nil || math.IsNaN(f) || math.IsInf(f, 0)) {
		p.at(v, rule, ruleID, field, "want a number, not %q", truncate(s))
		return 0
	}
	return f
}

func (p *parser) list(v *yaml.Node, rule int, ruleID, field string) []*yaml.Node {
	if v.Kind != yaml.SequenceNode {
		p.at(v, rule, ruleID, field, "want a list")
		return nil
	}
	return v.Content
}

func (p *parser) grades(v *yaml.Node) []candor.GradeBand {
	var out []candor.GradeBand
	for _, n := range p.list(v, -1, "", "grades") {
		if n.Kind != yaml.MappingNode {
			p.at(n, -1, "", "grades", "each band is a mapping of grade, min and description")
			continue
		}
		var b candor.GradeBand
		p.mapping(n, -1, "", "grade, min, description", func(key string, v *yaml.Node) bool {
			switch key {
			case "grade":
				b.Grade = p.str(v, -1, "", "grades")
			case "min":
				b.Min = p.int(v, -1, "", "grades")
			case "description":
				b.Description = p.str(v, -1, "", "grades")
			default:
				return false
			}
			return true
		})
		out = append(out, b)
	}
	return out
}

func (p *parser) benefits(v *yaml.Node) []candor.Benefit {
	var out []candor.Benefit
	for _, n := range p.list(v, -1, "", "benefits") {
		if n.Kind != yaml.MappingNode {
			p.at(n, -1, "", "benefits", "each benefit is a mapping of name, min_grade and description")
			continue
		}
		var b candor.Benefit
		p.mapping(n, -1, "", "name, min_grade, description", func(key string, v *yaml.Node) bool {
			switch key {
			case "name":
				b.Name = p.str(v, -1, "", "benefits")
			case "min_grade":
				b.MinGrade = p.str(v, -1, "", "benefits")
			case "description":
				b.Description = p.str(v, -1, "", "benefits")
			default:
				return false
			}
			return true
		})
		out = append(out, b)
	}
	return out
}

const ruleKeys = "id, description, types, condition, points, window, decay, counting, cap, reason_code, reason_text, action, group"

func (p *parser) rules(v *yaml.Node) []candor.Rule {
	nodes := p.list(v, -1, "", "rules")
	out := make([]candor.Rule, len(nodes))
	p.ruleLines = make([]map[string]int, len(nodes))
	p.conds = make([]*yaml.Node, len(nodes))
	for i, n := range nodes {
		r := &out[i]
		r.Decay, r.Counting = candor.DecayNone, candor.CountEvery
		lines := map[string]int{"": n.Line}
		p.ruleLines[i] = lines
		if n.Kind != yaml.MappingNode {
			p.at(n, i, "", "", "each rule is a mapping of %s", ruleKeys)
			continue
		}
		// The ID first, so that every message about the rule can name it.
		r.ID = idOf(n)
		id := truncate(r.ID)
		p.mapping(n, i, id, ruleKeys, func(key string, v *yaml.Node) bool {
			lines[key] = v.Line
			switch key {
			case "id":
				p.str(v, i, id, key)
			case "description":
				r.Description = p.str(v, i, id, key)
			case "types":
				for _, t := range p.list(v, i, id, key) {
					r.EventTypes = append(r.EventTypes, p.str(t, i, id, key))
				}
			case "condition":
				r.Condition = p.str(v, i, id, key)
				p.conds[i] = v
			case "points":
				r.Points = p.float(v, i, id, key)
			case "window":
				if s := p.str(v, i, id, key); s != "" {
					d, err := candor.ParseRetention(s)
					if err != nil {
						p.at(v, i, id, key, "want a period like 24m (months of 30 days), 2y or 90d")
					}
					r.Window = d
				}
			case "decay":
				d, hl, err := candor.ParseDecay(p.str(v, i, id, key))
				if err != nil {
					p.at(v, i, id, key, "%v", err)
				}
				r.Decay, r.HalfLife = d, hl
			case "counting":
				c, n, err := candor.ParseCounting(p.str(v, i, id, key))
				if err != nil {
					p.at(v, i, id, key, "%v", err)
				}
				r.Counting, r.AtMost = c, n
			case "cap":
				r.Cap = p.float(v, i, id, key)
			case "reason_code":
				r.ReasonCode = p.str(v, i, id, key)
			case "reason_text":
				r.ReasonText = p.str(v, i, id, key)
			case "action":
				r.Action = p.str(v, i, id, key)
			case "group":
				r.Group = p.str(v, i, id, key)
			default:
				return false
			}
			return true
		})
	}
	return out
}

// conditionAt returns the file position of a line and column (1-based) of
// rule i's condition. Plain, quoted and literal (|) conditions map exactly
// (quoted ones as long as they hold no escapes); in a folded (>) block, lines
// were joined, so the position is the start of the block.
func (p *parser) conditionAt(i, line, col int) (int, int) {
	n := p.conds[i]
	if n == nil {
		return p.lineOf(i, "condition"), 0
	}
	switch n.Style {
	case yaml.FoldedStyle:
		line, col = 1, 1
		fallthrough
	case yaml.LiteralStyle:
		l := n.Line + line // the block starts on the line after its indicator
		indent := 0
		if l-1 < len(p.text) {
			indent = len(p.text[l-1]) - len(strings.TrimLeft(p.text[l-1], " "))
		}
		return l, indent + col
	case yaml.DoubleQuotedStyle, yaml.SingleQuotedStyle:
		return n.Line + line - 1, n.Column + col
	}
	return n.Line + line - 1, n.Column + col - 1
}

// truncate shortens s for quoting in a message.
func truncate(s string) string {
	if len(s) <= 64 {
		return s
	}
	i := 61
	for i > 0 && !utf8.RuneStart(s[i]) {
		i--
	}
	return s[:i] + "..."
}

// idOf returns the scalar under key "id" of the mapping n (the last, if
// given twice), or "": read before the rest, so that every message about
// a rule or characteristic can name it.
func idOf(n *yaml.Node) string {
	var id string
	for j := 0; j+1 < len(n.Content); j += 2 {
		if n.Content[j].Value == "id" && n.Content[j+1].Kind == yaml.ScalarNode {
			id = n.Content[j+1].Value
		}
	}
	return id
}
