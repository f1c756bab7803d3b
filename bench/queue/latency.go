package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/jlaffaye/ftp"

	"lectern/bench/internal/benchkit"
	"lectern/sqldb"
)

const (
	ftpLogin    = "amphi-bench"
	ftpPassword = "bench-ftp-pass"
	// depositLimit bounds one deposit's way: its job started and every
	// job of it (processing, encoding) done.
	depositLimit = 60 * time.Second
	pollEvery    = 10 * time.Millisecond
)

// latencySetup is one run of `lectern serve`.
type latencySetup struct {
	name  string
	bin   string
	dir   string // DATA_DIR and the server's log
	clip  string
	n     int
	dbURL string // PostgreSQL; empty: SQLite in DATA_DIR
	// remote: serve works no job (WORKERS = false), a `lectern worker`
	// process does.
	remote bool
}

// latency starts `lectern serve` as set, puts s.n deposits one after the
// other by FTP, and measures each from the treatment's completed_at to its
// process_recording job's attempted_at. The next deposit waits for the
// queue to be empty, so that an encode does not share the CPU with it.
func latency(ctx context.Context, s latencySetup) (r durations, err error) {
	r.name = s.name + ", serve runs the jobs"
	if s.remote {
		r.name = s.name + ", jobs on a lectern worker"
	}
	addrs, err := benchkit.ServerAddrs(20)
	if err != nil {
		return r, err
	}
	httpAddr, ftpAddr, passive := addrs.HTTP, addrs.FTP, addrs.Passive
	data := filepath.Join(s.dir, "data")
	env := []string{"LECTERN_DATA_DIR=" + data, "LECTERN_HTTP_ADDR=" + httpAddr, "LECTERN_FTP_ADDR=" + ftpAddr,
		"LECTERN_FTP_PASSIVE_PORTS=" + passive, "LECTERN_LOG_LEVEL=info", "LECTERN_RECORDER_WATCH=false",
		"LECTERN_ENCODE_PRESET=ultrafast", "LECTERN_ENCODE_LADDER=360p:640x360:1000k:96k"}
	if s.dbURL != "" {
		env = append(env, "LECTERN_DATABASE_URL="+s.dbURL)
	}
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "LECTERN_") {
			env = append(env, kv)
		}
	}
	if err := os.MkdirAll(s.dir, 0o755); err != nil {
		return r, err
	}
	if err := benchkit.SetUpRecorder(ctx, s.bin, env, "Amphi Bench", "amphi-bench", ftpLogin, ftpPassword); err != nil {
		return r, err
	}

	serveEnv := env
	if s.remote {
		serveEnv = append(env[:len(env):len(env)], "LECTERN_WORKERS=false", "LECTERN_NODE_ID=front")
	}
	logPath := filepath.Join(s.dir, "serve.log")
	stopServer, err := startProcess(ctx, s.bin, "serve", serveEnv, logPath, func(string) bool { return benchkit.Healthy(httpAddr) })
	if err != nil {
		return r, err
	}
	defer func() {
		if stopErr := stopServer(); stopErr != nil && err == nil {
			err = stopErr
		}
		if err != nil {
			err = fmt.Errorf("%w\nthe server's log ends:\n%s", err, benchkit.LogTail(logPath, 4000))
		}
	}()
	if s.remote {
		workerLog := filepath.Join(s.dir, "worker.log")
		stopWorker, err := startProcess(ctx, s.bin, "worker", append(env[:len(env):len(env)], "LECTERN_NODE_ID=worker-1"), workerLog,
			func(log string) bool { return strings.Contains(log, "lectern worker running") })
		if err != nil {
			return r, err
		}
		defer func() {
			if stopErr := stopWorker(); stopErr != nil && err == nil {
				err = stopErr
			}
			if err != nil {
				err = fmt.Errorf("%w\nthe worker's log ends:\n%s", err, benchkit.LogTail(workerLog, 4000))
			}
		}()
	}

	var db *sql.DB
	if s.dbURL != "" {
		db, err = sql.Open("pgx", s.dbURL)
	} else {
		db, err = sqldb.OpenPool(ctx, filepath.Join(data, "lectern.db"), 2)
	}
	if err != nil {
		return r, err
	}
	defer db.Close()

	conn, err := ftp.Dial(ftpAddr, ftp.DialWithContext(ctx), ftp.DialWithTimeout(30*time.Second))
	if err != nil {
		return r, fmt.Errorf("FTP: %w", err)
	}
	defer conn.Quit()
	if err := conn.Login(ftpLogin, ftpPassword); err != nil {
		return r, fmt.Errorf("FTP login: %w", err)
	}
	for i := 1; i <= s.n; i++ {
		name := fmt.Sprintf("lecture-%03d.mp4", i)
		f, err := os.Open(s.clip)
		if err != nil {
			return r, err
		}
		err = conn.Stor(name, f) // returns on the server's 226
		f.Close()
		if err != nil {
			return r, fmt.Errorf("FTP STOR %s: %w", name, err)
		}
		d, err := waitStarted(ctx, db, s.dbURL != "", name, i)
		if err != nil {
			return r, fmt.Errorf("deposit %d: %w", i, err)
		}
		r.d = append(r.d, d)
	}
	fmt.Printf("%s: %d deposits, median %.0f ms\n", r.name, len(r.d), ms(r.quantile(0.5)))
	return r, nil
}

