package fit

import (
	"fmt"
	"math"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Card is what a fitted scorecard shares with the published one it
// proposes a new version of: identity, purpose, range, grades, benefits.
type Card struct {
	ID            string
	Title         string
	Description   string
	Purpose       string
	SubjectKind   string
	Version       int
	EffectiveFrom string // YYYY-MM-DD
	Min, Max      int
	Grades        []Grade
	Benefits      []Benefit
	// Definitions give, by characteristic name, what each is over
	// catalogue facts (from the mapping); a characteristic with none is
	// written as undefined.
	Definitions map[string]Mapped
}

// Grade is a grade band: scores at or above Min.
type Grade struct {
	Grade       string `yaml:"grade"`
	Min         int    `yaml:"min"`
	Description string `yaml:"description"`
}

// Benefit is unlocked at MinGrade and above.
type Benefit struct {
	Name        string `yaml:"name"`
	MinGrade    string `yaml:"min_grade"`
	Description string `yaml:"description"`
}

// Cutoff returns the lowest score that unlocks benefit, or an error when
// the card has no such benefit or its grade.
func (c *Card) Cutoff(benefit string) (int, error) {
	for _, b := range c.Benefits {
		if b.Name != benefit {
			continue
		}
		for _, g := range c.Grades {
			if g.Grade == b.MinGrade {
				return g.Min, nil
			}
		}
		return 0, fmt.Errorf("benefit %s: grade %q is not among the grades", benefit, b.MinGrade)
	}
	return 0, fmt.Errorf("scorecard %s has no benefit %q", c.ID, benefit)
}

type yamlCard struct {
	ID              string     `yaml:"id"`
	Title           string     `yaml:"title"`
	Description     string     `yaml:"description"`
	Purpose         string     `yaml:"purpose"`
	SubjectKind     string     `yaml:"subject_kind"`
	Version         int        `yaml:"version"`
	EffectiveFrom   string     `yaml:"effective_from"`
	Base            int        `yaml:"base"`
	Min             int        `yaml:"min"`
	Max             int        `yaml:"max"`
	Grades          []Grade    `yaml:"grades"`
	Benefits        []Benefit  `yaml:"benefits,omitempty"`
	Characteristics []yamlChar `yaml:"characteristics"`
}

type yamlChar struct {
	ID          string    `yaml:"id"`
	Description string    `yaml:"description"`
	Types       []string  `yaml:"types,omitempty,flow"`
	Condition   string    `yaml:"condition,omitempty"`
	Aggregate   string    `yaml:"aggregate,omitempty"`
	Field       string    `yaml:"field,omitempty"`
	Currency    string    `yaml:"currency,omitempty"`
	Window      string    `yaml:"window,omitempty"`
	Undefined   string    `yaml:"undefined,omitempty"`
	ReasonCode  string    `yaml:"reason_code"`
	ReasonText  string    `yaml:"reason_text"`
	Bins        []yamlBin `yaml:"bins"`
	Other       int       `yaml:"other"`
}

type yamlBin struct {
	From    *float64 `yaml:"from,omitempty"`
	Below   *float64 `yaml:"below,omitempty"`
	Values  []string `yaml:"values,omitempty,flow"`
	Missing bool     `yaml:"missing,omitempty"`
	Points  int      `yaml:"points"`
}

// YAML writes m as a version of card: a base, and per characteristic its
// bins (numeric: from, below; categorical: values; missing) with points,
// and "other", the points of a value in no bin (0, an average row's).
// A characteristic carries its definition from card.Definitions (types,
// condition, aggregate, field, currency, window); one without is written with "undefined"
// saying so, which the scoring engine refuses to load.
// The score is clamped to [card.Min, card.Max].
func (m *Model) YAML(card Card, provenance string) ([]byte, error) {
	y := yamlCard{ID: card.ID, Title: card.Title, Description: card.Description, Purpose: card.Purpose,
		SubjectKind: card.SubjectKind, Version: card.Version, EffectiveFrom: card.EffectiveFrom,
		Base: m.Base, Min: card.Min, Max: card.Max, Grades: card.Grades, Benefits: card.Benefits}
	for _, ch := range m.Characteristics {
		yc := yamlChar{ID: ch.Name, ReasonCode: strings.ToUpper(ch.Name), ReasonText: strings.ReplaceAll(ch.Name, "_", " "),
			Description: fmt.Sprintf("Fitted: %d bins, information value %.3f.", len(ch.Bins), ch.IV)}
		if d, ok := card.Definitions[ch.Name]; ok && d.Defined() {
			yc.Types, yc.Condition, yc.Aggregate, yc.Field, yc.Currency, yc.Window = d.Types, d.Condition, d.Aggregate, d.Field, d.Currency, d.Window
		} else {
			yc.Undefined = fmt.Sprintf("column %s is not defined as an aggregate of catalogue facts (the mapping gives it no types and aggregate)", ch.Name)
		}
		for k, bin := range ch.Bins {
			yb := yamlBin{Missing: bin.Missing, Points: ch.Points[k]}
			if ch.Numeric && !math.IsInf(bin.Lo, 1) {
				if !math.IsInf(bin.Lo, -1) {
					yb.From = &ch.Bins[k].Lo
				}
				if !math.IsInf(bin.Hi, 1) {
					yb.Below = &ch.Bins[k].Hi
				}
			}
			if !ch.Numeric {
				yb.Values = bin.Values
			}
			yc.Bins = append(yc.Bins, yb)
		}
		y.Characteristics = append(y.Characteristics, yc)
	}
	body, err := yaml.Marshal(y)
	if err != nil {
		return nil, err
	}
	var head strings.Builder
	for _, line := range strings.Split(strings.TrimSpace(provenance), "\n") {
		head.WriteString("# " + line + "\n")
	}
	return append([]byte(head.String()), body...), nil
}

// Clamp bounds scores to [lo, hi] as the published scorecard does.
func Clamp(scores []int, lo, hi int) {
	for i, s := range scores {
		scores[i] = min(max(s, lo), hi)
	}
}
