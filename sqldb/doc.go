// Package sqldb stores Lectern's model in a SQL database through
// database/sql: SQLite (the embedded default, one file in DATA_DIR, through
// the pure-Go modernc.org/sqlite driver, no cgo) or PostgreSQL (through
// pgx v5, for several machines sharing one database). It implements the
// service interfaces of package lectern.
//
// # One contract, the SQL written once
//
// Both databases keep the same contract, proven by one suite,
// lectern/storetest, that both pass (store_test.go runs it on each). Each
// service's queries are written once, in the SQL both understand (RETURNING
// for new ids, ON CONFLICT, TRUE and FALSE, lower(…) LIKE lower(…) ESCAPE
// for case-insensitive search), rather than copied per database, so a fix
// or a new column cannot reach one store and miss the other. What does
// differ is small and kept in one type, dialect (dialect.go):
//
//   - placeholders: queries are written with ?, rewritten as $1, $2, … for
//     PostgreSQL in one place (conn, which every service queries through);
//   - constraint failures: unique and foreign key violations are told apart
//     by each driver's error codes (sqlite.go, postgres.go), and a unique one
//     names its "table.column" on both;
//   - times: SQLite stores them as UTC text, PostgreSQL as timestamptz read
//     back in UTC; a file's modification time, which must come back to the
//     nanosecond, is Unix nanoseconds on PostgreSQL (timestamptz keeps
//     microseconds);
//   - schemas and migrations: one embedded folder per dialect,
//     migrations/sqlite/ and migrations/postgres/, applied in order by goose,
//     which records them in goose_db_version. The PostgreSQL schema is the
//     one SQLite reaches after its last migration, with boolean columns and
//     identity ids, which like SQLite's AUTOINCREMENT are never reused.
//
// # SQLite
//
// The database runs in WAL mode so that the command line and a running
// server use it at once: readers never block the writer, and writers wait
// for each other (busy_timeout) instead of failing. Transactions begin
// IMMEDIATE, taking the write lock up front, so two writers never deadlock
// on a lock upgrade.
//
// # PostgreSQL
//
// A statement that fails aborts its transaction on PostgreSQL: nothing else
// runs in it until rollback. So where a service reads again after a failed
// statement to say which reference was wrong, it reads through the pool,
// not the failed transaction.
package sqldb
