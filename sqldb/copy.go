package sqldb

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"time"

	"lectern"
)

// copyTables are Lectern's tables in an order where each row's references
// are copied before it. The short-lived rows of single sign-on are copied
// too, as the sessions are: sso_sessions, so that an identity provider's
// single logout still ends the sessions opened before the move; once_keys,
// so that a ticket or an assertion used just before the move is not taken
// again just after. Both are small (expired rows are deleted as others
// are written) and rows expired meanwhile are ignored on the target.
var copyTables = []string{
	"users", "groups", "user_groups", "api_tokens", "sessions", "sso_sessions", "once_keys",
	"video_types", "recorders", "recorder_additional_users", "recorder_groups", "feeds",
	"events", "event_owners", "capture_agents",
	"treatments", "treatment_parts", "treatment_names", "treatment_deletions", "recordings", "recording_files", "sightings",
	"recorder_contacts", "login_failures",
	"videos", "video_additional_owners", "video_groups", "renditions", "enrichments",
	"messages", "settings",
}

// TableCount is how many rows Copy copied into one table.
type TableCount struct {
	Table string
	Rows  int64
}

// unfinishedStates are the states of River's jobs that have not finished.
const unfinishedStates = "'available', 'scheduled', 'retryable', 'running', 'pending'"

// hasJobQueue reports whether db holds River's queue (its river_job table).
func hasJobQueue(ctx context.Context, db *DB) (bool, error) {
	query := "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'river_job'"
	if db.dialect == postgresDialect {
		query = "SELECT COUNT(*) FROM pg_tables WHERE schemaname = current_schema() AND tablename = 'river_job'"
	}
	var tables int
	if err := db.pool.QueryRowContext(ctx, query).Scan(&tables); err != nil {
		return false, fmt.Errorf("look for the job queue: %w", err)
	}
	return tables > 0, nil
}

// UnfinishedJobs counts the jobs of River's queue in db (SQLite or
// PostgreSQL) that have not finished (available, scheduled, retryable,
// running, pending), which Copy carries over when given an Enqueuer: 0
// when db has no queue.
func UnfinishedJobs(ctx context.Context, db *DB) (int64, error) {
	if ok, err := hasJobQueue(ctx, db); err != nil || !ok {
		return 0, err
	}
	var n int64
	if err := db.pool.QueryRowContext(ctx, "SELECT COUNT(*) FROM river_job WHERE state IN ("+unfinishedStates+")").Scan(&n); err != nil {
		return 0, fmt.Errorf("count unfinished jobs: %w", err)
	}
	return n, nil
}

// copiedJob is an unfinished job of the source's queue: its kind and its
// args as River stored them (JSON), which the Enqueuer decodes as that
// kind's.
type copiedJob struct {
	kind string
	args json.RawMessage
}

// Kind implements lectern.JobArgs.
func (j copiedJob) Kind() string { return j.kind }

// MarshalJSON returns the args as stored.
func (j copiedJob) MarshalJSON() ([]byte, error) { return j.args, nil }

// copyJobs enqueues again through enq, in tx, every unfinished job of
// from's queue (running ones were cut short by the move: they run again),
// each available at once with a new id; the target's job id sequence is
// first moved past the source's ids, so that an id in the source's logs
// never names another job. It returns how many it enqueued.
func copyJobs(ctx context.Context, from *DB, tx *conn, enq lectern.Enqueuer) (int64, error) {
	if ok, err := hasJobQueue(ctx, from); err != nil || !ok {
		return 0, err
	}
	// SQLite's AUTOINCREMENT may have handed out ids above the largest
	// left (sqlite_sequence); PostgreSQL's largest id is its own.
	args, last := "args::text", int64(0)
	if from.dialect == sqliteDialect {
		args = "json(args)"
		if err := from.pool.QueryRowContext(ctx, "SELECT COALESCE(MAX(seq), 0) FROM sqlite_sequence WHERE name = 'river_job'").Scan(&last); err != nil {
			return 0, fmt.Errorf("copy: largest job id: %w", err)
		}
	}
	var maxID int64
	if err := from.pool.QueryRowContext(ctx, "SELECT COALESCE(MAX(id), 0) FROM river_job").Scan(&maxID); err != nil {
		return 0, fmt.Errorf("copy: largest job id: %w", err)
	}
	if _, err := tx.ExecContext(ctx, "SELECT setval(pg_get_serial_sequence('river_job', 'id'), ?, false)", max(last, maxID)+1); err != nil {
		return 0, fmt.Errorf("copy: move the job id sequence: %w", err)
	}
	rows, err := from.pool.QueryContext(ctx, "SELECT kind, "+args+" FROM river_job WHERE state IN ("+unfinishedStates+") ORDER BY id")
	if err != nil {
		return 0, fmt.Errorf("copy: read unfinished jobs: %w", err)
	}
	var pending []copiedJob
	for rows.Next() {
		var j copiedJob
		var a string
		if err := rows.Scan(&j.kind, &a); err != nil {
			rows.Close()
			return 0, fmt.Errorf("copy: read unfinished jobs: %w", err)
		}
		j.args = json.RawMessage(a)
		pending = append(pending, j)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, fmt.Errorf("copy: read unfinished jobs: %w", err)
	}
	for _, j := range pending {
		if err := enqueue(ctx, enq, tx, j); err != nil {
			return 0, fmt.Errorf("copy: %w", err)
		}
	}
	return int64(len(pending)), nil
}

