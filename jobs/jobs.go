package jobs

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/rivermigrate"
	"github.com/riverqueue/river/rivertype"

	"lectern"
	"lectern/avc"
)

// Queues of Lectern's jobs.
const (
	QueueMail    = "mail"    // send_mail
	QueueProcess = "process" // process_recording
	QueueEncode  = "encode"  // encode_video
)

// DefaultMailWorkers is how many messages are sent at once by default.
const DefaultMailWorkers = 2

// DefaultProcessWorkers is how many recordings are processed at once
// (moving a source is disk work, not CPU).
const DefaultProcessWorkers = 2

// DefaultEncodeWorkers is how many videos are encoded at once by default
// (ENCODE_WORKERS): ffmpeg uses every core by itself.
const DefaultEncodeWorkers = 1

// DefaultID names the client when Config.ID is empty.
const DefaultID = "lectern"

// DefaultStopTimeout is how long Stop waits for running jobs before it
// cancels them.
const DefaultStopTimeout = 30 * time.Second

// Config configures the job client.
type Config struct {
	// DB is River's pool on the database: on SQLite one of its own with
	// one connection, as riversqlite advises, beside the store's pool on
	// the same file (cmd/lectern opens it); on PostgreSQL (pgx's
	// database/sql driver) the store's pool will do. The database is told
	// by the pool's driver. The client does not close it: close it after
	// Stop.
	DB *sql.DB
	// Listener, on PostgreSQL, is a pgx pool on the same database from
	// which River takes one connection for LISTEN, so that a job inserted
	// by any process is picked up at once (its insert NOTIFYs in its
	// transaction); nil: River polls every FetchPollInterval. Unused on
	// SQLite. The client does not close it.
	Listener *pgxpool.Pool
	// ID names this process among those that work the queue (River's
	// client ID, recorded on every job it works). It must stay the same
	// across restarts and differ between processes running at once: Start
	// takes the jobs left running under this ID as orphans of a previous
	// life of this process, killed before they finished, and runs them
	// again at once. cmd/lectern passes NODE_ID (default the host name);
	// empty means DefaultID. With Deps.Nodes, Start refuses an ID whose
	// heartbeat another live process writes, and the other nodes take
	// this one's running jobs once it stops beating (see lease).
	ID string
	// Workers is how many messages are sent at once; zero means
	// DefaultMailWorkers.
	Workers int
	// EncodeWorkers is how many videos are encoded at once
	// (ENCODE_WORKERS); zero means DefaultEncodeWorkers.
	EncodeWorkers int
	// MediaRoot is where videos are stored (MEDIA_ROOT): each in
	// videos/<video id>/, its source and the encoder's outputs side by
	// side. Required with Deps.Videos.
	MediaRoot string
	// RetryPolicy schedules the retries of failed jobs; nil means
	// RetryPolicy{} (seconds at first, then hours). Tests use a fast one.
	RetryPolicy river.ClientRetryPolicy
	// FetchPollInterval is how often River looks for jobs that no
	// notification announced (retries due); zero means River's default
	// (one second); it cannot be under 100ms.
	FetchPollInterval time.Duration
	// ProgressInterval is the least time between two writes of an
	// encode's progress; zero means DefaultProgressInterval.
	ProgressInterval time.Duration
	// ZipLimits bound what an audiovideocast ZIP may hold (ZIP_MAX_*);
	// zero fields take avc.DefaultLimits' (avc.Open).
	ZipLimits avc.Limits
	// Location (TIME_ZONE) is where a video made in a scheduled event
	// takes its day from (the event's start); nil: UTC.
	Location *time.Location
	// SkipFirstImage (RECORDER_SKIP_FIRST_IMAGE) drops the first slide of
	// every audiovideocast ZIP.
	SkipFirstImage bool
	// StopTimeout is how long Stop waits for running jobs before it
	// cancels them; zero means DefaultStopTimeout.
	StopTimeout time.Duration
	// RescueAfter (JOB_RESCUE_AFTER) is how long a node may go without a
	// heartbeat before its running jobs are given to the other nodes;
	// zero means DefaultRescueAfter. Used with Deps.Nodes (see lease).
	RescueAfter time.Duration
	// LeaseLostFunc is called, once, when this node has not written its
	// heartbeat for RescueAfter/2: it must stop the process at once
	// (cmd/lectern exits), before other nodes take its jobs. Nil: the
	// client cancels its running jobs (StopAndCancel) and works no more.
	LeaseLostFunc func(error)
	// EnqueueOnly makes a client that works no job (WORKERS = false in
	// serve): it registers no worker, fetches nothing and never beats,
	// but keeps what admins' requests need (Deps.Videos, Recordings:
	// encode again, a new thumbnail, retries) and queues them for the
	// nodes that work. Only Videos and Recordings are then required for
	// videos; Sender and Nodes are not used.
	EnqueueOnly bool
}

