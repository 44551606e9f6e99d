package httpapi

import (
	"context"
	"net/http"
	"time"

	"github.com/candor-project/candor"
	"github.com/prometheus/client_golang/prometheus"
)

// KeyRotation is the state of a node's rotation of the wrapping key (the
// key-encryption key of the subjects' data keys), as
// GET /v1/admin/key-rotation shows it. On PostgreSQL a rotation is the
// cluster's, kept in the keyring, and every node shows it.
type KeyRotation struct {
	// State is idle (none since the node started), running, done or
	// failed (Error says why; asking again goes on from where it
	// stopped).
	State string `json:"state"`
	// Done and Total count data keys rewrapped so far (by earlier,
	// interrupted runs too) and in all.
	Done       int        `json:"done"`
	Total      int        `json:"total"`
	StartedAt  *time.Time `json:"started_at,omitempty"`
	FinishedAt *time.Time `json:"finished_at,omitempty"`
	Error      string     `json:"error,omitempty"`
	// KeysPerSecond is the pace the rotation runs at (0: no bound), as
	// recorded with its progress: a rotation resumed after a restart
	// keeps it.
	KeysPerSecond int `json:"keys_per_second"`
}

// The states of a KeyRotation.
const (
	RotationIdle    = "idle"
	RotationRunning = "running"
	RotationDone    = "done"
	RotationFailed  = "failed"
)

// KeyRotationRequest is the body of POST /v1/admin/key-rotation:
// KeysPerSecond, if positive, bounds the rotation's pace.
type KeyRotationRequest struct {
	KeysPerSecond int `json:"keys_per_second"`
}

// KeyRotator rotates the wrapping key on a running node (app's
// keyRotation). StartRotation starts a rotation, or goes on with one an
// earlier run left unfinished, in the background, and returns its state;
// if one is running it returns its state and starts nothing (on
// PostgreSQL, a positive keysPerSecond replaces its pace).
type KeyRotator interface {
	StartRotation(ctx context.Context, keysPerSecond int) (KeyRotation, error)
	Rotation() KeyRotation
}

func (s *Server) routeKeyRotation(m *http.ServeMux) {
	m.HandleFunc("POST /v1/admin/key-rotation", s.require(candor.RoleOperator, s.postKeyRotation))
	m.HandleFunc("GET /v1/admin/key-rotation", s.require(candor.RoleOperator, s.getKeyRotation))
}

func (s *Server) postKeyRotation(w http.ResponseWriter, r *http.Request, p *Principal) {
	if s.rotation == nil {
		s.writeError(w, r, candor.Errorf(candor.EINVALID, "this server rotates no keys"))
		return
	}
	var req KeyRotationRequest
	if err := s.decodeBody(w, r, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	if req.KeysPerSecond < 0 {
		s.writeError(w, r, candor.Errorf(candor.EINVALID, "keys_per_second: want 0 (no bound) or more, not %d", req.KeysPerSecond))
		return
	}
	st, err := s.rotation.StartRotation(context.WithoutCancel(r.Context()), req.KeysPerSecond)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.logAdmin(r, p, "key rotation started", st.State)
	writeJSON(w, http.StatusAccepted, st)
}

// getKeyRotation answers idle on a server that rotates no keys.
func (s *Server) getKeyRotation(w http.ResponseWriter, r *http.Request, _ *Principal) {
	if s.rotation == nil {
		writeJSON(w, http.StatusOK, KeyRotation{State: RotationIdle})
		return
	}
	writeJSON(w, http.StatusOK, s.rotation.Rotation())
}

// WatchKeyRotation exports the rotation's progress, as status reads it
// at each scrape: candor_key_rotation_running (1 while a rotation runs),
// candor_key_rotation_keys_done and candor_key_rotation_keys_total.
func (m *Metrics) WatchKeyRotation(status func() KeyRotation) {
	m.registerer.MustRegister(
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "candor_key_rotation_running",
			Help: "1 while a rotation of the wrapping key of the subjects' data keys runs (on PostgreSQL: the cluster's, on whichever node), else 0."}, func() float64 {
			if status().State == RotationRunning {
				return 1
			}
			return 0
		}),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "candor_key_rotation_keys_done",
			Help: "Data keys rewrapped under the new wrapping key by the last rotation, so far."}, func() float64 { return float64(status().Done) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "candor_key_rotation_keys_total",
			Help: "Data keys the last rotation has to rewrap in all."}, func() float64 { return float64(status().Total) }))
}

// StartKeyRotation asks the server to rotate the wrapping key
// (POST /v1/admin/key-rotation) and returns the rotation's state.
func (c *AdminClient) StartKeyRotation(ctx context.Context, keysPerSecond int) (KeyRotation, error) {
	var out KeyRotation
	err := c.do(ctx, "POST", "/v1/admin/key-rotation", KeyRotationRequest{KeysPerSecond: keysPerSecond}, &out)
	return out, err
}

// KeyRotation returns the state of the server's rotation of the wrapping
// key (GET /v1/admin/key-rotation).
func (c *AdminClient) KeyRotation(ctx context.Context) (KeyRotation, error) {
	var out KeyRotation
	err := c.do(ctx, "GET", "/v1/admin/key-rotation", nil, &out)
	return out, err
}
