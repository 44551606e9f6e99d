package ui

import (
	"net/http"
	"slices"
	"strings"

	"github.com/candor-project/candor"
	"github.com/candor-project/candor/erasure"
)

// The person's erasure page and scorecard opt-outs.

func (s *Server) erasurePage(w http.ResponseWriter, r *http.Request, sess *session) {
	plan, err := s.cfg.Erasure.Plan(r.Context(), sess.subject)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "erasure", "Erase my data", "data", localisePlan(plan, localeOf(nil, r)))
}

// localisePlan returns a copy of plan whose words are in l's language
// and whole sentences: categories' titles and statements, why each is
// kept, the kinds of records.
func localisePlan(plan *erasure.Plan, l locale) *erasure.Plan {
	p := *plan
	groups := func(gs []erasure.Group) []erasure.Group {
		out := slices.Clone(gs)
		for i := range out {
			g := &out[i]
			statement := l.data(sentence(g.Statement) + ".")
			g.Category, g.Statement = l.data(sentence(g.Category)), statement
			if what, ok := strings.CutPrefix(g.Reason, erasure.ReasonLegalObligation); ok && l.index != 0 {
				g.Reason = sentence(l.T("kept under a legal obligation: %s", lowerFirst(l.data(sentence(what)+"."))))
			} else if g.Reason != "" {
				g.Reason = sentence(g.Reason) + "."
			}
		}
		return out
	}
	records := func(rs []erasure.Records) []erasure.Records {
		out := slices.Clone(rs)
		for i := range out {
			out[i].Kind = sentence(l.T(out[i].Kind))
			if out[i].Reason != "" {
				out[i].Reason = sentence(l.T(out[i].Reason)) + "."
			}
		}
		return out
	}
	p.Erase, p.Keep, p.EraseRecord, p.KeepRecord = groups(p.Erase), groups(p.Keep), records(p.EraseRecord), records(p.KeepRecord)
	return &p
}

// erase carries out the erasure the page showed. After a whole erasure
// nothing is left to sign in as: every session of the person ends.
func (s *Server) erase(w http.ResponseWriter, r *http.Request, sess *session) {
	if r.PostFormValue("confirm") != "yes" {
		s.fail(w, r, candor.Errorf(candor.EINVALID, "Tick the box to confirm that you want your data erased; it cannot be undone."))
		return
	}
	plan, err := s.cfg.Erasure.Erase(r.Context(), sess.subject)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if plan.Whole { // its sessions ended with it (sessions.catchUpErasures)
		http.SetCookie(w, s.cookie(r, sessionCookie, "", -1))
		http.Redirect(w, r, "/erased", http.StatusSeeOther)
		return
	}
	n := 0
	for _, g := range plan.Erase {
		n += g.Facts
	}
	s.sessions.setFlash(sess, localeOf(nil, r).T("Erased %d facts and the records that rested on your consent. What the law makes Candor keep is listed below, with the date it drops off.", n))
	http.Redirect(w, r, "/me/erasure", http.StatusSeeOther)
}

// erased is the page a person sees once erased whole: public, as they no
// longer exist to be signed in.
func (s *Server) erased(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusOK, "erased", "Your data is erased", "", nil)
}

// markOptOuts says, for each grade, whether the person may opt out of its
// scorecard and whether they have.
func (s *Server) markOptOuts(r *http.Request, subject candor.SubjectID, v *gradesView) error {
	outs, err := s.cfg.OptOuts.OptOuts(r.Context(), subject)
	if err != nil {
		return err
	}
	for i := range v.Grades {
		g := &v.Grades[i]
		g.Optable = g.Purpose.RestsOnConsent()
		g.OptedOut = slices.ContainsFunc(outs, func(o *candor.OptOut) bool { return o.Scorecard == g.ID })
	}
	return nil
}

// optOut is POST /me/opt-outs {scorecard, action: out|in}.
func (s *Server) optOut(w http.ResponseWriter, r *http.Request, sess *session) {
	card := r.PostFormValue("scorecard")
	name := card
	l := localeOf(nil, r)
	active, _ := s.scorers()
	for _, c := range active {
		if sc := c.Scorecard(); sc.ID == card {
			name = l.data(sc.Title)
		}
	}
	var err error
	var msg string
	switch r.PostFormValue("action") {
	case "out":
		_, err = s.cfg.OptOuts.OptOut(r.Context(), sess.subject, card)
		msg = l.T("You opted out of %s: no relying party gets a decision from it, whatever consent you gave, until you opt back in.", name)
	case "in":
		err = s.cfg.OptOuts.OptIn(r.Context(), sess.subject, card)
		msg = l.T("You opted back in to %s: relying parties you give a consent to can get decisions from it again.", name)
	default:
		err = candor.Errorf(candor.EINVALID, "Choose to opt out or back in.")
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.sessions.setFlash(sess, msg)
	http.Redirect(w, r, "/me/grades", http.StatusSeeOther)
}
