package ui

import (
	"context"
	"net/http"
	"time"

	"github.com/candor-project/candor"
	"github.com/candor-project/candor/identity"
)

// LinkDisputes is what the portal needs of linked identities
// (identity.Service).
type LinkDisputes interface {
	Group(ctx context.Context, subject candor.SubjectID) (*identity.Group, error)
	Dispute(ctx context.Context, subject candor.SubjectID, link, statement string) (*candor.Link, *candor.Dispute, error)
}

// linkView is a standing link of the person's profile.
type linkView struct {
	ID     string
	Source string // the registry's name
	At     time.Time
}

// myLinks returns the standing links of subject's profile, none without
// Config.Links.
func (s *Server) myLinks(ctx context.Context, subject candor.SubjectID) ([]linkView, error) {
	if s.cfg.Links == nil {
		return nil, nil
	}
	g, err := s.cfg.Links.Group(ctx, subject)
	if err != nil {
		return nil, err
	}
	var out []linkView
	for _, l := range g.Links {
		name := l.Source
		if src, err := s.cfg.Registrar.Source(ctx, l.Source); err == nil {
			name = src.Name
		}
		out = append(out, linkView{ID: l.ID, Source: name, At: l.At})
	}
	return out, nil
}

// disputeLink is POST /me/links/dispute: the person disputes a link of
// their profile, which goes to review (identity.Service.Dispute).
func (s *Server) disputeLink(w http.ResponseWriter, r *http.Request, sess *session) {
	_, d, err := s.cfg.Links.Dispute(r.Context(), sess.subject, r.PostFormValue("link"), "The other identifier linked to my profile is not mine.")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	msg := "You disputed the link: your profiles are apart again. The registry may link them again only if it stands by it."
	if d != nil {
		msg = "You disputed the link: it goes to review. The registry has 30 days to stand by it; if it does not, your profiles are apart again."
	}
	s.sessions.setFlash(sess, localeOf(nil, r).T(msg))
	http.Redirect(w, r, "/me/data", http.StatusSeeOther)
}
