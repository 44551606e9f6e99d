package ui

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/candor-project/candor"
)

// The signed-in person's pages. Every one reads only the session's
// subject: there is no parameter naming whose data to show.

type barView struct {
	Rule, Text string
	Points     float64
	Width      string // a CSS class, w0 to w100 in steps of 5
	Neg        bool
	Events     int
}

type gradeView struct {
	ID, Title, Link string
	Purpose         candor.Purpose
	Version         int
	Grade           string
	// GradeText says what the grade means for this person: the band's
	// description when nothing lowered it, else what did, from the facts.
	GradeText      string
	Points         int
	Min, Max, Base int
	Benefits       []string
	// BenefitText is what each benefit lets a relying party do.
	BenefitText []string
	Reasons     []candor.Reason
	Hints       []candor.Hint
	// Actions say, for each reason, what the person can do and when the
	// facts behind it stop counting; Next when the grade next changes if
	// nothing new happens (nil: not in the next two years).
	Actions  []actionView
	Next     *candor.GradeChange
	NextText string
	History  *historyChart // the past two years (the grades page only)
	Bars     []barView
	// Optable says the person may opt out of the scorecard (its purpose
	// rests on consent); OptedOut that they have.
	Optable, OptedOut bool
}

type gradesView struct {
	At     time.Time
	Grades []gradeView
}

func (s *Server) grades(w http.ResponseWriter, r *http.Request, sess *session) {
	l := localeOf(nil, r)
	v, err := s.myGrades(r.Context(), sess.subject, l)
	if err == nil {
		err = s.markOptOuts(r, sess.subject, &v)
	}
	if err == nil {
		var hs map[string]*historyChart
		if hs, err = s.histories(r.Context(), sess.subject, v.At, l); err == nil {
			for i := range v.Grades {
				v.Grades[i].History = hs[v.Grades[i].ID]
			}
		}
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "grades", "My grades", "grades", v)
}

// myGrades scores subject now under every active scorecard for its kind.
func (s *Server) myGrades(ctx context.Context, subject candor.SubjectID, l locale) (gradesView, error) {
	v := gradesView{At: s.now().UTC()}
	scores, err := s.cfg.Profiles.Scores(ctx, subject, "", 0, v.At)
	if err != nil {
		return v, err
	}
	_, all := s.scorers()
	for _, score := range scores {
		sc := publishedCard(all, score.Scorecard, score.Version)
		if sc == nil {
			return v, fmt.Errorf("ui: scored under %s v%d, which is not a scorecard published here", score.Scorecard, score.Version)
		}
		v.Grades = append(v.Grades, explain(sc, score, s.cfg.Catalogue, l))
	}
	return v, nil
}

// publishedCard returns version v of scorecard id among all, or nil. (The
// profile scored under the versions active when it read them; a Set since
// may have made another active, and the one scored under is still
// published.)
func publishedCard(all []candor.Scorer, id string, v int) *candor.Scorecard {
	for _, card := range all {
		if sc := card.Scorecard(); sc.ID == id && sc.Version == v {
			return sc
		}
	}
	return nil
}

// explain turns a score into what the grades page shows.
func explain(sc *candor.Scorecard, score candor.Score, cat *candor.Catalogue, l locale) gradeView {
	g := gradeView{ID: sc.ID, Title: l.data(sc.Title), Purpose: sc.Purpose, Version: sc.Version,
		Link:  "/scorecards/" + sc.ID + "/versions/" + strconv.Itoa(sc.Version),
		Grade: score.Grade, GradeText: gradeText(sc, score, l), Points: score.Points, Min: sc.Min, Max: sc.Max, Base: sc.Base,
		Benefits: score.Benefits, Reasons: score.Reasons, Hints: score.Hints, Actions: actions(sc, score, cat, l), Next: score.Next,
		NextText: nextText(sc, score.Grade, score.Next, l)}
	for _, name := range score.Benefits {
		title, desc := l.benefit(sc.Purpose, name)
		g.BenefitText = append(g.BenefitText, cmp.Or(desc, title))
	}
	largest := 0.0
	for _, c := range score.Contributions {
		largest = math.Max(largest, math.Abs(c.Points))
	}
	for _, c := range score.Contributions {
		b := barView{Rule: c.Rule, Text: c.Rule, Points: c.Points, Neg: c.Points < 0, Events: len(c.Events), Width: "w0"}
		for _, rl := range sc.Rules {
			if rl.ID == c.Rule {
				b.Text = l.data(rl.ReasonText)
			}
		}
		for _, ch := range sc.Characteristics {
			if ch.ID == c.Rule {
				b.Text = l.data(ch.ReasonText)
			}
		}
		if largest > 0 {
			b.Width = "w" + strconv.Itoa(int(math.Round(math.Abs(c.Points)/largest*20))*5)
		}
		g.Bars = append(g.Bars, b)
	}
	return g
}

