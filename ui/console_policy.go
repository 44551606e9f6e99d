package ui

import (
	"cmp"
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/candor-project/candor"
)

// The console's scorecard and population pages. The passes over the
// population they start run in the background, one at a time (passes);
// a page shows what runs, reloads itself until it is done, and then shows
// the result.

// versionView is a scorecard version as the console lists it.
type versionView struct {
	Value                  string // "id/version", the form value naming it
	ID, Title, Kind        string
	Purpose                candor.Purpose
	Version                int
	State                  string // active, superseded or proposed
	ProposedBy, ApprovedBy string
	ProposedAt, ApprovedAt time.Time
	// Audit is the latest fairness audit of its source; NeedsAudit says
	// it cannot be approved without one (any version for a purpose
	// resting on consent).
	Audit      *candor.FairnessAudit
	NeedsAudit bool
	card       *candor.Scorecard
}

type scorecardsConsoleView struct {
	// Admin is set for a policy administrator who may propose and
	// approve here; Me is their name, to tell their own proposals.
	Admin               bool
	Me                  string
	Published, Proposed []versionView
	Candidates, Active  []versionView
	Running             string // the pass under way, if any
	Since               time.Time
	Last                *simulation
}

func (v scorecardsConsoleView) refreshAfter() int { return refreshWhile(v.Running) }

// refreshWhile is how often a page showing a pass under way reloads.
func refreshWhile(running string) int {
	if running != "" {
		return 3
	}
	return 0
}

// simulation is the last simulation run, shown to everyone who may see
// the scorecards page: counts only.
type simulation struct {
	Candidate, Baseline string // versions, as "id/version"
	At                  time.Time
	Took                time.Duration
	Result              *matrixView
	Err                 string // why it failed
}

// in returns the simulation with its chart's words in l's language.
func (sim *simulation) in(l locale) *simulation {
	if sim == nil || sim.Result == nil {
		return sim
	}
	c, res := *sim, *sim.Result
	res.Chart = bubbles(res, l)
	c.Result = &res
	return &c
}

func versionValue(id string, v int) string { return id + "/" + strconv.Itoa(v) }

// versions returns every published version, with those this server
// serves marked active, and every proposal awaiting approval.
func (s *Server) versions(ctx context.Context) (published, proposed []versionView, err error) {
	vs, err := s.cfg.History.Versions(ctx)
	if err != nil {
		return nil, nil, err
	}
	for _, v := range vs {
		sc := v.Scorecard
		x := versionView{Value: versionValue(sc.ID, sc.Version), ID: sc.ID, Title: sc.Title, Kind: sc.SubjectKind.String(),
			Purpose: sc.Purpose, Version: sc.Version, State: string(v.State), card: sc,
			ProposedBy: v.ProposedBy, ProposedAt: v.ProposedAt, ApprovedBy: v.ApprovedBy, ApprovedAt: v.ApprovedAt,
			Audit: v.Audit, NeedsAudit: sc.Purpose.RestsOnConsent()}
		if v.Shipped {
			x.ProposedBy, x.ApprovedBy = "shipped", "shipped"
		}
		if v.State == candor.VersionProposed {
			proposed = append(proposed, x)
		} else {
			published = append(published, x)
		}
	}
	return published, proposed, nil
}

// proposals returns the versions awaiting a second administrator.
func (s *Server) proposals(ctx context.Context) ([]versionView, error) {
	_, p, err := s.versions(ctx)
	return p, err
}

// scorecardsView lists the versions and the choices for a simulation.
func (s *Server) scorecardsView(ctx context.Context) (scorecardsConsoleView, error) {
	var v scorecardsConsoleView
	published, proposed, err := s.versions(ctx)
	if err != nil {
		return v, err
	}
	v.Published, v.Proposed = published, proposed
	v.Candidates = append(v.Candidates, proposed...)
	for _, p := range published {
		if p.State == "active" {
			v.Active = append(v.Active, p)
		} else {
			v.Candidates = append(v.Candidates, p)
		}
	}
	return v, nil
}

