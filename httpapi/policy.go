package httpapi

import (
	"net/http"
	"strconv"
	"time"

	"github.com/candor-project/candor"
)

// maxScorecardBody bounds a proposal's body: a scorecard file as JSON.
const maxScorecardBody = 256 << 10

// The policy administrators' administration (candor.Policy), each act
// with the acting administrator's own key: scorecard versions and their
// keys, with the server running. An operator's key may only bootstrap
// the first two administrators.
func (s *Server) routePolicy(m *http.ServeMux) {
	m.HandleFunc("GET /v1/policy/scorecards", s.require(candor.RolePolicyAdmin, s.getVersions))
	m.HandleFunc("POST /v1/policy/scorecards", s.require(candor.RolePolicyAdmin, s.postProposal))
	m.HandleFunc("POST /v1/policy/scorecards/{id}/versions/{v}/approval", s.require(candor.RolePolicyAdmin, s.postApproval))
	m.HandleFunc("POST /v1/policy/scorecards/{id}/versions/{v}/audits", s.require(candor.RolePolicyAdmin, s.postAudit))
	m.HandleFunc("POST /v1/policy/keys", s.requireEither(candor.RolePolicyAdmin, candor.RoleOperator, s.postPolicyKey))
	m.HandleFunc("POST /v1/policy/keys/{id}/approval", s.require(candor.RolePolicyAdmin, s.postPolicyKeyApproval))
	m.HandleFunc("DELETE /v1/policy/keys/{id}", s.require(candor.RolePolicyAdmin, s.deletePolicyKey))
}

// VersionJSON is a scorecard version as the policy API shows it.
type VersionJSON struct {
	ID         string     `json:"id"`
	Version    int        `json:"version"`
	Title      string     `json:"title"`
	State      string     `json:"state"`
	Shipped    bool       `json:"shipped"`
	ProposedBy string     `json:"proposed_by,omitempty"`
	ProposedAt *time.Time `json:"proposed_at,omitempty"`
	ApprovedBy string     `json:"approved_by,omitempty"`
	ApprovedAt *time.Time `json:"approved_at,omitempty"`
	// Audit is the latest fairness audit recorded of the version's source.
	Audit *AuditJSON `json:"audit,omitempty"`
}

// AuditJSON is a recorded fairness audit: its summary (group-level
// counts and rates only) and the administrative act that recorded it.
type AuditJSON struct {
	candor.FairnessAudit
	Act uint64    `json:"act"`
	By  string    `json:"by"`
	At  time.Time `json:"at"`
}

// AuditRequest is the body of POST /v1/policy/scorecards/{id}/versions/{v}/audits:
// the sample (CSV: a column per characteristic, an outcome column) and the
// protected attributes (CSV, one row per row of the sample), neither kept.
type AuditRequest struct {
	Sample    string `json:"sample" text:"multiline"`
	Protected string `json:"protected" text:"multiline"`
}

// maxAuditBody bounds an audit's body: a sample and its attributes.
const maxAuditBody = 32 << 20

func auditView(a *candor.FairnessAudit) *AuditJSON {
	if a == nil {
		return nil
	}
	return &AuditJSON{FairnessAudit: *a, Act: a.N, By: a.By, At: a.At}
}

// ProposalRequest is the body of POST /v1/policy/scorecards: a scorecard
// file's name and its text.
type ProposalRequest struct {
	File   string `json:"file"`
	Source string `json:"source" text:"multiline"`
}

// PolicyKeyRequest is the body of POST /v1/policy/keys: the administrator
// the key is for.
type PolicyKeyRequest struct {
	Name string `json:"name"`
}

// AdminActJSON is an administrative act as the policy API answers it.
type AdminActJSON struct {
	N         uint64    `json:"n"`
	Act       string    `json:"act"`
	At        time.Time `json:"at"`
	By        string    `json:"by,omitempty"`
	Key       string    `json:"key,omitempty"`
	Principal string    `json:"principal,omitempty"`
}

// MintedKeyJSON answers POST /v1/policy/keys: the token is shown once.
type MintedKeyJSON struct {
	Key   KeyJSON      `json:"key"`
	Token string       `json:"token"`
	Act   AdminActJSON `json:"act"`
}

