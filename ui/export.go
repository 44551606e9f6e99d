package ui

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/candor-project/candor"
)

// Download my data (GDPR Articles 15 and 20): everything the pages show,
// in one file, as JSON or as CSV, with the explanations of the grades.

type exportReason struct {
	Code   string  `json:"code"`
	Text   string  `json:"text"`
	Points float64 `json:"points"`
}

type exportContribution struct {
	Rule   string  `json:"rule"`
	Text   string  `json:"text"`
	Points float64 `json:"points"`
	Facts  int     `json:"facts"`
}

type exportGrade struct {
	Scorecard     string               `json:"scorecard"`
	Version       int                  `json:"version"`
	Title         string               `json:"title"`
	Purpose       candor.Purpose       `json:"purpose"`
	Grade         string               `json:"grade"`
	Meaning       string               `json:"meaning,omitempty"`
	Points        int                  `json:"points"`
	Benefits      []string             `json:"benefits"`
	Reasons       []exportReason       `json:"reasons"`
	Hints         []string             `json:"what_would_change_it"`
	Contributions []exportContribution `json:"contributions"`
}

type export struct {
	Subject         string         `json:"subject"`
	Kind            string         `json:"kind"`
	Identifiers     []string       `json:"identifiers"`
	At              time.Time      `json:"at"`
	Facts           []factView     `json:"facts"`
	Grades          []exportGrade  `json:"grades"`
	Consents        []consentView  `json:"consents"`
	Decisions       []decisionView `json:"decisions"`
	RefusedRequests []attemptView  `json:"refused_requests"`
	Disputes        []disputeView  `json:"disputes"`
	HowToContest    string         `json:"how_to_contest"`
}

// collect gathers everything about subject.
func (s *Server) collect(ctx context.Context, subject candor.SubjectID) (*export, error) {
	sub, err := s.cfg.Profiles.Subject(ctx, subject)
	if err != nil {
		return nil, err
	}
	x := &export{Subject: sub.ID.String(), Kind: sub.Kind.String(), Identifiers: []string{}, Grades: []exportGrade{},
		HowToContest: "Dispute any fact on the portal's My data page (it stops counting while the dispute is open), and ask for a human review of any decision on its Decisions page."}
	for _, id := range sub.Identifiers {
		x.Identifiers = append(x.Identifiers, id.String())
	}
	if x.Facts, err = s.myFacts(ctx, subject); err != nil {
		return nil, err
	}
	gv, err := s.myGrades(ctx, subject, localeAt(0))
	if err != nil {
		return nil, err
	}
	x.At = gv.At
	for _, g := range gv.Grades {
		eg := exportGrade{Scorecard: g.ID, Version: g.Version, Title: g.Title, Purpose: g.Purpose, Grade: g.Grade, Meaning: g.GradeText,
			Points: g.Points, Benefits: append([]string{}, g.Benefits...), Reasons: []exportReason{}, Hints: []string{}, Contributions: []exportContribution{}}
		for _, r := range g.Reasons {
			eg.Reasons = append(eg.Reasons, exportReason{r.Code, r.Text, r.Points})
		}
		for _, h := range g.Hints {
			eg.Hints = append(eg.Hints, h.Text)
		}
		for _, b := range g.Bars {
			eg.Contributions = append(eg.Contributions, exportContribution{b.Rule, b.Text, b.Points, b.Events})
		}
		x.Grades = append(x.Grades, eg)
	}
	_, names, err := s.parties(ctx)
	if err != nil {
		return nil, err
	}
	if x.Consents, err = s.myConsents(ctx, subject, names); err != nil {
		return nil, err
	}
	dv, err := s.myDecisions(ctx, subject, names)
	if err != nil {
		return nil, err
	}
	x.Decisions, x.RefusedRequests = dv.Decisions, dv.Attempts
	if x.Disputes, err = s.myDisputes(ctx, subject, localeAt(0)); err != nil {
		return nil, err
	}
	return x, nil
}

