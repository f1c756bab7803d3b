package main

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"lectern"
	"lectern/sqldb"
	"lectern/sqldb/pgtest"
)

// TestCLIPostgres runs the store commands with LECTERN_DATABASE_URL naming
// a database on the tests' PostgreSQL server: they work there as on SQLite,
// no SQLite file is made, and River's tables and jobs are there too.
func TestCLIPostgres(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dbURL := pgtest.NewDatabase(t)
	withPassword := dbURL
	if u := strings.SplitN(dbURL, "@", 2); len(u) == 2 {
		// The tests' server trusts loopback: any password is accepted,
		// and none may be shown.
		withPassword = u[0] + ":s3cret-pw@" + u[1]
	}
	c := newCLI(t, "LECTERN_DATABASE_URL="+withPassword)

	first := c.mustRun(t, "", "migrate")
	if !regexp.MustCompile(`^database is at version [1-9]\d*\n$`).MatchString(first.stdout) {
		t.Errorf("migrate: stdout = %q", first.stdout)
	}
	if second := c.mustRun(t, "", "migrate"); second.stdout != first.stdout || strings.Contains(second.stderr, "migration applied") {
		t.Errorf("second migrate: %q after %q\n%s", second.stdout, first.stdout, second.stderr)
	}
	check := c.mustRun(t, "", "config", "check")
	if !strings.Contains(check.stdout, `DATABASE_URL = "postgres://`) || strings.Contains(check.stdout, "s3cret-pw") {
		t.Errorf("config check shows DATABASE_URL wrongly:\n%s", check.stdout)
	}

	c.addUser(t, "alice", "--staff")
	c.mustRun(t, "new-pw\n", "user", "passwd", "--username", "alice", "--password-stdin")
	typeID := c.addType(t, "Course")
	c.mustRun(t, "ftp-pass\n", "recorder", "add", "--name", "Amphi A", "--ip", "192.0.2.10", "--directory", "amphi-a",
		"--type-id", itoa(typeID), "--manager", "alice", "--login", "amphi-a", "--password-stdin")
	c.mustRun(t, "", "recorder", "add", "--name", "Amphi B", "--ip", "192.0.2.11", "--directory", "amphi-b", "--type-id", itoa(typeID))
	c.run(t, "", "recorder", "add", "--name", "Amphi A", "--ip", "192.0.2.12", "--directory", "amphi-c", "--type-id", itoa(typeID)).
		wantExit(t, 4, "already exists")
	c.mustRun(t, "", "recorder", "remove", "Amphi B")
	var shown jsonRecorder
	c.mustJSON(t, &shown, "recorder", "show", "Amphi A", "--json")
	if shown.Name != "Amphi A" || shown.Manager != "alice" || shown.Type != typeID || !shown.HasFTP {
		t.Errorf("recorder show: %+v", shown)
	}
	if out := c.mustRun(t, "", "recorder", "list").stdout; !strings.Contains(out, "Amphi A") || strings.Contains(out, "Amphi B") {
		t.Errorf("recorder list:\n%s", out)
	}
	token := strings.TrimSpace(c.mustRun(t, "", "token", "create", "--username", "alice").stdout)
	if out := c.mustRun(t, "", "user", "list").stdout; !strings.Contains(out, "alice") {
		t.Errorf("user list:\n%s", out)
	}

	// Pod's cron command: a file seen twice at the same size and
	// modification time (to the nanosecond) is complete.
	deposit := filepath.Join(c.dataDir, "recorders", "amphi-a", "lecture.mp4")
	if err := os.WriteFile(deposit, []byte("not really a video"), 0o640); err != nil {
		t.Fatal(err)
	}
	c.mustRun(t, "", "recorder", "checkDirectory")
	c.mustRun(t, "", "recorder", "checkDirectory")

	// Another process reads the same rows from PostgreSQL.
	db, err := sqldb.OpenPostgres(ctx, dbURL, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if u, err := sqldb.NewTokenService(db).FindUserByToken(ctx, token); err != nil || u.Username != "alice" {
		t.Errorf("token's user on PostgreSQL: %v, %v", u, err)
	}
	if list, n, err := sqldb.NewRecorderService(db).FindRecorders(ctx, lectern.RecorderFilter{}); err != nil || n != 1 || list[0].Name != "Amphi A" {
		t.Errorf("recorders on PostgreSQL: %d, %v", n, err)
	}
	if _, n, err := sqldb.NewTreatmentService(db, nil).FindTreatments(ctx, lectern.TreatmentFilter{File: &deposit}); err != nil || n != 1 {
		t.Errorf("treatment of the deposit on PostgreSQL: %d, %v", n, err)
	}
	if _, err := os.Stat(filepath.Join(c.dataDir, "lectern.db")); !os.IsNotExist(err) {
		t.Errorf("a SQLite file was made in DATA_DIR: %v", err)
	}
	// River's tables, from River's migrator for PostgreSQL.
	var versions int
	if err := db.SQL().QueryRowContext(ctx, "SELECT count(*) FROM river_migration").Scan(&versions); err != nil || versions == 0 {
		t.Errorf("River's migrations on PostgreSQL: %d, %v", versions, err)
	}
}

// TestConfigDatabaseURL checks which DATABASE_URL selects which database.
func TestConfigDatabaseURL(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		url      string
		postgres bool
		bad      bool
	}{
		{"", false, false},
		{"sqlite:///var/lib/lectern/x.db", false, false},
		{"x.db", false, false},
		{"postgres://lectern:pw@db.example.org/lectern?sslmode=require", true, false},
		{"postgresql://db.example.org:5433/lectern", true, false},
		{"POSTGRES://db.example.org/lectern", true, false},
		{"postgres://db.example.org", true, true},
		{"mysql://db.example.org/lectern", false, true},
	} {
		cfg, err := LoadConfig("", []string{"LECTERN_DATA_DIR=" + t.TempDir(), "LECTERN_DATABASE_URL=" + tc.url})
		if tc.bad {
			if err == nil || !strings.Contains(err.Error(), "DATABASE_URL") {
				t.Errorf("%q: err = %v, want a DATABASE_URL error", tc.url, err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%q: %v", tc.url, err)
			continue
		}
		if cfg.Postgres() != tc.postgres {
			t.Errorf("%q: Postgres() = %v", tc.url, cfg.Postgres())
		}
	}
}
