package httpapi

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/candor-project/candor"
)

// TransparencyLog is the log as the API serves it. *tlog.Log is one.
type TransparencyLog interface {
	Handler() http.Handler
	VerifierKey() string
	Checkpoint(ctx context.Context) (raw []byte, size uint64, root []byte, err error)
	Proof(ctx context.Context, index uint64, c candor.Commitment) ([]byte, error)
	ConsistencyProof(ctx context.Context, from, to uint64) ([][]byte, error)
}

// CheckpointHistory serves the checkpoints the log published, by size.
// audit.Keeper is one.
type CheckpointHistory interface {
	// CheckpointAt returns the checkpoint of size size, or ENOTFOUND. It
	// MUST have checked the checkpoint's signature and its root against
	// the log.
	CheckpointAt(ctx context.Context, size uint64) ([]byte, error)
}

// logPrefix is the URL path under which the log's Handler serves it:
// tlog.Prefix (a test checks).
const logPrefix = "/log/"

// VerifierKeyPath is where the log's verifier key is published, as text.
const VerifierKeyPath = "/.well-known/candor-log-key"

// PurposeHeader is the request header in which an operator or a reviewer
// states why it reads a subject's data: a candor.ReadPurpose's name, kept,
// sealed, in the access record and shown to the person in words.
const PurposeHeader = "Candor-Purpose"

// ownRead is the purpose recorded for a subject's read of its own data.
const ownRead = "the subject's own read"

// requireRead is require for a read of a subject's data: an operator or a
// reviewer must state a purpose its role may state (candor.ReadPurpose)
// in the Candor-Purpose header, or is refused with EPURPOSE (400) before
// anything is read.
func (s *Server) requireRead(role candor.Role, h func(http.ResponseWriter, *http.Request, *Principal)) http.HandlerFunc {
	return s.require(role, func(w http.ResponseWriter, r *http.Request, p *Principal) {
		if _, err := readPurpose(r, p); err != nil {
			s.writeError(w, r, err)
			return
		}
		h(w, r, p)
	})
}

// readPurpose returns the purpose to record for p's read: the subject's
// own, or the one an operator or reviewer stated. Errors: EPURPOSE.
func readPurpose(r *http.Request, p *Principal) (string, error) {
	if p.Key.Role == candor.RoleSubject {
		return ownRead, nil
	}
	rp, err := candor.ParseReadPurpose(p.Key.Role, r.Header.Get(PurposeHeader))
	if err != nil {
		return "", err
	}
	return rp.String(), nil
}

// routeAudit adds the transparency log's routes to m.
func (s *Server) routeAudit(m *http.ServeMux) {
	if s.tlog == nil {
		return
	}
	m.Handle(logPrefix, s.tlog.Handler())
	m.HandleFunc("GET "+VerifierKeyPath, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Header().Set("Cache-Control", "public, max-age=86400")
		io.WriteString(w, s.tlog.VerifierKey()+"\n")
	})
	s.openAPI = bytes.Replace(s.openAPI, []byte("x-log-verifier-key: none"), []byte("x-log-verifier-key: "+strconv.Quote(s.tlog.VerifierKey())), 1)
	m.HandleFunc("GET /v1/log/consistency", s.getConsistency)
	m.HandleFunc("GET /v1/subjects/{id}/access", s.requireRead(candor.RoleOperator, s.getAccess))
	// A subject sees who looked at its data, with proofs.
	m.HandleFunc("GET /v1/me/access", s.require(candor.RoleSubject, s.getAccess))
	if s.proofs == nil {
		return
	}
	m.HandleFunc("GET /v1/subjects/{id}/access/{n}/proof", s.requireRead(candor.RoleOperator, s.getAccessProof))
	m.HandleFunc("GET /v1/me/access/{n}/proof", s.require(candor.RoleSubject, s.getAccessProof))
	// ... and that its facts were logged.
	m.HandleFunc("GET /v1/me/events/proofs", s.require(candor.RoleSubject, s.getWriteProofs))
	m.HandleFunc("GET /v1/me/events/{id}/proof", s.require(candor.RoleSubject, s.getWriteProofs))
}

