package main

import (
	"log/slog"
	"net/http"

	"lectern"
	"lectern/opencast"
)

// mountOpencast serves the Opencast capture-agent protocol (service
// registry, capture admin, scheduler) on mux, beside the pages and the
// API rather than behind them: agents are no browsers (no session, no
// CSRF token), they log in on every request with their recorder's
// credentials, and opencast bounds their bodies itself. The agents'
// BASE_URL is the one the registry gives them. Every login, accepted or
// refused, goes to the recorders' health (login, a ContactLog's Record).
func (a *app) mountOpencast(mux *http.ServeMux, svc *services, logger *slog.Logger, login func(lectern.LoginAttempt)) *opencast.Authenticator {
	srv := opencast.New(opencast.Config{BaseURL: a.cfg.BaseURL,
		Auth: opencast.AuthConfig{DigestSHA256: a.cfg.OpencastDigestSHA256, LoginFunc: login}},
		opencast.Deps{Recorders: svc.recorders, Agents: svc.agents, Events: svc.events, Users: svc.users,
			Logger: logger.With("edge", "opencast")}, nil)
	for _, p := range opencast.Paths {
		mux.Handle(p, srv)
	}
	return srv.Authenticator()
}
