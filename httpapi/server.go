package httpapi

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/candor-project/candor"
	"github.com/candor-project/candor/audit"
	"github.com/candor-project/candor/credentials"
	"github.com/candor-project/candor/decisions"
	"github.com/candor-project/candor/disputes"
	"github.com/candor-project/candor/erasure"
	"github.com/candor-project/candor/identity"
	"github.com/candor-project/candor/internal/ratelimit"
	"github.com/candor-project/candor/registrar"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// openAPI describes this API; a test checks every path it lists is served.
//
//go:embed openapi.yaml
var openAPI []byte

// Config wires a Server.
type Config struct {
	Catalogue *candor.Catalogue
	Ingester  candor.Ingester
	// Profiles reads the subjects' profiles the API serves
	// (profile.Service is one).
	Profiles candor.Profiles
	Logger   *slog.Logger
	Metrics  *Metrics // nil: no metrics endpoint
	// Scorecards are the served scorecard versions, read once per
	// request (they may change while the server runs): the active
	// version of each published scorecard and every approved version,
	// old ones included. nil serves none.
	Scorecards candor.ServedScorers
	// Decisions, if set, serves relying parties, subjects and reviewers.
	Decisions *decisions.Service
	// DecisionSigner, if set, signs decision answers (SignatureHeader)
	// and is published at DecisionKeysPath.
	DecisionSigner *decisions.Signer
	// Disputes, if set, serves subjects' disputes, sources' answers and
	// relying parties' notices.
	Disputes *disputes.Service
	Now      func() time.Time
	// Access, if set, records every read of a subject's data before it is
	// served (fail closed); Log, if set, is served at /log/ with proofs
	// (audit.go). candor serve sets both.
	Access candor.AccessRecorder
	Log    TransparencyLog
	// Proofs, with Log, proves subjects' facts and access records are in
	// the log (profile.Service is one).
	Proofs audit.SubjectProofs
	// Checkpoints, if set, serves earlier checkpoints of Log
	// (/v1/log/consistency?to=); Health, if set, says why the log and the
	// store disagree (then /readyz is 503).
	Checkpoints CheckpointHistory
	Health      func() error
	// Erasure, if set, serves subjects' erasure requests.
	Erasure *erasure.Service
	// Register, if set, is the public company register
	// (/v1/public/organisations; register.Service is one).
	Register candor.Register
	// Admin, if set, lists the administrative acts, publicly, at
	// /v1/admin-acts (public.go).
	Admin AdminActs
	// Credentials, if set, issues holders' credentials and serves the
	// issuer's metadata and status list.
	Credentials *credentials.Service
	// Registrar authenticates every API key and serves the operator's
	// administration under /v1/admin/ (admin.go). Required.
	Registrar *registrar.Service
	// Backup, if set, serves operators' online backups
	// (POST /v1/admin/backup, admin.go).
	Backup Backuper
	// Rotation, if set, rotates the wrapping key online for operators
	// (/v1/admin/key-rotation, keyrotation.go).
	Rotation KeyRotator
	// Policy, if set, serves the policy administrators' administration
	// under /v1/policy/ (policy.go).
	Policy candor.Policy
	// Statistics, if set, serves analysts' queries and the public monthly
	// releases under /v1/stats/ (stats.go).
	Statistics candor.Statistics
	// Identity, if set, takes registries' link facts
	// (/v1/identity/links, identity.go).
	Identity *identity.Service
}

// Server is the HTTP API. Its zero value is not usable; use New.
type Server struct {
	cat        *candor.Catalogue
	ingest     candor.Ingester
	profiles   candor.Profiles
	proofs     audit.SubjectProofs
	log        *slog.Logger
	metrics    *Metrics
	now        func() time.Time
	scorecards candor.ServedScorers
	decisions  *decisions.Service
	signer     *decisions.Signer
	disputes   *disputes.Service
	erasure    *erasure.Service
	admin      AdminActs
	register   candor.Register
	creds      *credentials.Service
	registrar  *registrar.Service
	backup     Backuper
	rotation   KeyRotator
	policy     candor.Policy
	stats      candor.Statistics
	identity   *identity.Service
	access     candor.AccessRecorder
	tlog       TransparencyLog
	history    CheckpointHistory
	health     func() error
	openAPI    []byte
	public     *ratelimit.PerAddress // for the public register
	bufs       sync.Pool
	mux        *http.ServeMux

	mu    sync.Mutex
	ready bool
}

