package ui

import (
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/candor-project/candor"
)

// TestErrorPagesUseTheOneTable checks that an error page's status is the
// one candor.HTTPStatus gives its code, as the API's is, and that only a
// domain error's message is shown.
func TestErrorPagesUseTheOneTable(t *testing.T) {
	pages, err := parsePages()
	if err != nil {
		t.Fatal(err)
	}
	s := &Server{pages: pages, log: slog.New(slog.DiscardHandler), now: time.Now}
	s.sessions = newSessions(0, 0, s.now, nil, nil, s.log)
	get := func(err error) *httptest.ResponseRecorder {
		w := httptest.NewRecorder()
		s.fail(w, httptest.NewRequest(http.MethodGet, "/somewhere", nil), err)
		return w
	}
	for _, code := range []string{candor.EMALFORMED, candor.EINVALID, candor.EUNAUTHORIZED, candor.EFORBIDDEN, candor.ENOTFOUND,
		candor.ECONFLICT, candor.ETOOLARGE, candor.ETOOMANY, candor.EUNSUPPORTED, candor.EUNAVAILABLE, candor.EPURPOSE, candor.EERASED} {
		w := get(candor.Errorf(code, "the message of %s", code))
		if w.Code != candor.HTTPStatus(code) || !strings.Contains(w.Body.String(), "the message of "+code) {
			t.Errorf("%s: %d, want %d with its message:\n%s", code, w.Code, candor.HTTPStatus(code), w.Body)
		}
	}
	for _, err := range []error{errors.New("disk on fire at /var/lib/candor"), candor.Errorf(candor.EINTERNAL, "disk on fire at /var/lib/candor")} {
		if w := get(err); w.Code != http.StatusInternalServerError || strings.Contains(w.Body.String(), "disk on fire") {
			t.Errorf("%v: %d, want 500 without its text:\n%s", err, w.Code, w.Body)
		}
	}
}
