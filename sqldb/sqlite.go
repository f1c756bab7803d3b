// Package sqlite stores Lectern's model in a SQLite database through the
// pure-Go modernc.org/sqlite driver (no cgo). It implements the service
// interfaces of package lectern; a PostgreSQL package will implement the
// same ones.
//
// The database runs in WAL mode so that the command line and a running
// server use it at once: readers never block the writer, and writers wait
// for each other (busy_timeout) instead of failing. Transactions begin
// IMMEDIATE, taking the write lock up front, so two writers never deadlock
// on a lock upgrade. Times are stored in UTC.
package sqldb

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/pressly/goose/v3"
	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

//go:embed migrations/sqlite/*.sql
var migrationFS embed.FS

// BusyTimeout is how long a writer waits for another one (another process
// included) before giving up.
const BusyTimeout = 10 * time.Second

// DB is an open Lectern database.
type DB struct {
	db   *sql.DB
	path string
	// Now returns the current time; tests may replace it.
	Now func() time.Time
}

// Open opens (creating if needed) the database file at path and applies
// every pending migration. The directory must exist.
func Open(ctx context.Context, path string, logger *slog.Logger) (*DB, error) {
	if path == "" {
		return nil, errors.New("open database: empty path")
	}
	if path != ":memory:" {
		if _, err := os.Stat(filepath.Dir(path)); err != nil {
			return nil, fmt.Errorf("open database %s: %w", path, err)
		}
	}
	sdb, err := sql.Open("sqlite", dsn(path))
	if err != nil {
		return nil, fmt.Errorf("open database %s: %w", path, err)
	}
	db := &DB{db: sdb, path: path, Now: func() time.Time { return time.Now().UTC() }}
	if err := sdb.PingContext(ctx); err != nil {
		sdb.Close()
		return nil, fmt.Errorf("open database %s: %w", path, err)
	}
	if err := db.Migrate(ctx, logger); err != nil {
		sdb.Close()
		return nil, err
	}
	return db, nil
}

// dsn is the data source name of the database file at path, with the
// pragmas every connection needs.
func dsn(path string) string {
	q := url.Values{}
	q.Add("_pragma", fmt.Sprintf("busy_timeout(%d)", BusyTimeout.Milliseconds()))
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "foreign_keys(1)")
	// NORMAL is safe in WAL mode: a power cut may lose the last commits,
	// never corrupt the file.
	q.Add("_pragma", "synchronous(NORMAL)")
	q.Set("_time_format", "sqlite")
	q.Set("_txlock", "immediate")
	return "file:" + path + "?" + q.Encode()
}

// Migrate applies every embedded migration not yet applied, in order, each
// in its own transaction. It is idempotent.
func (db *DB) Migrate(ctx context.Context, logger *slog.Logger) error {
	fsys, err := fs.Sub(migrationFS, "migrations/sqlite")
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	p, err := goose.NewProvider(goose.DialectSQLite3, db.db, fsys)
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	results, err := p.Up(ctx)
	if err != nil {
		return fmt.Errorf("migrate %s: %w", db.path, err)
	}
	for _, r := range results {
		if logger != nil {
			logger.Info("migration applied", "version", r.Source.Version, "file", filepath.Base(r.Source.Path), "duration", r.Duration)
		}
	}
	return nil
}

// Version returns the newest applied migration.
func (db *DB) Version(ctx context.Context) (int64, error) {
	fsys, err := fs.Sub(migrationFS, "migrations/sqlite")
	if err != nil {
		return 0, err
	}
	p, err := goose.NewProvider(goose.DialectSQLite3, db.db, fsys)
	if err != nil {
		return 0, fmt.Errorf("migration version: %w", err)
	}
	return p.GetDBVersion(ctx)
}

// SQL returns the underlying handle, for libraries that need one (the web
// session store).
func (db *DB) SQL() *sql.DB { return db.db }

// Ping checks that the database answers.
func (db *DB) Ping(ctx context.Context) error {
	var one int
	if err := db.db.QueryRowContext(ctx, "SELECT 1").Scan(&one); err != nil {
		return fmt.Errorf("ping database: %w", err)
	}
	return nil
}

// IntegrityCheck runs SQLite's integrity_check and returns an error unless
// it reports "ok".
func (db *DB) IntegrityCheck(ctx context.Context) error {
	var res string
	if err := db.db.QueryRowContext(ctx, "PRAGMA integrity_check").Scan(&res); err != nil {
		return fmt.Errorf("integrity check: %w", err)
	}
	if res != "ok" {
		return fmt.Errorf("integrity check: %s", res)
	}
	return nil
}

// Close closes the database.
func (db *DB) Close() error { return db.db.Close() }

// withTx runs fn in one transaction and commits it unless fn fails.
func (db *DB) withTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := db.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer tx.Rollback()
	if err := fn(tx); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// isUnique reports whether err is a UNIQUE constraint failure on one of the
// given "table.column" names (all when none given).
func isUnique(err error, cols ...string) bool {
	if err == nil || !strings.Contains(err.Error(), "UNIQUE constraint failed") {
		return false
	}
	if len(cols) == 0 {
		return true
	}
	for _, c := range cols {
		if strings.Contains(err.Error(), c) {
			return true
		}
	}
	return false
}

// isForeignKey reports whether err is a FOREIGN KEY constraint failure.
func isForeignKey(err error) bool {
	return err != nil && strings.Contains(err.Error(), "FOREIGN KEY constraint failed")
}

// nullTime turns a zero time into NULL.
func nullTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UTC()
}

// like escapes s for a LIKE pattern with ESCAPE '\' and wraps it in %.
func like(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return "%" + r.Replace(s) + "%"
}
