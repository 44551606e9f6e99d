package ui

import (
	"context"
	"fmt"
	"net/http"
	"strconv"

	"github.com/candor-project/candor"
)

// Disputes: a person contests a fact on the data page; the fact is set
// aside at once, and the disputes page follows every step.

type disputeView struct {
	*candor.Dispute
	Description string `json:"description"`
	SourceName  string `json:"source_name"`
}

type disputesView struct {
	Disputes     []disputeView
	MaxStatement int
}

// myDisputes returns the subject's disputes, newest first, or none if
// the portal has no dispute service.
func (s *Server) myDisputes(ctx context.Context, subject candor.SubjectID) ([]disputeView, error) {
	out := []disputeView{}
	if s.cfg.Disputes == nil {
		return out, nil
	}
	ds, err := s.cfg.Disputes.Of(ctx, subject)
	if err != nil {
		return nil, err
	}
	for _, d := range ds {
		v := disputeView{Dispute: d, SourceName: d.Source, Description: d.Type}
		if t := s.cfg.Catalogue.Type(d.Type); t != nil {
			v.Description = t.Description
		}
		if src, err := s.cfg.Store.Source(ctx, d.Source); err == nil {
			v.SourceName = src.Name
		}
		out = append(out, v)
	}
	return out, nil
}

func (s *Server) disputesPage(w http.ResponseWriter, r *http.Request, sess *session) {
	ds, err := s.myDisputes(r.Context(), sess.subject)
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
	s.render(w, r, http.StatusOK, "dispute_new", "Dispute a fact", "data", struct {
		Fact         factView
		MaxStatement int
	}{f, candor.MaxStatement})
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
	f, err := s.myFact(r.Context(), sess.subject, r.PostFormValue("fact"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d, err := s.cfg.Disputes.Open(r.Context(), sess.subject, f.ID, r.PostFormValue("statement"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.sessions.setFlash(sess, fmt.Sprintf("Dispute opened. The fact no longer counts in any score while %s looks at it; if they do not confirm it by %s, it is removed.",
		f.Source, d.Deadline.UTC().Format("2 Jan 2006")))
	http.Redirect(w, r, "/me/disputes", http.StatusSeeOther)
}
