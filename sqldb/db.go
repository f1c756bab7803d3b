package sqldb

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"log/slog"
	"path/filepath"
	"strings"
	"time"

	"github.com/pressly/goose/v3"
)

//go:embed migrations/sqlite/*.sql migrations/postgres/*.sql
var migrationFS embed.FS

// DB is an open Lectern database, SQLite or PostgreSQL.
type DB struct {
	pool    *sql.DB
	db      *conn
	dialect *dialect
	// path is the SQLite file, or the PostgreSQL URL without its password.
	path string
	// Now returns the current time, in UTC to the microsecond as both
	// databases store it; tests may replace it.
	Now func() time.Time
}

// newDB wraps an open pool of the dialect d and applies every pending
// migration; it closes the pool when it fails.
func newDB(ctx context.Context, pool *sql.DB, d *dialect, path string, logger *slog.Logger) (*DB, error) {
	db := &DB{pool: pool, db: &conn{q: pool, d: d}, dialect: d, path: path, Now: func() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }}
	if err := pool.PingContext(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("open database %s: %w", path, err)
	}
	if err := db.Migrate(ctx, logger); err != nil {
		pool.Close()
		return nil, err
	}
	return db, nil
}

// provider is goose's runner over the dialect's migrations.
func (db *DB) provider() (*goose.Provider, error) {
	fsys, err := fs.Sub(migrationFS, "migrations/"+db.dialect.name)
	if err != nil {
		return nil, err
	}
	return goose.NewProvider(db.dialect.goose, db.pool, fsys)
}

// Migrate applies every embedded migration of the database's dialect not
// yet applied, in order, each in its own transaction. It is idempotent.
func (db *DB) Migrate(ctx context.Context, logger *slog.Logger) error {
	p, err := db.provider()
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
	p, err := db.provider()
	if err != nil {
		return 0, fmt.Errorf("migration version: %w", err)
	}
	return p.GetDBVersion(ctx)
}

// Dialect names the database: "sqlite" or "postgres".
func (db *DB) Dialect() string { return db.dialect.name }

// SQL returns the underlying handle, for libraries that need one (the web
// session store). Its queries take the driver's own placeholders.
func (db *DB) SQL() *sql.DB { return db.pool }

// Ping checks that the database answers.
func (db *DB) Ping(ctx context.Context) error {
	var one int
	if err := db.pool.QueryRowContext(ctx, "SELECT 1").Scan(&one); err != nil {
		return fmt.Errorf("ping database: %w", err)
	}
	return nil
}

// Close closes the database.
func (db *DB) Close() error { return db.pool.Close() }

// withTx runs fn in one transaction and commits it unless fn fails.
func (db *DB) withTx(ctx context.Context, fn func(tx *conn) error) error {
	tx, err := db.pool.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer tx.Rollback()
	if err := fn(&conn{q: tx, d: db.dialect, tx: tx}); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
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
