package main

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"lectern"
	"lectern/jobs"
	"lectern/mail"
	"lectern/opencast"
	"lectern/sqldb"
)

// router builds the Router: it mails, publishes or reports each new
// treatment (lectern.Router.Dispatch), the message and its job in the
// treatment's transaction. Default titles and mails are written in
// LANGUAGE_CODE and TIME_ZONE; ffmpeg gives the manager's mail the
// recording's duration and still.
func (a *app) router(svc *services) *lectern.Router {
	cfg := a.cfg
	rt := &lectern.Router{
		Recorders: svc.recorders, Users: svc.users, Treatments: svc.treatments, Recordings: svc.recordings,
		Mail: mail.NewRenderer(mail.RendererConfig{SiteTitle: cfg.SiteTitle, BaseURL: cfg.BaseURL, UseCAS: cfg.UseCAS,
			From: cfg.DefaultFromEmail, Language: cfg.LanguageCode, Location: cfg.Location(),
			RecorderRoot: cfg.DefaultRecorderPath}),
		Logger:   a.logger.With("edge", "routing"),
		Location: cfg.Location(), Language: cfg.LanguageCode,
		Thumbnails: cfg.Encoder(a.logger.With("edge", "ffmpeg")),
		Events:     svc.events,
		// An Opencast ingest's Dublin Core title, when no event titles
		// it.
		DepositTitleFunc: func(t *lectern.Treatment) string { return opencast.IngestedTitle(t.File) },
	}
	if a.metrics != nil {
		rt.DispatchedFunc = a.metrics.Routed
	}
	return rt
}

// dispatchNow is the intake's RoutedFunc in serve: every new treatment is
// dispatched at once, with no HTTP request to ourselves, in a goroutine of
// its own, so that the deposit's path (an FTP upload's last reply, the
// watcher) does not wait for the manager's mail (its still and duration
// take ffmpeg a second or more). A failure, or a stop before the
// dispatch ends, is left to the pending pass (startPending). wait waits
// for the dispatches under way.
func dispatchNow(router *lectern.Router, logger *slog.Logger) (dispatch func(context.Context, *lectern.Treatment), wait func()) {
	var wg sync.WaitGroup
	dispatch = func(ctx context.Context, t *lectern.Treatment) {
		if t.DetectedBy == lectern.SourceNotify {
			return // the notify request dispatches it itself, with its course title
		}
		// The deposit's context ends with its FTP session or request;
		// the dispatch outlives it, bounded by a minute.
		dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
		wg.Go(func() {
			defer cancel()
			if _, err := router.Dispatch(dctx, t, ""); err != nil {
				logger.Error("route deposit; the pending pass tries it again", "treatment_id", t.ID, "err", err)
			}
		})
	}
	return dispatch, wg.Wait
}

// startPending dispatches what a previous run left half-way now and, from
// then on, every interval (pendingInterval), what other processes record
// (cron passes, other nodes): see pendingRouter. On PostgreSQL (databaseURL postgres://) it
// also listens for new treatments, so that those are dispatched at once.
// stop ends the loop and the listener and waits for them.
func startPending(ctx context.Context, router *lectern.Router, treatments lectern.TreatmentService, databaseURL string,
	interval time.Duration, logger *slog.Logger) (stop func()) {
	pending := newPendingRouter(router, treatments, logger)
	if n, err := pending.pass(ctx); err != nil {
		logger.Error("route pending deposits", "err", err)
	} else if n > 0 {
		logger.Info("routed pending deposits", "treatments", n)
	}
	loopCtx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wake := make(chan struct{}, 1)
	if sqldb.IsPostgresURL(databaseURL) {
		wg.Go(func() {
			sqldb.ListenTreatments(loopCtx, databaseURL, logger, func() {
				select {
				case wake <- struct{}{}:
				default: // a pass is due already
				}
			})
		})
	}
	wg.Go(func() { pending.run(loopCtx, interval, wake) })
	return func() {
		cancel()
		wg.Wait()
	}
}

