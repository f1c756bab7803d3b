// Package metrics exposes Lectern's metrics in Prometheus's text format
// (GET /metrics), through the official Go client on a registry of its
// own.
//
// It is an edge: the core and the other edges never import it. They tell
// what they do through their own hooks (lectern.Intake.DepositFunc,
// lectern.Router.RoutedFunc, the FTP and SFTP servers' SessionFunc,
// ReceivedFunc and login hooks), which cmd/lectern points at a Metrics'
// methods; the encoder and the mail sender are wrapped (Encoder, Sender);
// the HTTP server's handler is wrapped (Metrics.HTTP). The gauges that
// read the database (treatments waiting, jobs, the outbox) are computed at
// each scrape, one query each (Store).
//
// Several nodes: each process counts what it does itself (its deposits,
// encodes, sessions, requests), so a dashboard sums the nodes' series;
// the gauges read from the database are the same on every node (take
// max, not sum, across nodes).
package metrics

import (
	"log/slog"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"lectern"
)

// Protocols of the recorders' servers, the protocol label.
const (
	ProtocolFTP  = "ftp"
	ProtocolSFTP = "sftp"
)

// Metrics holds every metric of one process and the registry they are
// exposed from. Its methods are safe for concurrent use.
type Metrics struct {
	reg    *prometheus.Registry
	logger *slog.Logger

	deposits       *prometheus.CounterVec
	detection      *prometheus.HistogramVec
	routing        prometheus.Histogram
	encodeDuration prometheus.Histogram
	encodeSpeed    prometheus.Histogram
	ffmpegFailures *prometheus.CounterVec
	sessions       *prometheus.GaugeVec
	loginFailures  *prometheus.CounterVec
	received       *prometheus.CounterVec
	mailFailures   prometheus.Counter
	httpRequests   *prometheus.CounterVec
	httpDuration   *prometheus.HistogramVec
}

// New makes the metrics on a registry of their own, with the Go runtime's
// and the process's collectors, and, when store is not nil, the gauges
// read from the database at each scrape.
func New(store Store, logger *slog.Logger) *Metrics {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	m := &Metrics{reg: prometheus.NewRegistry(), logger: logger}
	m.deposits = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "lectern_deposits_total",
		Help: "Deposits recorded by this process, by detection path (detected_by) and the state they were given.",
	}, []string{"detected_by", "state"})
	m.detection = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "lectern_deposit_detection_seconds",
		Help:    "Detection latency: from a deposit's file first seen (or its transfer's end) to its treatment recorded.",
		Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 15, 30, 60, 120, 300},
	}, []string{"detected_by"})
	m.routing = prometheus.NewHistogram(prometheus.HistogramOpts{
		Name:    "lectern_deposit_routing_seconds",
		Help:    "Routing latency: from a deposit's treatment recorded to it routed (manager mailed, published or admins told).",
		Buckets: []float64{.01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600},
	})
	m.encodeDuration = prometheus.NewHistogram(prometheus.HistogramOpts{
		Name:    "lectern_encode_duration_seconds",
		Help:    "Wall time of the encodes that succeeded on this process.",
		Buckets: []float64{1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1200, 1800, 3600, 7200, 14400},
	})
	m.encodeSpeed = prometheus.NewHistogram(prometheus.HistogramOpts{
		Name:    "lectern_encode_speed_ratio",
		Help:    "Encode speed: seconds of media encoded per second of wall time, per encode that succeeded.",
		Buckets: []float64{.05, .1, .25, .5, 1, 2, 4, 8, 16, 32, 64},
	})
	m.ffmpegFailures = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "lectern_ffmpeg_failures_total",
		Help: "ffmpeg runs that failed (not those stopped by a shutdown or a cancel), by operation (encode, join).",
	}, []string{"op"})
	m.sessions = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "lectern_recorder_sessions",
		Help: "Connections open on this process's recorders' servers, by protocol (ftp, sftp).",
	}, []string{"protocol"})
	m.loginFailures = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "lectern_recorder_login_failures_total",
		Help: "Failed logins on the recorders' servers, by protocol and reason.",
	}, []string{"protocol", "reason"})
	m.received = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "lectern_recorder_received_bytes_total",
		Help: "Bytes written into recorders' files by this process's recorders' servers, by protocol.",
	}, []string{"protocol"})
	m.mailFailures = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "lectern_mail_delivery_failures_total",
		Help: "Mail deliveries that failed on this process (each attempt counts; the job retries).",
	})
	m.httpRequests = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "lectern_http_requests_total",
		Help: "HTTP requests served, by route (the pattern that matched, never the path) and status class.",
	}, []string{"route", "code"})
	m.httpDuration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "lectern_http_request_duration_seconds",
		Help:    "Time to serve an HTTP request, by route (the pattern that matched).",
		Buckets: prometheus.DefBuckets,
	}, []string{"route"})
	m.reg.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		m.deposits, m.detection, m.routing, m.encodeDuration, m.encodeSpeed, m.ffmpegFailures,
		m.sessions, m.loginFailures, m.received, m.mailFailures, m.httpRequests, m.httpDuration,
	)
	// Series that exist before their first event, so that a rate() of
	// them is 0, not absent.
	for _, p := range []string{ProtocolFTP, ProtocolSFTP} {
		m.sessions.WithLabelValues(p)
		m.received.WithLabelValues(p)
	}
	for _, op := range []string{opEncode, opJoin} {
		m.ffmpegFailures.WithLabelValues(op)
	}
	if store != nil {
		m.reg.MustRegister(&storeCollector{store: store, logger: logger})
	}
	return m
}