// Copy copies every row of every table of from into to, a PostgreSQL
// database with no rows, in one transaction of to: ids are kept, and each
// table's id sequence is set past both the largest id and the largest SQLite
// ever handed out (AUTOINCREMENT's sqlite_sequence), so that no id is
// reused. Both databases must be at the same migration version. It refuses
// (lectern.ECONFLICT) a target that has any row and changes nothing then.
//
// With enq (River's Enqueuer for the target), the source's unfinished
// jobs are carried over in the same transaction (copyJobs), counted as
// table river_job; River's tables must exist in the target. A nil enq
// leaves them behind.
func Copy(ctx context.Context, from, to *DB, enq lectern.Enqueuer) ([]TableCount, error) {
	if to.dialect != postgresDialect {
		return nil, lectern.Errorf(lectern.EINVALID, "The target of a copy must be a PostgreSQL database.")
	}
	vf, err := from.Version(ctx)
	if err != nil {
		return nil, fmt.Errorf("copy: version of %s: %w", from.path, err)
	}
	vt, err := to.Version(ctx)
	if err != nil {
		return nil, fmt.Errorf("copy: version of %s: %w", to.path, err)
	}
	if vf != vt {
		return nil, lectern.Errorf(lectern.EINVALID, "The source is at migration %d and the target at %d: upgrade both with the same Lectern first.", vf, vt)
	}
	var counts []TableCount
	err = to.withTx(ctx, func(tx *conn) error {
		for _, table := range copyTables {
			var any bool
			if err := tx.QueryRowContext(ctx, "SELECT EXISTS (SELECT 1 FROM "+table+")").Scan(&any); err != nil {
				return fmt.Errorf("copy: read target table %s: %w", table, err)
			}
			if any {
				return lectern.Errorf(lectern.ECONFLICT, "The target database is not empty (table %s has rows): copy only into a new database.", table)
			}
		}
		for _, table := range copyTables {
			n, err := copyTable(ctx, from, tx, table)
			if err != nil {
				return err
			}
			counts = append(counts, TableCount{Table: table, Rows: n})
		}
		if err := setSequences(ctx, from, tx); err != nil {
			return err
		}
		if enq == nil {
			return nil
		}
		n, err := copyJobs(ctx, from, tx, enq)
		counts = append(counts, TableCount{Table: "river_job", Rows: n})
		return err
	})
	if err != nil {
		return nil, err
	}
	return counts, nil
}

// copyTable copies the rows of table, converting each value to the type
// of the target's column.
func copyTable(ctx context.Context, from *DB, tx *conn, table string) (int64, error) {
	cols, types, err := targetColumns(ctx, tx, table)
	if err != nil {
		return 0, err
	}
	rows, err := from.pool.QueryContext(ctx, "SELECT "+strings.Join(cols, ", ")+" FROM "+table)
	if err != nil {
		return 0, fmt.Errorf("copy: read %s: %w", table, err)
	}
	defer rows.Close()
	insert := "INSERT INTO " + table + " (" + strings.Join(cols, ", ") + ") VALUES (" +
		strings.TrimSuffix(strings.Repeat("?, ", len(cols)), ", ") + ")"
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	var n int64
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return n, fmt.Errorf("copy: read %s: %w", table, err)
		}
		args := make([]any, len(cols))
		for i, v := range vals {
			if args[i], err = convert(v, types[i]); err != nil {
				return n, fmt.Errorf("copy: %s.%s of row %d: %w", table, cols[i], n+1, err)
			}
		}
		if _, err := tx.ExecContext(ctx, insert, args...); err != nil {
			return n, fmt.Errorf("copy: write %s row %d: %w", table, n+1, err)
		}
		n++
	}
	if err := rows.Err(); err != nil {
		return n, fmt.Errorf("copy: read %s: %w", table, err)
	}
	return n, nil
}

