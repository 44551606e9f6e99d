package httpapi

import (
	"net/http"
	"strconv"
	"time"

	"github.com/candor-project/candor"
)

type scorecardSummaryJSON struct {
	ID            string `json:"id"`
	Title         string `json:"title"`
	Purpose       string `json:"purpose"`
	SubjectKind   string `json:"subject_kind"`
	Version       int    `json:"version"`
	EffectiveFrom string `json:"effective_from"`
	Description   string `json:"description"`
}

type ruleJSON struct {
	ID          string   `json:"id"`
	Description string   `json:"description"`
	EventTypes  []string `json:"types"`
	Condition   string   `json:"condition,omitempty"`
	Points      float64  `json:"points"`
	Window      string   `json:"window,omitempty"`
	Decay       string   `json:"decay"`
	HalfLife    string   `json:"half_life,omitempty"`
	Counting    string   `json:"counting"`
	Cap         float64  `json:"cap,omitempty"`
	ReasonCode  string   `json:"reason_code"`
	ReasonText  string   `json:"reason_text"`
	Group       string   `json:"group,omitempty"`
}

type characteristicJSON struct {
	ID          string    `json:"id"`
	Description string    `json:"description"`
	EventTypes  []string  `json:"types"`
	Condition   string    `json:"condition,omitempty"`
	Aggregate   string    `json:"aggregate"`
	Field       string    `json:"field,omitempty"`
	Currency    string    `json:"currency,omitempty"`
	Window      string    `json:"window,omitempty"`
	Bins        []binJSON `json:"bins"`
	Other       int       `json:"other"`
	ReasonCode  string    `json:"reason_code"`
	ReasonText  string    `json:"reason_text"`
}

type binJSON struct {
	From    *float64 `json:"from,omitempty"`
	Below   *float64 `json:"below,omitempty"`
	Missing bool     `json:"missing,omitempty"`
	Points  int      `json:"points"`
}

type gradeJSON struct {
	Grade       string `json:"grade"`
	Min         int    `json:"min"`
	Description string `json:"description,omitempty"`
}

type benefitJSON struct {
	Name        string `json:"name"`
	MinGrade    string `json:"min_grade"`
	Description string `json:"description,omitempty"`
}

type scorecardJSON struct {
	scorecardSummaryJSON
	Base     int           `json:"base"`
	Min      int           `json:"min"`
	Max      int           `json:"max"`
	Grades   []gradeJSON   `json:"grades"`
	Benefits []benefitJSON `json:"benefits"`
	Rules    []ruleJSON    `json:"rules"`
	// Characteristics are those of a fitted scorecard, which has no rules.
	Characteristics []characteristicJSON `json:"characteristics,omitempty"`
}

func summary(sc *candor.Scorecard) scorecardSummaryJSON {
	return scorecardSummaryJSON{ID: sc.ID, Title: sc.Title, Purpose: sc.Purpose.String(), SubjectKind: sc.SubjectKind.String(),
		Version: sc.Version, EffectiveFrom: sc.EffectiveFrom.Format(time.DateOnly), Description: sc.Description}
}

func retention(d time.Duration) string {
	if d == 0 {
		return ""
	}
	return candor.FormatRetention(d)
}

// listScorecards is GET /v1/scorecards: every published scorecard. Public.
func (s *Server) listScorecards(w http.ResponseWriter, r *http.Request) {
	out := []scorecardSummaryJSON{}
	active, _ := s.scorers()
	for _, sc := range active {
		out = append(out, summary(sc.Scorecard()))
	}
	writeJSON(w, http.StatusOK, map[string]any{"scorecards": out})
}

// getScorecard is GET /v1/scorecards/{id}/versions/{v}: a scorecard's rules,
// bands and benefits, as published. Public.
func (s *Server) getScorecard(w http.ResponseWriter, r *http.Request) {
	v, err := strconv.Atoi(r.PathValue("v"))
	sc := s.version(r.PathValue("id"), v)
	if err != nil || sc == nil {
		s.writeError(w, r, candor.Errorf(candor.ENOTFOUND, "no scorecard %s version %s", r.PathValue("id"), r.PathValue("v")))
		return
	}
	c := sc.Scorecard()
	out := scorecardJSON{scorecardSummaryJSON: summary(c), Base: c.Base, Min: c.Min, Max: c.Max,
		Grades: []gradeJSON{}, Benefits: []benefitJSON{}, Rules: []ruleJSON{}}
	for _, g := range c.Grades {
		out.Grades = append(out.Grades, gradeJSON(g))
	}
	for _, b := range c.Benefits {
		out.Benefits = append(out.Benefits, benefitJSON{Name: b.Name, MinGrade: b.MinGrade, Description: b.Description})
	}
	for _, rl := range c.Rules {
		counting := rl.Counting.String()
		if rl.AtMost > 0 {
			counting += " " + strconv.Itoa(rl.AtMost)
		}
		out.Rules = append(out.Rules, ruleJSON{ID: rl.ID, Description: rl.Description, EventTypes: rl.EventTypes,
			Condition: rl.Condition, Points: rl.Points, Window: retention(rl.Window), Decay: rl.Decay.String(),
			HalfLife: retention(rl.HalfLife), Counting: counting, Cap: rl.Cap, ReasonCode: rl.ReasonCode,
			ReasonText: rl.ReasonText, Group: rl.Group})
	}
	for _, ch := range c.Characteristics {
		cj := characteristicJSON{ID: ch.ID, Description: ch.Description, EventTypes: ch.EventTypes, Condition: ch.Condition,
			Aggregate: ch.Aggregate.String(), Field: ch.Field, Currency: ch.Currency, Window: retention(ch.Window), Bins: []binJSON{}, Other: ch.Other,
			ReasonCode: ch.ReasonCode, ReasonText: ch.ReasonText}
		for _, b := range ch.Bins {
			cj.Bins = append(cj.Bins, binJSON{From: b.From, Below: b.Below, Missing: b.Missing, Points: b.Points})
		}
		out.Characteristics = append(out.Characteristics, cj)
	}
	writeJSON(w, http.StatusOK, out)
}

