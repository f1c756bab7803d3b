package sqldb_test

import (
	"context"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"lectern"
	"lectern/sqldb"
)

// TestPostgresSchemaAsSQLite checks that PostgreSQL's migrations give the
// tables and columns SQLite has after its last migration, at the same
// version, and that migrating again does nothing.
func TestPostgresSchemaAsSQLite(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	lite, pg := MustOpenDB(t), MustOpenPostgres(t)
	columns := func(db *sqldb.DB, q string) map[string][]string {
		t.Helper()
		rows, err := db.SQL().QueryContext(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		tables := map[string][]string{}
		for rows.Next() {
			var table, col string
			if err := rows.Scan(&table, &col); err != nil {
				t.Fatal(err)
			}
			tables[table] = append(tables[table], col)
		}
		for _, cols := range tables {
			sort.Strings(cols)
		}
		return tables
	}
	want := columns(lite, `SELECT m.name, p.name FROM sqlite_master m, pragma_table_info(m.name) p
		WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%'`)
	got := columns(pg, `SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = 'public'`)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("PostgreSQL's tables and columns differ from SQLite's (-sqlite +postgres):\n%s", diff)
	}
	vl, err1 := lite.Version(ctx)
	vp, err2 := pg.Version(ctx)
	if err1 != nil || err2 != nil || vl != vp {
		t.Errorf("versions: sqlite %d %v, postgres %d %v", vl, err1, vp, err2)
	}
	if err := pg.Migrate(ctx, nil); err != nil {
		t.Fatalf("second migrate: %v", err)
	}
	if v, _ := pg.Version(ctx); v != vp {
		t.Fatalf("version changed on re-run: %d -> %d", vp, v)
	}
	if pg.Dialect() != "postgres" || lite.Dialect() != "sqlite" {
		t.Errorf("dialects %q %q", lite.Dialect(), pg.Dialect())
	}
}

// TestPostgresTimesUTC checks that times come back in UTC, as SQLite's do,
// whatever the server's time zone.
func TestPostgresTimesUTC(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := MustOpenPostgres(t)
	joined := time.Date(2026, 3, 4, 5, 6, 7, 8000, time.FixedZone("CET", 3600))
	u := &lectern.User{Username: "zoe", IsActive: true, DateJoined: joined}
	if err := sqldb.NewUserService(db).CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	got, err := sqldb.NewUserService(db).FindUserByID(ctx, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !got.DateJoined.Equal(joined) || got.DateJoined.Location() != time.UTC {
		t.Fatalf("date joined %v (%v), want %v in UTC", got.DateJoined, got.DateJoined.Location(), joined)
	}
}

// TestOpenPostgresRefusals checks that a wrong URL is refused without
// showing its password.
func TestOpenPostgresRefusals(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for _, u := range []string{
		"mysql://u:hunter2@localhost/db",
		"postgres://u:hunter2@127.0.0.1:1/db?sslmode=disable&connect_timeout=2",
		"postgres://u:hunter2@[::1/db",
	} {
		_, err := sqldb.OpenPostgres(ctx, u, nil)
		if err == nil || strings.Contains(err.Error(), "hunter2") {
			t.Errorf("OpenPostgres(%q) = %v; want an error without the password", u, err)
		}
	}
}
