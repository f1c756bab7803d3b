package jobs

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"

	"lectern"
	"lectern/mail"
	"lectern/sqlite"
)

// QueueMail is the queue of the send_mail jobs.
const QueueMail = "mail"

// DefaultMailWorkers is how many messages are sent at once by default.
const DefaultMailWorkers = 2

// DefaultStopTimeout is how long Stop waits for running jobs before it
// cancels them.
const DefaultStopTimeout = 30 * time.Second

// Config configures the job client.
type Config struct {
	// Path is the SQLite database file (sqlite.DB.Path()).
	Path string
	// Workers is how many messages are sent at once; zero means
	// DefaultMailWorkers.
	Workers int
	// RetryPolicy schedules the retries of failed jobs; nil means
	// RetryPolicy{} (seconds at first, then hours). Tests use a fast one.
	RetryPolicy river.ClientRetryPolicy
	// MailMaxAttempts is how many times a message is tried before it is
	// marked failed; zero means MailMaxAttempts.
	MailMaxAttempts int
	// FetchPollInterval is how often River looks for jobs that no
	// notification announced (retries due); zero means River's default
	// (one second); it cannot be under 100ms.
	FetchPollInterval time.Duration
	// StopTimeout is how long Stop waits for running jobs before it
	// cancels them; zero means DefaultStopTimeout.
	StopTimeout time.Duration
}

// Deps are the services the workers use.
type Deps struct {
	Messages lectern.MessageService
	Sender   mail.Sender
	Logger   *slog.Logger
}

// Client enqueues and works Lectern's jobs. It implements
// lectern.MailQueue.
type Client struct {
	river       *river.Client[*sql.Tx]
	pool        *sql.DB
	messages    lectern.MessageService
	maxAttempts int
	stopTimeout time.Duration
	logger      *slog.Logger

	mu       sync.Mutex
	startCtx context.Context // set by Start
	stopped  bool
}

var _ lectern.MailQueue = (*Client)(nil)

// New opens River's pool on cfg.Path, applies River's migrations and
// returns a client that can enqueue at once and works jobs once started.
func New(ctx context.Context, cfg Config, deps Deps) (*Client, error) {
	if cfg.Path == "" {
		return nil, errors.New("jobs: no database path")
	}
	if deps.Messages == nil || deps.Sender == nil {
		return nil, errors.New("jobs: Messages and Sender are required")
	}
	logger := deps.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	c := &Client{messages: deps.Messages, maxAttempts: cfg.MailMaxAttempts, stopTimeout: cfg.StopTimeout,
		logger: logger}
	if c.maxAttempts <= 0 {
		c.maxAttempts = MailMaxAttempts
	}
	if c.stopTimeout <= 0 {
		c.stopTimeout = DefaultStopTimeout
	}
	workers := cfg.Workers
	if workers <= 0 {
		workers = DefaultMailWorkers
	}
	policy := cfg.RetryPolicy
	if policy == nil {
		policy = RetryPolicy{}
	}

	pool, err := sqlite.OpenPool(ctx, cfg.Path, 1)
	if err != nil {
		return nil, fmt.Errorf("jobs: %w", err)
	}
	driver := riversqlite.New(pool)
	if err := migrate(ctx, driver, logger); err != nil {
		pool.Close()
		return nil, err
	}
	w := river.NewWorkers()
	river.AddWorker(w, &sendMailWorker{messages: deps.Messages, sender: deps.Sender, logger: logger})
	rc, err := river.NewClient(driver, &river.Config{
		Logger:            logger.With("component", "river"),
		Queues:            map[string]river.QueueConfig{QueueMail: {MaxWorkers: workers}},
		Workers:           w,
		RetryPolicy:       policy,
		MaxAttempts:       c.maxAttempts,
		FetchPollInterval: cfg.FetchPollInterval,
	})
	if err != nil {
		pool.Close()
		return nil, fmt.Errorf("jobs: river client: %w", err)
	}
	c.river, c.pool = rc, pool
	return c, nil
}

// migrate applies River's own migrations; it is idempotent.
func migrate(ctx context.Context, driver *riversqlite.Driver, logger *slog.Logger) error {
	m, err := rivermigrate.New(driver, &rivermigrate.Config{Logger: logger.With("component", "rivermigrate")})
	if err != nil {
		return fmt.Errorf("jobs: river migrations: %w", err)
	}
	// The migrator logs each migration it applies.
	if _, err := m.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
		return fmt.Errorf("jobs: river migrations: %w", err)
	}
	return nil
}

// Start starts working jobs; it returns at once. Cancelling ctx stops the
// client as Stop does.
func (c *Client) Start(ctx context.Context) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.stopped {
		return errors.New("jobs: start after stop")
	}
	if c.startCtx != nil {
		return errors.New("jobs: already started")
	}
	if err := c.river.Start(ctx); err != nil {
		return fmt.Errorf("jobs: start: %w", err)
	}
	c.startCtx = ctx
	c.logger.Info("jobs started")
	return nil
}

// Stop stops working jobs: running ones get StopTimeout to finish, then
// their contexts are cancelled (an interrupted job runs again at the next
// start). It closes River's pool and is idempotent; a stopped client
// cannot enqueue.
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
		c.logger.Info("jobs stopped")
	}
	if cerr := c.pool.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("jobs: stop: %w", err)
	}
	return nil
}
