package fit

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/candor-project/candor/internal/yamldoc"
	"go.yaml.in/yaml/v3"
)

// Limits on a CSV file of outside input.
const (
	MaxColumns = 1000 // columns in a file
	MaxField   = 1024 // bytes in one cell
	MaxLevels  = 1000 // distinct values of a categorical characteristic
	maxReport  = 10   // row problems named before the reader stops
)

// Mapping says how to read a CSV file: its layout, which column is the
// outcome and which values mean bad and good, which columns are protected
// attributes, and which columns become candidate characteristics under
// which names. The zero Mapping reads a comma-separated file with a header,
// an "outcome" column of 0 and 1, and every other column a characteristic.
type Mapping struct {
	Comma           string   `yaml:"comma"`
	NoHeader        bool     `yaml:"no_header"`
	Names           []string `yaml:"names"`
	Outcome         string   `yaml:"outcome"`
	Bad             []string `yaml:"bad"`
	Good            []string `yaml:"good"`
	Missing         []string `yaml:"missing"`
	Protected       []string `yaml:"protected"`
	Characteristics []Mapped `yaml:"characteristics"`

	comma rune
}

// Mapped is one characteristic: its name in the scorecard, the file's
// column it reads and its kind ("numeric", "categorical" or "" to infer),
// and its definition over catalogue facts, which the fitted scorecard
// carries: the event types, an optional condition, the aggregate (count,
// months_since_last, share, sum, max), for a sum or max the field it
// aggregates (and for an amount, its currency), and the window. A column
// with no aggregate
// is fitted, but the scorecard says it has no definition and the scoring
// engine refuses to load it.
type Mapped struct {
	Name      string   `yaml:"name"`
	Column    string   `yaml:"column"`
	Kind      string   `yaml:"kind"`
	Types     []string `yaml:"types"`
	Condition string   `yaml:"condition"`
	Aggregate string   `yaml:"aggregate"`
	Field     string   `yaml:"field"`
	Currency  string   `yaml:"currency"`
	Window    string   `yaml:"window"`
}

// Defined reports whether c is defined as an aggregate of catalogue facts.
func (c *Mapped) Defined() bool { return c.Aggregate != "" }

// ParseMapping reads a mapping from YAML, strictly: unknown keys, a bad
// separator or kind, a protected column mapped as a characteristic and
// duplicate names are refused, all named at once.
func ParseMapping(data []byte) (*Mapping, error) {
	root, prob := yamldoc.Parse(data)
	if prob != nil {
		return nil, fmt.Errorf("mapping: %s", prob.What)
	}
	m := &Mapping{}
	if root != nil {
		// Unknown keys are refused: a typo must not silently change the fit.
		dec := yaml.NewDecoder(bytes.NewReader(data))
		dec.KnownFields(true)
		if err := dec.Decode(m); err != nil {
			return nil, fmt.Errorf("mapping: %w", err)
		}
	}
	return m, m.check()
}