// startJobs opens River's pools on the database (riverPools) and starts
// the job queue on it: recordings processed and videos encoded always (by
// encoder, ENCODE_WORKERS at once, into MEDIA_ROOT),
// mail delivered when SMTP_URL is set. Without work (WORKERS = false in
// serve) the client only enqueues (jobs.Config.EnqueueOnly): admins still
// follow the jobs, encode again and take thumbnails, which `lectern
// worker` nodes work. A working client is the node NODE_ID: it
// beats, rescues dead nodes' jobs after JOB_RESCUE_AFTER, and ends the
// process when it cannot beat (jobs.Config.LeaseLostFunc). The jobs a previous run left
// running (killed) run again at once; every other job was enqueued by the
// store with its row. stop stops the workers, then closes the pools.
func (a *app) startJobs(ctx context.Context, svc *services, encoder lectern.Encoder, work bool) (q *jobs.Client, stop func(), err error) {
	cfg, logger := a.cfg, a.logger
	sender, err := mail.NewSender(cfg.SMTPURL, cfg.DefaultFromEmail, logger.With("edge", "mail"))
	if err != nil {
		return nil, nil, fmt.Errorf("SMTP_URL: %w", err)
	}
	if a.metrics != nil {
		sender = a.metrics.Sender(sender) // nil stays nil
	}
	if sender == nil {
		logger.Info("no SMTP_URL: mail stays in the outbox (Administration → Outbox), its jobs waiting in the mail queue")
	}
	pool, closePool, listener, err := riverPools(ctx, svc.db, cfg.DatabaseURL)
	if err != nil {
		return nil, nil, fmt.Errorf("job queue: %w", err)
	}
	deps := jobs.Deps{Messages: svc.messages, Sender: sender,
		Videos: svc.videos, Recordings: svc.recordings, Recorders: svc.recorders,
		Enrichments: svc.enrichments,
		Treatments:  svc.treatments, // a deposit's parts, joined (the encoder joins them)
		Encoder:     encoder,
		Events:      svc.events,
		Nodes:       svc.nodes,
		Logger:      logger.With("edge", "jobs")}
	if a.metrics != nil {
		// Timed and counted; the joiner and the thumbnailer the job
		// queue would find on the encoder are handed to it directly.
		deps.Encoder = a.metrics.Encoder(encoder)
		if j, ok := encoder.(lectern.Joiner); ok {
			deps.Joiner = a.metrics.Joiner(j)
		}
		if t, ok := encoder.(lectern.Thumbnailer); ok {
			deps.Thumbnails = t
		}
	}
	q, err = jobs.New(ctx, jobs.Config{DB: pool, Listener: listener, Workers: 2, EncodeWorkers: cfg.EncodeWorkers, MediaRoot: cfg.MediaRoot,
		ZipLimits: cfg.ZipLimits(), SkipFirstImage: cfg.RecorderSkipFirstImage, Location: cfg.Location(),
		EnqueueOnly: !work,
		ID:          cfg.NodeID, RescueAfter: time.Duration(cfg.JobRescueAfter), LeaseLostFunc: func(err error) {
			logger.Error("this node lost its lease on its jobs: exiting at once, so that no other node runs them beside it", "err", err)
			os.Exit(1)
		}}, deps)
	if err != nil {
		closePool()
		return nil, nil, fmt.Errorf("job queue: %w", err)
	}
	if !work {
		logger.Info("WORKERS = false: jobs are left to the worker nodes (lectern worker)")
		return q, func() { q.Stop(); closePool() }, nil
	}
	if err := q.Start(ctx); err != nil {
		q.Stop()
		closePool()
		return nil, nil, fmt.Errorf("start job queue: %w", err)
	}
	stop = func() {
		if err := q.Stop(); err != nil {
			logger.Warn("stop job queue", "err", err)
		}
		closePool()
	}
	return q, stop, nil
}

// riverPools are River's pools on the store's database: on SQLite one of
// its own with one connection, as riversqlite advises (busy_timeout covers
// the waits between it and the store's); on PostgreSQL the store's pool,
// and a pgx pool from DATABASE_URL for River's LISTEN connection
// (jobs.Config.Listener). closePool closes what was opened here.
func riverPools(ctx context.Context, db *sqldb.DB, databaseURL string) (pool *sql.DB, closePool func(), listener *pgxpool.Pool, err error) {
	if db.Dialect() != "postgres" {
		pool, err := sqldb.OpenPool(ctx, db.Path(), 1)
		if err != nil {
			return nil, nil, nil, err
		}
		return pool, func() { pool.Close() }, nil, nil
	}
	pc, err := pgxpool.ParseConfig(databaseURL)
	if err != nil {
		// pgx's message may quote the URL, password included.
		return nil, nil, nil, fmt.Errorf("listener of River on %s: cannot parse the URL", sqldb.RedactURL(databaseURL))
	}
	pc.MinConns, pc.MaxConns = 0, 1 // River hijacks one connection for LISTEN
	listener, err = pgxpool.NewWithConfig(ctx, pc)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("listener of River on %s: %w", sqldb.RedactURL(databaseURL), err)
	}
	return db.SQL(), listener.Close, listener, nil
}
