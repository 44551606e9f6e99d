package httpapi

import (
	"net/http"
	"time"

	"github.com/candor-project/candor"
)

// routeStats serves the statistics: analysts' queries and budget, and the
// public monthly releases (published by an operator).
func (s *Server) routeStats(m *http.ServeMux) {
	m.HandleFunc("GET /v1/stats/tables/{table}", s.require(candor.RoleAnalyst, s.getStatTable))
	m.HandleFunc("GET /v1/stats/budget", s.require(candor.RoleAnalyst, s.getStatBudget))
	m.HandleFunc("GET /v1/stats/releases", s.limited(s.getStatReleases))
	m.HandleFunc("GET /v1/stats/releases/{month}", s.limited(s.getStatRelease))
	m.HandleFunc("POST /v1/stats/releases/{month}", s.require(candor.RoleOperator, s.postStatRelease))
}

// getStatTable is GET /v1/stats/tables/{table}: one query of the closed
// list, answered with noise after its ε is spent from the key's budget.
func (s *Server) getStatTable(w http.ResponseWriter, r *http.Request, p *Principal) {
	q, err := candor.ParseStatQuery(r.PathValue("table"), r.URL.Query(), s.now())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	res, err := s.stats.Query(r.Context(), p.Key, q)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, res)
}

type lossJSON struct {
	Limit float64 `json:"limit"`
	Spent float64 `json:"spent"`
	Left  float64 `json:"left"`
}

// getStatBudget is GET /v1/stats/budget: the key's ε and δ, spent and
// left.
func (s *Server) getStatBudget(w http.ResponseWriter, r *http.Request, p *Principal) {
	b, err := s.stats.Budget(r.Context(), p.Key)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	const micro, femto = candor.MicroEpsilon, 1e15
	writeJSON(w, http.StatusOK, map[string]any{"account": b.Account, "spends": b.Spends,
		"epsilon": lossJSON{float64(b.Epsilon) / micro, float64(b.SpentEpsilon) / micro, float64(b.LeftEpsilon()) / micro},
		"delta":   lossJSON{float64(b.Delta) / femto, float64(b.SpentDelta) / femto, float64(b.LeftDelta()) / femto}})
}

// getStatReleases is GET /v1/stats/releases: the published monthly
// releases, newest first, each with its tables. Public.
func (s *Server) getStatReleases(w http.ResponseWriter, r *http.Request) {
	rels, err := s.stats.Releases(r.Context())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if rels == nil {
		rels = []*candor.StatRelease{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"releases": rels})
}

func monthParam(r *http.Request) (candor.Month, error) {
	m, err := time.Parse("2006-01", r.PathValue("month"))
	if err != nil {
		return m, candor.Errorf(candor.EINVALID, "month %q: YYYY-MM", r.PathValue("month"))
	}
	return m, nil
}

// getStatRelease is GET /v1/stats/releases/{month}. Public.
func (s *Server) getStatRelease(w http.ResponseWriter, r *http.Request) {
	m, err := monthParam(r)
	if err == nil {
		var rel *candor.StatRelease
		if rel, err = s.stats.Release(r.Context(), m); err == nil {
			writeJSON(w, http.StatusOK, rel)
			return
		}
	}
	s.writeError(w, r, err)
}

// postStatRelease is POST /v1/stats/releases/{month}: an operator
// publishes a month's release, once, paid from its own budget.
func (s *Server) postStatRelease(w http.ResponseWriter, r *http.Request, _ *Principal) {
	m, err := monthParam(r)
	if err == nil {
		var rel *candor.StatRelease
		if rel, err = s.stats.Publish(r.Context(), m); err == nil {
			writeJSON(w, http.StatusCreated, rel)
			return
		}
	}
	s.writeError(w, r, err)
}
