package jobs_test

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river/rivertype"

	"lectern"
	"lectern/jobs"
	"lectern/mail"
	"lectern/mail/smtptest"
	"lectern/sqldb"
	"lectern/sqldb/pgtest"
)

// fastRetry retries after 100ms, to see retries within a test.
type fastRetry struct{}

func (fastRetry) NextRetry(*rivertype.JobRow) time.Time {
	return time.Now().Add(100 * time.Millisecond)
}

// testBundle is one test's database, outbox and SMTP address.
type testBundle struct {
	db       *sqldb.DB
	pool     *sql.DB        // River's, as cmd/lectern opens it
	listener *pgxpool.Pool  // River's LISTEN, on PostgreSQL
	enq      *jobs.Enqueuer // the store's: jobs commit with their rows
	messages *sqldb.MessageService
	smtpURL  string
}

// testPostgres: the tests run on PostgreSQL (a database of their own on
// pgtest's server) rather than SQLite. TestMain runs the package's tests
// on each (LECTERN_TEST_JOBS_DB=sqlite or postgres: only that one).
var testPostgres bool

// openDB opens a fresh store on the database under test, and River's
// pools on it as cmd/lectern does.
func openDB(tb testing.TB) (db *sqldb.DB, pool *sql.DB, listener *pgxpool.Pool) {
	tb.Helper()
	ctx := context.Background()
	if testPostgres {
		url := pgtest.NewDatabase(tb)
		db, err := sqldb.OpenPostgres(ctx, url, nil)
		if err != nil {
			tb.Fatal(err)
		}
		tb.Cleanup(func() { db.Close() })
		pc, err := pgxpool.ParseConfig(url)
		if err != nil {
			tb.Fatal(err)
		}
		pc.MinConns, pc.MaxConns = 0, 1
		listener, err := pgxpool.NewWithConfig(ctx, pc)
		if err != nil {
			tb.Fatal(err)
		}
		tb.Cleanup(listener.Close)
		return db, db.SQL(), listener
	}
	db, err := sqldb.Open(ctx, filepath.Join(tb.TempDir(), "lectern.db"), nil)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	pool, err = sqldb.OpenPool(ctx, db.Path(), 1)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { pool.Close() })
	return db, pool, nil
}

// pgSQL rewrites the tests' own SQLite statements on River's table for
// PostgreSQL.
var pgSQL = strings.NewReplacer(
	"datetime('now', 'subsec')", "now()",
	"jsonb(json_array(?))", "ARRAY[?]::text[]",
	"json_extract(args, '$.recording_id')", "(args->>'recording_id')::bigint",
	"json(errors)", "errors::text",
)

// q is the test statement query for the database under test: rewritten,
// its ? placeholders numbered on PostgreSQL.
func q(query string) string {
	if !testPostgres {
		return query
	}
	query = pgSQL.Replace(query)
	var b strings.Builder
	n := 0
	for _, r := range query {
		if r == '?' {
			n++
			fmt.Fprintf(&b, "$%d", n)
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

func setup(tb testing.TB, smtpURL string) *testBundle {
	return setupEnqueuer(tb, smtpURL, jobs.EnqueuerConfig{})
}

// setupEnqueuer is setup with the store's Enqueuer configured by cfg.
func setupEnqueuer(tb testing.TB, smtpURL string, cfg jobs.EnqueuerConfig) *testBundle {
	tb.Helper()
	ctx := context.Background()
	db, pool, listener := openDB(tb)
	if err := jobs.Migrate(ctx, db.SQL(), nil); err != nil {
		tb.Fatal(err)
	}
	cfg.Postgres = testPostgres
	enq, err := jobs.NewEnqueuer(cfg)
	if err != nil {
		tb.Fatal(err)
	}
	return &testBundle{db: db, pool: pool, listener: listener, enq: enq, messages: sqldb.NewMessageService(db, enq), smtpURL: smtpURL}
}

// enqueue inserts args in a transaction of its own, as the store would.
func (b *testBundle) enqueue(tb testing.TB, args lectern.JobArgs) {
	tb.Helper()
	tx, err := b.db.SQL().Begin()
	if err != nil {
		tb.Fatal(err)
	}
	defer tx.Rollback()
	if err := b.enq.EnqueueTx(context.Background(), tx, args); err != nil {
		tb.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		tb.Fatal(err)
	}
}

func logger(tb testing.TB) *slog.Logger {
	if testing.Verbose() {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug})).With("test", tb.Name())
	}
	return slog.New(slog.DiscardHandler)
}

