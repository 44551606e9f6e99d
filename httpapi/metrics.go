package httpapi

import (
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// Metrics are the Prometheus metrics of a Candor server.
type Metrics struct {
	gatherer     prometheus.Gatherer
	registerer   prometheus.Registerer
	ops          *opsMetrics
	httpRequests *prometheus.CounterVec
	httpDuration *prometheus.HistogramVec
	events       *prometheus.CounterVec
	groupEvents  prometheus.Histogram
	groupReqs    prometheus.Histogram
	commitTime   prometheus.Histogram
	commitErrors prometheus.Counter
	erased       *prometheus.CounterVec
}

// NewMetrics registers Candor's metrics, plus Go and process collectors, on a
// fresh registry. storeSize reports the store's size on disk.
func NewMetrics(storeSize func() int64) *Metrics {
	reg := prometheus.NewRegistry()
	m := &Metrics{
		gatherer: reg, registerer: reg, ops: newOpsMetrics(reg),
		httpRequests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "candor_http_requests_total", Help: "HTTP requests by route and status."}, []string{"route", "status"}),
		httpDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "candor_http_request_duration_seconds", Help: "HTTP request latency by route.",
			Buckets: prometheus.ExponentialBuckets(0.0005, 2, 14)}, []string{"route"}),
		events: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "candor_ingest_events_total", Help: "Events committed, by result (accepted or duplicate)."}, []string{"result"}),
		groupEvents: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "candor_ingest_group_commit_events", Help: "Events per group commit (batch size).",
			Buckets: prometheus.ExponentialBuckets(1, 4, 10)}),
		groupReqs: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "candor_ingest_group_commit_requests", Help: "Requests per group commit.",
			Buckets: prometheus.ExponentialBuckets(1, 2, 8)}),
		commitTime: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "candor_ingest_commit_duration_seconds", Help: "Time to commit one group durably.",
			Buckets: prometheus.ExponentialBuckets(0.0005, 2, 14)}),
		commitErrors: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "candor_ingest_commit_errors_total", Help: "Group commits that failed."}),
		erased: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "candor_ingest_erased_reposts_total",
			Help: "Events refused because they are facts erased at their subject's request, posted again (410 erased), by source."}, []string{"source"}),
	}
	reg.MustRegister(m.httpRequests, m.httpDuration, m.events, m.groupEvents, m.groupReqs, m.commitTime, m.commitErrors, m.erased,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "candor_store_size_bytes", Help: "Approximate store size on disk."},
			func() float64 { return float64(storeSize()) }))
	return m
}

// Gauge registers a gauge named name that reads f when scraped (for what
// the node's parts outside the API report, such as the transparency log's
// background check). It panics if the name is taken.
func (m *Metrics) Gauge(name, help string, f func() float64) {
	m.registerer.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: name, Help: help}, f))
}

// IngestCommitted records one group commit of ingestion: of requests
// posts, with accepted new events and duplicates, durable after took, or
// failed with err.
func (m *Metrics) IngestCommitted(requests, accepted, duplicates int, took time.Duration, err error) {
	if err != nil {
		m.commitErrors.Inc()
		return
	}
	m.events.WithLabelValues("accepted").Add(float64(accepted))
	m.events.WithLabelValues("duplicate").Add(float64(duplicates))
	m.groupEvents.Observe(float64(accepted + duplicates))
	m.groupReqs.Observe(float64(requests))
	m.commitTime.Observe(took.Seconds())
}

// erasedReposts counts n events src posted again after their erasure.
func (m *Metrics) erasedReposts(src string, n int) {
	if m != nil {
		m.erased.WithLabelValues(src).Add(float64(n))
	}
}

func (m *Metrics) observeHTTP(route string, status int, d time.Duration) {
	if route == "" || route == "/" {
		route = "other"
	}
	m.httpRequests.WithLabelValues(route, strconv.Itoa(status)).Inc()
	m.httpDuration.WithLabelValues(route).Observe(d.Seconds())
}
