package main

import (
	"time"

	"github.com/alexedwards/scs/postgresstore"
	"github.com/alexedwards/scs/sqlite3store"
	"github.com/alexedwards/scs/v2"

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
