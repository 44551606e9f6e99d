package httpapi

import (
	"context"
	"encoding/hex"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/candor-project/candor"
)

// The public company register: each organisation's current
// business-compliance grade, for anyone, without a key; persons never.

type organisationJSON struct {
	CompanyRegNo     string    `json:"company_reg_no"`
	Grade            string    `json:"grade"`
	AsOf             time.Time `json:"as_of"`
	ScorecardID      string    `json:"scorecard_id"`
	ScorecardVersion int       `json:"scorecard_version"`
	Scorecard        string    `json:"scorecard"` // the published scorecard: its rules and bands
}

// organisation returns the register entry of the organisation with a
// company registration number, or the register's error (ENOTFOUND alike
// for a number no organisation has, a malformed one and a person's).
func (s *Server) organisation(r *http.Request, regNo string) (*organisationJSON, error) {
	if s.register == nil {
		return nil, candor.ErrNoRegister
	}
	e, err := s.register.Organisation(r.Context(), regNo)
	if err != nil {
		return nil, err
	}
	return &organisationJSON{CompanyRegNo: e.CompanyRegNo, Grade: e.Grade, AsOf: e.AsOf, ScorecardID: e.Scorecard.ID, ScorecardVersion: e.Scorecard.Version,
		Scorecard: "/v1/scorecards/" + e.Scorecard.ID + "/versions/" + strconv.Itoa(e.Scorecard.Version)}, nil
}

// getOrganisation is GET /v1/public/organisations/{company_reg_no}.
func (s *Server) getOrganisation(w http.ResponseWriter, r *http.Request) {
	o, err := s.organisation(r, r.PathValue("company_reg_no"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, o)
}

// maxSearch bounds the registration numbers of one search.
const maxSearch = 50

// searchOrganisations is GET /v1/public/organisations?reg_no=A,B,...: the
// entries of those of the numbers that are registered, in the order
// asked, and the numbers that are not.
func (s *Server) searchOrganisations(w http.ResponseWriter, r *http.Request) {
	var nos []string
	for _, v := range r.URL.Query()["reg_no"] {
		for _, n := range strings.Split(v, ",") {
			if n = strings.TrimSpace(n); n != "" {
				nos = append(nos, n)
			}
		}
	}
	if len(nos) == 0 || len(nos) > maxSearch {
		s.writeError(w, r, candor.Errorf(candor.EINVALID, "reg_no: give 1 to %d company registration numbers, comma-separated", maxSearch))
		return
	}
	found, missing := []*organisationJSON{}, []string{}
	for _, n := range nos {
		o, err := s.organisation(r, n)
		switch candor.ErrorCode(err) {
		case "":
			found = append(found, o)
		case candor.ENOTFOUND:
			missing = append(missing, candor.Clip(n, 40))
		default:
			s.writeError(w, r, err)
			return
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"organisations": found, "not_registered": missing})
}

// limited wraps a public handler with the rate limiter.
func (s *Server) limited(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if !s.public.Allow(r, s.now()) {
			w.Header().Set("Retry-After", "1")
			s.writeError(w, r, candor.Errorf(candor.ETOOMANY, "too many requests from your address; slow down"))
			return
		}
		h(w, r)
	}
}

// AdminActs lists the administrative acts (admins.Service is one).
type AdminActs interface {
	Acts(ctx context.Context) ([]*candor.AdminAct, error)
}

type adminActJSON struct {
	N          uint64    `json:"n"`
	Act        string    `json:"act"`
	At         time.Time `json:"at"`
	By         string    `json:"by,omitempty"`     // the administrator acting (none for a bootstrap)
	ByKey      string    `json:"by_key,omitempty"` // with which key
	Key        string    `json:"key,omitempty"`    // key acts: the key acted on
	Principal  string    `json:"principal,omitempty"`
	Scorecard  string    `json:"scorecard,omitempty"` // scorecard acts: the version
	Version    int       `json:"version,omitempty"`
	Source     string    `json:"source_sha256,omitempty"`
	Audit      string    `json:"audit_sha256,omitempty"` // audit acts: the summary's hash
	Record     []byte    `json:"record"`                 // the act's canonical encoding
	Commitment string    `json:"commitment"`             // its commitment in the transparency log, recomputable from record
}

// getAdminActs is GET /v1/admin-acts: every administrative act — keys
// minted, requested, approved and revoked, scorecard versions proposed
// and approved — with who, which key and when, each with its canonical
// record and its commitment in the log. Public.
func (s *Server) getAdminActs(w http.ResponseWriter, r *http.Request) {
	acts, err := s.admin.Acts(r.Context())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	out := []adminActJSON{}
	for _, a := range acts {
		enc, err := a.MarshalBinary()
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		j := adminActJSON{N: a.N, Act: a.Kind.String(), At: a.At, By: a.By, ByKey: a.ByKey, Key: a.Key, Principal: a.Principal,
			Scorecard: a.Scorecard, Version: a.Version, Record: enc, Commitment: candor.AdminActCommitment(enc).String()}
		if a.Scorecard != "" {
			j.Source = hex.EncodeToString(a.Source[:])
		}
		if a.Kind == candor.ActScorecardAudited {
			j.Audit = hex.EncodeToString(a.Audit[:])
		}
		out = append(out, j)
	}
	writeJSON(w, http.StatusOK, map[string]any{"acts": out})
}

// auditSummaries is the policy service's optional capability of serving
// the stored summary of an audit act (policy.Service has it).
type auditSummaries interface {
	AuditSummary(ctx context.Context, n uint64) ([]byte, error)
}

// getAuditSummary is GET /v1/admin-acts/{n}/audit: the summary of audit
// act n (group-level counts and rates), byte for byte as stored, whose
// SHA-256 is the act's audit_sha256. Public, as the acts are.
func (s *Server) getAuditSummary(w http.ResponseWriter, r *http.Request) {
	as, ok := s.policy.(auditSummaries)
	n, err := strconv.ParseUint(r.PathValue("n"), 10, 64)
	switch {
	case !ok:
		err = candor.Errorf(candor.ENOTFOUND, "this server keeps no fairness audits")
	case err != nil:
		err = candor.Errorf(candor.EINVALID, "act %q: want a number from 1", candor.Clip(r.PathValue("n"), 20))
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	data, err := as.AuditSummary(r.Context(), n)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Write(data)
}