// attachment sends body as a download named after the day.
func (s *Server) attachment(w http.ResponseWriter, r *http.Request, contentType, ext string, body []byte) {
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="candor-my-data-%s.%s"`, s.now().UTC().Format(time.DateOnly), ext))
	s.send(w, r, http.StatusOK, contentType, body)
}

func (s *Server) exportJSON(w http.ResponseWriter, r *http.Request, sess *session) {
	x, err := s.collect(r.Context(), sess.subject)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	body, err := json.MarshalIndent(x, "", "  ")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.attachment(w, r, "application/json", "json", append(body, '\n'))
}

// exportCSV writes one row per record: a fact, a grade and each line of
// its explanation, a consent, a decision, a refused request.
func (s *Server) exportCSV(w http.ResponseWriter, r *http.Request, sess *session) {
	x, err := s.collect(r.Context(), sess.subject)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var buf bytes.Buffer
	cw := csv.NewWriter(&buf)
	day := func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.UTC().Format(time.DateOnly)
	}
	row := func(cells ...string) {
		for i, c := range cells { // a spreadsheet must not read a cell as a formula
			if c != "" && strings.ContainsRune("=+-@\t\r", rune(c[0])) {
				cells[i] = "'" + c
			}
		}
		cw.Write(cells)
	}
	row("record", "date", "what", "detail", "state", "until")
	for _, f := range x.Facts {
		var fs []string
		for _, fl := range f.Fields {
			fs = append(fs, fl.Name+"="+fl.Value)
		}
		row("fact", day(f.OccurredAt), f.Type, "source: "+f.Source+"; "+strings.Join(fs, "; "), f.State, day(f.ExpiresAt))
	}
	for _, g := range x.Grades {
		what := fmt.Sprintf("%s v%d", g.Scorecard, g.Version)
		row("grade", day(x.At), what, fmt.Sprintf("grade %s, %d points; %s", g.Grade, g.Points, g.Meaning), "", "")
		for _, rs := range g.Reasons {
			row("reason", day(x.At), what, fmt.Sprintf("%s (%g points)", rs.Text, rs.Points), "", "")
		}
		for _, h := range g.Hints {
			row("what_would_change_it", day(x.At), what, h, "", "")
		}
		for _, c := range g.Contributions {
			row("contribution", day(x.At), what, fmt.Sprintf("%s: %g points from %d facts", c.Text, c.Points, c.Facts), "", "")
		}
	}
	for _, c := range x.Consents {
		row("consent", day(c.GrantedAt), c.Party, fmt.Sprintf("code %s for %s", c.Code, c.Purpose), c.State, day(c.ExpiresAt))
	}
	for _, d := range x.Decisions {
		var reasons []string
		for _, rs := range d.Reasons {
			reasons = append(reasons, rs.Text)
		}
		detail := fmt.Sprintf("%s for %s: grade %s; reasons: %s", d.Benefit, d.Purpose, d.Grade, strings.Join(reasons, "; "))
		if d.Review != nil {
			detail += "; review asked: " + d.Review.Statement
			if !d.Review.ClosedAt.IsZero() {
				detail += fmt.Sprintf("; reviewed: %s, %s", d.Review.Outcome, d.Review.Rationale)
			}
		}
		row("decision", day(d.At), d.Party, detail, d.Outcome.String(), day(d.ValidUntil))
	}
	for _, d := range x.Disputes {
		detail := fmt.Sprintf("%s of %s from %s", d.Description, day(d.OccurredAt), d.SourceName)
		for _, st := range d.Steps {
			detail += fmt.Sprintf("; %s %s by %s", day(st.At), st.Status, st.By)
			if st.Note != "" {
				detail += ": " + st.Note
			}
		}
		row("dispute", day(d.OpenedAt), d.Type, detail, string(d.Status), day(d.Deadline))
	}
	for _, a := range x.RefusedRequests {
		row("refused_request", day(a.At), a.Party, fmt.Sprintf("for %s: %s", a.Purpose, a.Reason), "", "")
	}
	cw.Flush()
	s.attachment(w, r, "text/csv; charset=utf-8", "csv", buf.Bytes())
}