// check validates m and fills its defaults.
func (m *Mapping) check() error {
	var probs []string
	switch {
	case m.Comma == "":
		m.comma = ','
	case utf8.RuneCountInString(m.Comma) == 1 && m.Comma != "\"" && m.Comma != "\n" && m.Comma != "\r" && m.Comma != "\uFFFD":
		m.comma, _ = utf8.DecodeRuneInString(m.Comma)
	default:
		probs = append(probs, fmt.Sprintf("mapping: comma %q must be one character other than a quote or a line break", m.Comma))
	}
	if m.NoHeader && len(m.Names) == 0 {
		probs = append(probs, "mapping: a file without a header needs names for its columns")
	}
	if m.Outcome == "" {
		m.Outcome = "outcome"
	}
	if len(m.Bad) == 0 {
		m.Bad = []string{"1"}
	}
	if len(m.Good) == 0 {
		m.Good = []string{"0"}
	}
	for _, b := range m.Bad {
		if slices.Contains(m.Good, b) {
			probs = append(probs, fmt.Sprintf("mapping: outcome value %q is both bad and good", b))
		}
	}
	if len(m.Missing) == 0 {
		m.Missing = []string{"", "NA"}
	}
	names := map[string]bool{}
	for i, c := range m.Characteristics {
		if c.Name == "" || c.Column == "" {
			probs = append(probs, fmt.Sprintf("mapping: characteristic %d needs a name and a column", i+1))
		}
		if names[c.Name] {
			probs = append(probs, fmt.Sprintf("mapping: characteristic %q appears twice", c.Name))
		}
		names[c.Name] = true
		if c.Kind != "" && c.Kind != "numeric" && c.Kind != "categorical" {
			probs = append(probs, fmt.Sprintf("mapping: characteristic %q: kind %q must be numeric or categorical", c.Name, c.Kind))
		}
		switch {
		case c.Defined() && c.Kind == "categorical":
			probs = append(probs, fmt.Sprintf("mapping: characteristic %q: an aggregate (%s) is numeric, not categorical", c.Name, c.Aggregate))
		case c.Defined():
			m.Characteristics[i].Kind = "numeric"
			if len(c.Types) == 0 {
				probs = append(probs, fmt.Sprintf("mapping: characteristic %q: aggregate %s needs the event types it counts", c.Name, c.Aggregate))
			}
		case len(c.Types) > 0 || c.Condition != "" || c.Window != "" || c.Field != "" || c.Currency != "":
			probs = append(probs, fmt.Sprintf("mapping: characteristic %q: types, condition, field, currency and window define an aggregate, which is missing", c.Name))
		}
		if slices.Contains(m.Protected, c.Column) {
			probs = append(probs, fmt.Sprintf("mapping: characteristic %q reads column %q, a protected attribute: %s", c.Name, c.Column, CharterRefusal))
		}
		if c.Column == m.Outcome {
			probs = append(probs, fmt.Sprintf("mapping: characteristic %q reads the outcome column %q", c.Name, c.Column))
		}
	}
	return problems(probs)
}

// ReadCSV reads a sample from r as m says (nil: the zero Mapping). It reads
// the whole file before returning, and refuses it whole, naming the
// problems: a column the mapping names that the file lacks, an outcome
// that is not one of the good or bad values, a numeric column with text,
// a ragged row, a cell over MaxField bytes, a categorical column with more
// than MaxLevels values, and everything Dataset.Validate refuses.
func ReadCSV(r io.Reader, m *Mapping) (*Dataset, error) {
	d, err := read(r, m)
	if err != nil {
		return nil, err
	}
	if err := d.Validate(); err != nil {
		return nil, err
	}
	return d, nil
}

// ReadSample reads a sample to score, not to fit, as ReadCSV does but
// without refusing what only a fit cannot use: a constant column or a
// single class of outcomes. It refuses a sample without rows and a column
// named as a protected attribute.
func ReadSample(r io.Reader, m *Mapping) (*Dataset, error) {
	d, err := read(r, m)
	if err != nil {
		return nil, err
	}
	var probs []string
	if d.Rows() == 0 {
		probs = append(probs, "no rows")
	}
	for _, c := range d.Columns {
		if why := Protected(c.Name); why != "" {
			probs = append(probs, fmt.Sprintf("column %q: %s", c.Name, why))
		}
	}
	if err := problems(probs); err != nil {
		return nil, err
	}
	return d, nil
}