// New returns a server for cfg. It is not ready (/readyz answers 503) until
// SetReady(true).
func New(cfg Config) *Server {
	s := &Server{cat: cfg.Catalogue, ingest: cfg.Ingester, profiles: cfg.Profiles, proofs: cfg.Proofs,
		log: cfg.Logger, metrics: cfg.Metrics, now: cfg.Now, scorecards: cfg.Scorecards,
		decisions: cfg.Decisions, disputes: cfg.Disputes, public: ratelimit.New(ratelimit.PublicRate, ratelimit.PublicBurst),
		access: cfg.Access, tlog: cfg.Log, history: cfg.Checkpoints, health: cfg.Health, openAPI: openAPI}
	s.erasure, s.admin, s.register = cfg.Erasure, cfg.Admin, cfg.Register
	s.creds, s.registrar, s.policy, s.signer = cfg.Credentials, cfg.Registrar, cfg.Policy, cfg.DecisionSigner
	s.backup = cfg.Backup
	s.rotation = cfg.Rotation
	s.stats = cfg.Statistics
	s.identity = cfg.Identity
	if s.registrar == nil {
		panic("httpapi: Config.Registrar is required: it authenticates every key")
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.now == nil {
		s.now = time.Now
	}
	s.bufs.New = func() any { return new([]byte) }
	m := http.NewServeMux()
	m.HandleFunc("POST /v1/events", s.require(candor.RoleSource, s.postEvents))
	m.HandleFunc("GET /v1/sources/me/events", s.require(candor.RoleSource, s.getPosted))
	if s.identity != nil {
		m.HandleFunc("POST /v1/identity/links", s.require(candor.RoleSource, s.postLink))
		m.HandleFunc("GET /v1/me/links", s.require(candor.RoleSubject, s.getMyLinks))
		m.HandleFunc("POST /v1/me/links/{link}/dispute", s.require(candor.RoleSubject, s.postLinkDispute))
	}
	m.HandleFunc("GET /v1/subjects:lookup", s.requireRead(candor.RoleOperator, s.lookupSubject))
	m.HandleFunc("GET /v1/subjects/{id}", s.requireRead(candor.RoleOperator, s.getSubject))
	m.HandleFunc("GET /v1/subjects/{id}/events", s.requireRead(candor.RoleOperator, s.getEvents))
	m.HandleFunc("GET /v1/subjects/{id}/scores", s.requireRead(candor.RoleOperator, s.getScores))
	m.HandleFunc("GET /v1/subjects/{id}/scores/{scorecard}", s.requireRead(candor.RoleOperator, s.getScores))
	// A person reads their own scores, at any instant: their grade history.
	m.HandleFunc("GET /v1/me/scores", s.require(candor.RoleSubject, s.getScores))
	if s.decisions != nil {
		m.HandleFunc("POST /v1/decisions", s.require(candor.RoleRelyingParty, s.postDecision))
		m.HandleFunc("GET /v1/decisions/{id}", s.require(candor.RoleRelyingParty, s.getDecisionForParty))
		if s.signer != nil {
			m.HandleFunc("GET "+DecisionKeysPath, s.getDecisionKeys)
			if keys, err := json.Marshal(s.signer.JWKS()); err == nil { // JSON is YAML
				s.openAPI = bytes.Replace(s.openAPI, []byte("x-decision-keys: none"), append([]byte("x-decision-keys: "), keys...), 1)
			}
		}
		m.HandleFunc("GET /v1/consents/{code}", s.require(candor.RoleRelyingParty, s.getConsentForParty))
		m.HandleFunc("GET /v1/court-orders", s.require(candor.RoleRelyingParty, s.getCourtOrders))
		m.HandleFunc("POST /v1/me/consents", s.require(candor.RoleSubject, s.postConsent))
		m.HandleFunc("GET /v1/me/consents", s.require(candor.RoleSubject, s.getConsents))
		m.HandleFunc("DELETE /v1/me/consents/{code}", s.require(candor.RoleSubject, s.deleteConsent))
		m.HandleFunc("GET /v1/me/decisions", s.require(candor.RoleSubject, s.getMyDecisions))
		m.HandleFunc("GET /v1/me/events", s.require(candor.RoleSubject, s.getEvents))
		m.HandleFunc("POST /v1/me/decisions/{id}/review", s.require(candor.RoleSubject, s.postReview))
		m.HandleFunc("GET /v1/reviews", s.requireRead(candor.RoleReviewer, s.getReviews))
		m.HandleFunc("GET /v1/reviews/{id}", s.requireRead(candor.RoleReviewer, s.getReview))
		m.HandleFunc("POST /v1/reviews/{id}/close", s.require(candor.RoleReviewer, s.closeReview))
		m.HandleFunc("GET /v1/me/opt-outs", s.require(candor.RoleSubject, s.getOptOuts))
		m.HandleFunc("POST /v1/me/opt-outs/{scorecard}", s.require(candor.RoleSubject, s.postOptOut))
		m.HandleFunc("DELETE /v1/me/opt-outs/{scorecard}", s.require(candor.RoleSubject, s.deleteOptOut))
	}
	if s.erasure != nil {
		m.HandleFunc("GET /v1/me/erasure", s.require(candor.RoleSubject, s.getErasure))
		m.HandleFunc("POST /v1/me/erasure", s.require(candor.RoleSubject, s.postErasure))
	}
	if s.creds != nil {
		s.routeCredentials(m)
	}
	s.routeAdmin(m)
	if s.policy != nil {
		s.routePolicy(m)
	}
	if s.stats != nil {
		s.routeStats(m)
	}
	m.HandleFunc("GET /v1/public/organisations/{company_reg_no}", s.limited(s.getOrganisation))
	m.HandleFunc("GET /v1/public/organisations", s.limited(s.searchOrganisations))
	m.HandleFunc("GET /v1/catalogue", s.getCatalogue)
	m.HandleFunc("GET /v1/scorecards", s.listScorecards)
	m.HandleFunc("GET /v1/scorecards/{id}/versions/{v}", s.getScorecard)
	if s.admin != nil {
		m.HandleFunc("GET /v1/admin-acts", s.getAdminActs)
		m.HandleFunc("GET /v1/admin-acts/{n}/audit", s.getAuditSummary)
	}
	m.HandleFunc("GET /v1/openapi.yaml", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/yaml")
		w.Write(s.openAPI)
	})
	m.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	m.HandleFunc("GET /readyz", s.readyz)
	s.routeAudit(m)
	s.routeDisputes(m)
	if s.metrics != nil {
		m.Handle("GET /metrics", promhttp.HandlerFor(s.metrics.gatherer, promhttp.HandlerOpts{}))
	}
	m.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		s.writeError(w, r, candor.Errorf(candor.ENOTFOUND, "no such endpoint: %s %s", r.Method, r.URL.Path))
	})
	s.mux = m
	return s
}