// Deps are the services the workers use. Mail is delivered when Sender
// is set (Messages is then required); recordings are processed and
// videos encoded when Videos is set (Recordings, Recorders, Enrichments
// and Encoder are then required, and Config.MediaRoot).
type Deps struct {
	Messages lectern.MessageService
	// Sender delivers the outbox; nil (no SMTP_URL): no worker takes
	// the mail queue, where send_mail jobs wait, their messages queued
	// in the outbox, until a client with a Sender starts.
	Sender lectern.MailSender

	Videos      lectern.VideoService
	Recordings  lectern.RecordingService
	Recorders   lectern.RecorderService
	Enrichments lectern.EnrichmentService
	Encoder     lectern.Encoder
	// Treatments tells a recording's deposit's parts (a split
	// recording, a presentation), which the Joiner joins; nil Joiner: the
	// Encoder, when it is one (ffmpeg.Runner is). Without Treatments
	// every recording is one file. Treatments and Events give the video
	// of a deposit recorded in a scheduled event the event's day and
	// co-owners (lectern.EventVideo); either nil: no event is looked up.
	Treatments lectern.TreatmentService
	Events     lectern.EventService
	Joiner     lectern.Joiner
	// Thumbnails takes thumbnails again (make_thumbnail); nil: the
	// Encoder, when it is one (ffmpeg.Runner is both).
	Thumbnails lectern.Thumbnailer

	// Nodes records this node's heartbeat, by which the others know it
	// lives, and theirs, by which it rescues the jobs of dead ones (see
	// lease). Nil: no heartbeat, and only the jobs this client's ID left
	// running are rescued, at Start (one process on the queue).
	Nodes lectern.NodeService

	Logger *slog.Logger
}

// Client works Lectern's jobs, and lets admins follow them
// (lectern.JobService). Jobs are enqueued by the store, with the rows that
// call for them (Enqueuer).
type Client struct {
	river       *river.Client[*sql.Tx]
	driver      riverdriver.Driver[*sql.Tx]
	pool        *sql.DB
	dialect     dialect
	id          string
	proc        *processing
	lease       *lease // nil without Deps.Nodes or workers
	enqueueOnly bool   // Config.EnqueueOnly
	stopTimeout time.Duration
	logger      *slog.Logger

	mu       sync.Mutex
	startCtx context.Context // set by Start
	stopped  bool
}

