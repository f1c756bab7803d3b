package sqldb

import (
	"context"
	"database/sql"
	"strconv"
	"strings"
	"time"

	"github.com/pressly/goose/v3"
)

// dialect is what differs between the databases. Everything else, every
// query of every service, is written once in SQL both understand.
type dialect struct {
	// name is the folder of the dialect's migrations, under migrations/.
	name string
	// goose is the dialect of the migration runner.
	goose goose.Dialect
	// numbered rewrites the ? placeholders as $1, $2, … (PostgreSQL).
	numbered bool
	// exactTimeNs stores the times that must come back to the nanosecond
	// (a file's modification time) as Unix nanoseconds: PostgreSQL's
	// timestamptz keeps microseconds, SQLite's text keeps nanoseconds.
	exactTimeNs bool
}

var (
	sqliteDialect   = &dialect{name: "sqlite", goose: goose.DialectSQLite3}
	postgresDialect = &dialect{name: "postgres", goose: goose.DialectPostgres, numbered: true, exactTimeNs: true}
)

// rebind returns query with its ? placeholders in the dialect's form. A ?
// inside a quoted string or identifier is left alone.
func (d *dialect) rebind(query string) string {
	if !d.numbered || !strings.Contains(query, "?") {
		return query
	}
	var b strings.Builder
	b.Grow(len(query) + 16)
	n := 0
	var quote byte
	for i := 0; i < len(query); i++ {
		c := query[i]
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '\'' || c == '"':
			quote = c
		case c == '?':
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}

// exactTime is the value to store for t in a column that must give it
// back to the nanosecond; NULL when t is zero. On SQLite it is the driver's
// own text for t, which conn leaves whole (it rounds time.Time arguments to
// the microsecond).
func (d *dialect) exactTime(t time.Time) any {
	switch {
	case t.IsZero():
		return nil
	case d.exactTimeNs:
		return t.UnixNano()
	}
	return t.UTC().Format(sqliteTimeFormat)
}

// sqliteTimeFormat is how modernc's driver writes a time with
// _time_format=sqlite, and one it reads back.
const sqliteTimeFormat = "2006-01-02 15:04:05.999999999-07:00"

// storedTimes returns args with each time in UTC, to the microsecond:
// PostgreSQL keeps no more, so both databases give back the same time, and
// a copy from one to the other changes none.
func storedTimes(args []any) []any {
	var out []any
	for i, a := range args {
		if t, ok := a.(time.Time); ok {
			if out == nil {
				out = append([]any(nil), args...)
			}
			out[i] = t.UTC().Truncate(time.Microsecond)
		}
	}
	if out == nil {
		return args
	}
	return out
}

// nullExactTime scans what exactTime stored, in either form.
type nullExactTime struct{ Time time.Time }

// Scan implements sql.Scanner.
func (n *nullExactTime) Scan(v any) error {
	switch v := v.(type) {
	case nil:
		n.Time = time.Time{}
	case time.Time:
		n.Time = v.UTC()
	case int64:
		n.Time = time.Unix(0, v).UTC()
	default:
		var t sql.NullTime
		if err := t.Scan(v); err != nil {
			return err
		}
		n.Time = t.Time.UTC()
	}
	return nil
}

// queryer is what *sql.DB, *sql.Tx and conn share.
type queryer interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

// conn runs queries on a pool or in a transaction, rebinding their
// placeholders for the dialect (the one place where the SQL's text changes)
// and rounding their times to what both databases keep.
type conn struct {
	q queryer
	d *dialect
	// tx is the transaction q runs in, nil on the pool: for libraries
	// that write in it with their own SQL (River's InsertTx).
	tx *sql.Tx
}

// QueryContext runs a query that returns rows.
func (c *conn) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	return c.q.QueryContext(ctx, c.d.rebind(query), storedTimes(args)...)
}

// QueryRowContext runs a query that returns at most one row.
func (c *conn) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	return c.q.QueryRowContext(ctx, c.d.rebind(query), storedTimes(args)...)
}

// ExecContext runs a statement.
func (c *conn) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	return c.q.ExecContext(ctx, c.d.rebind(query), storedTimes(args)...)
}

// constraint is a constraint failure, from either driver.
type constraint struct {
	unique, foreignKey bool
	// columns are the "table.column" names of a unique failure.
	columns []string
}

// constraintOf classifies err by the error codes of the driver that
// returned it (an error comes from one driver only, so trying each is
// exact); ok is false when err is no constraint failure.
func constraintOf(err error) (constraint, bool) {
	if err == nil {
		return constraint{}, false
	}
	if c, ok := sqliteConstraint(err); ok {
		return c, true
	}
	return postgresConstraint(err)
}

// isUnique reports whether err is a unique constraint failure on one of the
// given "table.column" names (any when none given).
func isUnique(err error, cols ...string) bool {
	c, ok := constraintOf(err)
	if !ok || !c.unique {
		return false
	}
	if len(cols) == 0 {
		return true
	}
	for _, want := range cols {
		for _, got := range c.columns {
			if got == want {
				return true
			}
		}
	}
	return false
}

// isForeignKey reports whether err is a foreign key constraint failure.
func isForeignKey(err error) bool {
	c, ok := constraintOf(err)
	return ok && c.foreignKey
}
