// Command queue measures Lectern's job queue on its two databases, SQLite
// (one node, the default) and PostgreSQL (the shared queue of many nodes):
//
//   - latency: the time from a deposit's completion (the treatment's
//     completed_at, set when the FTP upload ends with its 226) to its
//     process_recording job starting on a worker (River's attempted_at on
//     the job's row), over N deposits put one after the other by FTP into
//     an --auto recorder of a real `lectern serve`; median and p95, with
//     SQLite as the peer.
//     A third run has serve on PostgreSQL work no job (WORKERS = false)
//     and a `lectern worker` process work them, as on separate machines.
//   - overhead: jobs per second through River alone, with the drivers and
//     pools Lectern uses (riversqlite on a one-connection pool;
//     riverdatabasesql with a pgx LISTEN on PostgreSQL), of a job kind that
//     does nothing: N jobs inserted each in its own transaction, then
//     worked by a client that was stopped while they were inserted.
//
// PostgreSQL is a throwaway cluster started as the tests start theirs
// (sqldb/pgtest: a temporary folder, a free loopback port, owned by the
// user postgres when run as root; or LECTERN_TEST_POSTGRES_URL's server),
// one fresh database per measure; the cluster is stopped and its folder
// removed when the program exits.
//
//	go run ./bench/queue              # 20 deposits, 2000 jobs
//	go run ./bench/queue -n 50 -jobs 5000
package main

import (
	"context"
	"flag"
	"fmt"
	"net/url"
	"os"
	"os/signal"
	"runtime"
	"slices"
	"syscall"
	"time"

	"lectern/bench/internal/benchkit"
	"lectern/sqldb/pgtest"
)

func main() {
	n := flag.Int("n", 20, "deposits per database (latency)")
	jobs := flag.Int("jobs", 2000, "no-op jobs per database (overhead)")
	bin := flag.String("bin", "", "a lectern binary to run instead of building ./cmd/lectern")
	keep := flag.Bool("keep", false, "keep the temporary directory (DATA_DIR, the servers' logs)")
	flag.Parse()
	if *n < 1 || *n > 1000 || *jobs < 1 || *jobs > 100000 {
		fmt.Fprintln(os.Stderr, "bench/queue: want 1 ≤ -n ≤ 1000 and 1 ≤ -jobs ≤ 100000")
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, *n, *jobs, *bin, *keep); err != nil {
		fmt.Fprintln(os.Stderr, "bench/queue:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, n, jobs int, bin string, keep bool) error {
	tmp, cleanup, err := benchkit.TempDir("", "lectern-bench-queue-", keep)
	if err != nil {
		return err
	}
	defer cleanup()
	fmt.Printf("machine: %d CPUs, load average %s\n", runtime.NumCPU(), benchkit.LoadAvg())
	start := time.Now()
	admin, err := pgtest.Server()
	if err != nil {
		return fmt.Errorf("PostgreSQL: %w", err)
	}
	fmt.Printf("PostgreSQL ready in %.1f s (%s)\n", time.Since(start).Seconds(), maskURL(admin))

	// The queue alone first: it needs no build.
	fmt.Printf("\n== overhead: %d no-op jobs, each inserted in its own transaction, then worked ==\n", jobs)
	fmt.Printf("%-10s %-30s %14s %12s\n", "database", "client", "insert jobs/s", "work jobs/s")
	for _, cfg := range queueConfigs {
		sq, err := overheadSQLite(ctx, tmp, jobs, cfg)
		if err != nil {
			return fmt.Errorf("overhead on SQLite: %w", err)
		}
		pgURL, err := benchkit.NewPostgresDatabase(ctx, admin, "lectern_bench_")
		if err != nil {
			return err
		}
		pg, err := overheadPostgres(ctx, pgURL, jobs, cfg)
		if err != nil {
			return fmt.Errorf("overhead on PostgreSQL: %w", err)
		}
		for _, r := range []overhead{sq, pg} {
			fmt.Printf("%-10s %-30s %14.0f %12.0f\n", r.name, r.config, r.insertRate(), r.workRate())
		}
		fmt.Printf("%-10s %-30s %14s %12s\n", "ratio", "PostgreSQL over SQLite",
			fmt.Sprintf("×%.2f", pg.insertRate()/sq.insertRate()), fmt.Sprintf("×%.2f", pg.workRate()/sq.workRate()))
	}
	fmt.Println("ratio: of jobs/s; above 1, PostgreSQL is faster; per job: 1/(jobs/s)")

	fmt.Printf("\n== latency: deposit completed → process_recording started, %d deposits ==\n", n)
	if bin == "" {
		bin = tmp + "/lectern"
		if err := benchkit.Build(ctx, bin); err != nil {
			return err
		}
	}
	clip := tmp + "/clip.mp4"
	if err := makeClip(ctx, clip); err != nil {
		return err
	}
	sqLat, err := latency(ctx, latencySetup{name: "sqlite", bin: bin, dir: tmp + "/sqlite", clip: clip, n: n})
	if err != nil {
		return fmt.Errorf("latency on SQLite: %w", err)
	}
	pgURL, err := benchkit.NewPostgresDatabase(ctx, admin, "lectern_bench_")
	if err != nil {
		return err
	}
	pgLat, err := latency(ctx, latencySetup{name: "postgres", bin: bin, dir: tmp + "/postgres", clip: clip, n: n, dbURL: pgURL})
	if err != nil {
		return fmt.Errorf("latency on PostgreSQL: %w", err)
	}
	pgURL, err = benchkit.NewPostgresDatabase(ctx, admin, "lectern_bench_")
	if err != nil {
		return err
	}
	remote, err := latency(ctx, latencySetup{name: "postgres", bin: bin, dir: tmp + "/remote", clip: clip, n: n, dbURL: pgURL, remote: true})
	if err != nil {
		return fmt.Errorf("latency on PostgreSQL with a worker: %w", err)
	}
	fmt.Printf("%-34s %10s %10s %10s %10s\n", "setup", "median ms", "p95 ms", "max ms", "ratio")
	for _, r := range []durations{sqLat, pgLat, remote} {
		fmt.Printf("%-34s %10.0f %10.0f %10.0f %10s\n", r.name, ms(r.quantile(0.5)), ms(r.quantile(0.95)), ms(r.quantile(1)),
			fmt.Sprintf("×%.2f", float64(r.quantile(0.5))/float64(sqLat.quantile(0.5))))
	}
	fmt.Println("ratio: the median over SQLite's (the peer); below 1: sooner than on SQLite")
	return nil
}

// durations are n measures of one setup.
type durations struct {
	name string
	d    []time.Duration
}

// quantile is the q-th quantile (nearest rank) of the measures.
func (r durations) quantile(q float64) time.Duration {
	s := slices.Clone(r.d)
	slices.Sort(s)
	if len(s) == 0 {
		return 0
	}
	i := int(q*float64(len(s)) + 0.5)
	return s[min(max(i-1, 0), len(s)-1)]
}

func ms(d time.Duration) float64 { return d.Seconds() * 1000 }

// maskURL is u without its password.
func maskURL(u string) string {
	p, err := url.Parse(u)
	if err != nil {
		return "?"
	}
	return p.Redacted()
}
