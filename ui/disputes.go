package ui

import (
	"context"
	"net/http"
	"strconv"
	"strings"

	"github.com/candor-project/candor"
)

// Disputes: a person contests a fact on the data page; the fact is set
// aside at once, and the disputes page follows every step.

type disputeView struct {
	*candor.Dispute
	Title       string `json:"title"`
	Description string `json:"description"`
	SourceName  string `json:"source_name"`
	// Meaning says where the fact stands, in a sentence.
	Meaning string            `json:"meaning"`
	Steps   []disputeStepView `json:"steps"`
}

type disputeStepView struct {
	candor.DisputeStep
	Who string `json:"who"`
}

// typeTitle is what a fact of type name is called, in l's language: the
// catalogue's title ("Late loan instalment"), translated if it can be, or
// the name as words if it has none.
func (s *Server) typeTitle(name string, l locale) string {
	if t := s.cfg.Catalogue.Type(name); t != nil && t.Title != "" {
		return sentence(l.data(t.Title))
	}
	return sentence(strings.ReplaceAll(name, ".", " "))
}

// meaning says what a dispute's status means for the fact, to the person
// who disputed it, in l's language (operatorMeaning says it to an
// operator).
func meaning(d *candor.Dispute, source string, l locale) string {
	switch d.Status {
	case candor.DisputeOpen:
		return l.T("Set aside: the fact counts in none of %s grades until %s answers. If it does not confirm it by %s, it is removed.",
			l.T("your"), source, l.D(d.Deadline))
	case candor.DisputeVerified:
		return l.T("%s confirmed the fact: it counts again. You can ask for a person to review any decision it led to.", source)
	case candor.DisputeCorrected:
		return l.T("%s corrected the fact: its correction replaces it.", source)
	case candor.DisputeWithdrawn:
		return l.T("%s withdrew the fact: it is removed and counts nowhere.", source)
	}
	return l.T("%s did not confirm the fact within 30 days: it is removed and counts nowhere.", source)
}

// who names the author of a step for the person, in l's language.
func who(by string, d *candor.Dispute, source string, l locale) string {
	switch {
	case by == "subject":
		return l.T("you")
	case by == "candor":
		return l.T("Candor, as the deadline passed")
	case by == d.Source:
		return source
	case strings.HasPrefix(by, "operator "):
		return l.T("an operator, recording the answer of %s", source)
	}
	return by
}

type disputesView struct {
	Disputes     []disputeView
	MaxStatement int
}

// myDisputes returns the subject's disputes, newest first, or none if
// the portal has no dispute service.
func (s *Server) myDisputes(ctx context.Context, subject candor.SubjectID, l locale) ([]disputeView, error) {
	out := []disputeView{}
	if s.cfg.Disputes == nil {
		return out, nil
	}
	ds, err := s.cfg.Disputes.Of(ctx, subject)
	if err != nil {
		return nil, err
	}
	for _, d := range ds {
		v := disputeView{Dispute: d, Title: s.typeTitle(d.Type, l), SourceName: s.sourceName(ctx, d.Source)}
		if t := s.cfg.Catalogue.Type(d.Type); t != nil {
			v.Description = t.Description
		}
		v.Meaning = meaning(d, v.SourceName, l)
		for _, st := range d.Steps {
			v.Steps = append(v.Steps, disputeStepView{st, who(st.By, d, v.SourceName, l)})
		}
		out = append(out, v)
	}
	return out, nil
}

func (s *Server) disputesPage(w http.ResponseWriter, r *http.Request, sess *session) {
	ds, err := s.myDisputes(r.Context(), sess.subject, localeOf(nil, r))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "disputes", "Disputes", "disputes", disputesView{Disputes: ds, MaxStatement: candor.MaxStatement})
}

// disputeForm is GET /me/disputes/new?fact=ID: the fact and the form to
// dispute it.
func (s *Server) disputeForm(w http.ResponseWriter, r *http.Request, sess *session) {
	f, err := s.myFact(r.Context(), sess.subject, r.URL.Query().Get("fact"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	l := localeOf(nil, r)
	s.localiseFact(&f, l)
	s.render(w, r, http.StatusOK, "dispute_new", "Dispute a fact", "data", struct {
		Fact         factView
		Title        string
		MaxStatement int
	}{f, s.typeTitle(f.Type, l), candor.MaxStatement})
}

// myFact finds one of subject's facts by its ID. Errors: ENOTFOUND.
func (s *Server) myFact(ctx context.Context, subject candor.SubjectID, id string) (factView, error) {
	n, err := strconv.ParseUint(id, 10, 64)
	if err == nil {
		facts, err := s.myFacts(ctx, subject)
		if err != nil {
			return factView{}, err
		}
		for _, f := range facts {
			if f.ID == candor.EventID(n) {
				return f, nil
			}
		}
	}
	return factView{}, candor.Errorf(candor.ENOTFOUND, "You have no such fact.")
}

// openDispute is POST /me/disputes {fact, statement}.
func (s *Server) openDispute(w http.ResponseWriter, r *http.Request, sess *session) {
	// Open finds the fact among the person's own, or answers ENOTFOUND.
	id, err := strconv.ParseUint(r.PostFormValue("fact"), 10, 64)
	if err != nil {
		s.fail(w, r, candor.Errorf(candor.ENOTFOUND, "You have no such fact."))
		return
	}
	d, err := s.cfg.Disputes.Open(r.Context(), sess.subject, candor.EventID(id), r.PostFormValue("statement"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	l := localeOf(nil, r)
	s.sessions.setFlash(sess, l.T("Dispute opened. The fact no longer counts in any score while %s looks at it; if they do not confirm it by %s, it is removed.",
		s.sourceName(r.Context(), d.Source), l.D(d.Deadline)))
	http.Redirect(w, r, "/me/disputes", http.StatusSeeOther)
}