// SetReady says whether the server should take traffic.
func (s *Server) SetReady(ready bool) {
	s.mu.Lock()
	s.ready = ready
	s.mu.Unlock()
}

func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	ready := s.ready
	s.mu.Unlock()
	if !ready {
		s.writeError(w, r, candor.Errorf(candor.EUNAVAILABLE, "not ready"))
		return
	}
	if s.health != nil {
		if err := s.health(); err != nil {
			s.log.Error("not ready", "err", err)
			s.writeError(w, r, candor.Errorf(candor.EUNAVAILABLE, "not ready: the transparency log and the store disagree"))
			return
		}
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ready"})
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if s.metrics == nil {
		s.mux.ServeHTTP(w, r)
		return
	}
	sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
	start := time.Now()
	s.mux.ServeHTTP(sw, r) // sets r.Pattern to the route it matched
	s.metrics.observeHTTP(r.Pattern, sw.status, time.Since(start))
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	w.status = code
	w.ResponseWriter.WriteHeader(code)
}

// readBody reads at most limit bytes into a pooled buffer; release it with
// s.bufs.Put. Errors: ETOOLARGE past the limit.
func (s *Server) readBody(w http.ResponseWriter, r *http.Request, limit int64) (*[]byte, error) {
	bp := s.bufs.Get().(*[]byte)
	buf := (*bp)[:0]
	body := http.MaxBytesReader(w, r.Body, limit)
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		n, err := body.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			break
		}
		if err != nil {
			*bp = buf
			s.bufs.Put(bp)
			var mbe *http.MaxBytesError
			if errors.As(err, &mbe) {
				return nil, candor.Errorf(candor.ETOOLARGE, "body larger than %d bytes", limit)
			}
			return nil, candor.Errorf(candor.EMALFORMED, "reading body: %v", err)
		}
	}
	*bp = buf
	return bp, nil
}
