package ui

import (
	"fmt"
	"net/http"
	"slices"

	"github.com/candor-project/candor"
)

// The person's erasure page and scorecard opt-outs.

func (s *Server) erasurePage(w http.ResponseWriter, r *http.Request, sess *session) {
	plan, err := s.cfg.Erasure.Plan(r.Context(), sess.subject)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "erasure", "Erase my data", "data", plan)
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
	s.sessions.setFlash(sess, fmt.Sprintf("Erased %d facts and the records that rested on your consent. What the law makes Candor keep is listed below, with the date it drops off.", n))
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
	active, _ := s.scorers()
	for _, c := range active {
		if sc := c.Scorecard(); sc.ID == card {
			name = sc.Title
		}
	}
	var err error
	var msg string
	switch r.PostFormValue("action") {
	case "out":
		_, err = s.cfg.OptOuts.OptOut(r.Context(), sess.subject, card)
		msg = "You opted out of " + name + ": no relying party gets a decision from it, whatever consent you gave, until you opt back in."
	case "in":
		err = s.cfg.OptOuts.OptIn(r.Context(), sess.subject, card)
		msg = "You opted back in to " + name + ": relying parties you give a consent to can get decisions from it again."
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
