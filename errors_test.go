package candor_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/candor-project/candor"
)

func TestErrorHelpers(t *testing.T) {
	domain := &candor.Error{Code: candor.ENOTFOUND, Message: "no such subject"}
	wrapped := fmt.Errorf("subject: %w", domain)
	other := errors.New("disk on fire: /var/lib/candor")
	for _, tc := range []struct {
		name     string
		err      error
		code     string
		message  string
		problems int
	}{
		{"nil", nil, "", "", 0},
		{"domain", domain, candor.ENOTFOUND, "no such subject", 0},
		{"wrapped", wrapped, candor.ENOTFOUND, "no such subject", 0},
		{"other errors hide their text", other, candor.EINTERNAL, "internal error", 0},
		{"with details", &candor.Error{Code: candor.EINVALID, Message: "bad batch", Details: []candor.Problem{{Index: 1, Reason: "x"}}}, candor.EINVALID, "bad batch", 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := candor.ErrorCode(tc.err); got != tc.code {
				t.Errorf("ErrorCode = %q, want %q", got, tc.code)
			}
			if got := candor.ErrorMessage(tc.err); got != tc.message {
				t.Errorf("ErrorMessage = %q, want %q", got, tc.message)
			}
			if got := candor.ErrorDetails(tc.err); len(got) != tc.problems {
				t.Errorf("ErrorDetails = %v", got)
			}
		})
	}
}

func TestErrorString(t *testing.T) {
	e := candor.Errorf(candor.EINVALID, "%d events refused", 5)
	if e.Error() != "invalid: 5 events refused" {
		t.Errorf("Error() = %q", e.Error())
	}
	for i := 0; i < 5; i++ {
		e.Details = append(e.Details, candor.Problem{Index: i, Field: "id", Reason: "required"})
	}
	e.Details[1].Field = ""
	want := "invalid: 5 events refused; item 0: id: required; item 1: required; item 2: id: required; and 2 more"
	if e.Error() != want {
		t.Errorf("Error() = %q, want %q", e.Error(), want)
	}
}

func TestHTTPStatus(t *testing.T) {
	for code, want := range map[string]int{
		candor.EMALFORMED:    400,
		candor.EINVALID:      422,
		candor.EUNAUTHORIZED: 401,
		candor.EFORBIDDEN:    403,
		candor.ENOTFOUND:     404,
		candor.ECONFLICT:     409,
		candor.ETOOLARGE:     413,
		candor.ETOOMANY:      429,
		candor.EUNSUPPORTED:  415,
		candor.EUNAVAILABLE:  503,
		candor.EINTERNAL:     500,
		candor.EPURPOSE:      400,
		candor.EERASED:       410,
		"":                   500,
		"no_such_code":       500,
	} {
		if got := candor.HTTPStatus(code); got != want {
			t.Errorf("HTTPStatus(%q) = %d, want %d", code, got, want)
		}
	}
}
