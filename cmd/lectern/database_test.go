package main

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"lectern/sqldb"
	"lectern/sqldb/pgtest"
)

// TestSessionStore checks that web sessions live in the database's own
// sessions table on both databases: one store writes, another (another
// node's) reads, deletes, and an expired session is gone.
func TestSessionStore(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	for name, open := range map[string]func(tb testing.TB) *sqldb.DB{
		"sqlite": func(tb testing.TB) *sqldb.DB {
			db, err := sqldb.Open(ctx, filepath.Join(tb.TempDir(), "lectern.db"), nil)
			if err != nil {
				tb.Fatal(err)
			}
			return db
		},
		"postgres": func(tb testing.TB) *sqldb.DB {
			db, err := sqldb.OpenPostgres(ctx, pgtest.NewDatabase(tb), nil)
			if err != nil {
				tb.Fatal(err)
			}
			return db
		},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			db := open(t)
			defer db.Close()
			a, b := sessionStore(db), sessionStore(db)
			defer a.StopCleanup()
			defer b.StopCleanup()
			if err := a.Commit("tok-live", []byte("alice"), time.Now().Add(time.Hour)); err != nil {
				t.Fatal(err)
			}
			if err := a.Commit("tok-old", []byte("bob"), time.Now().Add(-time.Minute)); err != nil {
				t.Fatal(err)
			}
			if data, ok, err := b.Find("tok-live"); err != nil || !ok || string(data) != "alice" {
				t.Fatalf("Find(live) = %q, %v, %v", data, ok, err)
			}
			if _, ok, err := b.Find("tok-old"); err != nil || ok {
				t.Fatalf("Find(expired) = %v, %v; want not found", ok, err)
			}
			if err := b.Delete("tok-live"); err != nil {
				t.Fatal(err)
			}
			if _, ok, _ := a.Find("tok-live"); ok {
				t.Fatal("deleted session still found")
			}
		})
	}
}