// writeRead answers a read of data about subject with v, after recording
// who read it, when, why and a hash of exactly the bytes sent (fail
// closed: if the record cannot be stored, nothing is served).
func (s *Server) writeRead(w http.ResponseWriter, r *http.Request, p *Principal, subject candor.SubjectID, v any) {
	s.writeRecorded(w, r, http.StatusOK, v, func(body []byte) []*candor.Access {
		return []*candor.Access{accessOf(r, p, subject, body, s.now())}
	})
}

// writeDisclosure answers with v, what a relying party or reviewer is told
// about subject for purpose (court orders, a case under review), after
// recording it as writeRead does.
func (s *Server) writeDisclosure(w http.ResponseWriter, r *http.Request, p *Principal, subject candor.SubjectID, purpose string, status int, v any) {
	s.writeDisclosures(w, r, p, []candor.SubjectID{subject}, purpose, status, v)
}

// writeDisclosures is writeDisclosure for an answer about several
// subjects (a source's dispute queue): one access record for each, all in
// one commit.
func (s *Server) writeDisclosures(w http.ResponseWriter, r *http.Request, p *Principal, subjects []candor.SubjectID, purpose string, status int, v any) {
	s.writeRecorded(w, r, status, v, func(body []byte) []*candor.Access {
		as := make([]*candor.Access, len(subjects))
		for i, sub := range subjects {
			as[i] = disclosureOf(r, p, sub, purpose, body, s.now())
		}
		return as
	})
}

// disclosureOf is accessOf for a disclosure for purpose.
func disclosureOf(r *http.Request, p *Principal, subject candor.SubjectID, purpose string, body []byte, now time.Time) *candor.Access {
	return accessWith(r, p, subject, purpose, body, now)
}

// encoded is a JSON answer encoded into a pooled buffer; release returns
// the buffer.
type encoded struct {
	s   *Server
	bp  *[]byte
	buf bytes.Buffer // over *bp's array: one allocation with e
}

// encode encodes v as the JSON answer to send. Errors: the encoder's.
func (s *Server) encode(v any) (*encoded, error) {
	bp := s.bufs.Get().(*[]byte)
	if a, ok := v.(jsonAppender); ok {
		b, err := a.appendJSON((*bp)[:0])
		if err != nil {
			*bp = b[:0]
			s.bufs.Put(bp)
			return nil, err
		}
		return &encoded{s: s, bp: bp, buf: *bytes.NewBuffer(append(b, '\n'))}, nil
	}
	e := &encoded{s: s, bp: bp, buf: *bytes.NewBuffer((*bp)[:0])}
	enc := json.NewEncoder(&e.buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		e.release()
		return nil, err
	}
	return e, nil
}

func (e *encoded) release() {
	*e.bp = e.buf.Bytes()[:0]
	e.s.bufs.Put(e.bp)
}

// jsonContentType and noSniff are the values of the headers every JSON
// answer carries, shared by all answers so that setting them allocates
// nothing: net/http only reads them, and Header.Set and Header.Add
// replace or grow the slice, never write into it.
var (
	jsonContentType = []string{"application/json"}
	noSniff         = []string{"nosniff"}
)

// send writes the encoded answer with status.
func (e *encoded) send(w http.ResponseWriter, status int) {
	h := w.Header()
	h["Content-Type"], h["X-Content-Type-Options"] = jsonContentType, noSniff
	w.WriteHeader(status)
	w.Write(e.buf.Bytes())
}

// writeRecorded encodes v, records the access records made of the bytes,
// in one commit, and then, only if that succeeded, sends them with
// status.
func (s *Server) writeRecorded(w http.ResponseWriter, r *http.Request, status int, v any, access func(body []byte) []*candor.Access) {
	e, err := s.encode(v)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	defer e.release()
	if s.access != nil {
		if err := s.access.Record(r.Context(), access(e.buf.Bytes())...); err != nil {
			s.writeError(w, r, err)
			return
		}
	}
	e.send(w, status)
}

