package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"lectern/jobs"
	"lectern/sqldb"
)

// dbCommand groups the commands that act on a whole database.
func (a *app) dbCommand() *cobra.Command {
	cmd := groupCommand("db", "Whole-database operations")
	var from, to string
	cp := &cobra.Command{
		Use:   "copy --from SQLITE --to postgres://…",
		Short: "Copy every row of a SQLite database into a new, empty PostgreSQL database",
		Long: `Copy every row of every table of a SQLite database (a path, sqlite:///path
or file:path) into a PostgreSQL database (postgres://…), which is migrated
first and must hold no row. Ids are kept and each id sequence is moved past
the ids SQLite used, so an old link never names another row. It runs in one
transaction of the target: on any error, the target stays empty. The
source's unfinished jobs (waiting, scheduled, to retry, or running when it
stopped) are enqueued again on the target, each available at once under a
new id (River's job ids are moved past the source's; row river_job). Stop
"lectern serve" on the source first. Prints the rows copied per table.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if _, err := a.loadConfig(); err != nil {
				return err
			}
			path, err := sqlitePathFlag(from)
			if err != nil {
				return usageError{fmt.Errorf("--from: %w", err)}
			}
			if !sqldb.IsPostgresURL(to) {
				return usageError{errors.New("--to: want a postgres:// or postgresql:// URL")}
			}
			ctx := cmd.Context()
			src, err := sqldb.Open(ctx, path, a.logger)
			if err != nil {
				return err
			}
			defer src.Close()
			dst, err := sqldb.OpenPostgres(ctx, to, a.logger)
			if err != nil {
				return err
			}
			defer dst.Close()
			// River's tables on the target: the source's unfinished jobs
			// are enqueued again there, in the copy's transaction.
			if err := jobs.Migrate(ctx, dst.SQL(), a.logger); err != nil {
				return err
			}
			enq, err := jobs.NewEnqueuer(jobs.EnqueuerConfig{Postgres: true, Logger: a.logger.With("edge", "jobs")})
			if err != nil {
				return err
			}
			counts, err := sqldb.Copy(ctx, src, dst, enq)
			if err != nil {
				return err
			}
			w := tabwriter.NewWriter(a.stdout, 0, 0, 2, ' ', 0)
			fmt.Fprintln(w, "TABLE\tROWS")
			var total int64
			for _, c := range counts {
				fmt.Fprintf(w, "%s\t%d\n", c.Table, c.Rows)
				total += c.Rows
			}
			fmt.Fprintf(w, "total\t%d\n", total)
			w.Flush()
			return nil
		},
	}
	cp.Flags().StringVar(&from, "from", "", "the SQLite database: a path, sqlite:///path or file:path (required)")
	cp.Flags().StringVar(&to, "to", "", "the PostgreSQL database: postgres://user:password@host/db (required)")
	_ = cp.MarkFlagRequired("from")
	_ = cp.MarkFlagRequired("to")
	cmd.AddCommand(cp)
	return cmd
}

// sqlitePathFlag returns the SQLite file a --from names, which must exist:
// opening a missing one would make an empty database.
func sqlitePathFlag(s string) (string, error) {
	for _, prefix := range []string{"sqlite://", "sqlite:", "file:"} {
		if strings.HasPrefix(s, prefix) {
			s = strings.TrimPrefix(s, prefix)
			break
		}
	}
	if s == "" || strings.Contains(s, "://") {
		return "", errors.New("want the path of a SQLite database file")
	}
	abs, err := filepath.Abs(s)
	if err != nil {
		return "", err
	}
	if fi, err := os.Stat(abs); errors.Is(err, fs.ErrNotExist) {
		return "", fmt.Errorf("no database at %s", abs)
	} else if err != nil {
		return "", err
	} else if !fi.Mode().IsRegular() {
		return "", fmt.Errorf("%s is not a file", abs)
	}
	return abs, nil
}
