package httpapi

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/candor-project/candor"
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
	OccurredAt  string `json:"occurred_at"`
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
	req           linkRequest
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
	if req.OccurredAt != "" {
		if _, err := time.Parse(time.RFC3339, req.OccurredAt); err != nil {
			add("occurred_at", "must be an RFC 3339 timestamp like 2026-03-14T00:00:00Z")
		}
	}
	if len(problems) > 0 {
		return parsedLink{}, &candor.Error{Code: candor.EINVALID, Message: "the link fact is not valid", Details: problems}
	}
	out.req = req
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
	Link      string    `json:"link"`
	Type      string    `json:"type"`
	At        time.Time `json:"at"`
	Duplicate bool      `json:"duplicate,omitempty"` // the fact was posted before: nothing changed
}

// factIngester is the ingester's way to take facts already decoded
// (ingest.Pipeline has it).
type factIngester interface {
	Ingest(ctx context.Context, src *candor.Source, inputs []candor.EventInput, decodeProblems []candor.Problem) (candor.IngestResult, error)
}

// input is the link fact as an event (candor.TypeLinked, TypeUnlinked),
// as a registry would post it to POST /v1/events. Without occurred_at it
// occurred at the start of the day (UTC) it is posted: posted again with
// the same ID that day, it is a duplicate.
func (l *parsedLink) input(now time.Time) candor.EventInput {
	occurred := l.req.OccurredAt
	if occurred == "" {
		occurred = now.UTC().Truncate(24 * time.Hour).Format(time.RFC3339)
	}
	str := func(name, v string) candor.RawField {
		return candor.RawField{Name: name, Value: candor.RawValue{Kind: candor.RawString, Text: v}}
	}
	return candor.EventInput{ID: l.req.ID, Type: l.req.Type, OccurredAt: occurred,
		Subject: candor.SubjectRef{Kind: l.req.Kind, Scheme: l.req.Scheme, Value: l.req.Value},
		Fields:  []candor.RawField{str(candor.LinkFieldScheme, l.req.OtherScheme), str(candor.LinkFieldValue, l.req.OtherValue)}}
}

// postLink is POST /v1/identity/links: a registry links two identifiers
// of one subject, whose profiles become one, or undoes such a link. It
// is one link fact posted through the ingest pipeline, as POST
// /v1/events takes it: an identifier no profile has is reserved by a
// link, and the fact's ID is its idempotency key.
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
	fi, ok := s.ingest.(factIngester)
	if !ok {
		s.writeError(w, r, candor.Errorf(candor.EUNAVAILABLE, "this node takes no link facts"))
		return
	}
	res, err := fi.Ingest(r.Context(), p.Source, []candor.EventInput{req.input(time.Now())}, nil)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if len(res.Links) == 0 { // posted before
		writeJSON(w, http.StatusOK, linkJSON{Type: req.req.Type, At: time.Now().UTC(), Duplicate: true})
		return
	}
	l := res.Links[0]
	writeJSON(w, http.StatusOK, linkJSON{Link: l.Link, Type: l.Type, At: l.At})
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

// linkDisputeJSON answers a subject's dispute of a link: the dispute
// that sends it to review, or the unlinked step of a link no fact made,
// undone at once.
type linkDisputeJSON struct {
	Link    string    `json:"link"`
	Dispute string    `json:"dispute,omitempty"`
	Status  string    `json:"status,omitempty"`
	Type    string    `json:"type,omitempty"`
	At      time.Time `json:"at"`
}

// defaultLinkStatement is the statement of a link dispute that gives none.
const defaultLinkStatement = "The other identifier linked to my profile is not mine."

// postLinkDispute is POST /v1/me/links/{link}/dispute: the subject says
// the link is wrong, with an optional statement; the link's fact goes to
// review through the disputes workflow (identity.Service.Dispute).
func (s *Server) postLinkDispute(w http.ResponseWriter, r *http.Request, p *Principal) {
	bp, err := s.readBody(w, r, maxControlBody)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	var body struct {
		Statement string `json:"statement"`
	}
	if len(*bp) > 0 {
		err = decodeJSON(*bp, &body)
	}
	s.bufs.Put(bp)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if body.Statement == "" {
		body.Statement = defaultLinkStatement
	}
	l, d, err := s.identity.Dispute(r.Context(), p.Subject, r.PathValue("link"), body.Statement)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if d != nil {
		writeJSON(w, http.StatusOK, linkDisputeJSON{Link: l.ID, Dispute: d.ID, Status: string(d.Status), At: d.OpenedAt})
		return
	}
	writeJSON(w, http.StatusOK, linkDisputeJSON{Link: l.ID, Type: typeUnlinked, At: l.At})
}
