package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"lectern"
	"lectern/metrics"
	"lectern/sqldb"
)

// startMetrics makes the process's metrics (a.metrics, which the edges'
// hooks are pointed at as they are built) and, when METRICS_ADDR is set,
// serves them there, without a token: an address only the monitoring
// network reaches. stop shuts that server down.
func (a *app) startMetrics(ctx context.Context, db *sqldb.DB) (stop func(), err error) {
	logger := a.logger.With("edge", "metrics")
	a.metrics = metrics.New(sqldb.NewStatsService(db), logger)
	if a.cfg.MetricsAddr == "" {
		return func() {}, nil
	}
	ln, err := net.Listen("tcp", a.cfg.MetricsAddr)
	if err != nil {
		return nil, fmt.Errorf("listen on METRICS_ADDR %s: %w", a.cfg.MetricsAddr, err)
	}
	a.metricsAddr = ln.Addr().String()
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", a.metrics.Handler())
	srv := &http.Server{
		Handler:           mux,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
		BaseContext:       func(net.Listener) context.Context { return ctx },
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			logger.Error("metrics server", "err", err)
		}
	}()
	logger.Info("metrics listening", "metrics_addr", a.metricsAddr)
	return func() {
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(sctx)
		<-done
	}, nil
}

// mountMetrics serves GET /metrics on the main address behind
// METRICS_TOKEN (a bearer token); without a token it is not mounted, and
// /metrics there is a page like any other that does not exist (404).
func (a *app) mountMetrics(mux *http.ServeMux) {
	if a.cfg.MetricsToken == "" {
		return
	}
	mux.Handle("GET /metrics", metrics.Guard(a.cfg.MetricsToken, a.metrics.Handler()))
}

// patterner names the route pattern of a handler's own ServeMux
// (web.Server, api.Handler).
type patterner interface{ Pattern(r *http.Request) string }

// routeOf names a request's route for the metrics: the main mux's
// pattern, or, for the subtrees handed to the pages ("/") and the API
// ("/api/"), their own mux's pattern. Never the path: the label has as
// many values as there are routes.
func routeOf(mux *http.ServeMux, subtrees map[string]patterner) metrics.RouteFunc {
	return func(r *http.Request) string {
		_, pattern := mux.Handler(r)
		if sub, ok := subtrees[pattern]; ok {
			if p := sub.Pattern(r); p != "" {
				return p
			}
		}
		return pattern
	}
}

// ftpHooks points the FTP server's hooks at the metrics, beside the
// recorders' health (record) for logins.
func (a *app) ftpHooks(record func(lectern.LoginAttempt)) (login func(lectern.LoginAttempt), session func(int), received func(int64)) {
	count := a.metrics.Login(metrics.ProtocolFTP)
	login = func(at lectern.LoginAttempt) {
		record(at)
		count(at)
	}
	return login, a.metrics.SessionFunc(metrics.ProtocolFTP), a.metrics.ReceivedFunc(metrics.ProtocolFTP)
}
