package httpapi

import (
	"encoding/json"
	"log/slog"
	"net/http"

	"github.com/candor-project/candor"
)

// errorBody is the one error shape of the API.
type errorBody struct {
	Code    string           `json:"code"`
	Message string           `json:"message"`
	Details []candor.Problem `json:"details,omitempty"`
}

// writeError answers with err in the API's error shape. Errors that are not
// *candor.Error are logged and answered with a generic message.
func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	code := candor.ErrorCode(err)
	if code == candor.EINTERNAL {
		s.log.ErrorContext(r.Context(), "internal error", slog.String("method", r.Method), slog.String("route", r.Pattern), slog.Any("err", err))
	}
	if code == candor.EUNAUTHORIZED {
		w.Header().Set("WWW-Authenticate", `Bearer realm="candor"`)
	}
	writeJSON(w, candor.HTTPStatus(code), errorBody{Code: code, Message: candor.ErrorMessage(err), Details: candor.ErrorDetails(err)})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.Encode(v)
}
