package httpapi

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"time"

	"github.com/candor-project/candor"
)

// The operator's administration (registrar.Service), with an operator's
// key: sources, relying parties and API keys, with the server running.
func (s *Server) routeAdmin(m *http.ServeMux) {
	m.HandleFunc("GET /v1/admin/sources", s.require(candor.RoleOperator, s.getSources))
	m.HandleFunc("PUT /v1/admin/sources/{id}", s.require(candor.RoleOperator, s.putSource))
	m.HandleFunc("GET /v1/admin/relying-parties", s.require(candor.RoleOperator, s.getRelyingParties))
	m.HandleFunc("PUT /v1/admin/relying-parties/{id}", s.require(candor.RoleOperator, s.putRelyingParty))
	m.HandleFunc("GET /v1/admin/keys", s.require(candor.RoleOperator, s.getKeys))
	m.HandleFunc("POST /v1/admin/keys", s.require(candor.RoleOperator, s.postKey))
	m.HandleFunc("DELETE /v1/admin/keys/{id}", s.require(candor.RoleOperator, s.deleteKey))
	m.HandleFunc("POST /v1/admin/backup", s.require(candor.RoleOperator, s.postBackup))
	s.routeKeyRotation(m)
}

// Backuper writes an online backup of the store and the transparency log
// as a tar archive (app.Node.Backup).
type Backuper interface {
	Backup(ctx context.Context, w io.Writer) error
}

// postBackup streams a backup: application/x-tar, whose last entry,
// backup.json, says it is whole. An error once streaming has begun cuts
// the archive short (the client then finds no manifest) and is logged.
func (s *Server) postBackup(w http.ResponseWriter, r *http.Request, p *Principal) {
	if s.backup == nil {
		s.writeError(w, r, candor.Errorf(candor.EINVALID, "this server makes no backups"))
		return
	}
	// A large store takes longer than the server's write timeout.
	rc := http.NewResponseController(w)
	if err := rc.SetWriteDeadline(time.Time{}); err != nil {
		s.log.WarnContext(r.Context(), "backup: cannot lift the write deadline", slog.Any("err", err))
	}
	bw := &startWriter{w: w}
	err := s.backup.Backup(r.Context(), bw)
	switch {
	case err != nil && !bw.started:
		s.writeError(w, r, err)
	case err != nil:
		s.log.ErrorContext(r.Context(), "backup cut short", slog.Any("err", err))
		panic(http.ErrAbortHandler) // the client sees the archive end early
	}
}

// startWriter sets the archive's headers on its first write.
type startWriter struct {
	w       http.ResponseWriter
	started bool
}

func (b *startWriter) Write(p []byte) (int, error) {
	if !b.started {
		b.started = true
		b.w.Header().Set("Content-Type", "application/x-tar")
		b.w.Header().Set("Content-Disposition", `attachment; filename="candor-backup.tar"`)
		b.w.WriteHeader(http.StatusOK)
	}
	return b.w.Write(p)
}

// SourceJSON is a source as the administration API shows it.
type SourceJSON struct {
	ID        string    `json:"id"`
	Name      string    `json:"name"`
	Kind      string    `json:"kind"`
	Types     []string  `json:"types"`
	CreatedAt time.Time `json:"created_at"`
}

// SourceRequest is the body of PUT /v1/admin/sources/{id}: Types may
// hold patterns ("credit.*").
type SourceRequest struct {
	Name  string   `json:"name"`
	Kind  string   `json:"kind"`
	Types []string `json:"types"`
}

// RelyingPartyRequest is the body of PUT /v1/admin/relying-parties/{id}:
// purposes by name.
type RelyingPartyRequest struct {
	Name      string   `json:"name"`
	Purposes  []string `json:"purposes"`
	Statutory []string `json:"statutory"`
}

func purposeNames(ps []candor.Purpose) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.String()
	}
	return out
}

// KeyJSON is an API key as the administration API shows it: never its
// hash.
type KeyJSON struct {
	ID        string     `json:"id"`
	Role      string     `json:"role"`
	Principal string     `json:"principal"`
	CreatedAt time.Time  `json:"created_at"`
	RevokedAt *time.Time `json:"revoked_at,omitempty"`
}

// KeyRequest is the body of POST /v1/admin/keys.
type KeyRequest struct {
	Role      string `json:"role"`
	Principal string `json:"principal"`
}

// IssuedKeyJSON answers POST /v1/admin/keys: the token is shown once.
type IssuedKeyJSON struct {
	Key   KeyJSON `json:"key"`
	Token string  `json:"token"`
}

