package main

import (
	"context"
	"log/slog"
	"time"

	"lectern"
	"lectern/mail"
)

// startMissed runs the missed-recordings pass (lectern.MissedRecordings)
// at once, then every interval (SCHEDULE_MISSED_INTERVAL), until the
// returned stop is called. Every serve node runs it: the store lets one
// raise each alert (AlertMissedEvent), so several nodes mail once.
func startMissed(ctx context.Context, m *lectern.MissedRecordings, interval time.Duration, logger *slog.Logger) (stop func()) {
	return runEvery(ctx, interval, logger, "missed recordings pass", "missed recordings: alerts raised", "count", m.Check)
}

// startMissed starts serve's missed-recordings pass on the store of svc
// (SCHEDULE_MISSED_GRACE, every SCHEDULE_MISSED_INTERVAL); the alert
// mail is written in LANGUAGE_CODE and TIME_ZONE. It returns its stop.
func (a *app) startMissed(ctx context.Context, svc *services) (stop func()) {
	alerts, ok := svc.messages.(lectern.MissedAlertService)
	if !ok || svc.events == nil {
		return func() {}
	}
	cfg := a.cfg
	m := &lectern.MissedRecordings{Events: svc.events, Alerts: alerts, Recorders: svc.recorders, Users: svc.users,
		Mail: mail.NewRenderer(mail.RendererConfig{SiteTitle: cfg.SiteTitle, BaseURL: cfg.BaseURL, UseCAS: cfg.UseCAS,
			From: cfg.DefaultFromEmail, Language: cfg.LanguageCode, Location: cfg.Location(),
			RecorderRoot: cfg.DefaultRecorderPath}),
		Grace: time.Duration(cfg.ScheduleMissedGrace), Logger: a.logger.With("edge", "schedule")}
	return startMissed(ctx, m, time.Duration(cfg.ScheduleMissedInterval), a.logger.With("edge", "schedule"))
}