func (s *Server) consoleScorecards(w http.ResponseWriter, r *http.Request, sess *session) {
	v, err := s.scorecardsView(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	l := localeOf(nil, r)
	for _, vs := range [][]versionView{v.Published, v.Proposed} {
		for i := range vs {
			vs[i].Title = l.data(vs[i].Title)
		}
	}
	running, since := s.passes.status()
	v.Running, v.Since = running.in(l), since
	s.resultsMu.Lock()
	v.Last = s.simulation.in(l)
	s.resultsMu.Unlock()
	if s.cfg.Policy != nil && sess.role == candor.RolePolicyAdmin {
		v.Admin = true
		v.Me, _ = candor.NormalisePrincipal(sess.label)
	}
	s.render(w, r, http.StatusOK, "console_scorecards", "Scorecards", "console-scorecards", v)
}

// actingKey returns the API key the session signed in with, to act with.
func (s *Server) actingKey(ctx context.Context, sess *session) (*candor.APIKey, error) {
	key, err := s.cfg.Registrar.Key(ctx, sess.keyID)
	if err != nil || key.Revoked() {
		return nil, candor.Errorf(candor.EFORBIDDEN, "The key you signed in with is no longer valid: sign in again.")
	}
	return key, nil
}

// propose stores the scorecard file pasted in the form as a proposal,
// with the signed-in administrator's key, as candor policy propose does.
func (s *Server) propose(w http.ResponseWriter, r *http.Request, sess *session) {
	key, err := s.actingKey(r.Context(), sess)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	file := strings.TrimSpace(r.PostFormValue("file"))
	if file == "" {
		file = "scorecard.yaml"
	}
	v, err := s.cfg.Policy.Propose(r.Context(), key, file, []byte(r.PostFormValue("source")))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.log.Info("ui: console proposed a scorecard version", "by", sess.label, "scorecard", v.Scorecard.ID, "version", v.Scorecard.Version)
	s.sessions.setFlash(sess, localeOf(nil, r).T("%s version %d is proposed: a second policy administrator approves it here.", v.Scorecard.ID, v.Scorecard.Version))
	http.Redirect(w, r, "/console/scorecards", http.StatusSeeOther)
}

// approve approves a proposed version with the signed-in administrator's
// key (not the one who proposed it), as candor policy approve does; the
// server then activates and serves it.
func (s *Server) approve(w http.ResponseWriter, r *http.Request, sess *session) {
	key, err := s.actingKey(r.Context(), sess)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	id, n, ok := strings.Cut(r.PostFormValue("version"), "/")
	version, err := strconv.Atoi(n)
	if !ok || err != nil {
		s.fail(w, r, localeOf(nil, r).Errorf(candor.EINVALID, "Choose a version to approve."))
		return
	}
	v, err := s.cfg.Policy.Approve(r.Context(), key, id, version)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.log.Info("ui: console approved a scorecard version", "by", sess.label, "scorecard", id, "version", version)
	s.sessions.setFlash(sess, localeOf(nil, r).T("%s version %d is approved: it is served once its matches with the facts stored before are stored, in moments.", v.Scorecard.ID, v.Scorecard.Version))
	http.Redirect(w, r, "/console/scorecards", http.StatusSeeOther)
}

// simulate starts scoring the population under an active version and a
// candidate, for the grade migration the scorecards page then shows.
func (s *Server) simulate(w http.ResponseWriter, r *http.Request, sess *session) {
	v, err := s.scorecardsView(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	find := func(vs []versionView, value string) *candor.Scorecard {
		for _, x := range vs {
			if x.Value == value {
				return x.card
			}
		}
		return nil
	}
	sim := &simulation{Candidate: r.PostFormValue("candidate"), Baseline: r.PostFormValue("baseline")}
	cand, base := find(append(v.Candidates, v.Active...), sim.Candidate), find(v.Active, sim.Baseline)
	if cand != nil && sim.Baseline == "" { // the default: what the candidate would replace
		if b := matchingBaseline(v.Active, cand); b != nil {
			sim.Baseline, base = b.Value, b.card
		}
	}
	if cand == nil || base == nil {
		s.fail(w, r, localeOf(nil, r).Errorf(candor.EINVALID, "Choose a version to simulate and an active version to compare it with."))
		return
	}
	if cand.SubjectKind != base.SubjectKind {
		s.fail(w, r, candor.Errorf(candor.EINVALID, "%s is for %ss and %s for %ss: compare versions for the same kind of subject.",
			sim.Candidate, cand.SubjectKind, sim.Baseline, base.SubjectKind))
		return
	}
	start := s.now()
	what := passLabel{"simulating %s against %s", []any{sim.Candidate, sim.Baseline}}
	started := s.passes.start(what, start, func(ctx context.Context) {
		sim.At = start.UTC()
		m, err := s.cfg.Population.GradeMigration(ctx, base, cand, sim.At)
		if err != nil {
			s.log.Error("ui: console simulation", "err", err)
			sim.Err = candor.ErrorMessage(err)
		} else {
			mv := migrationView(m)
			sim.Result = &mv
		}
		sim.Took = s.now().Sub(start)
		s.resultsMu.Lock()
		s.simulation = sim
		s.resultsMu.Unlock()
	})
	l := localeOf(nil, r)
	if started {
		s.log.Info("ui: console pass", "by", sess.label, "what", what.in(localeAt(0)))
		s.sessions.setFlash(sess, l.T("Simulation started. This page shows its result when it is done."))
	} else {
		s.sessions.setFlash(sess, l.T("A pass over the population is under way already; start yours when it is done."))
	}
	http.Redirect(w, r, "/console/scorecards#simulation", http.StatusSeeOther)
}

// matchingBaseline returns the active version a candidate would be
// compared with by default: the active version of the same scorecard, or
// else one for the same purpose and kind of subject; nil if none.
func matchingBaseline(active []versionView, cand *candor.Scorecard) *versionView {
	for i := range active {
		if active[i].card.ID == cand.ID {
			return &active[i]
		}
	}
	for i := range active {
		if c := active[i].card; c.Purpose == cand.Purpose && c.SubjectKind == cand.SubjectKind {
			return &active[i]
		}
	}
	return nil
}

type distView struct {
	Title, ID string
	Version   int
	Kind      string
	Rows      []gradeRow
	Total     countView
	Chart     barChart
}

type gradeRow struct {
	Grade string
	Count countView
}

type populationView struct {
	At      time.Time
	Took    time.Duration
	Stale   bool // a scorecard served now has no counts
	Cards   []distView
	Running string // the pass under way, if any
	Since   time.Time
	Err     string // why the last recount failed
	// Epsilon and Margin: the noise the counts carry.
	Epsilon float64
	Margin  int64
}

func (v populationView) refreshAfter() int { return refreshWhile(v.Running) }

// census returns the last census counted, or nil.
func (s *Server) census(ctx context.Context) (*candor.GradeCensus, error) {
	s.resultsMu.Lock()
	defer s.resultsMu.Unlock()
	if s.distribution != nil {
		return s.distribution, nil
	}
	g, err := s.cfg.Population.Census(ctx)
	s.distribution = g
	return g, err
}

func (s *Server) populationPage(w http.ResponseWriter, r *http.Request, sess *session) {
	g, err := s.census(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	l := localeOf(nil, r)
	v := populationView{}
	running, since := s.passes.status()
	v.Running, v.Since = running.in(l), since
	s.resultsMu.Lock()
	v.Err = s.recountErr
	s.resultsMu.Unlock()
	if g != nil {
		v.At, v.Took, v.Epsilon, v.Margin = g.At, g.Took, g.Epsilon, g.Margin
		byKey := map[string]candor.GradeDistribution{}
		for _, c := range g.Cards {
			byKey[versionValue(c.ID, c.Version)] = c
		}
		active, _ := s.scorers()
		for _, c := range active {
			sc := c.Scorecard()
			counts, ok := byKey[versionValue(sc.ID, sc.Version)]
			if !ok {
				v.Stale = true
				continue
			}
			d := distView{Title: l.data(sc.Title), ID: sc.ID, Version: sc.Version, Kind: sc.SubjectKind.String()}
			var cs []countView
			for _, b := range sc.Grades {
				c := count(counts.Grades[b.Grade])
				d.Rows = append(d.Rows, gradeRow{b.Grade, c})
				cs = append(cs, c)
			}
			d.Total = total(counts.Total, cs)
			d.Chart = columns(l.T("%s by grade under %s v%d", sentence(l.Kinds(d.Kind)), sc.ID, sc.Version), d.Rows, l)
			v.Cards = append(v.Cards, d)
		}
	}
	s.render(w, r, http.StatusOK, "console_population", "Population", "console-population", v)
}

// recompute starts counting the grades of the whole population under
// every active scorecard, from the matches stored, and caching the counts.
func (s *Server) recompute(w http.ResponseWriter, r *http.Request, sess *session) {
	start := s.now()
	started := s.passes.start(passLabel{Key: "counting grades"}, start, func(ctx context.Context) {
		err := s.recount(ctx, start)
		msg := ""
		if err != nil {
			s.log.Error("ui: console recount", "err", err)
			msg = candor.ErrorMessage(err)
		}
		s.resultsMu.Lock()
		s.recountErr = msg
		s.resultsMu.Unlock()
	})
	l := localeOf(nil, r)
	if started {
		s.log.Info("ui: console pass", "by", sess.label, "what", "counting grades")
		s.sessions.setFlash(sess, l.T("Counting started. This page shows the new counts when it is done."))
	} else {
		s.sessions.setFlash(sess, l.T("A pass over the population is under way already; start yours when it is done."))
	}
	http.Redirect(w, r, "/console/population", http.StatusSeeOther)
}

// recount counts the grades and caches the census.
func (s *Server) recount(ctx context.Context, start time.Time) error {
	g, err := s.cfg.Population.CountGrades(ctx, start.UTC())
	if err != nil {
		return err
	}
	s.resultsMu.Lock()
	s.distribution = g
	s.resultsMu.Unlock()
	return nil
}

// The human-review queue, for reviewers.

type queueItem struct {
	ID, Party string
	Purpose   candor.Purpose
	Requested time.Time
	Waiting   time.Duration
}

type queueView struct{ Reviews []queueItem }

// reviewQueue lists the open reviews, oldest first, with nothing about
// their subjects: the reviewer opens one case at a time.
func (s *Server) reviewQueue(w http.ResponseWriter, r *http.Request, sess *session) {
	ctx := r.Context()
	ds, err := s.cfg.Decisions.OpenReviews(ctx)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	_, names, err := s.parties(ctx)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v := queueView{}
	now := s.now()
	for _, d := range ds {
		v.Reviews = append(v.Reviews, queueItem{ID: d.ID, Party: names[d.RelyingParty], Purpose: d.Purpose,
			Requested: d.Review.RequestedAt, Waiting: now.Sub(d.Review.RequestedAt)})
	}
	s.render(w, r, http.StatusOK, "console_reviews", "Reviews", "console-reviews", v)
}

type reviewCaseView struct {
	D     *candor.Decision
	Party string
	Card  string
	// Benefit and Reasons are the decision's, in the page's language.
	Benefit string
	Reasons []string
	// Score is the score the decision rests on, reproduced and explained
	// as the person sees it; Parts what each rule or characteristic
	// added, with the facts it counted.
	Score gradeView
	Parts []reviewPart
}

// reviewPart is one contribution to the score under review.
type reviewPart struct {
	Text   string
	Points float64
	Facts  []reviewFact
}

// reviewFact is one fact a contribution counted, as a reviewer checks it.
type reviewFact struct {
	Title, Source, State string
	OccurredAt           time.Time
	Fields               []fieldView
	Points               float64
}

// reviewCase shows one decision under review, recorded as a read of its
// subject's data (fail closed).
func (s *Server) reviewCase(w http.ResponseWriter, r *http.Request, sess *session) {
	ctx := r.Context()
	d, score, err := s.cfg.Decisions.Review(ctx, r.PathValue("id"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if d.Review == nil || !d.Review.ClosedAt.IsZero() {
		s.fail(w, r, localeOf(nil, r).Errorf(candor.ENOTFOUND, "No review of decision %s is open.", candor.Clip(d.ID, 40)))
		return
	}
	_, names, err := s.parties(ctx)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	l := localeOf(nil, r)
	v := reviewCaseView{D: d, Party: names[d.RelyingParty], Card: fmt.Sprintf("%s v%d", d.Scorecard, d.ScorecardVersion), Benefit: l.Word(d.Benefit)}
	for _, rs := range d.Reasons {
		v.Reasons = append(v.Reasons, l.data(rs.Text))
	}
	if v.Score, v.Parts, err = s.reviewBasis(ctx, d, score, l); err != nil {
		s.fail(w, r, err)
		return
	}
	a := &candor.Access{Subject: d.Subject, Principal: sess.keyID, Role: sess.role,
		Purpose: candor.ReadHumanReview.String(), Action: candor.Clip(r.Method+" "+r.URL.Path, 200)}
	s.renderRecorded(w, r, "console_review", l.T("Review of decision %s", d.ID), "console-reviews", v, a)
}

// reviewBasis explains the score a decision under review rests on, with
// each contribution's facts: their fields and their states now, in l's
// language.
func (s *Server) reviewBasis(ctx context.Context, d *candor.Decision, score candor.Score, l locale) (gradeView, []reviewPart, error) {
	_, all := s.scorers()
	sc := publishedCard(all, d.Scorecard, d.ScorecardVersion)
	if sc == nil {
		return gradeView{}, nil, fmt.Errorf("ui: decision %s rests on %s v%d, which is not published here", d.ID, d.Scorecard, d.ScorecardVersion)
	}
	facts, err := s.myFacts(ctx, d.Subject)
	if err != nil {
		return gradeView{}, nil, err
	}
	byID := map[candor.EventID]factView{}
	for _, f := range facts {
		// A court order's text is for the person and the court register
		// alone.
		fields := make([]fieldView, len(f.Fields))
		for i, fl := range f.Fields {
			fields[i] = fl
			if t := s.cfg.Catalogue.Type(f.Type); t != nil {
				if spec := t.Field(fl.Name); spec != nil && spec.Type == candor.FieldText {
					fields[i].Value = l.T("(withheld: shown only to the person and the court register)")
				}
			}
		}
		f.Fields = fields
		byID[f.ID] = f
	}
	g := explain(sc, score, s.cfg.Catalogue, l)
	var parts []reviewPart
	for i, c := range score.Contributions {
		p := reviewPart{Text: g.Bars[i].Text, Points: c.Points}
		for _, e := range c.Events {
			f := byID[e.ID] // absent if erased since: then its type and date only
			rf := reviewFact{Title: s.typeTitle(e.Type, l), Source: f.Source, State: cmp.Or(f.State, "no longer held"), OccurredAt: e.OccurredAt, Fields: f.Fields, Points: e.Points}
			p.Facts = append(p.Facts, rf)
		}
		parts = append(parts, p)
	}
	return g, parts, nil
}

// closeReview closes a review with the reviewer's outcome and rationale.
func (s *Server) closeReview(w http.ResponseWriter, r *http.Request, sess *session) {
	outcome, _ := candor.ParseOutcome(r.PostFormValue("outcome"))
	d, err := s.cfg.Decisions.CloseReview(r.Context(), sess.label, r.PathValue("id"), outcome, strings.TrimSpace(r.PostFormValue("rationale")))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	l := localeOf(nil, r)
	what := l.T("upheld")
	if d.Overturned() {
		what = l.T("overturned")
	}
	s.sessions.setFlash(sess, l.T("Review of decision %s closed: the decision is %s.", d.ID, what))
	http.Redirect(w, r, "/console/reviews", http.StatusSeeOther)
}