func read(r io.Reader, m *Mapping) (*Dataset, error) {
	if m == nil {
		m = &Mapping{}
	}
	if err := m.check(); err != nil {
		return nil, err
	}
	cr := csv.NewReader(&lineLimit{r: r, max: MaxColumns * (MaxField + 3)})
	cr.Comma = m.comma
	cr.ReuseRecord = true
	header := m.Names
	if !m.NoHeader {
		rec, err := cr.Read()
		if err == io.EOF {
			return nil, errors.New("empty file: no header")
		}
		if err != nil {
			return nil, fmt.Errorf("header: %w", err)
		}
		header = slices.Clone(rec)
	}
	if len(header) > MaxColumns {
		return nil, fmt.Errorf("%d columns: at most %d", len(header), MaxColumns)
	}
	cr.FieldsPerRecord = len(header)
	index := map[string]int{}
	var probs []string
	for i, h := range header {
		if _, dup := index[h]; dup {
			probs = append(probs, fmt.Sprintf("column %q appears twice in the header", h))
		}
		index[h] = i
	}
	outcome, ok := index[m.Outcome]
	if !ok {
		probs = append(probs, fmt.Sprintf("no outcome column %q (columns: %s)", m.Outcome, strings.Join(header, ", ")))
	}
	mapped := m.Characteristics
	if len(mapped) == 0 {
		for _, h := range header {
			if h == m.Outcome {
				continue
			}
			if slices.Contains(m.Protected, h) {
				probs = append(probs, fmt.Sprintf("column %q is a protected attribute: %s", h, CharterRefusal))
				continue
			}
			mapped = append(mapped, Mapped{Name: h, Column: h})
		}
	}
	builders := make([]*builder, len(mapped))
	for i, c := range mapped {
		at, ok := index[c.Column]
		if !ok {
			probs = append(probs, fmt.Sprintf("characteristic %q: column %q is not in the file (columns: %s)", c.Name, c.Column, strings.Join(header, ", ")))
		}
		builders[i] = &builder{col: at, kind: c.Kind, maybeNum: c.Kind != "categorical", dict: map[string]int32{}}
	}
	if len(probs) > 0 {
		return nil, problems(probs)
	}
	d := &Dataset{}
	for row := 1; ; row++ {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", row+btoi(!m.NoHeader), err)
		}
		line := row + btoi(!m.NoHeader)
		for _, f := range rec {
			if len(f) > MaxField {
				probs = append(probs, fmt.Sprintf("line %d: a cell of %d bytes (at most %d)", line, len(f), MaxField))
				break
			}
		}
		switch y := rec[outcome]; {
		case slices.Contains(m.Bad, y):
			d.Outcome = append(d.Outcome, 1)
		case slices.Contains(m.Good, y):
			d.Outcome = append(d.Outcome, 0)
		default:
			probs = append(probs, fmt.Sprintf("line %d: outcome %q is not %s (bad) or %s (good)", line, trunc(y), strings.Join(m.Bad, "/"), strings.Join(m.Good, "/")))
			d.Outcome = append(d.Outcome, 0)
		}
		for i, b := range builders {
			if p := b.add(rec[b.col], m.Missing); p != "" {
				probs = append(probs, fmt.Sprintf("line %d: characteristic %q: %s", line, mapped[i].Name, p))
			}
		}
		if len(probs) >= maxReport {
			probs = append(probs, "(stopped reading)")
			return nil, problems(probs)
		}
	}
	if len(probs) > 0 {
		return nil, problems(probs)
	}
	for i, b := range builders {
		c, p := b.column(mapped[i].Name)
		if p != "" {
			probs = append(probs, fmt.Sprintf("characteristic %q: %s", mapped[i].Name, p))
		}
		d.Columns = append(d.Columns, c)
	}
	if len(probs) > 0 {
		return nil, problems(probs)
	}
	return d, nil
}

// builder collects one column, as numbers while every value is one and as
// category codes while there are at most MaxLevels distinct values.
type builder struct {
	col      int
	kind     string
	maybeNum bool
	num      []float64
	code     []int32
	dict     map[string]int32
	levels   []string
	overflow bool
	firstBad string
}

func (b *builder) add(v string, missing []string) string {
	if slices.Contains(missing, v) {
		b.num = append(b.num, math.NaN())
		b.code = append(b.code, -1)
		return ""
	}
	if b.maybeNum {
		f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
		if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
			if b.kind == "numeric" {
				return fmt.Sprintf("%q is not a finite number", trunc(v))
			}
			b.maybeNum = false
			b.num = nil
		} else {
			b.num = append(b.num, f)
		}
	}
	if b.overflow {
		return ""
	}
	c, ok := b.dict[v]
	if !ok {
		if len(b.levels) == MaxLevels {
			b.overflow, b.code, b.dict = true, nil, nil
			return ""
		}
		c = int32(len(b.levels))
		b.dict[v] = c
		b.levels = append(b.levels, strings.Clone(v))
	}
	b.code = append(b.code, c)
	return ""
}

func (b *builder) column(name string) (*Column, string) {
	if b.maybeNum {
		return &Column{Name: name, Numeric: true, Num: b.num}, ""
	}
	if b.overflow {
		return nil, fmt.Sprintf("more than %d distinct values, not all numbers: not a characteristic", MaxLevels)
	}
	return &Column{Name: name, Code: b.code, Levels: b.levels}, ""
}

// lineLimit fails a read once a line grows past max bytes, so that one
// endless line cannot take all the memory before a cell is checked.
type lineLimit struct {
	r    io.Reader
	max  int
	line int
}

func (l *lineLimit) Read(p []byte) (int, error) {
	n, err := l.r.Read(p)
	for _, c := range p[:n] {
		if c == '\n' {
			l.line = 0
		} else if l.line++; l.line > l.max {
			return 0, fmt.Errorf("a line longer than %d bytes", l.max)
		}
	}
	return n, err
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

func trunc(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}
