package catalogue

import (
	_ "embed"
	"errors"
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/candor-project/candor"
	"github.com/candor-project/candor/internal/yamldoc"
	"go.yaml.in/yaml/v3"
)

//go:embed catalogue.yaml
var shipped []byte

// DefaultName is the name the shipped catalogue goes by in messages.
const DefaultName = "catalogue.yaml"

var defaultCatalogue = sync.OnceValue(func() *candor.Catalogue {
	c, err := Load(DefaultName, shipped)
	if err != nil {
		panic("catalogue: the shipped catalogue is invalid: " + err.Error())
	}
	return c
})

// Default returns the catalogue shipped with Candor. It is parsed once; every
// call returns the same catalogue. It panics only if the shipped file is
// invalid, which the package's tests rule out.
func Default() *candor.Catalogue { return defaultCatalogue() }

// LoadFile reads and loads the catalogue file at path (an operator's
// replacement for the shipped one). Errors are as for Load, with path as the
// file's name, or the error from reading the file.
func LoadFile(path string) (*candor.Catalogue, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("catalogue: %w", err)
	}
	return Load(path, data)
}

// Load parses data, the contents of the catalogue file called name, and
// returns the validated catalogue. If anything is wrong it returns a
// *candor.CatalogueError listing every problem, each as
// "name:line: entry N (type name): problem". It never panics.
func Load(name string, data []byte) (*candor.Catalogue, error) {
	l := &loader{file: name, data: data}
	types := l.load()
	if len(l.problems) > 0 {
		return nil, l.err()
	}
	c, err := candor.NewCatalogue(types)
	if err != nil {
		// The loader runs the same checks first, so this is not expected;
		// still, never let an unchecked catalogue through.
		var ce *candor.CatalogueError
		if errors.As(err, &ce) {
			for _, p := range ce.Problems {
				l.problems = append(l.problems, problem{msg: name + ": " + p})
			}
			return nil, l.err()
		}
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return c, nil
}

// problem is one thing wrong with the file; line orders problems of one entry.
type problem struct {
	entry int // from 1; 0 for the file as a whole
	line  int
	msg   string
}

type loader struct {
	file     string
	data     []byte
	problems []problem
}

func (l *loader) err() error {
	sort.SliceStable(l.problems, func(i, j int) bool {
		a, b := l.problems[i], l.problems[j]
		if a.entry != b.entry {
			return a.entry < b.entry
		}
		return a.line < b.line
	})
	ps := make([]string, len(l.problems))
	for i, p := range l.problems {
		ps[i] = p.msg
	}
	return &candor.CatalogueError{Problems: ps}
}

// fileProblem records a problem found before the entries were decoded: a
// syntax error, say. When the line falls in an entry, the message names the
// entry as well as it can be made out from the text.
func (l *loader) fileProblem(line int, format string, args ...any) {
	where := ""
	index, name := locateEntry(l.data, line)
	switch {
	case index > 0 && name != "":
		where = fmt.Sprintf("entry %d (%s): ", index, displayName(name))
	case index > 0:
		where = fmt.Sprintf("entry %d: ", index)
	}
	l.problems = append(l.problems, problem{entry: index, line: line,
		msg: l.file + lineSuffix(line) + ": " + where + fmt.Sprintf(format, args...)})
}

// locateEntry finds the entry of the types list that the given line (from 1)
// falls in, and its name, by reading the text as block-style YAML laid out
// like the shipped file. It is for files YAML cannot parse, so it guesses:
// it returns 0 when the line is not in an entry or the layout is otherwise.
func locateEntry(data []byte, line int) (index int, name string) {
	if line <= 0 || len(data) == 0 {
		return 0, ""
	}
	lines := strings.Split(string(data), "\n")
	if line > len(lines) {
		line = len(lines)
	}
	inTypes, indent := false, -1
	for _, l := range lines[:line] {
		l = strings.TrimRight(l, "\r")
		trimmed := strings.TrimLeft(l, " ")
		if trimmed == "" || trimmed[0] == '#' {
			continue
		}
		ind := len(l) - len(trimmed)
		item := trimmed == "-" || strings.HasPrefix(trimmed, "- ")
		switch {
		case !inTypes:
			if rest, ok := strings.CutPrefix(l, "types:"); ok && (strings.TrimSpace(rest) == "" || strings.HasPrefix(strings.TrimSpace(rest), "#")) {
				inTypes = true
			}
		case ind == 0 && !item:
			return 0, "" // a top-level key after the list
		case indent < 0 && !item:
			return 0, ""
		case indent < 0 || ind == indent && item:
			indent = ind
			index++
			name, _ = nameValue(strings.TrimSpace(trimmed[1:]))
		case ind == indent+2 && name == "":
			name, _ = nameValue(trimmed)
		}
	}
	return index, name
}

// nameValue returns the value of a "name: value" line.
func nameValue(s string) (string, bool) {
	v, ok := strings.CutPrefix(s, "name:")
	if !ok {
		return "", false
	}
	v, _, _ = strings.Cut(v, " #")
	v = strings.TrimSpace(v)
	if len(v) >= 2 && (v[0] == '"' || v[0] == '\'') && v[len(v)-1] == v[0] {
		v = v[1 : len(v)-1]
	}
	return v, v != ""
}

func lineSuffix(line int) string {
	if line <= 0 {
		return ""
	}
	return ":" + strconv.Itoa(line)
}

// load decodes data into event types, recording every problem, and checks
// each type and the set as a whole.
func (l *loader) load() []candor.EventType {
	root, ok := l.parse(l.data)
	if !ok {
		return nil
	}
	if root == nil { // empty file
		l.fileProblem(0, "no event types (want a top-level types: list)")
		return nil
	}
	if root.Kind != yaml.MappingNode {
		l.fileProblem(root.Line, "want a mapping with a types: list at the top level, not %s", describe(root))
		return nil
	}
	var list *yaml.Node
	l.mapping(root, func(key string, k, v *yaml.Node) bool {
		if key != "types" {
			return false
		}
		list = v
		return true
	}, func(line int, format string, args ...any) { l.fileProblem(line, format, args...) }, "types")
	if list == nil {
		if !l.hasProblems() {
			l.fileProblem(root.Line, "no types: list")
		}
		return nil
	}
	if list.Kind != yaml.SequenceNode {
		l.fileProblem(list.Line, "types must be a list of entries, not %s", describe(list))
		return nil
	}
	if len(list.Content) == 0 {
		l.fileProblem(list.Line, "no event types")
		return nil
	}

	entries := make([]*entry, len(list.Content))
	types := make([]candor.EventType, len(list.Content))
	for i, n := range list.Content {
		e := &entry{l: l, index: i + 1, line: n.Line}
		e.decode(n)
		entries[i] = e
		types[i] = e.t
	}

	first := map[string]*entry{}
	for _, e := range entries {
		e.check()
		if e.t.Name == "" || e.badName || e.broken {
			continue
		}
		if f, dup := first[e.t.Name]; dup {
			e.problemAt(e.nameLine, "duplicate name %s: entry %d (line %d) has it already", e.t.Name, f.index, f.nameLine)
			continue
		}
		first[e.t.Name] = e
	}
	return types
}

func (l *loader) hasProblems() bool { return len(l.problems) > 0 }

// parse decodes the YAML document (see yamldoc.Parse). It returns a nil
// node for an empty file.
func (l *loader) parse(data []byte) (root *yaml.Node, ok bool) {
	root, p := yamldoc.Parse(data)
	if p != nil {
		l.fileProblem(p.Line, "%s", p.What)
		return nil, false
	}
	return root, true
}

// mapping walks the mapping node n, calling use for each key; use reports
// whether it knows the key. Unknown keys, repeated keys and keys that are not
// plain words are reported with report; want lists the known keys.
func (l *loader) mapping(n *yaml.Node, use func(key string, k, v *yaml.Node) bool, report func(line int, format string, args ...any), want string) {
	seen := map[string]int{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Kind != yaml.ScalarNode {
			report(k.Line, "keys must be plain words, not %s", describe(k))
			continue
		}
		if k.Value == "<<" && k.Tag == "!!merge" {
			report(k.Line, "merge keys (<<) are not supported: write each entry out in full")
			continue
		}
		if line, dup := seen[k.Value]; dup {
			report(k.Line, "key %s given twice (first at line %d)", quote(k.Value), line)
			continue
		}
		seen[k.Value] = k.Line
		if !use(k.Value, k, v) {
			report(k.Line, "unknown key %s (want %s)", quote(k.Value), want)
		}
	}
}

// entry is one element of the types list as it is decoded.
type entry struct {
	l     *loader
	index int // from 1
	line  int
	t     candor.EventType

	nameLine, categoryLine, subjectLine, retentionLine, liftsLine int
	fieldLines                                                    []int // line of each field in t.Fields

	// broken is set when the entry is not a mapping at all: there is
	// nothing to validate.
	broken bool
	// What failed to decode; check neutralises these before validating so
	// that each fault is reported once, in the loader's words.
	badName, badCategory, badSubject, badRetention bool
	badFields                                      []fieldFault // per field in t.Fields
}

const entryKeys = "name, category, subject, retention, description, title, action, lifts_order, fields"
const fieldKeys = "name, type, required, description, min, max, max_length, values"

// where names the entry in messages.
func (e *entry) where() string {
	if e.t.Name == "" {
		return fmt.Sprintf("entry %d", e.index)
	}
	return fmt.Sprintf("entry %d (%s)", e.index, displayName(e.t.Name))
}

func (e *entry) problemAt(line int, format string, args ...any) {
	if line <= 0 {
		line = e.line
	}
	e.l.problems = append(e.l.problems, problem{
		entry: e.index, line: line,
		msg: e.l.file + lineSuffix(line) + ": " + e.where() + ": " + fmt.Sprintf(format, args...),
	})
}

// decode fills e.t from the entry's node. Problems are recorded once the name
// is known, so that every message can name the entry.
func (e *entry) decode(n *yaml.Node) {
	if n.Kind != yaml.MappingNode {
		e.broken = true
		e.problemAt(n.Line, "want a mapping with %s, not %s", entryKeys, describe(n))
		return
	}
	// The name first, so that messages about the other keys carry it.
	for i := 0; i+1 < len(n.Content); i += 2 {
		if k, v := n.Content[i], n.Content[i+1]; k.Kind == yaml.ScalarNode && k.Value == "name" {
			e.nameLine = v.Line
			if s, ok := scalarString(v); ok {
				e.t.Name = s
			}
			break
		}
	}
	var have struct{ name, category, subject, retention bool }
	var fields *yaml.Node
	e.l.mapping(n, func(key string, k, v *yaml.Node) bool {
		switch key {
		case "name":
			have.name = true
			if _, ok := scalarString(v); !ok {
				e.badName = true
				e.problemAt(v.Line, "name must be text, not %s", describe(v))
			} else if e.t.Name == "" {
				e.badName = true
				e.problemAt(v.Line, "name is empty")
			}
		case "category":
			have.category = true
			e.categoryLine = v.Line
			s, ok := scalarString(v)
			if ok {
				e.t.Category, ok = candor.ParseCategory(s)
			}
			if !ok {
				e.badCategory = true
				e.problemAt(v.Line, "%s", notOneOf("category", v, "one of the closed categories: "+categoryNames()))
			}
		case "subject":
			have.subject = true
			e.subjectLine = v.Line
			s, ok := scalarString(v)
			if ok {
				e.t.SubjectKind, ok = candor.ParseSubjectKind(s)
			}
			if !ok {
				e.badSubject = true
				e.problemAt(v.Line, "%s", notOneOf("subject kind", v, "person or organisation"))
			}
		case "retention":
			have.retention = true
			e.retentionLine = v.Line
			s, ok := scalarString(v)
			if !ok {
				e.badRetention = true
				e.problemAt(v.Line, "retention must be a number and y, m or d, like 6y, not %s", describe(v))
				break
			}
			d, err := candor.ParseRetention(s)
			if err != nil {
				e.badRetention = true
				e.problemAt(v.Line, "%s", err)
				break
			}
			e.t.Retention = d
		case "description":
			s, ok := scalarString(v)
			if !ok {
				e.problemAt(v.Line, "description must be text, not %s", describe(v))
			}
			e.t.Description = s
		case "title", "action":
			s, ok := scalarString(v)
			if !ok || strings.TrimSpace(s) == "" {
				e.problemAt(v.Line, "%s must be plain text for the people the facts are about, not %s", key, describe(v))
			}
			if key == "title" {
				e.t.Title = strings.TrimSpace(s)
			} else {
				e.t.Action = strings.TrimSpace(s)
			}
		case "lifts_order":
			e.liftsLine = v.Line
			b, ok := scalarBool(v)
			if !ok {
				e.problemAt(v.Line, "lifts_order must be true or false, not %s", value(v))
			}
			e.t.LiftsOrder = b
		case "fields":
			fields = v
		default:
			return false
		}
		return true
	}, e.problemAt, entryKeys)

	if !have.name {
		e.badName = true
		e.problemAt(n.Line, "name is required")
	}
	if !have.category {
		e.badCategory = true
		e.problemAt(n.Line, "category is required (%s)", categoryNames())
	}
	if !have.subject {
		e.badSubject = true
		e.problemAt(n.Line, "subject is required (person or organisation)")
	}
	if !have.retention {
		e.badRetention = true
		e.problemAt(n.Line, "retention is required, like 6y, 18m or 90d")
	}
	if fields != nil {
		e.decodeFields(fields)
	}
}

func (e *entry) decodeFields(n *yaml.Node) {
	if isNull(n) {
		return
	}
	if n.Kind != yaml.SequenceNode {
		e.problemAt(n.Line, "fields must be a list, not %s", describe(n))
		return
	}
	for i, fn := range n.Content {
		f, fault, ok := e.decodeField(i+1, fn)
		if !ok {
			continue
		}
		e.t.Fields = append(e.t.Fields, f)
		e.fieldLines = append(e.fieldLines, fn.Line)
		e.badFields = append(e.badFields, fault)
	}
}

// fieldFault says what of a field failed to decode.
type fieldFault struct{ badType, badValues bool }

// decodeField decodes the pos'th field (from 1). It reports whether the field
// has a name, without which it is left out, and what failed to decode.
func (e *entry) decodeField(pos int, n *yaml.Node) (f candor.FieldSpec, fault fieldFault, ok bool) {
	if n.Kind != yaml.MappingNode {
		e.problemAt(n.Line, "field %d: want a mapping with %s, not %s", pos, fieldKeys, describe(n))
		return f, fault, false
	}
	var name, typ, min, max, maxLen, values *yaml.Node
	var nameLine int
	for i := 0; i+1 < len(n.Content); i += 2 {
		if k, v := n.Content[i], n.Content[i+1]; k.Kind == yaml.ScalarNode && k.Value == "name" {
			name, nameLine = v, v.Line
			break
		}
	}
	label := fmt.Sprintf("field %d", pos)
	if name != nil {
		if s, isStr := scalarString(name); isStr && s != "" {
			f.Name = s
			label = "field " + quote(s)
		}
	}
	report := func(line int, format string, args ...any) {
		e.problemAt(line, "%s: %s", label, fmt.Sprintf(format, args...))
	}
	e.l.mapping(n, func(key string, k, v *yaml.Node) bool {
		switch key {
		case "name":
		case "type":
			typ = v
		case "required":
			b, isBool := scalarBool(v)
			if !isBool {
				report(v.Line, "required must be true or false, not %s", value(v))
			}
			f.Required = b
		case "description":
			s, isStr := scalarString(v)
			if !isStr {
				report(v.Line, "description must be text, not %s", describe(v))
			}
			f.Description = s
		case "min":
			min = v
		case "max":
			max = v
		case "max_length":
			maxLen = v
		case "values":
			values = v
		default:
			return false
		}
		return true
	}, report, fieldKeys)

	if f.Name == "" {
		if name == nil {
			report(n.Line, "name is required")
		} else {
			report(nameLine, "name must be a non-empty word, not %s", value(name))
		}
		return f, fault, false
	}
	if typ == nil {
		report(n.Line, "type is required (%s)", fieldTypeNames())
		return f, fieldFault{badType: true}, true
	}
	s, isStr := scalarString(typ)
	if isStr {
		f.Type, isStr = candor.ParseFieldType(s)
	}
	if !isStr && s == "string" {
		report(typ.Line, "string is not a field type: use reference for account, case, permit and similar numbers (pseudonymised on ingest) or, in a court order, text for its wording; no free text reaches a score (charter point 1)")
		return f, fieldFault{badType: true}, true
	}
	if !isStr {
		// Its other keys depend on the type: leave them unread.
		report(typ.Line, "%s", notOneOf("type", typ, "one of "+fieldTypeNames()))
		return f, fieldFault{badType: true}, true
	}

	f.Min = e.bound(f.Type, "min", min, report)
	f.Max = e.bound(f.Type, "max", max, report)
	// A missing max_length on a string field is for Validate to report.
	if maxLen != nil {
		if f.Type != candor.FieldText && f.Type != candor.FieldReference {
			report(maxLen.Line, "max_length applies only to text and reference fields, and this is %s", f.Type)
		} else if n, isInt := scalarInt(maxLen); !isInt || n < 1 || n > candor.MaxStringLen {
			report(maxLen.Line, "max_length must be a whole number from 1 to %d, not %s", candor.MaxStringLen, describe(maxLen))
			f.MaxLen = candor.MaxStringLen // reported: do not report again
		} else {
			f.MaxLen = int(n)
		}
	}
	if values != nil {
		switch {
		case f.Type != candor.FieldEnum:
			report(values.Line, "values apply only to enum fields, and this is %s", f.Type)
		case values.Kind != yaml.SequenceNode:
			fault.badValues = true
			report(values.Line, "values must be a list of words, not %s", describe(values))
		default:
			for _, v := range values.Content {
				w, isStr := scalarString(v)
				if !isStr {
					fault.badValues = true
					report(v.Line, "enum value must be a word, not %s", describe(v))
					continue
				}
				f.Values = append(f.Values, w)
			}
		}
	}
	return f, fault, true
}

// bound decodes a min or max: a YAML integer for int fields, a decimal (best
// quoted, like "0.01") for amount fields.
func (e *entry) bound(t candor.FieldType, key string, n *yaml.Node, report func(int, string, ...any)) *int64 {
	if n == nil {
		return nil
	}
	switch t {
	case candor.FieldInt:
		v, ok := scalarInt(n)
		if !ok {
			report(n.Line, "%s of an int field must be a whole number, not %s", key, describe(n))
			return nil
		}
		return &v
	case candor.FieldAmount:
		var v int64
		ok := n.Kind == yaml.ScalarNode && (n.Tag == "!!str" || n.Tag == "!!int" || n.Tag == "!!float")
		if ok {
			v, ok = candor.ParseAmount(n.Value)
		}
		if !ok {
			report(n.Line, "%s of an amount field must be a decimal with at most four decimals, like \"0.01\", not %s", key, describe(n))
			return nil
		}
		return &v
	}
	report(n.Line, "%s applies only to int and amount fields, and this is %s", key, t)
	return nil
}

// check validates the decoded type. Faults already reported by decode are
// neutralised first, by validating a copy with harmless stand-ins, and only
// the problems both versions share are reported.
func (e *entry) check() {
	if e.broken {
		return
	}
	ps := e.t.Validate()
	if e.badName || e.badCategory || e.badSubject || e.badRetention || anyFault(e.badFields) {
		alt := e.t
		if e.badName {
			alt.Name = "stand.in"
		}
		if e.badCategory {
			alt.Category = candor.CategoryTax
			if e.t.LiftsOrder {
				alt.Category = candor.CategoryCourtOrder
			}
		}
		if e.badSubject {
			alt.SubjectKind = candor.Person
		}
		if e.badRetention {
			alt.Retention = 24 * time.Hour
		}
		alt.Fields = append([]candor.FieldSpec(nil), e.t.Fields...)
		for i, fault := range e.badFields {
			if fault.badType {
				alt.Fields[i].Type = candor.FieldBool
			}
			if fault.badValues {
				alt.Fields[i].Values = append(append([]string(nil), alt.Fields[i].Values...), "stand_in")
			}
		}
		also := map[string]bool{}
		for _, p := range alt.Validate() {
			also[p] = true
		}
		kept := ps[:0]
		for _, p := range ps {
			if also[p] {
				kept = append(kept, p)
			}
		}
		ps = kept
	}
	for _, p := range ps {
		e.problemAt(e.lineOf(p), "%s", p)
	}
}

// lineOf guesses the line a validation problem is about from its opening
// words, falling back to the entry's first line.
func (e *entry) lineOf(p string) int {
	last := strings.HasSuffix(p, "declared twice") // about the second field of the name
	for i := range e.t.Fields {
		if last {
			i = len(e.t.Fields) - 1 - i
		}
		if strings.HasPrefix(p, "field "+strconv.Quote(e.t.Fields[i].Name)+":") {
			return e.fieldLines[i]
		}
	}
	for _, c := range []struct {
		prefix string
		line   int
	}{
		{"name", e.nameLine}, {"retention", e.retentionLine}, {"lifts_order", e.liftsLine},
		{"unknown category", e.categoryLine}, {"subject", e.subjectLine},
	} {
		if strings.HasPrefix(p, c.prefix) && c.line > 0 {
			return c.line
		}
	}
	return e.line
}

func anyFault(fs []fieldFault) bool {
	for _, f := range fs {
		if f.badType || f.badValues {
			return true
		}
	}
	return false
}

// scalarString returns the text of a scalar that YAML reads as a string (or
// an empty value as ""). Numbers and booleans are refused: a name of 1 or
// true is a mistake.
func scalarString(n *yaml.Node) (string, bool) {
	if isNull(n) {
		return "", true
	}
	if n.Kind != yaml.ScalarNode || n.Tag != "!!str" {
		return "", false
	}
	return n.Value, true
}

func scalarBool(n *yaml.Node) (bool, bool) {
	if n.Kind != yaml.ScalarNode || n.Tag != "!!bool" {
		return false, false
	}
	var b bool
	if err := n.Decode(&b); err != nil {
		return false, false
	}
	return b, true
}

func scalarInt(n *yaml.Node) (int64, bool) {
	if n.Kind != yaml.ScalarNode || n.Tag != "!!int" {
		return 0, false
	}
	var v int64
	if err := n.Decode(&v); err != nil {
		return 0, false
	}
	return v, true
}

func isNull(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && n.Tag == "!!null"
}

// describe says what kind of YAML value n is, for messages.
func describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.AliasNode:
		return "an alias"
	case yaml.ScalarNode:
		switch n.Tag {
		case "!!null":
			return "an empty value"
		case "!!str":
			return "the text " + quote(n.Value)
		case "!!int", "!!float":
			return "the number " + quote(n.Value)
		case "!!bool":
			return "the boolean " + n.Value
		}
		return "the value " + quote(n.Value)
	}
	return "an unexpected value"
}

