package httpapi

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/candor-project/candor"
	"github.com/prometheus/client_golang/prometheus"
)

// opsMetrics are the metrics of what operators watch beyond requests:
// the log appender's lag, decisions, disputes and the portal's routes.
type opsMetrics struct {
	decisions      *prometheus.CounterVec
	refusals       *prometheus.CounterVec
	disputes       *prometheus.CounterVec
	portalRequests *prometheus.CounterVec
	portalDuration *prometheus.HistogramVec
}

func newOpsMetrics(reg prometheus.Registerer) *opsMetrics {
	o := &opsMetrics{
		decisions: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "candor_decisions_total", Help: "Decisions taken for relying parties, by outcome (approve, decline, refer); replays of an Idempotency-Key not counted."}, []string{"outcome"}),
		refusals: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "candor_decision_refusals_total", Help: "Requests for a decision refused for want of consent, by reason (no_consent, consent_expired, ...)."}, []string{"reason"}),
		disputes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "candor_disputes_total", Help: "Disputes that entered each state (open, verified, corrected, withdrawn, expired)."}, []string{"state"}),
		portalRequests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "candor_portal_requests_total", Help: "Portal and console requests by route pattern (never the path) and status."}, []string{"route", "status"}),
		portalDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "candor_portal_request_duration_seconds", Help: "Portal and console request latency by route pattern.",
			Buckets: prometheus.ExponentialBuckets(0.0005, 2, 14)}, []string{"route"}),
	}
	// Every state and outcome is exported from the start, at zero.
	for _, o2 := range []candor.Outcome{candor.OutcomeApprove, candor.OutcomeDecline, candor.OutcomeRefer} {
		o.decisions.WithLabelValues(o2.String())
	}
	for _, st := range []candor.DisputeStatus{candor.DisputeOpen, candor.DisputeVerified, candor.DisputeCorrected, candor.DisputeWithdrawn, candor.DisputeExpired} {
		o.disputes.WithLabelValues(string(st))
	}
	reg.MustRegister(o.decisions, o.refusals, o.disputes, o.portalRequests, o.portalDuration)
	return o
}

// decided counts a decision taken.
func (m *Metrics) decided(d *candor.Decision) {
	if m != nil {
		m.ops.decisions.WithLabelValues(d.Outcome.String()).Inc()
	}
}

// refused counts a request refused for reason.
func (m *Metrics) refused(reason candor.ConsentRefusal) {
	if m != nil && reason != "" {
		m.ops.refusals.WithLabelValues(string(reason)).Inc()
	}
}

// DisputeEntered counts a dispute that entered state st (the disputes
// service's OnStatus).
func (m *Metrics) DisputeEntered(st candor.DisputeStatus) {
	m.ops.disputes.WithLabelValues(string(st)).Inc()
}

// WatchDisputesOpen exports candor_disputes_open, the disputes open now,
// as open counts them in the store at each scrape (all nodes agree).
func (m *Metrics) WatchDisputesOpen(open func(ctx context.Context) (int, error)) {
	m.registerer.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "candor_disputes_open",
		Help: "Disputes open now (awaiting their source's answer or their deadline)."}, func() float64 {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		n, err := open(ctx)
		if err != nil {
			return -1
		}
		return float64(n)
	}))
}

// WatchLogLag exports the transparency log appender's lag, as lag (audit.Lag)
// reads it from the store at each scrape: candor_tlog_lag_commits, the
// commits recorded in the store and not yet in the log, and
// candor_tlog_lag_commitments, their commitments (the log's leaves to
// come). -1 if the store cannot be read.
func (m *Metrics) WatchLogLag(lag func(ctx context.Context) (commits, commitments int, err error)) {
	m.registerer.MustRegister(&lagCollector{lag: lag,
		commits: prometheus.NewDesc("candor_tlog_lag_commits", "Commits recorded in the store whose entries are not in the transparency log yet.", nil, nil),
		leaves:  prometheus.NewDesc("candor_tlog_lag_commitments", "Commitments recorded in the store and not in the transparency log yet.", nil, nil)})
}

type lagCollector struct {
	lag             func(ctx context.Context) (int, int, error)
	commits, leaves *prometheus.Desc
}

func (c *lagCollector) Describe(ch chan<- *prometheus.Desc) { ch <- c.commits; ch <- c.leaves }

func (c *lagCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	commits, leaves, err := c.lag(ctx)
	if err != nil {
		commits, leaves = -1, -1
	}
	ch <- prometheus.MustNewConstMetric(c.commits, prometheus.GaugeValue, float64(commits))
	ch <- prometheus.MustNewConstMetric(c.leaves, prometheus.GaugeValue, float64(leaves))
}

// Portal wraps the portal's handler h to count its requests by the route
// pattern its mux matched (r.Pattern: never the path, which may hold an
// ID), "other" when none did.
func (m *Metrics) Portal(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
		start := time.Now()
		r.Pattern = ""
		h.ServeHTTP(sw, r)
		route := r.Pattern
		if route == "" || route == "/" {
			route = "other"
		}
		m.ops.portalRequests.WithLabelValues(route, strconv.Itoa(sw.status)).Inc()
		m.ops.portalDuration.WithLabelValues(route).Observe(time.Since(start).Seconds())
	})
}