// bandText is what a scorecard says its grade means.
func bandText(sc *candor.Scorecard, grade string) string {
	for _, b := range sc.Grades {
		if b.Grade == grade {
			return b.Description
		}
	}
	return ""
}

// factView is one fact, as the data page shows it and the export writes
// it.
type factView struct {
	ID          candor.EventID `json:"id"`
	Category    string         `json:"category"`
	Type        string         `json:"type"`
	Description string         `json:"description"`
	Title       string         `json:"title"` // what a person calls it
	Source      string         `json:"source"`
	OccurredAt  time.Time      `json:"occurred_at"`
	State       string         `json:"state"`
	ExpiresAt   time.Time      `json:"drops_off"`
	Fields      []fieldView    `json:"fields"`
	// Linked says the fact was posted under another of the person's
	// identifiers, linked to this one by a registry: it is disputed and
	// proved signed in with that identifier.
	Linked bool `json:"linked,omitempty"`
}

type fieldView struct {
	Name  string `json:"name"`
	Value string `json:"value"`
	// Label and Shown are the name and the value as the page shows them,
	// in its language.
	Label string `json:"-"`
	Shown string `json:"-"`
}

type categoryView struct {
	Name, Title, Statement string
	Facts                  []factView
}

type dataView struct {
	Identifiers []string   // every identifier held about the person, in words
	Links       []linkView // the standing links of the profile, each disputable
	Count       int
	Groups      []categoryView
	CanDispute  bool
	Proofs      bool // each fact has a proof download
}

func (s *Server) data(w http.ResponseWriter, r *http.Request, sess *session) {
	facts, err := s.myFacts(r.Context(), sess.subject)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	l := localeOf(nil, r)
	for i := range facts {
		s.localiseFact(&facts[i], l)
	}
	sub, err := s.cfg.Profiles.Subject(r.Context(), sess.subject)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v := dataView{Count: len(facts), CanDispute: s.cfg.Disputes != nil, Proofs: s.cfg.Proofs != nil}
	for _, id := range sub.Identifiers {
		v.Identifiers = append(v.Identifiers, l.scheme(id.Scheme)+" "+id.Value)
	}
	if v.Links, err = s.myLinks(r.Context(), sess.subject); err != nil {
		s.fail(w, r, err)
		return
	}
	for _, c := range candor.Categories() {
		p := c.Policy()
		g := categoryView{Name: p.Name, Title: l.data(sentence(p.Name)), Statement: l.data(sentence(p.Statement) + ".")}
		for _, f := range facts {
			if f.Category == p.Name {
				g.Facts = append(g.Facts, f)
			}
		}
		if len(g.Facts) > 0 {
			v.Groups = append(v.Groups, g)
		}
	}
	s.render(w, r, http.StatusOK, "data", "My data", "data", v)
}

// localiseFact puts f's title, field names and enum values in l's
// language.
func (s *Server) localiseFact(f *factView, l locale) {
	t := s.cfg.Catalogue.Type(f.Type)
	if t == nil {
		return
	}
	if t.Title != "" {
		f.Title = sentence(l.data(t.Title))
	}
	for i := range f.Fields {
		fl := &f.Fields[i]
		enum := false
		if spec := t.Field(fl.Name); spec != nil {
			enum = spec.Type == candor.FieldEnum
		}
		fl.Label, fl.Shown = l.field(fl.Name), l.fieldValue(fl.Name, fl.Value, enum)
	}
}

// myFacts returns every fact held about subject, newest first, with its
// state now and the date it drops off.
func (s *Server) myFacts(ctx context.Context, subject candor.SubjectID) ([]factView, error) {
	events, _, err := s.cfg.Profiles.Events(ctx, subject, candor.EventQuery{})
	if err != nil {
		return nil, err
	}
	now := s.now()
	sources := map[string]string{} // ID → name
	facts := make([]factView, 0, len(events))
	for _, e := range events {
		t := s.cfg.Catalogue.Type(e.Type)
		if t == nil {
			return nil, fmt.Errorf("ui: event %v has type %q, not in the catalogue", e.ID, e.Type)
		}
		name, ok := sources[e.Source]
		if !ok {
			name = e.Source
			if src, err := s.cfg.Registrar.Source(ctx, e.Source); err == nil {
				name = src.Name
			}
			sources[e.Source] = name
		}
		f := factView{ID: e.ID, Category: t.Category.String(), Description: t.Description, Title: sentence(cmp.Or(t.Title, t.Name)), Type: t.Name, Source: name,
			OccurredAt: e.OccurredAt, ExpiresAt: e.ExpiresAt(t), State: e.EffectiveState(t, now).String(), Fields: []fieldView{},
			Linked: e.Subject != subject}
		for _, fl := range e.Fields {
			f.Fields = append(f.Fields, fieldView{Name: fl.Name, Value: fl.Value.String(), Label: words(fl.Name), Shown: fl.Value.String()})
		}
		facts = append(facts, f)
	}
	slices.SortStableFunc(facts, func(a, b factView) int { return b.OccurredAt.Compare(a.OccurredAt) })
	return facts, nil
}