// waitStarted waits for the i-th process_recording job to have started
// and for the queue to be idle, and returns the time from the treatment
// of file name's completion to the job's first attempt.
func waitStarted(ctx context.Context, db *sql.DB, postgres bool, name string, i int) (time.Duration, error) {
	q := func(s string) string { return s }
	if postgres {
		q = func(s string) string { return strings.ReplaceAll(s, "?", "$1") }
	}
	deadline := time.Now().Add(depositLimit)
	var completed, attempted time.Time
	for {
		if completed.IsZero() {
			var v sql.NullString
			err := db.QueryRowContext(ctx, q("SELECT CAST(completed_at AS TEXT) FROM treatments WHERE file LIKE ?"), "%/"+name).Scan(&v)
			if err != nil && !errors.Is(err, sql.ErrNoRows) {
				return 0, fmt.Errorf("read the treatment: %w", err)
			}
			if v.Valid {
				if completed, err = parseTime(v.String); err != nil {
					return 0, err
				}
			}
		}
		if attempted.IsZero() {
			var v sql.NullString
			err := db.QueryRowContext(ctx, `SELECT CAST(attempted_at AS TEXT) FROM river_job
				WHERE kind = 'process_recording' AND attempted_at IS NOT NULL ORDER BY id LIMIT 1 OFFSET `+fmt.Sprint(i-1)).Scan(&v)
			if err != nil && !errors.Is(err, sql.ErrNoRows) {
				return 0, fmt.Errorf("read the job: %w", err)
			}
			if v.Valid {
				if attempted, err = parseTime(v.String); err != nil {
					return 0, err
				}
			}
		}
		if !completed.IsZero() && !attempted.IsZero() {
			var busy int
			if err := db.QueryRowContext(ctx, `SELECT count(*) FROM river_job
				WHERE state IN ('available', 'running', 'scheduled', 'retryable', 'pending')`).Scan(&busy); err != nil {
				return 0, fmt.Errorf("read the queue: %w", err)
			}
			if busy == 0 {
				return attempted.Sub(completed), nil
			}
		}
		if time.Now().After(deadline) {
			return 0, fmt.Errorf("%s: not started and done after %s (completed %v, attempted %v)", name, depositLimit, completed, attempted)
		}
		select {
		case <-ctx.Done():
			return 0, ctx.Err()
		case <-time.After(pollEvery):
		}
	}
}

// parseTime reads a timestamp as either database writes it as text.
func parseTime(s string) (time.Time, error) {
	for _, layout := range []string{"2006-01-02 15:04:05.999999999-07:00", "2006-01-02 15:04:05.999999999-07",
		"2006-01-02 15:04:05.999999999Z07:00", "2006-01-02T15:04:05.999999999Z07:00", "2006-01-02 15:04:05.999999999"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("a timestamp of an unknown form: %q", s)
}

// startProcess starts `lectern sub`, waits until ready (given the log so
// far) holds, and returns the function that stops it (SIGINT, then
// SIGKILL after 30 s).
func startProcess(ctx context.Context, bin, sub string, env []string, logPath string, ready func(log string) bool) (func() error, error) {
	log, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, sub)
	cmd.Env = env
	p, err := benchkit.Start(cmd, log)
	if err != nil {
		return nil, err
	}
	stop := func() error {
		if !p.Stop(os.Interrupt, 30*time.Second) {
			return fmt.Errorf("lectern %s did not stop within 30 s of SIGINT", sub)
		}
		return nil
	}
	for start := time.Now(); !ready(benchkit.LogTail(logPath, 4000)); {
		select {
		case <-p.Done:
			return nil, fmt.Errorf("lectern %s exited: %v\n%s", sub, cmd.ProcessState, benchkit.LogTail(logPath, 4000))
		case <-ctx.Done():
			stop()
			return nil, ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
		if time.Since(start) > 30*time.Second {
			stop()
			return nil, fmt.Errorf("lectern %s not ready after 30 s\n%s", sub, benchkit.LogTail(logPath, 4000))
		}
	}
	return stop, nil
}

// makeClip makes a 1 s 160x120 clip: only the queue matters here.
func makeClip(ctx context.Context, path string) error {
	cmd := exec.CommandContext(ctx, "ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "error", "-y",
		"-f", "lavfi", "-i", "testsrc2=size=160x120:rate=25:duration=1",
		"-f", "lavfi", "-i", "sine=frequency=440:duration=1",
		"-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest", path)
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("make the clip: %w\n%s", err, out)
	}
	return nil
}