// New applies River's migrations on cfg.DB and returns a client that can
// enqueue (an admin's requests) at once and works jobs once started.
func New(ctx context.Context, cfg Config, deps Deps) (*Client, error) {
	if cfg.DB == nil {
		return nil, errors.New("jobs: no database (Config.DB)")
	}
	if deps.Sender != nil && deps.Messages == nil {
		return nil, errors.New("jobs: Messages is required with a Sender")
	}
	if deps.Videos != nil && cfg.EnqueueOnly && deps.Recordings == nil {
		return nil, errors.New("jobs: Recordings is required with Videos")
	}
	if deps.Videos != nil && !cfg.EnqueueOnly && (deps.Recordings == nil || deps.Recorders == nil || deps.Enrichments == nil || deps.Encoder == nil ||
		cfg.MediaRoot == "") {
		return nil, errors.New("jobs: Recordings, Recorders, Enrichments, Encoder and MediaRoot are required with Videos")
	}
	logger := deps.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	c := &Client{id: cmp.Or(cfg.ID, DefaultID), enqueueOnly: cfg.EnqueueOnly,
		stopTimeout: cmp.Or(max(cfg.StopTimeout, 0), DefaultStopTimeout),
		logger:      logger}
	policy := cfg.RetryPolicy
	if policy == nil {
		policy = RetryPolicy{}
	}

	w := river.NewWorkers()
	queues := map[string]river.QueueConfig{}
	if deps.Sender != nil && !cfg.EnqueueOnly {
		river.AddWorker(w, &sendMailWorker{messages: deps.Messages, sender: deps.Sender, logger: logger})
		queues[QueueMail] = river.QueueConfig{MaxWorkers: cmp.Or(max(cfg.Workers, 0), DefaultMailWorkers)}
	}
	if deps.Videos != nil {
		root := ""
		if cfg.MediaRoot != "" {
			var err error
			if root, err = filepath.Abs(cfg.MediaRoot); err != nil {
				return nil, fmt.Errorf("jobs: MEDIA_ROOT: %w", err)
			}
		}
		c.proc = &processing{client: c, videos: deps.Videos, recordings: deps.Recordings, recorders: deps.Recorders,
			enrichments: deps.Enrichments, encoder: deps.Encoder, mediaRoot: root,
			zipLimits: cfg.ZipLimits, skipFirstImage: cfg.SkipFirstImage,
			treatments: deps.Treatments, events: deps.Events, location: cfg.Location,
			progressEvery: cmp.Or(max(cfg.ProgressInterval, 0), DefaultProgressInterval), logger: logger}
		c.proc.thumbnails = deps.Thumbnails
		c.proc.joiner = deps.Joiner
		if j, ok := deps.Encoder.(lectern.Joiner); ok && c.proc.joiner == nil {
			c.proc.joiner = j
		}
		if c.proc.joiner == nil {
			c.proc.treatments = nil
		}
		if t, ok := deps.Encoder.(lectern.Thumbnailer); ok && c.proc.thumbnails == nil {
			c.proc.thumbnails = t
		}
	}
	if c.proc != nil && !cfg.EnqueueOnly {
		river.AddWorker(w, &processRecordingWorker{p: c.proc})
		river.AddWorker(w, &encodeVideoWorker{p: c.proc})
		if c.proc.thumbnails != nil {
			river.AddWorker(w, &makeThumbnailWorker{p: c.proc})
		}
		queues[QueueProcess] = river.QueueConfig{MaxWorkers: DefaultProcessWorkers}
		queues[QueueEncode] = river.QueueConfig{MaxWorkers: cmp.Or(max(cfg.EncodeWorkers, 0), DefaultEncodeWorkers)}
	}
	if len(queues) == 0 {
		w, queues = nil, nil // a client that only enqueues
	}

	pool := cfg.DB
	postgres := isPostgres(pool)
	driver := newDriver(pool, postgres, cfg.Listener)
	if err := migrate(ctx, driver, logger); err != nil {
		return nil, err
	}
	var hooks []rivertype.Hook
	if deps.Nodes != nil && w != nil {
		c.lease = &lease{c: c, nodes: deps.Nodes, after: cmp.Or(max(cfg.RescueAfter, 0), DefaultRescueAfter),
			lostFn: cfg.LeaseLostFunc, logger: logger, done: make(chan struct{}),
			node: lectern.Node{ID: c.id, Host: hostname(), PID: os.Getpid(), StartedAt: time.Now().UTC()}}
		hooks = append(hooks, river.HookWorkEndFunc(c.lease.workEnd))
	}
	rc, err := river.NewClient(driver, &river.Config{
		Hooks:             hooks,
		ID:                c.id,
		Logger:            logger.With("component", "river"),
		Queues:            queues,
		Workers:           w,
		RetryPolicy:       policy,
		FetchPollInterval: cfg.FetchPollInterval,
	})
	if err != nil {
		return nil, fmt.Errorf("jobs: river client: %w", err)
	}
	c.river, c.driver, c.pool, c.dialect = rc, driver, pool, dialect{postgres: postgres}
	return c, nil
}