// writeCreated answers with v, something a service creates and stores
// with the access record of its disclosure (candor.Disclose): create
// calls the disclose it is given, which encodes v as it was created and
// describes the disclosure for purpose; the answer is sent only if create
// returned nil. An error of answer is create's, and nothing is stored.
func writeCreated[T any](s *Server, w http.ResponseWriter, r *http.Request, p *Principal, purpose string, status int,
	create func(candor.Disclose[T]) error, answer func(T) (candor.SubjectID, any, error)) {
	writeCreatedSigned(s, w, r, p, purpose, status, create, answer, nil)
}

// writeCreatedSigned is writeCreated, and, with sign, sends in the
// header SignatureHeader what sign returns for the answer's bytes.
func writeCreatedSigned[T any](s *Server, w http.ResponseWriter, r *http.Request, p *Principal, purpose string, status int,
	create func(candor.Disclose[T]) error, answer func(T) (candor.SubjectID, any, error), sign func([]byte) string) {
	var e *encoded
	defer func() {
		if e != nil {
			e.release()
		}
	}()
	err := create(func(created T) (*candor.Access, error) {
		subject, v, err := answer(created)
		if err != nil {
			return nil, err
		}
		if e, err = s.encode(v); err != nil {
			return nil, err
		}
		return disclosureOf(r, p, subject, purpose, e.buf.Bytes(), s.now()), nil
	})
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if sign != nil {
		w.Header().Set(SignatureHeader, sign(e.buf.Bytes()))
	}
	e.send(w, status)
}

// accessOf describes a read: the reader's key and role, the purpose
// (readPurpose, checked by requireRead), the route and query read, and
// the response's hash.
func accessOf(r *http.Request, p *Principal, subject candor.SubjectID, body []byte, now time.Time) *candor.Access {
	purpose, _ := readPurpose(r, p)
	return accessWith(r, p, subject, purpose, body, now)
}

// accessWith is accessOf with the purpose given (a disclosure's states
// its own, so the header's is not parsed: for a relying party, which
// states none, that built an error each time).
func accessWith(r *http.Request, p *Principal, subject candor.SubjectID, purpose string, body []byte, now time.Time) *candor.Access {
	action := r.Pattern
	if r.URL.RawQuery != "" {
		action += "?" + r.URL.RawQuery
	}
	return &candor.Access{Subject: subject, At: now.UTC(), Principal: p.Key.ID, Role: p.Key.Role,
		Purpose: candor.Clip(purpose, 256), Action: candor.Clip(action, 256), Response: sha256.Sum256(body)}
}

type accessJSON struct {
	N           uint64    `json:"n"`
	At          time.Time `json:"at"`
	Principal   string    `json:"principal"`
	Role        string    `json:"role"`
	Purpose     string    `json:"purpose"`
	PurposeText string    `json:"purpose_text"` // the purpose in words, for the person
	Action      string    `json:"action"`
	Response    string    `json:"response_sha256"`
	Commitment  string    `json:"commitment"`
	Commit      uint64    `json:"commit"`
}

// getAccess is GET /v1/subjects/{id}/access: every access record about the
// subject, oldest first. Listing them is a read too, and is recorded.
func (s *Server) getAccess(w http.ResponseWriter, r *http.Request, p *Principal) {
	id, err := subjectOf(r, p)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	entries, err := s.profiles.Access(r.Context(), id)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	out := make([]accessJSON, len(entries))
	for i, a := range entries {
		out[i] = accessJSON{N: a.N, At: a.At, Principal: a.Principal, Role: a.Role.String(), Purpose: a.Purpose,
			PurposeText: candor.PurposeWords(a.Purpose), Action: a.Action, Response: hex.EncodeToString(a.Response[:]), Commit: a.Commit,
			Commitment: a.Commitment.String()}
	}
	s.writeRead(w, r, p, id, map[string]any{"subject": id.String(), "access": out})
}

