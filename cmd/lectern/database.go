package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/alexedwards/scs/postgresstore"
	"github.com/alexedwards/scs/sqlite3store"
	"github.com/alexedwards/scs/v2"

	"lectern"
	"lectern/sqldb"
)

// sessionStore is where the web sessions live: the database's sessions
// table, which each dialect's migrations make, so that every serve node on
// one PostgreSQL database shares the logins. Expired sessions are removed
// every 10 minutes until StopCleanup.
func sessionStore(db *sqldb.DB) interface {
	scs.Store
	StopCleanup()
} {
	if db.Dialect() == "postgres" {
		return postgresstore.NewWithCleanupInterval(db.SQL(), 10*time.Minute)
	}
	return sqlite3store.NewWithCleanupInterval(db.SQL(), 10*time.Minute)
}

// errServePostgres is serve's refusal of a PostgreSQL DATABASE_URL until its
// job queue runs there.
var errServePostgres = errors.New("DATABASE_URL: lectern serve does not run on PostgreSQL yet: " +
	"its job queue (River) is wired to the SQLite database only, River's PostgreSQL driver is not. " +
	"Serve with a SQLite DATABASE_URL; on PostgreSQL, migrate, config check and the user, type, recorder and token commands work now")

// noPostgresQueue is the commands' lectern.Enqueuer on PostgreSQL until
// River runs there: a transaction that calls for a job fails and stores
// nothing, rather than a row whose job no worker would ever see. The
// commands that work on PostgreSQL now (user, type, recorder, token,
// checkDirectory) call for none.
type noPostgresQueue struct{}

// EnqueueTx implements lectern.Enqueuer.
func (noPostgresQueue) EnqueueTx(_ context.Context, _ *sql.Tx, args lectern.JobArgs) error {
	return fmt.Errorf("enqueue %s: the job queue (River) does not run on PostgreSQL yet", args.Kind())
}
