package jobs

import (
	"database/sql"
	"strconv"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/riverqueue/river/riverdriver/riversqlite"
)

// isPostgres reports whether db is a PostgreSQL pool (pgx's database/sql
// driver, as the store opens it); anything else is SQLite.
func isPostgres(db *sql.DB) bool {
	_, ok := db.Driver().(*stdlib.Driver)
	return ok
}

// newDriver is River's driver for db, chosen by its database: riversqlite
// on SQLite, riverdatabasesql on PostgreSQL. Both work on a *sql.Tx, the
// store's transaction (Enqueuer), so one client type serves both. On
// PostgreSQL a listener pool (pgx, the same database) gives River its
// LISTEN connection, through riverpgxv5: jobs inserted anywhere are
// announced by NOTIFY in their transaction and picked up at once; without
// one, River polls (Config.FetchPollInterval).
func newDriver(db *sql.DB, postgres bool, listener *pgxpool.Pool) riverdriver.Driver[*sql.Tx] {
	switch {
	case !postgres:
		return riversqlite.New(db)
	case listener != nil:
		return riverdatabasesql.NewWithPgxListener(db, listener)
	}
	return riverdatabasesql.New(db)
}

// dialect is what differs in the SQL that jobs writes itself on River's
// table (FindJobs): placeholders and reading an integer of the args.
type dialect struct{ postgres bool }

// arg is the placeholder of the n-th argument, from 1.
func (d dialect) arg(n int) string {
	if d.postgres {
		return "$" + strconv.Itoa(n)
	}
	return "?"
}

// argsInt is the integer at key of a job's args (a JSON object: jsonb on
// PostgreSQL, text on SQLite). key is a constant of the caller's.
func (d dialect) argsInt(key string) string {
	if d.postgres {
		return "(args->>'" + key + "')::bigint"
	}
	return "json_extract(args, '$." + key + "')"
}