// scorers returns the scorecard versions served now: take them once per
// request.
func (s *Server) scorers() (active, all []candor.Scorer) {
	if s.scorecards == nil {
		return nil, nil
	}
	return s.scorecards.Scorers()
}

// version returns version v of scorecard id, active or not, among those
// served now.
func (s *Server) version(id string, v int) candor.Scorer {
	_, all := s.scorers()
	for _, sc := range all {
		if c := sc.Scorecard(); c.ID == id && c.Version == v {
			return sc
		}
	}
	return nil
}

type countedJSON struct {
	ID         candor.EventID `json:"event_id"`
	Type       string         `json:"type"`
	OccurredAt time.Time      `json:"occurred_at"`
	Points     float64        `json:"points"`
}

type contributionJSON struct {
	Rule   string        `json:"rule"`
	Group  string        `json:"group,omitempty"`
	Points float64       `json:"points"`
	Events []countedJSON `json:"events"`
}

type reasonJSON struct {
	Code   string  `json:"code"`
	Text   string  `json:"text"`
	Rule   string  `json:"rule"`
	Points float64 `json:"points"`
}

type hintJSON struct {
	Rule   string           `json:"rule"`
	Events []candor.EventID `json:"events"`
	Points int              `json:"points"`
	Grade  string           `json:"grade"`
	Text   string           `json:"text"`
}

type scoreJSON struct {
	Scorecard     string             `json:"scorecard"`
	Version       int                `json:"version"`
	At            time.Time          `json:"at"`
	Points        int                `json:"points"`
	Grade         string             `json:"grade"`
	Benefits      []string           `json:"benefits"`
	Reasons       []reasonJSON       `json:"reasons"`
	Hints         []hintJSON         `json:"hints"`
	Contributions []contributionJSON `json:"contributions,omitempty"`
}

func scoreView(sc candor.Score, explain bool) scoreJSON {
	out := scoreJSON{Scorecard: sc.Scorecard, Version: sc.Version, At: sc.At, Points: sc.Points, Grade: sc.Grade,
		Benefits: append([]string{}, sc.Benefits...), Reasons: []reasonJSON{}, Hints: []hintJSON{}}
	for _, r := range sc.Reasons {
		out.Reasons = append(out.Reasons, reasonJSON(r))
	}
	for _, h := range sc.Hints {
		out.Hints = append(out.Hints, hintJSON{Rule: h.Rule, Events: h.Events, Points: h.Points, Grade: h.Grade, Text: h.Text})
	}
	if explain {
		out.Contributions = []contributionJSON{}
		for _, c := range sc.Contributions {
			cj := contributionJSON{Rule: c.Rule, Group: c.Group, Points: c.Points, Events: []countedJSON{}}
			for _, e := range c.Events {
				cj.Events = append(cj.Events, countedJSON(e))
			}
			out.Contributions = append(out.Contributions, cj)
		}
	}
	return out
}

// getScores is GET /v1/subjects/{id}/scores?at= (every scorecard for the
// subject's kind) and GET /v1/subjects/{id}/scores/{scorecard}?at= (one,
// with every contribution). Scores are computed at the instant asked for
// (default now) from the subject's own events: for the active versions from
// the matches stored with them, for earlier versions from the events.
func (s *Server) getScores(w http.ResponseWriter, r *http.Request, p *Principal) {
	at := s.now()
	if v := r.URL.Query().Get("at"); v != "" {
		t, err := parseInstant(v)
		if err != nil {
			s.writeError(w, r, candor.Errorf(candor.EINVALID, "at: want a date (2026-03-14) or an RFC 3339 timestamp"))
			return
		}
		at = t
	}
	card, version := r.PathValue("scorecard"), 0
	if v := r.URL.Query().Get("version"); v != "" && card != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			s.writeError(w, r, candor.Errorf(candor.EINVALID, "version: want a number"))
			return
		}
		if n < 1 {
			s.writeError(w, r, candor.Errorf(candor.ENOTFOUND, "no scorecard %s of that version", card))
			return
		}
		version = n
	}
	id, err := subjectOf(r, p)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	scores, err := s.profiles.Scores(r.Context(), id, card, version, at)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if card != "" {
		s.writeRead(w, r, p, id, scoreView(scores[0], true))
		return
	}
	out := make([]scoreJSON, len(scores))
	for i, sc := range scores {
		out[i] = scoreView(sc, false)
	}
	s.writeRead(w, r, p, id, map[string]any{"subject": id.String(), "scores": out})
}
