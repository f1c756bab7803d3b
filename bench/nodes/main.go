// Command nodes runs Lectern as several nodes on one machine and checks
// what the issue asks of them: one `lectern serve` with WORKERS = false
// and two `lectern worker` processes share a throwaway PostgreSQL
// database (sqldb/pgtest, as the tests start it) and one DATA_DIR (the
// shared storage); 20 deposits go in by FTP (a 60 s 360p clip first, then
// 19 clips of 2 s, made by ffmpeg) and 20 videos come out, each encoded
// once. While the long clip encodes, the worker holding it is killed with
// SIGKILL (JOB_RESCUE_AFTER = 10s): the other worker must take the encode
// over and finish it, and the dead worker's ffmpeg must be gone with it.
//
// It prints the total time, the time per video, the rescue time (the kill
// to the encode running again on the other worker) and the time to that
// video done, then checks the database and the folder: 20 videos, each
// done with its renditions on disk, one encode_video job per video, every
// job completed, none worked by the front node, the rescued job attempted
// by the dead worker then the survivor. Any inconsistency is printed and
// the exit status is 1.
//
//	go run ./bench/nodes
//	go run ./bench/nodes -n 10 -keep
package main

import (
	"context"
	"database/sql"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"syscall"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // database/sql's "pgx"

	"lectern/bench/internal/benchkit"
	"lectern/sqldb/pgtest"
)

const (
	ftpLogin     = "amphi-nodes"
	ftpPassword  = "bench-ftp-pass"
	rescueAfter  = 10 * time.Second // JOB_RESCUE_AFTER
	runLimit     = 15 * time.Minute // every video done by then, or the run fails
	pollEvery    = 50 * time.Millisecond
	longDuration = 60 // seconds of the clip encoded when its worker is killed
)

func main() {
	n := flag.Int("n", 20, "deposits (at least 2: the long clip and short ones)")
	bin := flag.String("bin", "", "a lectern binary to run instead of building ./cmd/lectern")
	keep := flag.Bool("keep", false, "keep the temporary directory (DATA_DIR, the nodes' logs)")
	flag.Parse()
	if *n < 2 || *n > 200 {
		fmt.Fprintln(os.Stderr, "bench/nodes: want 2 ≤ -n ≤ 200")
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	problems, err := run(ctx, *n, *bin, *keep)
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench/nodes:", err)
		os.Exit(1)
	}
	if len(problems) > 0 {
		fmt.Printf("\n%d INCONSISTENCIES:\n", len(problems))
		for _, p := range problems {
			fmt.Println("  -", p)
		}
		os.Exit(1)
	}
	fmt.Println("\nconsistent: every check passed")
}

func run(ctx context.Context, n int, bin string, keep bool) ([]string, error) {
	ctx, cancel := context.WithTimeout(ctx, runLimit)
	defer cancel()
	tmp, cleanup, err := benchkit.TempDir("", "lectern-bench-nodes-", keep)
	if err != nil {
		return nil, err
	}
	defer cleanup()
	fmt.Printf("machine: %d CPUs, load average %s; %s\n", runtime.NumCPU(), benchkit.LoadAvg(), benchkit.FFmpegVersion(ctx))
	admin, err := pgtest.Server()
	if err != nil {
		return nil, fmt.Errorf("PostgreSQL: %w", err)
	}
	dbURL, err := benchkit.NewPostgresDatabase(ctx, admin, "lectern_nodes_")
	if err != nil {
		return nil, err
	}
	if bin == "" {
		bin = filepath.Join(tmp, "lectern")
		if err := benchkit.Build(ctx, bin); err != nil {
			return nil, err
		}
	}
	long, short := filepath.Join(tmp, "long.mp4"), filepath.Join(tmp, "short.mp4")
	if err := makeClip(ctx, long, longDuration); err != nil {
		return nil, err
	}
	if err := makeClip(ctx, short, 2); err != nil {
		return nil, err
	}
	fmt.Printf("clips: 640x360 25 fps, one of %d s, %d of 2 s; ladder 360p only, preset veryfast\n", longDuration, n-1)

	c, err := newCluster(ctx, bin, tmp, dbURL)
	if err != nil {
		return nil, err
	}
	defer c.close()
	db, err := sql.Open("pgx", dbURL)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	return c.run(ctx, db, n, long, short)
}
