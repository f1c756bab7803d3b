package sqldb_test

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"lectern"
	"lectern/jobs"
	"lectern/sqldb"
)

// tileCounts are the counts the dashboard's status tiles make (the
// stores' Count methods and the job queue's CountJobs), as each store
// writes them.
var tileCounts = []struct{ name, query string }{
	{"deposits to claim", "SELECT COUNT(*) FROM treatments WHERE state = ?"},
	{"deposits waiting for a user", "SELECT COUNT(*) FROM treatments WHERE recorder_id IN (SELECT id FROM recorders WHERE user_id = ? " +
		"UNION SELECT recorder_id FROM recorder_additional_users WHERE user_id = ?) AND state IN (?, ?, ?, ?)"},
	{"videos encoding", "SELECT COUNT(*) FROM videos WHERE encoding_state = ?"},
	{"mail not sent", "SELECT COUNT(*) FROM messages WHERE state IN (?, ?)"},
	{"failed jobs", "SELECT count(*) FROM river_job WHERE state = ?"},
}

var tileArgs = [][]any{
	{lectern.TreatmentToClaim},
	{int64(1), int64(1), lectern.TreatmentToNotify, lectern.TreatmentNotified, lectern.TreatmentToReport, lectern.TreatmentReported},
	{lectern.EncodingRunning},
	{lectern.MessageQueued, lectern.MessageFailed},
	{lectern.JobDiscarded},
}

// TestTileCountsUseIndexes checks, with EXPLAIN on both databases, that
// none of the dashboard's counts reads a whole table: each is answered
// by an index (PostgreSQL is told not to scan sequentially, which it
// prefers on tables this small; it must then have an index to use).
func TestTileCountsUseIndexes(t *testing.T) {
	t.Parallel()
	for _, dialect := range []string{"sqlite", "postgres"} {
		t.Run(dialect, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			var db *sqldb.DB
			if dialect == "sqlite" {
				db = MustOpenDB(t)
			} else {
				db = MustOpenPostgres(t)
			}
			if err := jobs.Migrate(ctx, db.SQL(), nil); err != nil {
				t.Fatal(err)
			}
			conn, err := db.SQL().Conn(ctx)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			explain := "EXPLAIN QUERY PLAN "
			if dialect == "postgres" {
				explain = "EXPLAIN "
				if _, err := conn.ExecContext(ctx, "SET enable_seqscan = off"); err != nil {
					t.Fatal(err)
				}
			}
			for i, c := range tileCounts {
				query := c.query
				if dialect == "postgres" {
					query = numbered(query)
				}
				rows, err := conn.QueryContext(ctx, explain+query, tileArgs[i]...)
				if err != nil {
					t.Fatalf("%s: %v", c.name, err)
				}
				var plan []string
				for rows.Next() {
					cols, _ := rows.Columns()
					vals := make([]any, len(cols))
					ptrs := make([]any, len(cols))
					for j := range vals {
						ptrs[j] = &vals[j]
					}
					if err := rows.Scan(ptrs...); err != nil {
						t.Fatal(err)
					}
					plan = append(plan, toText(vals[len(vals)-1]))
				}
				rows.Close()
				text := strings.Join(plan, "\n")
				for _, line := range plan {
					if scansTable(dialect, line) {
						t.Errorf("%s reads a whole table:\n%s", c.name, text)
					}
				}
				t.Logf("%s:\n%s", c.name, text)
			}
		})
	}
}

// scansTable reports whether a line of a plan reads a whole table or
// index row by row: SQLite's "SCAN", PostgreSQL's "Seq Scan" (its index
// scans all have an Index Cond).
func scansTable(dialect, line string) bool {
	if dialect == "postgres" {
		return strings.Contains(line, "Seq Scan")
	}
	return strings.HasPrefix(strings.TrimSpace(line), "SCAN ")
}

func toText(v any) string {
	switch v := v.(type) {
	case []byte:
		return string(v)
	case string:
		return v
	}
	return ""
}

// numbered writes ? placeholders as PostgreSQL's $1, $2, ...
func numbered(query string) string {
	var b strings.Builder
	n := 0
	for _, r := range query {
		if r == '?' {
			n++
			b.WriteString("$" + strconv.Itoa(n))
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}
