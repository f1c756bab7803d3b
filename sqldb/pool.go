package sqldb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// Path is the database file's path, for libraries that open their own
// pool on it (OpenPool).
func (db *DB) Path() string { return db.path }

// OpenPool opens another pool on the database file at path, with the same
// pragmas as Open (WAL, busy_timeout, foreign keys, IMMEDIATE
// transactions) and at most maxConns connections (no limit when zero or
// less). It applies no migration: open the file with Open first.
//
// River's SQLite driver wants a pool of its own with a single connection,
// since its concurrent maintenance queries otherwise fight over SQLite's
// one writer; busy_timeout then covers the waits between this pool and
// Open's.
func OpenPool(ctx context.Context, path string, maxConns int) (*sql.DB, error) {
	if path == "" || path == ":memory:" {
		return nil, errors.New("open database pool: want the path of a database file")
	}
	pool, err := sql.Open("sqlite", dsn(path))
	if err != nil {
		return nil, fmt.Errorf("open database pool %s: %w", path, err)
	}
	if maxConns > 0 {
		pool.SetMaxOpenConns(maxConns)
	}
	if err := pool.PingContext(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("open database pool %s: %w", path, err)
	}
	return pool, nil
}
