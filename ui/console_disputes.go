package ui

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/candor-project/candor"
)

// The dispute queue: operators see the open disputes by deadline and
// record an answer a source gave another way (a letter, a call). Sources
// answer themselves through the API; the deadline job removes the facts
// no one confirmed.

type disputeItem struct {
	ID, Title, Source string
	Opened, Deadline  time.Time
	Left              time.Duration
	Overdue, DueSoon  bool
}

func (s *Server) disputeQueue(w http.ResponseWriter, r *http.Request, sess *session) {
	ctx := r.Context()
	ds, err := s.cfg.DisputeDesk.Queue(ctx, "")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	now, l := s.now(), localeOf(nil, r)
	items := []disputeItem{}
	for _, d := range ds {
		left := d.Deadline.Sub(now)
		items = append(items, disputeItem{ID: d.ID, Title: s.typeTitle(d.Type, l), Source: s.sourceName(ctx, d.Source),
			Opened: d.OpenedAt, Deadline: d.Deadline, Left: left, Overdue: left <= 0, DueSoon: left > 0 && left < 7*day})
	}
	s.render(w, r, http.StatusOK, "console_disputes", "Disputes", "console-disputes", struct{ Disputes []disputeItem }{items})
}

// disputeCase shows one dispute, recorded as a read of its subject's data
// (fail closed).
func (s *Server) disputeCase(w http.ResponseWriter, r *http.Request, sess *session) {
	ctx := r.Context()
	d, err := s.cfg.DisputeDesk.Dispute(ctx, r.PathValue("id"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	src, l := s.sourceName(ctx, d.Source), localeOf(nil, r)
	v := struct {
		D       *candor.Dispute
		Title   string
		Source  string
		Meaning string
		Open    bool
	}{d, s.typeTitle(d.Type, l), src, operatorMeaning(d, src, l), d.Status == candor.DisputeOpen}
	a := &candor.Access{Subject: d.Subject, Principal: sess.keyID, Role: sess.role,
		Purpose: candor.ReadDispute.String(), Action: candor.Clip(r.Method+" "+r.URL.Path, 200)}
	s.renderRecorded(w, r, "console_dispute", l.T("Dispute %s", d.ID), "console-disputes", v, a)
}

// resolveDispute records the answer the fact's source gave, in the
// operator's name.
func (s *Server) resolveDispute(w http.ResponseWriter, r *http.Request, sess *session) {
	a := candor.DisputeReply{Answer: candor.DisputeAnswer(r.PostFormValue("answer")),
		Correction: strings.TrimSpace(r.PostFormValue("correction")), Note: strings.TrimSpace(r.PostFormValue("note"))}
	d, err := s.cfg.DisputeDesk.Resolve(r.Context(), sess.label, r.PathValue("id"), a)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	l := localeOf(nil, r)
	s.sessions.setFlash(sess, l.T("Dispute %s settled: %s. Its subject sees the step, in your name.", d.ID, l.Word(string(d.Status))))
	http.Redirect(w, r, "/console/disputes", http.StatusSeeOther)
}

// sourceName is a source's name, or its ID if it has none.
func (s *Server) sourceName(ctx context.Context, id string) string {
	if src, err := s.cfg.Registrar.Source(ctx, id); err == nil {
		return src.Name
	}
	return id
}

// operatorMeaning says what a dispute's status means for the fact, to an
// operator, in l's language.
func operatorMeaning(d *candor.Dispute, source string, l locale) string {
	switch d.Status {
	case candor.DisputeOpen:
		return l.T("Set aside: the fact counts in none of the subject's grades until %s answers. If it does not confirm it by %s, it is removed.", source, l.D(d.Deadline))
	case candor.DisputeVerified:
		return l.T("%s confirmed the fact: it counts again.", source)
	case candor.DisputeCorrected:
		return l.T("%s corrected the fact: its correction replaces it.", source)
	case candor.DisputeWithdrawn:
		return l.T("%s withdrew the fact: it is removed and counts nowhere.", source)
	}
	return l.T("%s did not confirm the fact within 30 days: it is removed and counts nowhere.", source)
}