func versionView(v *candor.ScorecardVersion) VersionJSON {
	out := VersionJSON{ID: v.Scorecard.ID, Version: v.Scorecard.Version, Title: v.Scorecard.Title, State: string(v.State),
		Shipped: v.Shipped, ProposedBy: v.ProposedBy, ApprovedBy: v.ApprovedBy, Audit: auditView(v.Audit)}
	if !v.ProposedAt.IsZero() {
		out.ProposedAt = &v.ProposedAt
	}
	if !v.ApprovedAt.IsZero() {
		out.ApprovedAt = &v.ApprovedAt
	}
	return out
}

func actView(a *candor.AdminAct) AdminActJSON {
	return AdminActJSON{N: a.N, Act: a.Kind.String(), At: a.At, By: a.By, Key: a.Key, Principal: a.Principal}
}

func (s *Server) getVersions(w http.ResponseWriter, r *http.Request, _ *Principal) {
	vs, err := s.policy.Versions(r.Context())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	out := make([]VersionJSON, len(vs))
	for i, v := range vs {
		out[i] = versionView(v)
	}
	writeJSON(w, http.StatusOK, map[string]any{"versions": out})
}

func (s *Server) postProposal(w http.ResponseWriter, r *http.Request, p *Principal) {
	bp, err := s.readBody(w, r, maxScorecardBody)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	defer s.bufs.Put(bp)
	var req ProposalRequest
	if err := decodeJSON(*bp, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	v, err := s.policy.Propose(r.Context(), p.Key, req.File, []byte(req.Source))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, map[string]any{"version": versionView(v)})
}

func (s *Server) postApproval(w http.ResponseWriter, r *http.Request, p *Principal) {
	n, err := versionPath(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	v, err := s.policy.Approve(r.Context(), p.Key, r.PathValue("id"), n)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"version": versionView(v)})
}

// versionPath reads the version of a path's {v}. Errors: EINVALID.
func versionPath(r *http.Request) (int, error) {
	n, err := strconv.Atoi(r.PathValue("v"))
	if err != nil || n < 1 {
		return 0, candor.Errorf(candor.EINVALID, "version %q: want a number from 1", candor.Clip(r.PathValue("v"), 20))
	}
	return n, nil
}

// postAudit audits a stored version on the sample and records the
// summary; the sample and the attributes are dropped with the request.
func (s *Server) postAudit(w http.ResponseWriter, r *http.Request, p *Principal) {
	n, err := versionPath(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	bp, err := s.readBody(w, r, maxAuditBody)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	defer func() {
		if cap(*bp) <= maxScorecardBody { // a sample's buffer is not kept for the next request
			s.bufs.Put(bp)
		}
	}()
	var req AuditRequest
	if err := decodeJSON(*bp, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	a, err := s.policy.Audit(r.Context(), p.Key, r.PathValue("id"), n, []byte(req.Sample), []byte(req.Protected))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, map[string]any{"audit": auditView(a)})
}

// postPolicyKey mints an administrator's key: requested by an
// administrator, or bootstrapped with an operator's key (by nil).
func (s *Server) postPolicyKey(w http.ResponseWriter, r *http.Request, p *Principal) {
	var req PolicyKeyRequest
	if err := s.decodeBody(w, r, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	by := p.Key
	if by.Role == candor.RoleOperator {
		by = nil
	}
	token, key, act, err := s.policy.MintKey(r.Context(), by, req.Name)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusCreated, MintedKeyJSON{Key: keyView(key), Token: token, Act: actView(act)})
}

func (s *Server) postPolicyKeyApproval(w http.ResponseWriter, r *http.Request, p *Principal) {
	act, err := s.policy.ApproveKey(r.Context(), p.Key, r.PathValue("id"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"act": actView(act)})
}

func (s *Server) deletePolicyKey(w http.ResponseWriter, r *http.Request, p *Principal) {
	act, err := s.policy.RevokeKey(r.Context(), p.Key, r.PathValue("id"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"act": actView(act)})
}