// targetColumns returns the columns of table in the target and their types.
func targetColumns(ctx context.Context, tx *conn, table string) (cols, types []string, err error) {
	rows, err := tx.QueryContext(ctx, `SELECT column_name, data_type FROM information_schema.columns
		WHERE table_schema = current_schema() AND table_name = ? ORDER BY ordinal_position`, table)
	if err != nil {
		return nil, nil, fmt.Errorf("copy: columns of %s: %w", table, err)
	}
	defer rows.Close()
	for rows.Next() {
		var c, t string
		if err := rows.Scan(&c, &t); err != nil {
			return nil, nil, err
		}
		cols, types = append(cols, c), append(types, t)
	}
	if err := rows.Err(); err != nil {
		return nil, nil, err
	}
	if len(cols) == 0 {
		return nil, nil, fmt.Errorf("copy: the target has no table %s", table)
	}
	return cols, types, nil
}

// convert turns a value as SQLite gives it into one of the PostgreSQL type
// typ: 0/1 into a boolean, a julian day (scs's sqlite3store expiry) or a
// text time into a time, a time into Unix nanoseconds (sightings.mod_time).
func convert(v any, typ string) (any, error) {
	if v == nil {
		return nil, nil
	}
	switch typ {
	case "boolean":
		switch b := v.(type) {
		case int64:
			return b != 0, nil
		case bool:
			return b, nil
		}
	case "timestamp with time zone":
		switch t := v.(type) {
		case time.Time:
			return t.UTC(), nil
		case float64:
			return julianDay(t), nil
		case int64:
			return julianDay(float64(t)), nil
		case string:
			var nt sql.NullTime
			if err := nt.Scan(t); err == nil {
				return nt.Time.UTC(), nil
			}
			for _, layout := range []string{"2006-01-02 15:04:05.999999999-07:00", "2006-01-02T15:04:05.999999999Z07:00", "2006-01-02 15:04:05.999999999", "2006-01-02T15:04:05.999999999"} {
				if p, err := time.Parse(layout, t); err == nil {
					return p.UTC(), nil
				}
			}
		}
	case "bigint":
		if t, ok := v.(time.Time); ok {
			return t.UnixNano(), nil
		}
		return v, nil
	default:
		return v, nil
	}
	return nil, fmt.Errorf("cannot store %T %v as %s", v, v, typ)
}

// julianDay converts a julian day number to a time, to the millisecond.
func julianDay(d float64) time.Time {
	const unixEpoch = 2440587.5 // 1970-01-01T00:00:00Z
	ms := math.Round((d - unixEpoch) * 86400e3)
	return time.UnixMilli(int64(ms)).UTC()
}

// setSequences moves each identity sequence of the target past the ids the
// source used.
func setSequences(ctx context.Context, from *DB, tx *conn) error {
	used := map[string]int64{}
	if from.dialect == sqliteDialect {
		rows, err := from.pool.QueryContext(ctx, "SELECT name, seq FROM sqlite_sequence")
		if err != nil {
			return fmt.Errorf("copy: read sqlite_sequence: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var name string
			var seq int64
			if err := rows.Scan(&name, &seq); err != nil {
				return err
			}
			used[name] = seq
		}
		if err := rows.Err(); err != nil {
			return err
		}
	}
	for _, table := range copyTables {
		var hasID bool
		if err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM information_schema.columns
			WHERE table_schema = current_schema() AND table_name = ? AND column_name = 'id')`, table).Scan(&hasID); err != nil {
			return fmt.Errorf("copy: columns of %s: %w", table, err)
		}
		if !hasID {
			continue // a link table, or sessions
		}
		var seq sql.NullString
		if err := tx.QueryRowContext(ctx, "SELECT pg_get_serial_sequence(?, 'id')", table).Scan(&seq); err != nil {
			return fmt.Errorf("copy: sequence of %s: %w", table, err)
		}
		if !seq.Valid {
			continue
		}
		var maxID int64
		if err := tx.QueryRowContext(ctx, "SELECT COALESCE(MAX(id), 0) FROM "+table).Scan(&maxID); err != nil {
			return fmt.Errorf("copy: largest id of %s: %w", table, err)
		}
		next := max(maxID, used[table]) + 1
		if _, err := tx.ExecContext(ctx, "SELECT setval(?, ?, false)", seq.String, next); err != nil {
			return fmt.Errorf("copy: move sequence of %s to %d: %w", table, next, err)
		}
	}
	return nil
}
