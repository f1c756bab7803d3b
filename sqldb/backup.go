package sqldb

import (
	"context"
	"database/sql"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"strconv"
	"strings"
)

// BackupFile writes a consistent copy of the SQLite database at src into
// the new file dst with VACUUM INTO: one read transaction, so serve may go
// on writing (WAL mode) while it runs, and the copy holds every commit made
// before it began and none after. The copy is compacted and has no WAL of
// its own. src is opened as serve opens it (busy timeout, WAL) but no
// migration is applied: a backup never changes the database it copies.
// PostgreSQL is copied with pg_dump, not by Lectern.
func BackupFile(ctx context.Context, src, dst string) error {
	if fi, err := os.Stat(src); err != nil {
		return fmt.Errorf("back up %s: %w", src, err)
	} else if !fi.Mode().IsRegular() {
		return fmt.Errorf("back up %s: not a file", src)
	}
	if _, err := os.Lstat(dst); err == nil {
		return fmt.Errorf("back up to %s: the file exists", dst)
	}
	pool, err := sql.Open("sqlite", dsn(src))
	if err != nil {
		return fmt.Errorf("back up %s: %w", src, err)
	}
	defer pool.Close()
	if _, err := pool.ExecContext(ctx, "VACUUM INTO ?", dst); err != nil {
		return fmt.Errorf("back up %s to %s: %w", src, dst, err)
	}
	return nil
}

// LatestVersion returns the newest migration of the dialect ("sqlite" or
// "postgres") this program carries: a database at a higher version was
// made by a newer Lectern.
func LatestVersion(dialect string) (int64, error) {
	entries, err := fs.ReadDir(migrationFS, "migrations/"+dialect)
	if err != nil {
		return 0, fmt.Errorf("migrations of %q: %w", dialect, err)
	}
	var latest int64
	for _, e := range entries {
		num, _, ok := strings.Cut(e.Name(), "_")
		if !ok {
			continue
		}
		if v, err := strconv.ParseInt(num, 10, 64); err == nil && v > latest {
			latest = v
		}
	}
	return latest, nil
}

// CheckFile opens the SQLite file at path read-only, without applying any
// migration, runs integrity_check on it and returns its schema version
// (the newest migration goose recorded as applied).
func CheckFile(ctx context.Context, path string) (int64, error) {
	q := url.Values{}
	q.Add("_pragma", "query_only(1)")
	q.Set("mode", "ro")
	pool, err := sql.Open("sqlite", "file:"+path+"?"+q.Encode())
	if err != nil {
		return 0, fmt.Errorf("open %s: %w", path, err)
	}
	defer pool.Close()
	var res string
	if err := pool.QueryRowContext(ctx, "PRAGMA integrity_check").Scan(&res); err != nil {
		return 0, fmt.Errorf("integrity check of %s: %w", path, err)
	}
	if res != "ok" {
		return 0, fmt.Errorf("integrity check of %s: %s", path, res)
	}
	var v sql.NullInt64
	err = pool.QueryRowContext(ctx, "SELECT max(version_id) FROM goose_db_version WHERE is_applied").Scan(&v)
	if err != nil {
		return 0, fmt.Errorf("schema version of %s: %w", path, err)
	}
	return v.Int64, nil
}