// getAccessProof is GET /v1/subjects/{id}/access/{n}/proof: what anyone
// needs to check that access record n is in the log: the record's
// canonical encoding and the subject's salt (from which the commitment is
// recomputed: SHA-256("candor/v1/commitment/access" 0x00 || salt ||
// record)), and a C2SP tlog-proof of the log entry holding it. The record
// says who read the subject's data: serving it is a read, recorded too.
func (s *Server) getAccessProof(w http.ResponseWriter, r *http.Request, p *Principal) {
	n, err := strconv.ParseUint(r.PathValue("n"), 10, 64)
	if err != nil {
		s.writeError(w, r, candor.Errorf(candor.EINVALID, "n: want an access record number"))
		return
	}
	id, err := subjectOf(r, p)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	proof, err := s.proofs.AccessProof(r.Context(), id, n)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.writeRead(w, r, p, id, proof)
}

// getWriteProofs is GET /v1/me/events/proofs and GET
// /v1/me/events/{id}/proof: for each of the subject's facts (or fact id),
// the canonical record its write commitment is made of, the salt, and a
// C2SP tlog-proof of the log entry holding it (audit.WriteProof); and how
// many records are not logged yet. Reading them is recorded.
func (s *Server) getWriteProofs(w http.ResponseWriter, r *http.Request, p *Principal) {
	var event candor.EventID
	if v := r.PathValue("id"); v != "" {
		n, err := strconv.ParseUint(v, 10, 64)
		if err != nil || n == 0 {
			s.writeError(w, r, candor.Errorf(candor.EINVALID, "id: want a fact's event ID"))
			return
		}
		event = candor.EventID(n)
	}
	proofs, pending, err := s.proofs.WriteProofs(r.Context(), p.Subject, event)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.writeRead(w, r, p, p.Subject, map[string]any{"subject": p.Subject.String(), "proofs": proofs, "not_logged_yet": pending})
}

// getConsistency is GET /v1/log/consistency?from=N[&to=M]: the RFC 6962
// consistency proof between two tree sizes, with the checkpoint of size
// to (default: the latest checkpoint and its size), or 404 if no
// checkpoint of that size was published and kept. The proof is checked
// against both sizes' roots before it is served, and the checkpoint's
// root against the log's tiles. Public: the log holds no personal data.
func (s *Server) getConsistency(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	from, err := strconv.ParseUint(q.Get("from"), 10, 64)
	if err != nil {
		s.writeError(w, r, candor.Errorf(candor.EINVALID, "from: want a tree size"))
		return
	}
	raw, size, _, err := s.tlog.Checkpoint(r.Context())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	to := size
	if v := q.Get("to"); v != "" {
		if to, err = strconv.ParseUint(v, 10, 64); err != nil {
			s.writeError(w, r, candor.Errorf(candor.EINVALID, "to: want a tree size"))
			return
		}
	}
	if from > to {
		s.writeError(w, r, candor.Errorf(candor.EINVALID, "from: %d is larger than to (%d); a log only grows", from, to))
		return
	}
	if to != size {
		if raw, err = s.checkpointAt(r.Context(), to, size); err != nil {
			s.writeError(w, r, err)
			return
		}
	}
	hashes, err := s.tlog.ConsistencyProof(r.Context(), from, to)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	proof := make([]string, len(hashes))
	for i, h := range hashes {
		proof[i] = base64.StdEncoding.EncodeToString(h)
	}
	writeJSON(w, http.StatusOK, map[string]any{"from": from, "to": to, "proof": proof, "checkpoint": string(raw)})
}

// checkpointAt returns the kept checkpoint of size to (the history checks
// it), or ENOTFOUND saying why there is none; latest is the size of the
// latest.
func (s *Server) checkpointAt(ctx context.Context, to, latest uint64) ([]byte, error) {
	if to > latest {
		return nil, candor.Errorf(candor.ENOTFOUND, "to: the log's latest checkpoint has size %d", latest)
	}
	if s.history == nil {
		return nil, candor.Errorf(candor.ENOTFOUND, "to: only the latest checkpoint (size %d) is served here", latest)
	}
	raw, err := s.history.CheckpointAt(ctx, to)
	if candor.ErrorCode(err) == candor.ENOTFOUND {
		return nil, candor.Errorf(candor.ENOTFOUND, "to: the log published no checkpoint of size %d that was kept; omit to for the latest (size %d)", to, latest)
	}
	return raw, err
}
