package ui

import (
	"errors"
	"mime"
	"net/http"

	"github.com/candor-project/candor"
)

// maxForm bounds the body of a form post: the longest form, a statement
// of candor.MaxStatement characters, fits many times over.
const maxForm = 64 << 10

// uploads are the posts that take a file, multipart, and bound and read
// their own bodies: the public verifier's photo of a QR code.
var uploads = map[string]bool{"/verify": true}

// strictForms reads the body of every post but an upload before its
// handler does, as readForm does, and answers an error page for one it
// refuses.
func (s *Server) strictForms(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead && !uploads[r.URL.Path] {
			if err := readForm(w, r); err != nil {
				s.fail(w, r, err)
				return
			}
		}
		h.ServeHTTP(w, r)
	})
}

// readForm parses r's form: an application/x-www-form-urlencoded body
// (multipart, with its files, is refused) of at most maxForm bytes, no
// field given twice, no value holding what candor.CheckText refuses in
// multi-line text. Errors: EUNSUPPORTED, ETOOLARGE, EMALFORMED, EINVALID.
func readForm(w http.ResponseWriter, r *http.Request) error {
	if ct := r.Header.Get("Content-Type"); ct != "" {
		if mt, _, err := mime.ParseMediaType(ct); err != nil || mt != "application/x-www-form-urlencoded" {
			return candor.Errorf(candor.EUNSUPPORTED, "forms are sent as application/x-www-form-urlencoded, not %q", ct)
		}
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxForm)
	if err := r.ParseForm(); err != nil {
		if mbe := new(http.MaxBytesError); errors.As(err, &mbe) {
			return candor.Errorf(candor.ETOOLARGE, "the form is larger than %d bytes", maxForm)
		}
		return candor.Errorf(candor.EMALFORMED, "the form cannot be read: %v", err)
	}
	for k, vs := range r.PostForm {
		if _, at := candor.ForbiddenRune(k, false); at >= 0 {
			return candor.Errorf(candor.EMALFORMED, "a field name of the form holds a control character or a bidirectional override")
		}
		if len(vs) > 1 {
			return candor.Errorf(candor.EMALFORMED, "the form gives the field %q more than once", candor.Clip(k, 40))
		}
		if err := candor.CheckText(candor.Clip(k, 40), vs[0], true); err != nil {
			return err
		}
	}
	return nil
}