// newClient makes a job client on the bundle's database that sends to
// its SMTP URL, and stops it when the test ends.
func (b *testBundle) newClient(tb testing.TB, change func(*jobs.Config)) *jobs.Client {
	tb.Helper()
	return b.newClientDeps(tb, change, nil)
}

// newClientDeps is newClient with its Deps changed by changeDeps.
func (b *testBundle) newClientDeps(tb testing.TB, change func(*jobs.Config), changeDeps func(*jobs.Deps)) *jobs.Client {
	tb.Helper()
	sender, err := mail.NewSMTPSender(mail.SMTPConfig{URL: b.smtpURL, Timeout: 5 * time.Second}, logger(tb))
	if err != nil {
		tb.Fatal(err)
	}
	cfg := jobs.Config{DB: b.pool, Listener: b.listener, Workers: 2, RetryPolicy: fastRetry{}, FetchPollInterval: 100 * time.Millisecond,
		StopTimeout: 5 * time.Second}
	if change != nil {
		change(&cfg)
	}
	deps := jobs.Deps{Messages: b.messages, Sender: sender, Logger: logger(tb)}
	if changeDeps != nil {
		changeDeps(&deps)
	}
	c, err := jobs.New(context.Background(), cfg, deps)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { c.Stop() })
	return c
}

func start(tb testing.TB, c *jobs.Client) {
	tb.Helper()
	if err := c.Start(context.Background()); err != nil {
		tb.Fatal(err)
	}
}

// queue stores a message in the outbox the way the Router does: with the
// treatment's transition, which enqueues its delivery.
func (b *testBundle) queue(tb testing.TB, n int) int64 {
	tb.Helper()
	ctx := context.Background()
	treatments := sqldb.NewTreatmentService(b.db, b.enq)
	t := &lectern.Treatment{File: fmt.Sprintf("/data/unknown/%d.mp4", n), State: lectern.TreatmentToReport,
		Type: lectern.RecordingTypeVideo, DetectedBy: lectern.SourceWatch}
	if _, err := treatments.CreateTreatment(ctx, t); err != nil {
		tb.Fatal(err)
	}
	m := &lectern.Message{Kind: lectern.MessageAdminReport, From: "lectern@univ.example", To: []string{"admin@univ.example"},
		Subject: fmt.Sprintf("report %d", n), Text: fmt.Sprintf("text %d\n", n), HTML: fmt.Sprintf("<p>html %d</p>\n", n)}
	if ok, err := treatments.TransitionTreatment(ctx, t.ID, lectern.TreatmentToReport, lectern.TreatmentReported, m); err != nil || !ok {
		tb.Fatalf("transition: %v, %v", ok, err)
	}
	return m.ID
}

func (b *testBundle) message(tb testing.TB, id int64) *lectern.Message {
	tb.Helper()
	m, err := b.messages.FindMessageByID(context.Background(), id)
	if err != nil {
		tb.Fatal(err)
	}
	return m
}

// waitFor polls cond until it holds, and fails the test after timeout.
func waitFor(tb testing.TB, timeout time.Duration, what string, cond func() bool) {
	tb.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			tb.Fatalf("after %s: %s", timeout, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (b *testBundle) waitState(tb testing.TB, id int64, state string) *lectern.Message {
	tb.Helper()
	var m *lectern.Message
	waitFor(tb, 10*time.Second, fmt.Sprintf("message %d is not %s", id, state), func() bool {
		m = b.message(tb, id)
		return m.State == state
	})
	return m
}

// subjects counts the received messages by subject.
func subjects(srv *smtptest.Server) map[string]int {
	n := map[string]int{}
	for _, m := range srv.Messages() {
		n[m.Subject()]++
	}
	return n
}

func (b *testBundle) jobStates(tb testing.TB) map[string]int {
	tb.Helper()
	rows, err := b.db.SQL().Query("SELECT state, count(*) FROM river_job GROUP BY state")
	if err != nil {
		tb.Fatal(err)
	}
	defer rows.Close()
	n := map[string]int{}
	for rows.Next() {
		var s string
		var c int
		if err := rows.Scan(&s, &c); err != nil {
			tb.Fatal(err)
		}
		n[s] = c
	}
	return n
}
