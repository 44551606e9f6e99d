package ui

import (
	"context"
	"crypto/sha256"
	"fmt"
	"html/template"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/candor-project/candor"
	"github.com/candor-project/candor/credentials"
	"github.com/candor-project/candor/vault"
)

// recorderWith is the optional capability of an Accessor to store
// records in the commit of an access record (audit.AccessLog has it).
type recorderWith interface {
	RecordWith(ctx context.Context, key *vault.SubjectKey, a *candor.Access, with []*candor.Record) error
}

// routeCredentials adds "Show my status" for a signed-in person and the
// public verifier page.
func (s *Server) routeCredentials(m *http.ServeMux) {
	m.HandleFunc("GET /me/status", s.signedIn(s.statusPage))
	m.HandleFunc("POST /me/status", s.signedIn(s.issueStatus))
	m.HandleFunc("POST /me/status/revoke", s.signedIn(s.revokeCredential))
	m.HandleFunc("GET /verify", s.verifyPage)
	m.HandleFunc("POST /verify", s.verifyPost)
}

type statementChoice struct {
	Name, Says string
	Value      any
}

type statusView struct {
	Statements []statementChoice
	Documents  []credentials.Document
	Issued     []*credentials.Info
	ShownFor   time.Duration
	KeptFor    time.Duration
}

// says is a statement in plain words, with its value.
func says(c credentials.Claim) string {
	e := credentials.Explain(&credentials.Result{Claims: []credentials.Claim{c}})
	if len(e.Says) == 1 {
		return e.Says[0]
	}
	return words(c.Name)
}

func (s *Server) statusPage(w http.ResponseWriter, r *http.Request, sess *session) {
	ctx := r.Context()
	o, err := s.cfg.Credentials.Offer(ctx, sess.subject)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	issued, err := s.cfg.Credentials.Credentials(ctx, sess.subject)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v := statusView{Documents: o.Documents, Issued: issued, ShownFor: credentials.ShownValidity, KeptFor: credentials.DownloadValidity}
	for _, c := range o.Statements {
		v.Statements = append(v.Statements, statementChoice{Name: c.Name, Says: says(c), Value: c.Value})
	}
	s.render(w, r, http.StatusOK, "status", "Show my status", "status", v)
}

type shownView struct {
	QR       template.HTML
	Version  int
	Expires  time.Time
	Scanner  *credentials.Explanation
	Withheld []string
}

