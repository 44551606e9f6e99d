package httpapi

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/candor-project/candor"
)

// getPosted is GET /v1/sources/me/events?ids=a,b (or id=a&id=b, for IDs
// holding a comma): for reconciliation, whether each of the source's
// event IDs is stored, and whether it is a fact erased at its subject's
// request.
func (s *Server) getPosted(w http.ResponseWriter, r *http.Request, p *Principal) {
	q := r.URL.Query()
	ids := q["id"]
	for _, list := range q["ids"] {
		ids = append(ids, strings.Split(list, ",")...)
	}
	if len(ids) == 0 {
		s.writeError(w, r, candor.Errorf(candor.EINVALID, "name the event IDs to look up: ?ids=a,b or ?id=a&id=b"))
		return
	}
	posted, err := s.ingest.Posted(r.Context(), p.Source, ids)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"events": posted})
}

// postEvents is POST /v1/events: a source posts a batch, stored whole or not
// at all.
func (s *Server) postEvents(w http.ResponseWriter, r *http.Request, p *Principal) {
	bp, err := s.readBody(w, r, maxPostBytes)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	env := candor.Envelope{ContentType: r.Header.Get("Content-Type"), CloudEvent: candor.CloudEventHeaders(r.Header),
		Delimiter: r.URL.Query().Get("delimiter")}
	res, err := s.ingest.Post(r.Context(), p.Source, env, *bp)
	s.bufs.Put(bp) // the events hold copies of every string they need
	if candor.ErrorCode(err) == candor.EERASED {
		s.metrics.erasedReposts(p.Source.ID, len(candor.ErrorDetails(err)))
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, res)
}

// maxPostBytes bounds a source's post: ingest.MaxBodyBytes (a test checks).
const maxPostBytes = 8 << 20

// schemeJSON is an identifier scheme as the catalogue describes it.
type schemeJSON struct {
	Name     string   `json:"name"`
	Title    string   `json:"title"`
	Subjects []string `json:"subjects"`
	Format   string   `json:"format"`
	Check    string   `json:"check,omitempty"` // the check-digit algorithm, if any
}

type identifierJSON struct {
	Scheme string `json:"scheme"`
	Value  string `json:"value"`
}

type subjectJSON struct {
	ID          string           `json:"id"`
	Kind        string           `json:"kind"`
	CreatedAt   time.Time        `json:"created_at"`
	Identifiers []identifierJSON `json:"identifiers,omitempty"`
}

// subjectOf returns the subject a request reads: the caller itself
// (/v1/me/...), or the one its path names.
func subjectOf(r *http.Request, p *Principal) (candor.SubjectID, error) {
	if p.Key.Role == candor.RoleSubject {
		return p.Subject, nil
	}
	return candor.ParseSubjectID(r.PathValue("id"))
}

// getSubject is GET /v1/subjects/{id}.
func (s *Server) getSubject(w http.ResponseWriter, r *http.Request, p *Principal) {
	id, err := subjectOf(r, p)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	sub, err := s.profiles.Subject(r.Context(), id)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	out := subjectJSON{ID: sub.ID.String(), Kind: sub.Kind.String(), CreatedAt: sub.CreatedAt}
	for _, id := range sub.Identifiers {
		out.Identifiers = append(out.Identifiers, identifierJSON{Scheme: id.Scheme.String(), Value: id.Value})
	}
	s.writeRead(w, r, p, sub.ID, out)
}

type eventJSON struct {
	ID            candor.EventID `json:"id"`
	Source        string         `json:"source"`
	SourceEventID string         `json:"source_event_id"`
	Type          string         `json:"type"`
	Category      string         `json:"category,omitempty"`
	OccurredAt    time.Time      `json:"occurred_at"`
	RecordedAt    time.Time      `json:"recorded_at"`
	State         string         `json:"state"`
	ExpiresAt     *time.Time     `json:"expires_at,omitempty"`
	Fields        map[string]any `json:"fields"`
}