// notOneOf words the problem with the value v of key, which is not one of
// want.
func notOneOf(key string, v *yaml.Node, want string) string {
	switch {
	case isNull(v) || v.Kind == yaml.ScalarNode && v.Value == "":
		return fmt.Sprintf("%s is empty (want %s)", key, want)
	case v.Kind != yaml.ScalarNode || v.Tag != "!!str":
		return fmt.Sprintf("%s must be %s, not %s", key, want, describe(v))
	}
	return fmt.Sprintf("unknown %s %s (want %s)", key, quote(v.Value), want)
}

// value quotes a scalar's text, or describes a non-scalar.
func value(n *yaml.Node) string {
	if n.Kind == yaml.ScalarNode && n.Tag != "!!null" {
		return quote(n.Value)
	}
	return describe(n)
}

// quote quotes s for a message, shortened if long.
func quote(s string) string {
	const max = 64
	if len(s) > max {
		i := max - 3
		for i > 0 && !utf8.RuneStart(s[i]) {
			i--
		}
		s = s[:i] + "..."
	}
	return strconv.Quote(s)
}

// displayName shows a type name bare when it is made of name characters, and
// quoted otherwise.
func displayName(s string) string {
	if len(s) > 64 {
		return quote(s)
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_' || c == '.' || c == '-') {
			return quote(s)
		}
	}
	return s
}

func categoryNames() string {
	var names []string
	for _, c := range candor.Categories() {
		names = append(names, c.String())
	}
	return strings.Join(names, ", ")
}

func fieldTypeNames() string {
	var names []string
	for t := candor.FieldType(1); t.String() != "unknown"; t++ {
		names = append(names, t.String())
	}
	return strings.Join(names, ", ")
}