// issueStatus issues a credential with the statements picked: a QR code
// to show (kind shown) or a file to keep (kind download). The credential
// is stored and the issuance recorded like a read before it is sent.
func (s *Server) issueStatus(w http.ResponseWriter, r *http.Request, sess *session) {
	ctx := r.Context()
	if err := r.ParseForm(); err != nil {
		s.fail(w, r, candor.Errorf(candor.EINVALID, "The form could not be read."))
		return
	}
	kind := credentials.Kind(r.PostForm.Get("kind"))
	is, err := s.cfg.Credentials.Issue(ctx, sess.subject, credentials.Request{Kind: kind, Statements: r.PostForm["statement"], Document: r.PostForm.Get("document")})
	if err != nil {
		if e, ok := err.(*candor.Error); ok && len(e.Details) > 0 {
			var reasons []string
			for _, p := range e.Details {
				reasons = append(reasons, p.Reason)
			}
			err = candor.Errorf(candor.EINVALID, "%s: %s.", e.Message, strings.Join(reasons, "; "))
		}
		s.fail(w, r, err)
		return
	}
	if kind == credentials.Download {
		w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="candor-credential-%s.txt"`, is.Info.ID))
		body := []byte(is.Credential + "\n" + is.QR + "\n")
		s.sendIssued(w, r, sess, "text/plain; charset=utf-8", body, is)
		return
	}
	qr, err := credentials.RenderQR(is.QR, 0)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	res, err := s.cfg.Credentials.Verify(ctx, is.Credential) // exactly what a scanner reads
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v := shownView{QR: template.HTML(qr.SVG()), Version: qr.Version, Expires: is.Info.Expires, Scanner: credentials.Explain(res)}
	body, ok := s.page(w, r, "status_shown", "Your status QR code", "status", v)
	if ok {
		s.sendIssued(w, r, sess, "text/html; charset=utf-8", body, is)
	}
}

// sendIssued stores an issued credential's records with the access
// record of its issuance, then sends body: fail closed.
func (s *Server) sendIssued(w http.ResponseWriter, r *http.Request, sess *session, contentType string, body []byte, is *credentials.Issued) {
	ctx := r.Context()
	a := &candor.Access{Subject: sess.subject, Principal: "portal", Role: candor.RoleSubject, Purpose: "credential issued to the holder, in the portal",
		Action: clip(r.Pattern, 200), At: s.now().UTC(), Response: sha256.Sum256(body)}
	var err error
	if rw, ok := s.cfg.Access.(recorderWith); ok {
		err = rw.RecordWith(ctx, is.Key, a, is.Records)
	} else {
		for _, rec := range is.Records {
			if err = s.cfg.Store.PutRecord(ctx, rec); err != nil {
				break
			}
		}
		if err == nil && s.cfg.Access != nil {
			err = s.cfg.Access.Record(ctx, is.Key, a)
		}
	}
	if err != nil {
		s.log.Error("ui: recording an issuance", "err", err)
		http.Error(w, "Candor could not record this credential, so it does not hand it over. Please try again later.", http.StatusServiceUnavailable)
		return
	}
	w.Header().Set("Content-Type", contentType)
	w.WriteHeader(http.StatusOK)
	w.Write(body)
}

func (s *Server) revokeCredential(w http.ResponseWriter, r *http.Request, sess *session) {
	in, err := s.cfg.Credentials.Revoke(r.Context(), sess.subject, r.PostFormValue("id"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.sessions.setFlash(sess, fmt.Sprintf("Credential %s is revoked: verifiers who check its status now see that it is.", in.ID))
	http.Redirect(w, r, "/me/status", http.StatusSeeOther)
}

type verifyView struct {
	Checked bool
	Refusal string
	Result  *credentials.Explanation
}

// verifierCSP lets the verifier page run its one script, which scans
// with the camera where the browser offers a barcode detector.
const verifierCSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

func (s *Server) verifyPage(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Security-Policy", verifierCSP)
	s.render(w, r, http.StatusOK, "verify", "Verify a credential", "verify", verifyView{})
}

// verifyPost verifies pasted text or a photo of a QR code, with this
// issuer's published keys and status list, and says in plain words what
// the credential says and what it does not.
func (s *Server) verifyPost(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Security-Policy", verifierCSP)
	if !s.verifyLimits.Allow(r, s.now()) {
		s.fail(w, r, candor.Errorf(candor.ETOOMANY, "Too many checks from your address. Please wait a few seconds and try again."))
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, credentials.MaxImageBytes+64<<10)
	if err := r.ParseMultipartForm(1 << 20); err != nil && err != http.ErrNotMultipart {
		s.fail(w, r, candor.Errorf(candor.EINVALID, "The form could not be read; a photo may be at most %d MiB.", credentials.MaxImageBytes>>20))
		return
	}
	text := strings.TrimSpace(r.FormValue("text"))
	if text == "" {
		if f, _, err := r.FormFile("photo"); err == nil {
			img, err := io.ReadAll(io.LimitReader(f, credentials.MaxImageBytes+1))
			f.Close()
			if err == nil {
				text, err = credentials.ScanQR(r.Context(), img)
			}
			if err != nil {
				s.render(w, r, http.StatusOK, "verify", "Verify a credential", "verify", verifyView{Checked: true, Refusal: candor.ErrorMessage(err)})
				return
			}
		}
	}
	if text == "" {
		s.render(w, r, http.StatusOK, "verify", "Verify a credential", "verify", verifyView{Checked: true, Refusal: "Nothing was received: scan, paste or upload a credential."})
		return
	}
	v := verifyView{Checked: true}
	res, err := s.cfg.Credentials.Verify(r.Context(), text)
	switch candor.ErrorCode(err) {
	case "":
		v.Result = credentials.Explain(res)
	case candor.EINVALID:
		v.Refusal = candor.ErrorMessage(err)
	default:
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "verify", "Verify a credential", "verify", v)
}

// checkBadge verifies a compliance badge shown for the organisation regNo.
func (s *Server) checkBadge(ctx context.Context, badge, regNo string) *verifyView {
	v := &verifyView{Checked: true}
	text, err := credentials.DecompactURL(badge)
	var res *credentials.Result
	if err == nil {
		res, err = s.cfg.Credentials.Verify(ctx, text)
	}
	if err == nil && res.Type != credentials.TypeBadge {
		err = candor.Errorf(candor.EINVALID, "this is a status credential, not a compliance badge")
	}
	if err == nil {
		v.Result = credentials.Explain(res)
		if doc, _ := res.Claim(credentials.ClaimDocument); fmt.Sprint(doc) != fmt.Sprint(map[string]any{"type": candor.CompanyRegNo.String(), "number": regNo}) {
			v.Result, err = nil, candor.Errorf(candor.EINVALID, "the badge is for another organisation than %s", regNo)
		}
	}
	if err != nil {
		v.Refusal = candor.ErrorMessage(err)
	}
	return v
}