// maxEventsPerRead bounds one events response.
const maxEventsPerRead = 10_000

// getEvents is GET /v1/subjects/{id}/events?type=&since=&limit=: one
// subject's facts in time order, with their state at the read instant.
func (s *Server) getEvents(w http.ResponseWriter, r *http.Request, p *Principal) {
	q := r.URL.Query()
	eq := candor.EventQuery{Type: q.Get("type"), Limit: 1000}
	if v := q.Get("since"); v != "" {
		t, err := parseInstant(v)
		if err != nil {
			s.writeError(w, r, candor.Errorf(candor.EINVALID, "since: want a date (2026-03-14) or an RFC 3339 timestamp"))
			return
		}
		eq.Since = t
	}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > maxEventsPerRead {
			s.writeError(w, r, candor.Errorf(candor.EINVALID, "limit: want a number from 1 to %d", maxEventsPerRead))
			return
		}
		eq.Limit = n
	}
	id, err := subjectOf(r, p)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	evs, truncated, err := s.profiles.Events(r.Context(), id, eq)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	now := s.now()
	events := make([]eventJSON, len(evs))
	for i, ev := range evs {
		events[i] = s.eventJSON(ev, now, p.Key.Role != candor.RoleSubject)
	}
	s.writeRead(w, r, p, id, map[string]any{"subject": id.String(), "events": events, "truncated": truncated})
}

// withheldText stands in for a court order's text (its court, legal basis,
// appeal route) in what anyone but the subject reads: that wording is for
// the subject and the court register alone.
const withheldText = "(withheld: shown only to the subject and the court register)"

func (s *Server) eventJSON(ev *candor.Event, now time.Time, withholdText bool) eventJSON {
	out := eventJSON{ID: ev.ID, Source: ev.Source, SourceEventID: ev.SourceEventID, Type: ev.Type,
		OccurredAt: ev.OccurredAt, RecordedAt: ev.RecordedAt, State: ev.State.String(),
		Fields: make(map[string]any, len(ev.Fields))}
	if t := s.cat.Type(ev.Type); t != nil {
		out.Category = t.Category.String()
		out.State = ev.EffectiveState(t, now).String()
		exp := ev.ExpiresAt(t)
		out.ExpiresAt = &exp
	}
	for _, fl := range ev.Fields {
		out.Fields[fl.Name] = fl.Value.JSON()
		if withholdText && fl.Value.Type == candor.FieldText {
			out.Fields[fl.Name] = withheldText
		}
	}
	return out
}

func parseInstant(v string) (time.Time, error) {
	if t, err := time.Parse(time.DateOnly, v); err == nil {
		return t, nil
	}
	return time.Parse(time.RFC3339Nano, v)
}

// identifierQuery reads an external identifier from the query parameters
// scheme and value. Errors: EINVALID naming the problem.
func identifierQuery(q url.Values) (candor.Identifier, error) {
	scheme, ok := candor.ParseScheme(q.Get("scheme"))
	if !ok {
		return candor.Identifier{}, candor.Errorf(candor.EINVALID, "scheme: want one of %s", strings.Join(candor.Schemes().Names(), ", "))
	}
	return candor.NormaliseIdentifier(scheme, q.Get("value"))
}

// lookupSubject is GET /v1/subjects:lookup?scheme=&value=: find a subject by
// an external identifier, through the blind index. The answer is recorded
// as a read of the subject's data before it is sent: who resolved an
// identifier to a person is something that person sees.
func (s *Server) lookupSubject(w http.ResponseWriter, r *http.Request, p *Principal) {
	ident, err := identifierQuery(r.URL.Query())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	id, kind, err := s.profiles.Lookup(r.Context(), ident)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	out := map[string]string{"id": id.String(), "kind": kind.String()}
	s.writeRecorded(w, r, http.StatusOK, out, func(body []byte) []*candor.Access {
		a := accessOf(r, p, id, body, s.now())
		a.Action = r.Pattern + "?scheme=" + ident.Scheme.String() // not the identifier itself
		return []*candor.Access{a}
	})
}

