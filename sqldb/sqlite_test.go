package sqldb_test

import (
	"context"
	"flag"
	"path/filepath"
	"testing"

	"lectern/sqldb"
	"lectern/sqldb/pgtest"
)

var dump = flag.Bool("dump", false, "print the path of each test database")

// MustOpenDB opens a fresh database file in a temporary directory and
// closes it when the test ends.
func MustOpenDB(tb testing.TB) *sqldb.DB {
	tb.Helper()
	path := filepath.Join(tb.TempDir(), "lectern.db")
	if *dump {
		tb.Logf("database: %s", path)
	}
	db, err := sqldb.Open(context.Background(), path, nil)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	return db
}

// MustOpenPostgres opens a fresh database on the tests' PostgreSQL server
// (lectern/sqldb/pgtest) and closes it when the test ends.
func MustOpenPostgres(tb testing.TB) *sqldb.DB {
	tb.Helper()
	url := pgtest.NewDatabase(tb)
	if *dump {
		tb.Logf("database: %s", url)
	}
	db, err := sqldb.OpenPostgres(context.Background(), url, nil)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	return db
}

func TestMigrateEmptyAndIdempotent(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "lectern.db")
	db, err := sqldb.Open(ctx, path, nil)
	if err != nil {
		t.Fatal(err)
	}
	v1, err := db.Version(ctx)
	if err != nil || v1 < 4 {
		t.Fatalf("version after first open = %d, %v; want >= 4", v1, err)
	}
	if err := db.Migrate(ctx, nil); err != nil {
		t.Fatalf("second migrate: %v", err)
	}
	db.Close()
	db, err = sqldb.Open(ctx, path, nil)
	if err != nil {
		t.Fatalf("reopen: %v", err)
	}
	defer db.Close()
	v2, _ := db.Version(ctx)
	if v2 != v1 {
		t.Fatalf("version changed on re-run: %d -> %d", v1, v2)
	}
	if err := db.IntegrityCheck(ctx); err != nil {
		t.Fatal(err)
	}
	// Every table of the model exists.
	for _, table := range []string{"users", "groups", "video_types", "recorders", "treatments", "recordings",
		"recording_files", "videos", "renditions", "enrichments", "api_tokens", "sessions", "once_keys", "sso_sessions"} {
		var n int
		if err := db.SQL().QueryRowContext(ctx, "SELECT COUNT(*) FROM "+table).Scan(&n); err != nil {
			t.Errorf("table %s: %v", table, err)
		}
	}
	var mode string
	if err := db.SQL().QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode); err != nil || mode != "wal" {
		t.Errorf("journal_mode = %q, %v; want wal", mode, err)
	}
}

func TestOpenMissingDirectory(t *testing.T) {
	t.Parallel()
	_, err := sqldb.Open(context.Background(), filepath.Join(t.TempDir(), "nope", "x.db"), nil)
	if err == nil {
		t.Fatal("want an error for a missing directory")
	}
}
