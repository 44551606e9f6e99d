package httpapi

import (
	"net/http"
	"time"

	"github.com/candor-project/candor"
)

// routeDisputes adds the dispute routes: the subject's, the source's and
// the relying party's notices.
func (s *Server) routeDisputes(m *http.ServeMux) {
	if s.disputes == nil {
		return
	}
	m.HandleFunc("POST /v1/me/disputes", s.require(candor.RoleSubject, s.postDispute))
	m.HandleFunc("GET /v1/me/disputes", s.require(candor.RoleSubject, s.getMyDisputes))
	m.HandleFunc("GET /v1/sources/me/disputes", s.require(candor.RoleSource, s.getSourceDisputes))
	m.HandleFunc("POST /v1/sources/me/disputes/{id}", s.require(candor.RoleSource, s.answerDispute))
	m.HandleFunc("GET /v1/notices", s.require(candor.RoleRelyingParty, s.getNotices))
}

// disputeRequest is the body of POST /v1/me/disputes.
type disputeRequest struct {
	Event     candor.EventID `json:"event"`
	Statement string         `json:"statement" text:"multiline"`
}

// postDispute is POST /v1/me/disputes {event, statement}: the subject
// disputes one of its facts, which is set aside at once.
func (s *Server) postDispute(w http.ResponseWriter, r *http.Request, p *Principal) {
	var req disputeRequest
	if err := s.decodeBody(w, r, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	if req.Event == 0 {
		s.writeError(w, r, candor.Errorf(candor.EINVALID, "event: the ID of the fact disputed is required"))
		return
	}
	d, err := s.disputes.Open(r.Context(), p.Subject, req.Event, req.Statement)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.writeDisclosure(w, r, p, p.Subject, "the subject's own read", http.StatusCreated, d)
}

// getMyDisputes is GET /v1/me/disputes: the subject's disputes with every
// step, newest first.
func (s *Server) getMyDisputes(w http.ResponseWriter, r *http.Request, p *Principal) {
	ds, err := s.disputes.Of(r.Context(), p.Subject)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if ds == nil {
		ds = []*candor.Dispute{}
	}
	s.writeDisclosure(w, r, p, p.Subject, "the subject's own read", http.StatusOK, map[string]any{"disputes": ds})
}

// disputeForSourceJSON is what a source learns of a dispute: its own fact
// (by its own ID) and the subject's statement; not whose it is.
type disputeForSourceJSON struct {
	ID            string               `json:"id"`
	SourceEventID string               `json:"source_event_id"`
	Type          string               `json:"type"`
	OccurredAt    time.Time            `json:"occurred_at"`
	Statement     string               `json:"statement"`
	OpenedAt      time.Time            `json:"opened_at"`
	Deadline      time.Time            `json:"deadline"`
	Status        candor.DisputeStatus `json:"status"`
	Correction    string               `json:"correction,omitempty"`
}

func disputeForSource(d *candor.Dispute) disputeForSourceJSON {
	return disputeForSourceJSON{ID: d.ID, SourceEventID: d.SourceEventID, Type: d.Type, OccurredAt: d.OccurredAt,
		Statement: d.Statement, OpenedAt: d.OpenedAt, Deadline: d.Deadline, Status: d.Status, Correction: d.Correction}
}

// getSourceDisputes is GET /v1/sources/me/disputes: the open disputes of
// facts the source posted, nearest deadline first. Reading them is
// recorded for each subject.
func (s *Server) getSourceDisputes(w http.ResponseWriter, r *http.Request, p *Principal) {
	ds, err := s.disputes.Queue(r.Context(), p.Source.ID)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	out := make([]disputeForSourceJSON, len(ds))
	var subjects []candor.SubjectID
	seen := map[candor.SubjectID]bool{}
	for i, d := range ds {
		out[i] = disputeForSource(d)
		if !seen[d.Subject] {
			seen[d.Subject] = true
			subjects = append(subjects, d.Subject)
		}
	}
	s.writeDisclosures(w, r, p, subjects, "disputes to answer by "+p.Source.ID, http.StatusOK, map[string]any{"disputes": out})
}

// answerRequest is the body of POST /v1/sources/me/disputes/{id}.
type answerRequest struct {
	Answer     candor.DisputeAnswer `json:"answer"`
	Correction string               `json:"correction"`
	Note       string               `json:"note" text:"multiline"`
}

// answerDispute is POST /v1/sources/me/disputes/{id} {answer, correction,
// note}: verify, correct (with the source's ID of a correcting event
// posted before) or withdraw.
func (s *Server) answerDispute(w http.ResponseWriter, r *http.Request, p *Principal) {
	var req answerRequest
	if err := s.decodeBody(w, r, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	d, err := s.disputes.Answer(r.Context(), p.Source.ID, r.PathValue("id"),
		candor.DisputeReply{Answer: req.Answer, Correction: req.Correction, Note: req.Note})
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.writeDisclosure(w, r, p, d.Subject, "dispute answered by "+p.Source.ID, http.StatusOK, disputeForSource(d))
}

// getNotices is GET /v1/notices: the relying party's notices of facts
// corrected or removed after a decision it received.
func (s *Server) getNotices(w http.ResponseWriter, r *http.Request, p *Principal) {
	ns, err := s.disputes.Notices(r.Context(), p.RelyingParty.ID)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if ns == nil {
		ns = []*candor.Notice{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"notices": ns})
}