type fieldJSON struct {
	Name        string   `json:"name"`
	Type        string   `json:"type"`
	Required    bool     `json:"required,omitempty"`
	Description string   `json:"description,omitempty"`
	Min         string   `json:"min,omitempty"`
	Max         string   `json:"max,omitempty"`
	MaxLength   int      `json:"max_length,omitempty"`
	Values      []string `json:"values,omitempty"`
}

type typeJSON struct {
	Name        string      `json:"name"`
	Category    string      `json:"category"`
	Subject     string      `json:"subject"`
	Retention   string      `json:"retention"`
	Description string      `json:"description,omitempty"`
	Fields      []fieldJSON `json:"fields"`
}

type categoryJSON struct {
	Name         string   `json:"name"`
	Statement    string   `json:"statement"`
	Serves       []string `json:"serves"`
	MaxRetention string   `json:"max_retention"`
	CourtOnly    bool     `json:"court_only,omitempty"`
}

// getCatalogue is GET /v1/catalogue: what Candor may record, and what each
// category may be used for. Public: the rules are not secret.
func (s *Server) getCatalogue(w http.ResponseWriter, r *http.Request) {
	cats := []categoryJSON{}
	for _, c := range candor.Categories() {
		pol := c.Policy()
		cj := categoryJSON{Name: pol.Name, Statement: pol.Statement, Serves: []string{},
			MaxRetention: candor.FormatRetention(pol.MaxRetention), CourtOnly: pol.CourtOnly}
		for _, p := range pol.Serves {
			cj.Serves = append(cj.Serves, p.String())
		}
		cats = append(cats, cj)
	}
	types := []typeJSON{}
	for _, t := range append(slices.Clone(s.cat.Types()), candor.LinkTypes()...) {
		subject := "any" // the built-in link facts
		if t.SubjectKind != 0 {
			subject = t.SubjectKind.String()
		}
		tj := typeJSON{Name: t.Name, Category: t.Category.String(), Subject: subject,
			Retention: candor.FormatRetention(t.Retention), Description: t.Description, Fields: []fieldJSON{}}
		for _, f := range t.Fields {
			fj := fieldJSON{Name: f.Name, Type: f.Type.String(), Required: f.Required, Description: f.Description,
				MaxLength: f.MaxLen, Values: f.Values}
			fj.Min, fj.Max = bound(f.Type, f.Min), bound(f.Type, f.Max)
			tj.Fields = append(tj.Fields, fj)
		}
		types = append(types, tj)
	}
	benefits := []benefitSpecJSON{}
	for _, p := range candor.Purposes() {
		for _, b := range candor.Benefits(p) {
			benefits = append(benefits, benefitSpecJSON{Name: b.Name, Purpose: p.String(), Description: b.Description})
		}
	}
	schemes := []schemeJSON{}
	for _, d := range candor.Schemes().All() {
		sj := schemeJSON{Name: d.Name, Title: d.Title, Format: d.Format, Check: string(d.Check), Subjects: []string{}}
		for _, k := range d.Subjects {
			sj.Subjects = append(sj.Subjects, k.String())
		}
		schemes = append(schemes, sj)
	}
	writeJSON(w, http.StatusOK, map[string]any{"categories": cats, "types": types, "benefits": benefits, "grades": candor.GradeLadder(), "schemes": schemes})
}

// benefitSpecJSON is one entry of the closed benefit catalogue.
type benefitSpecJSON struct {
	Name        string `json:"name"`
	Purpose     string `json:"purpose"`
	Description string `json:"description"`
}

func bound(t candor.FieldType, v *int64) string {
	switch {
	case v == nil:
		return ""
	case t == candor.FieldAmount:
		return candor.FormatAmount(*v)
	}
	return strconv.FormatInt(*v, 10)
}
