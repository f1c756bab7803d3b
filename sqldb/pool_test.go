package sqldb_test

import (
	"context"
	"testing"

	"lectern/sqldb"
)

// A second pool on the same file sees the same tables, with the same
// pragmas and its connection limit.
func TestOpenPool(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := MustOpenDB(t)
	pool, err := sqldb.OpenPool(ctx, db.Path(), 1)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	if got := pool.Stats().MaxOpenConnections; got != 1 {
		t.Errorf("max open connections = %d, want 1", got)
	}
	var n int
	if err := pool.QueryRowContext(ctx, "SELECT count(*) FROM messages").Scan(&n); err != nil {
		t.Fatalf("the pool does not see the migrated tables: %v", err)
	}
	var mode string
	var fk, busy int
	if err := pool.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode); err != nil || mode != "wal" {
		t.Errorf("journal_mode = %q, %v; want wal", mode, err)
	}
	if err := pool.QueryRowContext(ctx, "PRAGMA foreign_keys").Scan(&fk); err != nil || fk != 1 {
		t.Errorf("foreign_keys = %d, %v; want 1", fk, err)
	}
	if err := pool.QueryRowContext(ctx, "PRAGMA busy_timeout").Scan(&busy); err != nil || busy != int(sqldb.BusyTimeout.Milliseconds()) {
		t.Errorf("busy_timeout = %d, %v", busy, err)
	}
	if _, err := sqldb.OpenPool(ctx, "", 1); err == nil {
		t.Error("OpenPool with no path: no error")
	}
}
