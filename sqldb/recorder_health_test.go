package sqldb_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"lectern/sqldb"
)

// TestRecorderHealthUsesIndexes checks, with EXPLAIN on both databases,
// that the admin list's one health query reads no whole table but the
// page's recorders by their ids: every count is a range of an index.
func TestRecorderHealthUsesIndexes(t *testing.T) {
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
			conn, err := db.SQL().Conn(ctx)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			query, args := sqldb.RecorderHealthQuery([]int64{1, 2, 3}, time.Now().Add(-7*24*time.Hour), time.Now().Add(-time.Hour), time.Now())
			explain := "EXPLAIN QUERY PLAN "
			if dialect == "postgres" {
				explain = "EXPLAIN "
				query = numbered(query)
				if _, err := conn.ExecContext(ctx, "SET enable_seqscan = off"); err != nil {
					t.Fatal(err)
				}
			}
			rows, err := conn.QueryContext(ctx, explain+query, args...)
			if err != nil {
				t.Fatal(err)
			}
			defer rows.Close()
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
			text := strings.Join(plan, "\n")
			for _, line := range plan {
				if scansTable(dialect, line) {
					t.Errorf("the health query reads a whole table:\n%s", text)
				}
			}
			t.Logf("plan:\n%s", text)
		})
	}
}