// sentence makes an identifier or a clause read as a sentence: words
// separated by spaces, the first capitalised.
func sentence(s string) string {
	s = strings.ReplaceAll(s, "_", " ")
	r, n := utf8.DecodeRuneInString(s)
	if n == 0 {
		return s
	}
	return string(unicode.ToUpper(r)) + s[n:]
}

type consentView struct {
	Code      string         `json:"code"`
	Party     string         `json:"relying_party"`
	Purpose   candor.Purpose `json:"purpose"`
	GrantedAt time.Time      `json:"granted_at"`
	ExpiresAt time.Time      `json:"expires_at"`
	State     string         `json:"state"`
}

type consentsView struct {
	Parties              []*candor.RelyingParty
	Purposes             []candor.Purpose
	MaxDays, DefaultDays int
	Consents             []consentView
}

const day = 24 * time.Hour

func (s *Server) consents(w http.ResponseWriter, r *http.Request, sess *session) {
	ctx := r.Context()
	parties, names, err := s.parties(ctx)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	mine, err := s.myConsents(ctx, sess.subject, names)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v := consentsView{Consents: mine, Parties: parties, MaxDays: int(candor.MaxConsentPeriod / day), DefaultDays: int(candor.DefaultConsentPeriod / day)}
	seen := map[candor.Purpose]bool{}
	for _, rp := range parties {
		for _, p := range rp.Purposes {
			seen[p] = true
		}
	}
	for _, p := range candor.Purposes() {
		if seen[p] {
			v.Purposes = append(v.Purposes, p)
		}
	}
	s.render(w, r, http.StatusOK, "consents", "Consents", "consents", v)
}

// myConsents returns subject's consents, newest first, naming relying
// parties by names.
func (s *Server) myConsents(ctx context.Context, subject candor.SubjectID, names map[string]string) ([]consentView, error) {
	cs, err := s.cfg.Consents.Consents(ctx, subject)
	now := s.now()
	out := []consentView{}
	for _, c := range cs {
		out = append(out, consentView{Code: c.Code, Party: cmp.Or(names[c.RelyingParty], c.RelyingParty),
			Purpose: c.Purpose, GrantedAt: c.GrantedAt, ExpiresAt: c.ExpiresAt, State: c.StateAt(now)})
	}
	return out, err
}

// parties returns the registered relying parties and their names by ID.
func (s *Server) parties(ctx context.Context) ([]*candor.RelyingParty, map[string]string, error) {
	rps, err := s.cfg.Parties.RelyingParties(ctx)
	names := map[string]string{}
	for _, rp := range rps {
		names[rp.ID] = rp.Name
	}
	return rps, names, err
}

// partyName is a relying party's name, or its ID if it has none.
func (s *Server) partyName(ctx context.Context, id string) string {
	if rp, err := s.cfg.Parties.RelyingParty(ctx, id); err == nil {
		return rp.Name
	}
	return id
}

func (s *Server) grant(w http.ResponseWriter, r *http.Request, sess *session) {
	purpose, ok := candor.ParsePurpose(r.PostFormValue("purpose"))
	if !ok {
		s.fail(w, r, candor.Errorf(candor.EINVALID, "Choose a purpose from the list."))
		return
	}
	days, err := strconv.Atoi(r.PostFormValue("days"))
	if err != nil || days < 1 || time.Duration(days)*day > candor.MaxConsentPeriod {
		s.fail(w, r, candor.Errorf(candor.EINVALID, "A consent lasts from 1 to %d days.", candor.MaxConsentPeriod/day))
		return
	}
	c, err := s.cfg.Consents.Grant(r.Context(), sess.subject, r.PostFormValue("relying_party"), purpose, time.Duration(days)*day)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	l := localeOf(nil, r)
	s.sessions.setFlash(sess, l.T("Consent given. Hand the code %s to %s; it works until %s.", c.Code, s.partyName(r.Context(), c.RelyingParty), l.D(c.ExpiresAt)))
	http.Redirect(w, r, "/me/consents", http.StatusSeeOther)
}

