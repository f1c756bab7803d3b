package main

import (
	"context"
	"fmt"

	"lectern"
	"lectern/jobs"
	"lectern/mail"
	"lectern/sqlite"
)

// routing is what moves deposits on to people: the router, the notify
// endpoint's rules, and the job queue (processing, encoding, mail).
type routing struct {
	router   *lectern.Router
	notifier *lectern.Notifier
	jobs     *jobs.Client
}

// startRouting starts the job queue (startJobs), wires the router into in
// (every new treatment is routed at once, with no HTTP request to
// ourselves), routes what a previous run left half-way, and from then on,
// every second, what other processes recorded (pendingRouter). The
// returned stop func stops that loop, then the jobs.
func (a *app) startRouting(ctx context.Context, svc *services, in *lectern.Intake) (*routing, func(), error) {
	cfg, logger := a.cfg, a.logger
	q, mailOn, stop, err := a.startJobs(ctx, svc)
	if err != nil {
		return nil, nil, err
	}
	rt := &routing{jobs: q}
	rt.router = &lectern.Router{
		Recorders: svc.recorders, Users: svc.users, Treatments: svc.treatments, Recordings: svc.recordings,
		Mail: mail.NewRenderer(mail.RendererConfig{SiteTitle: cfg.SiteTitle, BaseURL: cfg.BaseURL, UseCAS: cfg.UseCAS,
			From: cfg.DefaultFromEmail, Language: cfg.LanguageCode}),
		Logger: logger.With("edge", "routing"),
	}
	if !mailOn {
		logger.Info("no SMTP_URL: mail stays in the outbox (Administration → Outbox), its jobs waiting in the mail queue")
	}
	in.RoutedFunc = func(ctx context.Context, t *lectern.Treatment) {
		if t.DetectedBy == lectern.SourceNotify {
			return // the notify request routes it itself, with its course title
		}
		if _, err := rt.router.Route(ctx, t, ""); err != nil {
			logger.Error("route deposit; the pending pass tries it again", "treatment_id", t.ID, "err", err)
		}
	}
	rt.notifier = &lectern.Notifier{Root: cfg.DefaultRecorderPath, Recorders: svc.recorders, Treatments: svc.treatments,
		Intake: in, Router: rt.router, Logger: logger.With("edge", "notify")}

	// What a previous run left half-way is routed now; what other
	// processes record from now on (cron passes, other nodes), every
	// second.
	pending := newPendingRouter(rt.router, svc.treatments, logger.With("edge", "routing"))
	if n, err := pending.pass(ctx); err != nil {
		logger.Error("route pending deposits", "err", err)
	} else if n > 0 {
		logger.Info("routed pending deposits", "treatments", n)
	}
	loopCtx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		pending.run(loopCtx, pendingInterval)
	}()
	stopAll := func() {
		cancel()
		<-done
		stop()
	}
	return rt, stopAll, nil
}

// startJobs starts the job queue: recordings processed and videos encoded
// always (ffmpeg with its default settings, ENCODE_WORKERS at once, into
// MEDIA_ROOT), mail delivered when SMTP_URL is set (mailOn). The jobs a
// previous run left running (killed) run again at once; every other job
// was enqueued by the store with its row. stop stops the workers.
func (a *app) startJobs(ctx context.Context, svc *services) (q *jobs.Client, mailOn bool, stop func(), err error) {
	cfg, logger := a.cfg, a.logger
	sender, err := mail.NewSender(cfg.SMTPURL, cfg.DefaultFromEmail, logger.With("edge", "mail"))
	if err != nil {
		return nil, false, nil, fmt.Errorf("SMTP_URL: %w", err)
	}
	// River's own pool on the database file, one connection, as
	// riversqlite advises.
	pool, err := sqlite.OpenPool(ctx, svc.db.Path(), 1)
	if err != nil {
		return nil, false, nil, fmt.Errorf("job queue: %w", err)
	}
	q, err = jobs.New(ctx, jobs.Config{DB: pool, Workers: 2, EncodeWorkers: cfg.EncodeWorkers, MediaRoot: cfg.MediaRoot,
		ZipLimits: cfg.ZipLimits(), SkipFirstImage: cfg.RecorderSkipFirstImage},
		jobs.Deps{Messages: svc.messages, Sender: sender,
			Videos: svc.videos, Recordings: svc.recordings, Recorders: svc.recorders,
			Enrichments: svc.enrichments,
			Encoder:     cfg.Encoder(logger.With("edge", "ffmpeg")),
			Logger:      logger.With("edge", "jobs")})
	if err != nil {
		pool.Close()
		return nil, false, nil, fmt.Errorf("job queue: %w", err)
	}
	if err := q.Start(ctx); err != nil {
		q.Stop()
		pool.Close()
		return nil, false, nil, fmt.Errorf("start job queue: %w", err)
	}
	stop = func() {
		if err := q.Stop(); err != nil {
			logger.Warn("stop job queue", "err", err)
		}
		pool.Close()
	}
	return q, sender != nil, stop, nil
}
