package sqldb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"modernc.org/sqlite" // registers the "sqlite" driver; its errors carry result codes
	sqlite3 "modernc.org/sqlite/lib"
)

// BusyTimeout is how long a writer waits for another one (another process
// included) before giving up.
const BusyTimeout = 10 * time.Second

// Open opens (creating if needed) the SQLite database file at path and
// applies every pending migration. The directory must exist.
func Open(ctx context.Context, path string, logger *slog.Logger) (*DB, error) {
	if path == "" {
		return nil, errors.New("open database: empty path")
	}
	if path != ":memory:" {
		if _, err := os.Stat(filepath.Dir(path)); err != nil {
			return nil, fmt.Errorf("open database %s: %w", path, err)
		}
	}
	pool, err := sql.Open("sqlite", dsn(path))
	if err != nil {
		return nil, fmt.Errorf("open database %s: %w", path, err)
	}
	return newDB(ctx, pool, sqliteDialect, path, logger)
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

// IntegrityCheck runs SQLite's integrity_check and returns an error unless
// it reports "ok". PostgreSQL checks its own pages: there it only pings.
func (db *DB) IntegrityCheck(ctx context.Context) error {
	if db.dialect != sqliteDialect {
		return db.Ping(ctx)
	}
	var res string
	if err := db.pool.QueryRowContext(ctx, "PRAGMA integrity_check").Scan(&res); err != nil {
		return fmt.Errorf("integrity check: %w", err)
	}
	if res != "ok" {
		return fmt.Errorf("integrity check: %s", res)
	}
	return nil
}

// sqliteConstraint classifies a constraint failure of modernc's driver by
// its result codes. The message names the columns of a unique
// failure: "UNIQUE constraint failed: recorders.name (2067)".
func sqliteConstraint(err error) (constraint, bool) {
	var e *sqlite.Error
	if !errors.As(err, &e) {
		return constraint{}, false
	}
	switch code := e.Code(); {
	case code&0xff != sqlite3.SQLITE_CONSTRAINT:
		return constraint{}, false
	// A RESTRICT action fails with SQLITE_CONSTRAINT_TRIGGER, saying so only
	// in its message.
	case code == sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY || strings.Contains(e.Error(), "FOREIGN KEY constraint failed"):
		return constraint{foreignKey: true}, true
	case code == sqlite3.SQLITE_CONSTRAINT_UNIQUE || code == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
		c := constraint{unique: true}
		msg := e.Error()
		if i := strings.LastIndex(msg, "constraint failed: "); i >= 0 {
			msg = msg[i+len("constraint failed: "):]
			if j := strings.LastIndex(msg, " ("); j >= 0 {
				msg = msg[:j]
			}
			for _, col := range strings.Split(msg, ",") {
				c.columns = append(c.columns, strings.TrimSpace(col))
			}
		}
		return c, true
	}
	return constraint{}, false
}