func (s *Server) revoke(w http.ResponseWriter, r *http.Request, sess *session) {
	c, err := s.cfg.Consents.Revoke(r.Context(), sess.subject, r.PostFormValue("code"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.sessions.setFlash(sess, localeOf(nil, r).T("Consent %s is revoked: %s can no longer use it.", c.Code, s.partyName(r.Context(), c.RelyingParty)))
	http.Redirect(w, r, "/me/consents", http.StatusSeeOther)
}

type decisionView struct {
	*candor.Decision
	Party string `json:"relying_party_name"`
	// BenefitText is what the benefit lets the relying party do;
	// BenefitTitle its name and ReasonTexts the reasons, in the page's
	// language.
	BenefitText  string   `json:"-"`
	BenefitTitle string   `json:"-"`
	ReasonTexts  []string `json:"-"`
	// CardTitle is the scorecard's title, in the page's language.
	CardTitle string `json:"-"`
}

type attemptView struct {
	Party   string         `json:"relying_party"`
	Purpose candor.Purpose `json:"purpose"`
	Reason  string         `json:"why_refused"`
	At      time.Time      `json:"at"`
}

type decisionsView struct {
	Decisions    []decisionView
	Attempts     []attemptView
	MaxStatement int
}

// refusalText says why a request was refused, in a person's words.
var refusalText = map[candor.ConsentRefusal]string{
	candor.RefusalNoConsent:            "it had no consent from you",
	candor.RefusalConsentExpired:       "your consent had ended",
	candor.RefusalConsentRevoked:       "you had revoked your consent",
	candor.RefusalWrongPurpose:         "your consent was for another purpose",
	candor.RefusalPurposeNotRegistered: "it is not registered for that purpose",
	candor.RefusalOptedOut:             "you had opted out of that scorecard",
}

func (s *Server) decisionsPage(w http.ResponseWriter, r *http.Request, sess *session) {
	ctx := r.Context()
	_, names, err := s.parties(ctx)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v, err := s.myDecisions(ctx, sess.subject, names)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	l := localeOf(nil, r)
	_, all := s.scorers()
	for i := range v.Decisions {
		d := &v.Decisions[i]
		d.BenefitTitle, d.BenefitText = l.benefit(d.Purpose, d.Benefit)
		d.CardTitle = d.Scorecard
		if sc := publishedCard(all, d.Scorecard, d.ScorecardVersion); sc != nil {
			d.CardTitle = l.data(sc.Title)
		}
		for _, rs := range d.Reasons {
			d.ReasonTexts = append(d.ReasonTexts, l.data(rs.Text))
		}
	}
	s.render(w, r, http.StatusOK, "decisions", "Decisions", "decisions", v)
}

// myDecisions returns the decisions about subject and the refused
// requests for them, newest first, naming relying parties by names.
func (s *Server) myDecisions(ctx context.Context, subject candor.SubjectID, names map[string]string) (decisionsView, error) {
	v := decisionsView{MaxStatement: candor.MaxStatement, Decisions: []decisionView{}, Attempts: []attemptView{}}
	ds, err := s.cfg.Decisions.Decisions(ctx, subject)
	if err != nil {
		return v, err
	}
	as, err := s.cfg.Decisions.Attempts(ctx, subject)
	if err != nil {
		return v, err
	}
	for _, d := range ds {
		dv := decisionView{Decision: d, Party: cmp.Or(names[d.RelyingParty], d.RelyingParty)}
		if b, ok := candor.LookupBenefit(d.Purpose, d.Benefit); ok {
			dv.BenefitText = b.Description
		}
		v.Decisions = append(v.Decisions, dv)
	}
	for _, a := range as {
		v.Attempts = append(v.Attempts, attemptView{Party: cmp.Or(names[a.RelyingParty], a.RelyingParty), Purpose: a.Purpose,
			Reason: cmp.Or(refusalText[a.Reason], string(a.Reason)), At: a.At})
	}
	return v, nil
}

func (s *Server) review(w http.ResponseWriter, r *http.Request, sess *session) {
	if _, err := s.cfg.Decisions.RequestReview(r.Context(), sess.subject, r.PathValue("id"), r.PostFormValue("statement")); err != nil {
		s.fail(w, r, err)
		return
	}
	s.sessions.setFlash(sess, localeOf(nil, r).T("Your request for a review is recorded. A person will look at the decision; its outcome will appear here."))
	http.Redirect(w, r, "/me/decisions", http.StatusSeeOther)
}