// RevokedKeyJSON answers DELETE /v1/admin/keys/{id}; Revoked is false if
// the key was revoked before.
type RevokedKeyJSON struct {
	Key     KeyJSON `json:"key"`
	Revoked bool    `json:"revoked"`
}

func sourceView(src *candor.Source) SourceJSON {
	return SourceJSON{ID: src.ID, Name: src.Name, Kind: src.Kind.String(), Types: src.AllowedTypes, CreatedAt: src.CreatedAt}
}

func keyView(k *candor.APIKey) KeyJSON {
	v := KeyJSON{ID: k.ID, Role: k.Role.String(), Principal: k.Principal, CreatedAt: k.CreatedAt}
	if k.Revoked() {
		v.RevokedAt = &k.RevokedAt
	}
	return v
}

func (s *Server) getSources(w http.ResponseWriter, r *http.Request, _ *Principal) {
	srcs, err := s.registrar.Sources(r.Context())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	out := make([]SourceJSON, len(srcs))
	for i, src := range srcs {
		out[i] = sourceView(src)
	}
	writeJSON(w, http.StatusOK, map[string]any{"sources": out})
}

func (s *Server) putSource(w http.ResponseWriter, r *http.Request, p *Principal) {
	var req SourceRequest
	if err := s.decodeBody(w, r, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	kind, ok := candor.ParseSourceKind(req.Kind)
	if !ok {
		s.writeError(w, r, candor.Errorf(candor.EINVALID, "kind %q: no such kind of source", candor.Clip(req.Kind, 40)))
		return
	}
	src := &candor.Source{ID: r.PathValue("id"), Name: req.Name, Kind: kind, AllowedTypes: req.Types}
	if err := s.registrar.PutSource(r.Context(), src); err != nil {
		s.writeError(w, r, err)
		return
	}
	s.logAdmin(r, p, "source put", src.ID)
	writeJSON(w, http.StatusOK, map[string]any{"source": sourceView(src)})
}

func (s *Server) getRelyingParties(w http.ResponseWriter, r *http.Request, _ *Principal) {
	rps, err := s.registrar.RelyingParties(r.Context())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"relying_parties": rps})
}

func (s *Server) putRelyingParty(w http.ResponseWriter, r *http.Request, p *Principal) {
	var req RelyingPartyRequest
	if err := s.decodeBody(w, r, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	rp := &candor.RelyingParty{ID: r.PathValue("id"), Name: req.Name}
	var err error
	if rp.Purposes, err = candor.ParsePurposes("purposes", req.Purposes); err == nil {
		rp.Statutory, err = candor.ParsePurposes("statutory", req.Statutory)
	}
	if err == nil {
		err = s.registrar.PutRelyingParty(r.Context(), rp)
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.logAdmin(r, p, "relying party put", rp.ID)
	writeJSON(w, http.StatusOK, map[string]any{"relying_party": rp})
}

func (s *Server) getKeys(w http.ResponseWriter, r *http.Request, _ *Principal) {
	keys, err := s.registrar.Keys(r.Context())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	out := make([]KeyJSON, len(keys))
	for i, k := range keys {
		out[i] = keyView(k)
	}
	writeJSON(w, http.StatusOK, map[string]any{"keys": out})
}

func (s *Server) postKey(w http.ResponseWriter, r *http.Request, p *Principal) {
	var req KeyRequest
	if err := s.decodeBody(w, r, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	role, ok := candor.ParseRole(req.Role)
	if !ok {
		s.writeError(w, r, candor.Errorf(candor.EINVALID, "role %q: no such role", candor.Clip(req.Role, 40)))
		return
	}
	token, key, err := s.registrar.IssueKey(r.Context(), role, req.Principal)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.logAdmin(r, p, "key issued", key.ID)
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusCreated, IssuedKeyJSON{Key: keyView(key), Token: token})
}

func (s *Server) deleteKey(w http.ResponseWriter, r *http.Request, p *Principal) {
	key, revoked, err := s.registrar.RevokeKey(r.Context(), r.PathValue("id"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if revoked {
		s.logAdmin(r, p, "key revoked", key.ID)
	}
	writeJSON(w, http.StatusOK, RevokedKeyJSON{Key: keyView(key), Revoked: revoked})
}

// logAdmin logs an administrative act and the operator's key that did it.
func (s *Server) logAdmin(r *http.Request, p *Principal, act, on string) {
	s.log.InfoContext(r.Context(), "administrative act", "act", act, "on", on, "operator", p.Key.Principal, "key", p.Key.ID)
}
