package sqldb

import (
	"context"
	"database/sql"
	"io/fs"
	"path/filepath"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
	"github.com/pressly/goose/v3"

	"lectern"
	"lectern/sqldb/pgtest"
)

// identityDialects open a raw pool of each dialect on a new database, and
// the DB that migrates it, for the identity migration's tests.
var identityDialects = map[string]struct {
	raw  func(t *testing.T) (*sql.DB, *dialect, string)
	open func(ctx context.Context, dsn string) (*DB, error)
}{
	"sqlite": {
		raw: func(t *testing.T) (*sql.DB, *dialect, string) {
			path := filepath.Join(t.TempDir(), "lectern.db")
			pool, err := sql.Open("sqlite", dsn(path))
			if err != nil {
				t.Fatal(err)
			}
			return pool, sqliteDialect, path
		},
		open: func(ctx context.Context, dsn string) (*DB, error) { return Open(ctx, dsn, nil) },
	},
	"postgres": {
		raw: func(t *testing.T) (*sql.DB, *dialect, string) {
			url := pgtest.NewDatabase(t)
			pool, err := sql.Open("pgx", url)
			if err != nil {
				t.Fatal(err)
			}
			return pool, postgresDialect, url
		},
		open: func(ctx context.Context, dsn string) (*DB, error) { return OpenPostgres(ctx, dsn, nil) },
	},
}

// TestMigrateIdentityKeepsAccounts fills a database at version 14 with an
// account and a group, migrates it, and checks that the account is local
// with no affiliation and the group is an admin's (not auto-synced).
func TestMigrateIdentityKeepsAccounts(t *testing.T) {
	t.Parallel()
	for name, d := range identityDialects {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			pool, dia, dsn := d.raw(t)
			fsys, _ := fs.Sub(migrationFS, "migrations/"+dia.name)
			p, err := goose.NewProvider(dia.goose, pool, fsys)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := p.UpTo(ctx, 14); err != nil {
				t.Fatal(err)
			}
			for _, q := range []string{
				"INSERT INTO users (id, username, password_hash, date_joined) VALUES (1, 'admin', 'h', '2026-01-02 03:04:05')",
				"INSERT INTO groups (id, name) VALUES (1, 'teachers')",
			} {
				if _, err := pool.ExecContext(ctx, q); err != nil {
					t.Fatalf("%s: %v", q, err)
				}
			}
			pool.Close()
			db, err := d.open(ctx, dsn)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			if v, err := db.Version(ctx); err != nil || v < 15 {
				t.Fatalf("version %d, %v; want 15 or more", v, err)
			}
			u, err := NewUserService(db).FindUserByUsername(ctx, "admin")
			if err != nil || u.AuthType != lectern.AuthLocal || u.Affiliation != "" || u.PasswordHash != "h" {
				t.Errorf("account after the migration: %+v, %v; want local, no affiliation, its password", u, err)
			}
			g, err := NewGroupService(db).FindGroupByName(ctx, "teachers")
			if err != nil || g.AutoSync {
				t.Errorf("group after the migration: %+v, %v; want an admin's", g, err)
			}
		})
	}
}

// TestSSOExpiredRowsDeleted checks that expired used keys and single
// sign-on sessions are deleted by the next write, with no goroutine to
// sweep them: the tables hold only live rows.
func TestSSOExpiredRowsDeleted(t *testing.T) {
	t.Parallel()
	for name, d := range identityDialects {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			pool, _, dsn := d.raw(t)
			pool.Close()
			db, err := d.open(ctx, dsn)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			clock := time.Date(2026, 5, 1, 8, 0, 0, 0, time.UTC)
			db.Now = func() time.Time { return clock }
			count := func(table string) int {
				t.Helper()
				var n int
				if err := db.pool.QueryRowContext(ctx, "SELECT COUNT(*) FROM "+table).Scan(&n); err != nil {
					t.Fatal(err)
				}
				return n
			}
			once, sso := NewOnceService(db), NewSSOSessionService(db)
			for _, key := range []string{"ST-a", "ST-b"} {
				if err := once.UseOnce(ctx, key, clock.Add(time.Minute)); err != nil {
					t.Fatal(err)
				}
			}
			if err := sso.RememberSSOSession(ctx, lectern.AuthCAS, "ST-a", "tok-a", clock.Add(time.Minute)); err != nil {
				t.Fatal(err)
			}
			if err := sso.RememberSSOSession(ctx, lectern.AuthCAS, "ST-b", "tok-b", clock.Add(time.Minute)); err != nil {
				t.Fatal(err)
			}
			if n, m := count("once_keys"), count("sso_sessions"); n != 2 || m != 2 {
				t.Fatalf("rows before expiry: %d keys, %d sessions; want 2, 2", n, m)
			}

			// An hour later, the first write deletes what expired.
			clock = clock.Add(time.Hour)
			if err := once.UseOnce(ctx, "ST-c", clock.Add(time.Minute)); err != nil {
				t.Fatal(err)
			}
			if n := count("once_keys"); n != 1 {
				t.Errorf("keys after expiry and a use: %d; want 1", n)
			}
			if tokens, err := sso.TakeSSOSessions(ctx, lectern.AuthCAS, "ST-a"); err != nil || len(tokens) != 0 {
				t.Errorf("expired session taken: %v, %v; want none", tokens, err)
			}
			if n := count("sso_sessions"); n != 0 {
				t.Errorf("sessions after expiry and a take: %d; want 0", n)
			}
		})
	}
}
