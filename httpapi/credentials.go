package httpapi

import (
	"net/http"
	"time"

	"github.com/candor-project/candor"
	"github.com/candor-project/candor/credentials"
)

// routeCredentials adds the credential endpoints: the issuer's public
// metadata, status list and statement catalogue, and the holder's own.
func (s *Server) routeCredentials(m *http.ServeMux) {
	m.HandleFunc("GET "+credentials.MetadataPath, func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, s.creds.Metadata())
	})
	m.HandleFunc("GET "+credentials.StatusListPath, s.getStatusList)
	m.HandleFunc("GET /v1/statements", s.getStatements)
	m.HandleFunc("GET /v1/me/credentials", s.require(candor.RoleSubject, s.getMyCredentials))
	m.HandleFunc("GET /v1/me/credentials/offer", s.require(candor.RoleSubject, s.getCredentialOffer))
	m.HandleFunc("POST /v1/me/credentials", s.require(candor.RoleSubject, s.postCredential))
	m.HandleFunc("DELETE /v1/me/credentials/{id}", s.require(candor.RoleSubject, s.deleteCredential))
}

// getStatusList is GET /v1/credentials/status-list: the one signed Token
// Status List for every holder.
func (s *Server) getStatusList(w http.ResponseWriter, r *http.Request) {
	tok, err := s.creds.StatusList(r.Context())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/statuslist+jwt")
	w.Header().Set("Cache-Control", "public, max-age=60")
	w.Write([]byte(tok))
}

type statementJSON struct {
	Name       string   `json:"name"`
	Subjects   []string `json:"subjects"`
	Purpose    string   `json:"purpose"`
	Definition string   `json:"definition"`
	Value      string   `json:"value"`
	Reads      []string `json:"reads"`
}

// getStatements is GET /v1/statements: the published catalogue of
// statements a credential may carry.
func (s *Server) getStatements(w http.ResponseWriter, r *http.Request) {
	out := []statementJSON{}
	for _, st := range s.creds.Statements() {
		j := statementJSON{Name: st.Name, Purpose: st.Purpose.String(), Definition: st.Definition, Value: st.Value, Reads: st.Reads}
		for _, k := range st.Subjects {
			j.Subjects = append(j.Subjects, k.String())
		}
		out = append(out, j)
	}
	writeJSON(w, http.StatusOK, map[string]any{"statements": out})
}

// getCredentialOffer is GET /v1/me/credentials/offer: the statements true
// of the holder now and the documents they may disclose.
func (s *Server) getCredentialOffer(w http.ResponseWriter, r *http.Request, p *Principal) {
	o, err := s.creds.Offer(r.Context(), p.Subject)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if o.Statements == nil {
		o.Statements = []credentials.Claim{}
	}
	if o.Documents == nil {
		o.Documents = []credentials.Document{}
	}
	s.writeDisclosure(w, r, p, p.Subject, "the subject's own read", http.StatusOK,
		map[string]any{"statements": o.Statements, "documents": o.Documents})
}

// postCredential is POST /v1/me/credentials {kind, statements, document}:
// a credential freshly issued, stored and recorded like a read before it
// is answered.
func (s *Server) postCredential(w http.ResponseWriter, r *http.Request, p *Principal) {
	var req struct {
		Kind       credentials.Kind `json:"kind"`
		Statements []string         `json:"statements"`
		Document   string           `json:"document"`
	}
	if err := s.decodeBody(w, r, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	if req.Kind == "" {
		req.Kind = credentials.Download
	}
	creq := credentials.Request{Kind: req.Kind, Statements: req.Statements, Document: req.Document}
	writeCreated(s, w, r, p, "credential issued to the holder", http.StatusCreated,
		func(disclose candor.Disclose[*credentials.Issued]) error {
			_, err := s.creds.Deliver(r.Context(), p.Subject, creq, disclose)
			return err
		},
		func(is *credentials.Issued) (candor.SubjectID, any, error) {
			qr, err := credentials.RenderQR(is.QR, 512)
			if err != nil {
				return candor.SubjectID{}, nil, err
			}
			return p.Subject, map[string]any{"id": is.Info.ID, "kind": is.Info.Kind, "issued_at": is.Info.IssuedAt, "expires": is.Info.Expires,
				"statements": is.Info.Statements, "credential": is.Credential, "qr": is.QR, "qr_png": qr.PNG}, nil
		})
}

// getMyCredentials is GET /v1/me/credentials: every credential issued to
// the holder, newest first, with its status now.
func (s *Server) getMyCredentials(w http.ResponseWriter, r *http.Request, p *Principal) {
	infos, err := s.creds.Credentials(r.Context(), p.Subject)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if infos == nil {
		infos = []*credentials.Info{}
	}
	s.writeDisclosure(w, r, p, p.Subject, "the subject's own read", http.StatusOK, map[string]any{"credentials": infos, "as_of": s.now().UTC().Truncate(time.Second)})
}

// deleteCredential is DELETE /v1/me/credentials/{id}: revoked at once.
func (s *Server) deleteCredential(w http.ResponseWriter, r *http.Request, p *Principal) {
	in, err := s.creds.Revoke(r.Context(), p.Subject, r.PathValue("id"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, in)
}
