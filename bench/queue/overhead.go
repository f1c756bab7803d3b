package main

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"path/filepath"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	_ "github.com/jackc/pgx/v5/stdlib" // database/sql's "pgx", as the store opens PostgreSQL
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/riverqueue/river/riverdriver/riversqlite"

	"lectern/jobs"
	"lectern/sqldb"
)

// queueConfig is how a client works its queue. River fetches at most
// MaxWorkers jobs at a time, then waits FetchCooldown before the next
// fetch: its default (100 ms) caps a queue at MaxWorkers×10 jobs/s,
// whatever the database. The fast configuration lifts the cap to show what
// the database itself costs per job.
type queueConfig struct {
	name     string
	workers  int
	cooldown time.Duration // zero: River's default (100 ms)
}

var queueConfigs = []queueConfig{
	{name: "River's defaults, 10 workers", workers: 10},
	{name: "cooldown 1 ms, 100 workers", workers: 100, cooldown: time.Millisecond},
}

// overheadLimit bounds one database's inserts and work.
const overheadLimit = 5 * time.Minute

// noopArgs is a job kind that does nothing.
type noopArgs struct {
	N int `json:"n"`
}

func (noopArgs) Kind() string { return "bench_noop" }

type noopWorker struct {
	river.WorkerDefaults[noopArgs]
}

func (noopWorker) Work(context.Context, *river.Job[noopArgs]) error { return nil }

// overhead is one database's figures.
type overhead struct {
	name, config string
	n            int
	insert, work time.Duration
}

func (o overhead) insertRate() float64 { return float64(o.n) / o.insert.Seconds() }
func (o overhead) workRate() float64   { return float64(o.n) / o.work.Seconds() }

// overheadSQLite measures a SQLite file in dir, with River's pool of one
// connection as Lectern opens it (sqldb.OpenPool).
func overheadSQLite(ctx context.Context, dir string, n int, cfg queueConfig) (overhead, error) {
	pool, err := sqldb.OpenPool(ctx, filepath.Join(dir, "overhead-"+fmt.Sprint(cfg.workers)+".db"), 1)
	if err != nil {
		return overhead{}, err
	}
	defer pool.Close()
	return measure(ctx, "sqlite", pool, riversqlite.New(pool), n, cfg)
}

// overheadPostgres measures the PostgreSQL database at dsn, with a pgx
// pool for River's LISTEN as Lectern gives it.
func overheadPostgres(ctx context.Context, dsn string, n int, cfg queueConfig) (overhead, error) {
	pool, err := sql.Open("pgx", dsn)
	if err != nil {
		return overhead{}, err
	}
	defer pool.Close()
	listener, err := pgxpool.New(ctx, dsn)
	if err != nil {
		return overhead{}, err
	}
	defer listener.Close()
	return measure(ctx, "postgres", pool, riverdatabasesql.NewWithPgxListener(pool, listener), n, cfg)
}

// measure inserts n no-op jobs, each in its own transaction, with the
// client stopped, then starts it and waits for the n to complete.
func measure(ctx context.Context, name string, pool *sql.DB, driver riverdriver.Driver[*sql.Tx], n int, cfg queueConfig) (overhead, error) {
	ctx, cancel := context.WithTimeout(ctx, overheadLimit)
	defer cancel()
	if err := jobs.Migrate(ctx, pool, nil); err != nil {
		return overhead{}, err
	}
	w := river.NewWorkers()
	river.AddWorker(w, noopWorker{})
	client, err := river.NewClient(driver, &river.Config{
		ID:            "bench-" + name,
		Logger:        slog.New(slog.DiscardHandler),
		Queues:        map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: cfg.workers}},
		Workers:       w,
		FetchCooldown: cfg.cooldown,
	})
	if err != nil {
		return overhead{}, err
	}
	o := overhead{name: name, config: cfg.name, n: n}
	start := time.Now()
	for i := range n {
		tx, err := pool.BeginTx(ctx, nil)
		if err != nil {
			return o, err
		}
		if _, err := client.InsertTx(ctx, tx, noopArgs{N: i}, nil); err != nil {
			tx.Rollback()
			return o, fmt.Errorf("insert job %d: %w", i, err)
		}
		if err := tx.Commit(); err != nil {
			return o, fmt.Errorf("commit job %d: %w", i, err)
		}
	}
	o.insert = time.Since(start)

	// River drops the events a full channel cannot take: room for all.
	completed, unsubscribe := client.SubscribeConfig(&river.SubscribeConfig{
		ChanSize: n + 100,
		Kinds:    []river.EventKind{river.EventKindJobCompleted, river.EventKindJobFailed},
	})
	defer unsubscribe()
	start = time.Now()
	if err := client.Start(ctx); err != nil {
		return o, err
	}
	defer func() {
		stopCtx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		client.Stop(stopCtx)
	}()
	for done := 0; done < n; {
		select {
		case ev, ok := <-completed:
			if !ok {
				return o, fmt.Errorf("%d of %d jobs completed when River closed its events", done, n)
			}
			if ev.Kind != river.EventKindJobCompleted {
				return o, fmt.Errorf("job %d: %s", ev.Job.ID, ev.Kind)
			}
			done++
		case <-ctx.Done():
			return o, fmt.Errorf("%d of %d jobs completed after %s: %w", done, n, overheadLimit, ctx.Err())
		}
	}
	o.work = time.Since(start)
	return o, nil
}
