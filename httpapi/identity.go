package httpapi

import (
	"fmt"
	"net/http"
	"time"

	"github.com/candor-project/candor"
	"github.com/candor-project/candor/identity"
)

// Linked identities: POST /v1/identity/links, for registries.

// linkRequest is the body of POST /v1/identity/links, flat as every
// control body is: a registry's fact that the subject of kind, named by
// scheme and value, is also named by other_scheme and other_value
// (identity.linked), or that an earlier such fact was wrong
// (identity.unlinked).
type linkRequest struct {
	ID          string `json:"id"`
	Type        string `json:"type"`
	Kind        string `json:"kind"`
	Scheme      string `json:"scheme"`
	Value       string `json:"value"`
	OtherScheme string `json:"other_scheme"`
	OtherValue  string `json:"other_value"`
}

// The two link fact types.
const (
	typeLinked   = "identity.linked"
	typeUnlinked = "identity.unlinked"
)

// parsedLink is a checked link request.
type parsedLink struct {
	ref           string
	unlink        bool
	first, second candor.Identifier
}

// parseLinkRequest decodes and checks a link fact, naming every problem.
// Errors: EMALFORMED for a body that is not the object expected, EINVALID
// listing the problems.
func parseLinkRequest(body []byte) (parsedLink, error) {
	var req linkRequest
	if err := decodeJSON(body, &req); err != nil {
		return parsedLink{}, err
	}
	var out parsedLink
	var problems []candor.Problem
	add := func(field, format string, args ...any) {
		problems = append(problems, candor.Problem{Field: field, Reason: fmt.Sprintf(format, args...)})
	}
	if reason := candor.CheckSourceEventID(req.ID); reason != "" || len(req.ID) > candor.MaxLinkString {
		add("id", "required, printable, at most %d bytes", candor.MaxLinkString)
	}
	out.ref = req.ID
	switch req.Type {
	case typeLinked:
	case typeUnlinked:
		out.unlink = true
	default:
		add("type", "must be %s or %s", typeLinked, typeUnlinked)
	}
	kind, kindOK := candor.ParseSubjectKind(req.Kind)
	if !kindOK {
		add("kind", "must be person or organisation")
	}
	ident := func(field, scheme, value string) candor.Identifier {
		s, ok := candor.ParseScheme(scheme)
		switch {
		case !ok:
			add(field+"scheme", "unknown identifier scheme %q", clip(scheme))
		case kindOK && !s.AppliesTo(kind):
			add(field+"scheme", "%s does not identify %s", s, kind.Noun())
		default:
			id, err := candor.NormaliseIdentifier(s, value)
			if err != nil {
				add(field+"value", "%s", candor.ErrorMessage(err))
			}
			return id
		}
		return candor.Identifier{}
	}
	out.first = ident("", req.Scheme, req.Value)
	out.second = ident("other_", req.OtherScheme, req.OtherValue)
	if len(problems) > 0 {
		return parsedLink{}, &candor.Error{Code: candor.EINVALID, Message: "the link fact is not valid", Details: problems}
	}
	return out, nil
}

// clip shortens what is echoed back in a message.
func clip(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}

// linkJSON answers a link fact.
type linkJSON struct {
	Link string    `json:"link"`
	Type string    `json:"type"`
	At   time.Time `json:"at"`
}

// postLink is POST /v1/identity/links: a registry links two identifiers
// of one subject, whose profiles become one, or undoes such a link.
func (s *Server) postLink(w http.ResponseWriter, r *http.Request, p *Principal) {
	bp, err := s.readBody(w, r, maxControlBody)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	req, err := parseLinkRequest(*bp)
	s.bufs.Put(bp)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	ir := identity.Request{Source: p.Source, Ref: req.ref, First: req.first, Second: req.second}
	op, typ := s.identity.Link, typeLinked
	if req.unlink {
		op, typ = s.identity.Unlink, typeUnlinked
	}
	l, err := op(r.Context(), ir)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, linkJSON{Link: l.ID, Type: typ, At: l.At})
}

// myLinkJSON is a standing link of the subject's profile, as its subject
// sees it.
type myLinkJSON struct {
	Link   string    `json:"link"`
	Source string    `json:"source"`
	At     time.Time `json:"at"`
}

// getMyLinks is GET /v1/me/links: the standing links of the subject's
// profile, each of which the subject may dispute.
func (s *Server) getMyLinks(w http.ResponseWriter, r *http.Request, p *Principal) {
	g, err := s.identity.Group(r.Context(), p.Subject)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	out := []myLinkJSON{}
	for _, l := range g.Links {
		out = append(out, myLinkJSON{Link: l.ID, Source: l.Source, At: l.At})
	}
	s.writeDisclosure(w, r, p, p.Subject, "the subject's own read", http.StatusOK, map[string]any{"links": out})
}

// postLinkDispute is POST /v1/me/links/{link}/dispute: the subject says
// the link is wrong; it stops counting at once (identity.Service.Dispute).
func (s *Server) postLinkDispute(w http.ResponseWriter, r *http.Request, p *Principal) {
	l, err := s.identity.Dispute(r.Context(), p.Subject, r.PathValue("link"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, linkJSON{Link: l.ID, Type: typeUnlinked, At: l.At})
}
