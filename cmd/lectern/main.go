// Command lectern runs Lectern: `lectern serve` starts the whole system;
// the other commands administer the same database, even while serve runs.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"time"
	// TIME_ZONE is looked up in the tz database built into the binary
	// when the machine has none (a bare container).
	_ "time/tzdata"

	"github.com/spf13/cobra"

	"lectern"
	"lectern/jobs"
	"lectern/metrics"
	"lectern/sqldb"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr, os.Environ()))
}

// exitCode maps an error to the process's exit status: 2 for bad usage or
// input, 3 for something not found, 4 for a conflict, 1 otherwise.
func exitCode(err error) int {
	var u usageError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &u):
		return 2
	}
	switch lectern.ErrorCode(err) {
	case lectern.EINVALID:
		return 2
	case lectern.ENOTFOUND:
		return 3
	case lectern.ECONFLICT:
		return 4
	}
	return 1
}

// usageError is a mistake in the command line itself.
type usageError struct{ error }

// run is main without the process: tests call it directly.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, environ []string) int {
	app := &app{stdin: stdin, stdout: stdout, stderr: stderr, environ: environ}
	root := app.rootCommand()
	root.SetArgs(args)
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)
	err := root.ExecuteContext(ctx)
	var u usageError
	if err != nil && !app.started && !errors.As(err, &u) {
		err = usageError{err}
	}
	if err != nil {
		fmt.Fprintln(stderr, "lectern:", err)
	}
	return exitCode(err)
}

// app holds what every command shares: where to read input, write output,
// and how to reach the configuration and the database.
type app struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	environ        []string
	configPath     string
	// started is set when a command's own code begins: an error before
	// it comes from cobra itself (unknown command, missing required
	// flag) and is a usage error.
	started bool

	cfg    *Config
	logger *slog.Logger
	// ftpAddr is the FTP server's bound address once serve started it.
	ftpAddr string
	// sftpAddr is the SFTP server's bound address once serve started it.
	sftpAddr string
	// pendingEvery, when not zero, replaces pendingInterval (tests: a
	// long one leaves routing to PostgreSQL's NOTIFY alone).
	pendingEvery time.Duration
	// feedEvery, when not zero, replaces feedInterval (tests).
	feedEvery time.Duration
	// metrics are the process's (serve, worker), set by startMetrics;
	// metricsAddr is METRICS_ADDR's bound address once it listens.
	metrics     *metrics.Metrics
	metricsAddr string
}

func (a *app) rootCommand() *cobra.Command {
	root := &cobra.Command{
		Use:           "lectern",
		Short:         "Publish lecture recordings from capture hardware to the web",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.PersistentFlags().StringVar(&a.configPath, "config", "", "TOML configuration file (default $LECTERN_CONFIG)")
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError{err} })
	root.AddCommand(a.serveCommand(), a.migrateCommand(), a.configCommand(),
		a.userCommand(), a.typeCommand(), a.recorderCommand(), a.tokenCommand(), a.dbCommand(), a.workerCommand(), a.directoryCommand(),
		a.backupCommand(), a.restoreCommand(), a.versionCommand())
	a.markStart(root)
	return root
}

// markStart wraps the RunE of c and of every command below it so that it
// sets a.started first.
func (a *app) markStart(c *cobra.Command) {
	if runE := c.RunE; runE != nil {
		c.RunE = func(cmd *cobra.Command, args []string) error {
			a.started = true
			return runE(cmd, args)
		}
	}
	for _, sub := range c.Commands() {
		a.markStart(sub)
	}
}

// groupCommand returns a command that only holds subcommands. Alone it
// prints its help; followed by a word that names none of them it fails as
// an unknown command does at the root (cobra alone would print the help
// and succeed).
func groupCommand(use, short string) *cobra.Command {
	return &cobra.Command{
		Use:   use,
		Short: short,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) > 0 {
				return usageError{fmt.Errorf("unknown command %q for %q", args[0], cmd.CommandPath())}
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, _ []string) error { return cmd.Help() },
	}
}

// loadConfig reads the configuration once.
func (a *app) loadConfig() (*Config, error) {
	if a.cfg != nil {
		return a.cfg, nil
	}
	path := a.configPath
	if path == "" {
		path = getenv(a.environ, "LECTERN_CONFIG")
	}
	cfg, err := LoadConfig(path, a.environ)
	if err != nil {
		return nil, usageError{err}
	}
	a.cfg = cfg
	a.logger = newLogger(a.stderr, cfg.LogLevel, cfg.LogFormat)
	return cfg, nil
}

// openDB loads the configuration, makes DATA_DIR, and opens the database,
// applying the store's migrations and River's (its migrator for the
// database's driver).
func (a *app) openDB(ctx context.Context) (*sqldb.DB, error) {
	cfg, err := a.loadConfig()
	if err != nil {
		return nil, err
	}
	if err := cfg.CheckWritable(); err != nil {
		return nil, usageError{err}
	}
	var db *sqldb.DB
	if cfg.Postgres() {
		db, err = sqldb.OpenPostgres(ctx, cfg.DatabaseURL, a.logger)
	} else {
		path, perr := cfg.SQLitePath()
		if perr != nil {
			return nil, usageError{perr}
		}
		db, err = sqldb.Open(ctx, path, a.logger)
	}
	if err != nil {
		return nil, err
	}
	// River's tables: the store's transactions insert jobs into them.
	if err := jobs.Migrate(ctx, db.SQL(), a.logger); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

func getenv(environ []string, key string) string {
	for i := len(environ) - 1; i >= 0; i-- {
		if len(environ[i]) > len(key) && environ[i][:len(key)+1] == key+"=" {
			return environ[i][len(key)+1:]
		}
	}
	return ""
}

func (a *app) migrateCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "migrate",
		Short: "Apply database migrations (serve applies them too)",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			db, err := a.openDB(cmd.Context())
			if err != nil {
				return err
			}
			defer db.Close()
			v, err := db.Version(cmd.Context())
			if err != nil {
				return err
			}
			fmt.Fprintf(a.stdout, "database is at version %d\n", v)
			return nil
		},
	}
}

func (a *app) configCommand() *cobra.Command {
	cmd := groupCommand("config", "Inspect the configuration")
	cmd.AddCommand(&cobra.Command{
		Use:   "check",
		Short: "Print the effective configuration (secrets masked); fail on an invalid one",
		Args:  noArgs,
		RunE: func(*cobra.Command, []string) error {
			cfg, err := a.loadConfig()
			if err != nil {
				return err
			}
			if err := cfg.CheckWritable(); err != nil {
				return usageError{err}
			}
			fmt.Fprint(a.stdout, cfg.Masked())
			return nil
		},
	})
	return cmd
}

// noArgs refuses positional arguments with a usage error.
func noArgs(cmd *cobra.Command, args []string) error {
	if len(args) > 0 {
		return usageError{fmt.Errorf("%s takes no arguments, got %q", cmd.CommandPath(), args)}
	}
	return nil
}