// Migrate applies River's own migrations (its tables) to the database of
// db, SQLite or PostgreSQL (told by db's driver), with River's migrator
// for that database; it is idempotent. The store's transactions insert jobs into these
// tables (Enqueuer), so every command that opens the database applies
// them.
func Migrate(ctx context.Context, db *sql.DB, logger *slog.Logger) error {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return migrate(ctx, newDriver(db, isPostgres(db), nil), logger)
}

// migrate applies River's own migrations; it is idempotent.
func migrate(ctx context.Context, driver riverdriver.Driver[*sql.Tx], logger *slog.Logger) error {
	// The migrator would also log, at info, that it has nothing to do,
	// on every command: only what it applies is logged.
	m, err := rivermigrate.New(driver, &rivermigrate.Config{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		return fmt.Errorf("jobs: river migrations: %w", err)
	}
	res, err := m.Migrate(ctx, rivermigrate.DirectionUp, nil)
	if err != nil {
		return fmt.Errorf("jobs: river migrations: %w", err)
	}
	for _, v := range res.Versions {
		logger.Info("river migration applied", "version", v.Version, "name", v.Name, "duration", v.Duration)
	}
	return nil
}

// Start first runs again the jobs this client's ID left running (see
// Config.ID and rescueOrphans), then starts working jobs; it returns at
// once. Cancelling ctx stops the client as Stop does, but cancels running
// jobs at once.
func (c *Client) Start(ctx context.Context) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.stopped {
		return errors.New("jobs: start after stop")
	}
	if c.startCtx != nil {
		return errors.New("jobs: already started")
	}
	if l := c.lease; l != nil {
		if err := l.checkUnique(ctx); err != nil {
			return fmt.Errorf("jobs: start: %w", err)
		}
		if err := l.beat(ctx); err != nil {
			return fmt.Errorf("jobs: start: %w", err)
		}
	}
	if err := c.rescueOrphans(ctx); err != nil {
		return fmt.Errorf("jobs: start: %w", err)
	}
	if err := c.river.Start(ctx); err != nil {
		return fmt.Errorf("jobs: start: %w", err)
	}
	if l := c.lease; l != nil {
		// The heartbeat outlives River's graceful stop (Stop), whose
		// jobs still run.
		lctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
		l.cancel = cancel
		go l.run(lctx)
	}
	c.startCtx = ctx
	c.logger.Info("jobs started")
	return nil
}

// Stop stops working jobs: running ones get StopTimeout to finish, then
// their contexts are cancelled (an interrupted job runs again at the next
// start). It is idempotent, and leaves River's pool (Config.DB) open for
// its owner to close.
func (c *Client) Stop() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.stopped {
		return nil
	}
	c.stopped = true
	var err error
	if c.startCtx != nil {
		ctx, cancel := context.WithTimeout(context.WithoutCancel(c.startCtx), c.stopTimeout)
		err = c.river.Stop(ctx)
		cancel()
		if errors.Is(err, context.DeadlineExceeded) {
			c.logger.Warn("jobs still running after the stop timeout: cancelled", "timeout", c.stopTimeout)
			ctx, cancel := context.WithTimeout(context.WithoutCancel(c.startCtx), 5*time.Second)
			err = c.river.StopAndCancel(ctx)
			cancel()
		}
		if l := c.lease; l != nil {
			l.cancel()
			<-l.done
		}
		c.logger.Info("jobs stopped")
	}
	if err != nil {
		return fmt.Errorf("jobs: stop: %w", err)
	}
	return nil
}