// Handler serves the metrics in Prometheus's text format (or OpenMetrics
// when asked). It checks no token: see Guard.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{
		ErrorLog:            slog.NewLogLogger(m.logger.Handler(), slog.LevelWarn),
		ErrorHandling:       promhttp.ContinueOnError,
		Timeout:             30 * time.Second,
		MaxRequestsInFlight: 4,
	})
}

// Registry is the registry the metrics are in (tests gather from it).
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// Deposit counts a new treatment and its detection latency: the intake's
// DepositFunc.
func (m *Metrics) Deposit(t *lectern.Treatment) {
	src := label(t.DetectedBy, lectern.Sources)
	m.deposits.WithLabelValues(src, label(t.State, lectern.TreatmentStates)).Inc()
	m.detection.WithLabelValues(src).Observe(max(t.Latency(), 0).Seconds())
}

// Routed observes a treatment's routing latency (recorded to routed): the
// router's RoutedFunc.
func (m *Metrics) Routed(t *lectern.Treatment) {
	if t.CompletedAt.IsZero() {
		return
	}
	m.routing.Observe(max(time.Since(t.CompletedAt), 0).Seconds())
}

// SessionFunc returns the hook a recorders' server calls with +1 as a
// connection opens and -1 as it closes.
func (m *Metrics) SessionFunc(protocol string) func(delta int) {
	g := m.sessions.WithLabelValues(protocol)
	return func(delta int) { g.Add(float64(delta)) }
}

// ReceivedFunc returns the hook a recorders' server calls with the bytes
// it writes into a recorder's file.
func (m *Metrics) ReceivedFunc(protocol string) func(n int64) {
	c := m.received.WithLabelValues(protocol)
	return func(n int64) {
		if n > 0 {
			c.Add(float64(n))
		}
	}
}

// LoginFailed counts a failed login on a recorders' server; reason is a
// lectern.Login* constant (anything else counts as "other", so that the
// label stays bounded).
func (m *Metrics) LoginFailed(protocol, reason string) {
	m.loginFailures.WithLabelValues(protocol, label(reason, lectern.LoginReasons)).Inc()
}

// Login is a lectern.LoginAttempt hook (the FTP server's LoginFunc): it
// counts the refused ones.
func (m *Metrics) Login(protocol string) func(lectern.LoginAttempt) {
	return func(a lectern.LoginAttempt) {
		if a.Reason != "" {
			m.LoginFailed(protocol, a.Reason)
		}
	}
}

// label is v when it is one of known, "other" otherwise: a label's values
// must be a small fixed set.
func label(v string, known []string) string {
	for _, k := range known {
		if v == k {
			return v
		}
	}
	return "other"
}
