package sqldb

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/stdlib"
)

// IsPostgresURL reports whether dsn names a PostgreSQL database
// (postgres:// or postgresql://).
func IsPostgresURL(dsn string) bool {
	lower := strings.ToLower(dsn)
	return strings.HasPrefix(lower, "postgres://") || strings.HasPrefix(lower, "postgresql://")
}

// OpenPostgres connects to the PostgreSQL database at the URL dsn
// (postgres://user:pass@host:port/db?sslmode=…) through pgx and applies
// every pending migration. The database must exist; the user must be
// allowed to create tables in it.
func OpenPostgres(ctx context.Context, dsn string, logger *slog.Logger) (*DB, error) {
	shown := RedactURL(dsn)
	if !IsPostgresURL(dsn) {
		return nil, fmt.Errorf("open database %s: not a postgres:// URL", shown)
	}
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		// pgx's message may quote the URL, password included.
		return nil, fmt.Errorf("open database %s: cannot parse the URL", shown)
	}
	// Times are stored as timestamptz and read back in UTC, as SQLite's are.
	cfg.RuntimeParams["timezone"] = "UTC"
	pool := stdlib.OpenDB(*cfg, stdlib.OptionAfterConnect(func(_ context.Context, c *pgx.Conn) error {
		c.TypeMap().RegisterType(&pgtype.Type{Name: "timestamptz", OID: pgtype.TimestamptzOID,
			Codec: &pgtype.TimestamptzCodec{ScanLocation: time.UTC}})
		return nil
	}))
	return newDB(ctx, pool, postgresDialect, shown, logger)
}

// RedactURL returns dsn with its password replaced by "xxxxx", for logs
// and errors.
func RedactURL(dsn string) string {
	return passwordInURL.ReplaceAllString(dsn, "${1}xxxxx@")
}

var passwordInURL = regexp.MustCompile(`^([a-zA-Z][a-zA-Z0-9+.-]*://[^:/@]*:)[^/?#]*@`)

// Unique and foreign key violations, PostgreSQL's SQLSTATE codes.
const (
	pgUniqueViolation     = "23505"
	pgForeignKeyViolation = "23503"
)

// postgresConstraint classifies a constraint failure of pgx by its
// SQLSTATE. The columns of a unique failure come from its detail, "Key
// (name)=(x) already exists.", and its table.
func postgresConstraint(err error) (constraint, bool) {
	var e *pgconn.PgError
	if !errors.As(err, &e) {
		return constraint{}, false
	}
	switch e.Code {
	case pgForeignKeyViolation:
		return constraint{foreignKey: true}, true
	case pgUniqueViolation:
		c := constraint{unique: true}
		if m := uniqueKey.FindStringSubmatch(e.Detail); m != nil {
			for _, col := range strings.Split(m[1], ",") {
				c.columns = append(c.columns, e.TableName+"."+strings.TrimSpace(col))
			}
		}
		return c, true
	}
	return constraint{}, false
}

var uniqueKey = regexp.MustCompile(`^Key \(([^)]*)\)=`)
