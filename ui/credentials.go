package ui

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"html/template"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/candor-project/candor"
)

// routeCredentials adds "Show my status" for a signed-in person and the
// public verifier page.
func (s *Server) routeCredentials(m *http.ServeMux) {
	m.HandleFunc("GET /me/status", s.signedIn(s.statusPage))
	m.HandleFunc("POST /me/status", s.signedIn(s.issueStatus))
	m.HandleFunc("POST /me/status/revoke", s.signedIn(s.revokeCredential))
	m.HandleFunc("GET /verify", s.verifyPage)
	m.HandleFunc("POST /verify", s.verifyPost)
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
	s.render(w, r, http.StatusOK, "status", "Show my status", "status", localStatus(o, issued, localeOf(nil, r)))
}

type shownView struct {
	QR       template.HTML
	Version  int
	Expires  time.Time
	Scanner  scannerView
	Withheld []string
}

// issueStatus issues a credential with the statements picked: a QR code
// to show (kind shown) or a file to keep (kind download). The credential
// is stored and the issuance recorded like a read before it is sent:
// fail closed.
func (s *Server) issueStatus(w http.ResponseWriter, r *http.Request, sess *session) {
	ctx := r.Context()
	if err := r.ParseForm(); err != nil {
		s.fail(w, r, candor.Errorf(candor.EINVALID, "The form could not be read."))
		return
	}
	kind := candor.CredentialKind(r.PostForm.Get("kind"))
	var body []byte
	contentType := "text/html; charset=utf-8"
	recorded := false // the page is made: an error is the record's
	_, err := s.cfg.Credentials.Issue(ctx, sess.subject, candor.CredentialRequest{Kind: kind, Statements: r.PostForm["statement"], Document: r.PostForm.Get("document")},
		func(is *candor.IssuedCredential) (*candor.Access, error) {
			if kind == candor.CredentialDownload {
				contentType, body = "text/plain; charset=utf-8", []byte(is.Credential+"\n"+is.QR+"\n")
				w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="candor-credential-%s.txt"`, is.Info.ID))
			} else {
				var err error
				if body, err = s.shown(w, r, is); err != nil {
					return nil, err
				}
			}
			recorded = true
			return &candor.Access{Subject: sess.subject, Principal: "portal", Role: candor.RoleSubject, Purpose: "credential issued to the holder, in the portal",
				Action: candor.Clip(r.Pattern, 200), At: s.now().UTC(), Response: sha256.Sum256(body)}, nil
		})
	switch {
	case errors.Is(err, errPageNotMade): // answered
	case err != nil && recorded:
		w.Header().Del("Content-Disposition")
		s.log.Error("ui: recording an issuance", "err", err)
		http.Error(w, "Candor could not record this credential, so it does not hand it over. Please try again later.", http.StatusServiceUnavailable)
	case err != nil:
		if e, ok := err.(*candor.Error); ok && len(e.Details) > 0 {
			var reasons []string
			for _, p := range e.Details {
				reasons = append(reasons, p.Reason)
			}
			err = candor.Errorf(candor.EINVALID, "%s: %s.", e.Message, strings.Join(reasons, "; "))
		}
		s.fail(w, r, err)
	default:
		w.Header().Set("Content-Type", contentType)
		w.WriteHeader(http.StatusOK)
		w.Write(body)
	}
}

// errPageNotMade stands for a page that could not be made: page has
// answered already.
var errPageNotMade = candor.Errorf(candor.EINTERNAL, "the page could not be made")

// shown makes the page showing a credential's QR code, with exactly what
// a scanner reads from it.
func (s *Server) shown(w http.ResponseWriter, r *http.Request, is *candor.IssuedCredential) ([]byte, error) {
	qr, err := s.cfg.Credentials.RenderQR(is.QR)
	if err != nil {
		return nil, err
	}
	scanned, err := s.cfg.Credentials.Verify(r.Context(), is.Credential)
	if err != nil {
		return nil, err
	}
	l := localeOf(nil, r)
	v := shownView{QR: localQR(qr.SVG, l), Version: qr.Version, Expires: is.Info.Expires, Scanner: localScanner(scanned, is.Info, l)}
	body, ok := s.page(w, r, "status_shown", "Your status QR code", "status", v)
	if !ok {
		return nil, errPageNotMade
	}
	return body, nil
}

func (s *Server) revokeCredential(w http.ResponseWriter, r *http.Request, sess *session) {
	in, err := s.cfg.Credentials.Revoke(r.Context(), sess.subject, r.PostFormValue("id"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.sessions.setFlash(sess, localeOf(nil, r).T("Credential %s is revoked: verifiers who check its status now see that it is.", in.ID))
	http.Redirect(w, r, "/me/status", http.StatusSeeOther)
}

type verifyView struct {
	Checked bool
	// Refusal says why the credential is not valid; in English when
	// Verbatim, as the verifying service wrote it.
	Refusal  string
	Verbatim bool
	Result   *candor.CredentialExplanation
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
		s.fail(w, r, localeOf(nil, r).Errorf(candor.ETOOMANY, "Too many checks from your address. Please wait a few seconds and try again."))
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, candor.MaxQRImageBytes+64<<10)
	if err := r.ParseMultipartForm(1 << 20); err != nil && err != http.ErrNotMultipart {
		s.fail(w, r, localeOf(nil, r).Errorf(candor.EINVALID, "The form could not be read; a photo may be at most %d MiB.", candor.MaxQRImageBytes>>20))
		return
	}
	text := strings.TrimSpace(r.FormValue("text"))
	if text == "" {
		if f, _, err := r.FormFile("photo"); err == nil {
			img, err := io.ReadAll(io.LimitReader(f, candor.MaxQRImageBytes+1))
			f.Close()
			if err == nil {
				text, err = s.cfg.Credentials.ScanQR(r.Context(), img)
			}
			if err != nil {
				s.render(w, r, http.StatusOK, "verify", "Verify a credential", "verify", verifyView{Checked: true, Refusal: candor.ErrorMessage(err), Verbatim: true})
				return
			}
		}
	}
	if text == "" {
		s.render(w, r, http.StatusOK, "verify", "Verify a credential", "verify", verifyView{Checked: true, Refusal: localeOf(nil, r).T("Nothing was received: scan, paste or upload a credential.")})
		return
	}
	v := verifyView{Checked: true}
	res, err := s.cfg.Credentials.Verify(r.Context(), text)
	switch candor.ErrorCode(err) {
	case "":
		v.Result = res
	case candor.EINVALID:
		v.Refusal, v.Verbatim = candor.ErrorMessage(err), true
	default:
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "verify", "Verify a credential", "verify", v)
}

// checkBadge verifies a compliance badge shown for the organisation regNo.
func (s *Server) checkBadge(r *http.Request, badge, regNo string) *verifyView {
	v := &verifyView{Checked: true}
	res, err := s.cfg.Credentials.VerifyBadge(r.Context(), badge, regNo)
	if err != nil {
		v.Refusal, v.Verbatim = candor.ErrorMessage(err), true
	}
	v.Result = res
	return v
}
