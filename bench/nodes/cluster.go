package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/jlaffaye/ftp"

	"lectern/bench/internal/benchkit"
)

// cluster is the three nodes on one database and one DATA_DIR.
type cluster struct {
	data    string
	ftpAddr string
	front   *process
	workers map[string]*process
}

// newCluster sets up an installation (a video type, a superuser, an --auto
// recorder with an FTP login) and starts the front node, then the two
// workers.
func newCluster(ctx context.Context, bin, tmp, dbURL string) (*cluster, error) {
	addrs, err := benchkit.ServerAddrs(20)
	if err != nil {
		return nil, err
	}
	httpAddr, ftpAddr, passive := addrs.HTTP, addrs.FTP, addrs.Passive
	data := filepath.Join(tmp, "data")
	env := benchkit.Env("LECTERN_DATA_DIR="+data, "LECTERN_DATABASE_URL="+dbURL, "LECTERN_LOG_LEVEL=info",
		"LECTERN_RECORDER_WATCH=false", "LECTERN_ENCODE_PRESET=veryfast", "LECTERN_ENCODE_LADDER=360p:640x360:1000k:96k",
		"LECTERN_JOB_RESCUE_AFTER="+rescueAfter.String())
	if err := benchkit.SetUpRecorder(ctx, bin, env, "Amphi Nodes", "amphi-nodes", ftpLogin, ftpPassword); err != nil {
		return nil, err
	}

	c := &cluster{data: data, ftpAddr: ftpAddr, workers: map[string]*process{}}
	frontEnv := append(env[:len(env):len(env)], "LECTERN_HTTP_ADDR="+httpAddr, "LECTERN_FTP_ADDR="+ftpAddr,
		"LECTERN_FTP_PASSIVE_PORTS="+passive, "LECTERN_WORKERS=false")
	c.front, err = startProcess(ctx, "front", bin, "serve", frontEnv, filepath.Join(tmp, "front.log"),
		func(string) bool { return benchkit.Healthy(httpAddr) })
	if err != nil {
		return nil, err
	}
	for _, name := range []string{"worker-a", "worker-b"} {
		p, err := startProcess(ctx, name, bin, "worker", env, filepath.Join(tmp, name+".log"),
			func(log string) bool { return strings.Contains(log, "lectern worker running") })
		if err != nil {
			c.close()
			return nil, err
		}
		c.workers[name] = p
	}
	fmt.Printf("nodes: front (serve, WORKERS = false, ftp %s), worker-a, worker-b; JOB_RESCUE_AFTER = %s\n", ftpAddr, rescueAfter)
	return c, nil
}

// close kills what still runs.
func (c *cluster) close() {
	for _, p := range append([]*process{c.front}, c.workers["worker-a"], c.workers["worker-b"]) {
		if p != nil && !p.exited() {
			p.Kill()
		}
	}
}

// run deposits n clips, kills the worker holding the long one's encode,
// waits for every video, stops the nodes and checks the outcome.
func (c *cluster) run(ctx context.Context, db *sql.DB, n int, long, short string) ([]string, error) {
	conn, err := ftp.Dial(c.ftpAddr, ftp.DialWithContext(ctx), ftp.DialWithTimeout(30*time.Second))
	if err != nil {
		return nil, fmt.Errorf("FTP: %w", err)
	}
	defer conn.Quit()
	if err := conn.Login(ftpLogin, ftpPassword); err != nil {
		return nil, fmt.Errorf("FTP login: %w", err)
	}
	stor := func(name, clip string) error {
		f, err := os.Open(clip)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := conn.Stor(name, f); err != nil {
			return fmt.Errorf("FTP STOR %s: %w", name, err)
		}
		return nil
	}
	start := time.Now()
	if err := stor("lecture-00-long.mp4", long); err != nil {
		return nil, err
	}
	// The long clip's video is the first: the others come after it.
	var longID int64
	if err := waitFor(ctx, c, 60*time.Second, "the long clip's video", func() (bool, error) {
		err := db.QueryRowContext(ctx, "SELECT id FROM videos").Scan(&longID)
		return err == nil, ignoreNoRows(err)
	}); err != nil {
		return nil, err
	}
	for i := 1; i < n; i++ {
		if err := stor(fmt.Sprintf("lecture-%02d.mp4", i), short); err != nil {
			return nil, err
		}
	}
	fmt.Printf("%d deposits in %.1f s\n", n, time.Since(start).Seconds())

	// Kill the worker encoding the long clip, once its encode is under way.
	var holder string
	if err := waitFor(ctx, c, 5*time.Minute, "the long clip's encode under way on a worker", func() (bool, error) {
		var progress float64
		err := db.QueryRowContext(ctx, `SELECT v.encoding_progress, j.attempted_by[array_length(j.attempted_by, 1)]
			FROM videos v JOIN river_job j ON j.kind = 'encode_video' AND (j.args->>'video_id')::bigint = v.id
			WHERE v.id = $1 AND j.state = 'running'`, longID).Scan(&progress, &holder)
		return err == nil && progress > 0 && progress < 80, ignoreNoRows(err)
	}); err != nil {
		return nil, err
	}
	dead := c.workers[holder]
	if dead == nil {
		return nil, fmt.Errorf("the long clip's encode is held by %q, not a worker", holder)
	}
	survivor := "worker-a"
	if holder == survivor {
		survivor = "worker-b"
	}
	var problems []string
	children := ffmpegChildren(dead.Cmd.Process.Pid)
	if len(children) == 0 {
		problems = append(problems, holder+" encodes with no ffmpeg child")
	}
	killed := time.Now()
	dead.Kill()
	fmt.Printf("killed %s (SIGKILL) at %.1f s, encoding video %d with %d ffmpeg\n", holder, killed.Sub(start).Seconds(), longID, len(children))
	time.Sleep(2 * time.Second)
	for _, k := range children {
		if alive(k) {
			problems = append(problems, fmt.Sprintf("ffmpeg %d of the dead %s still runs 2 s after the kill", k.pid, holder))
		}
	}

	var rescued, longDone time.Duration
	if err := waitFor(ctx, c, rescueAfter*3+time.Minute, "the encode rescued by "+survivor, func() (bool, error) {
		var by string
		err := db.QueryRowContext(ctx, `SELECT j.attempted_by[array_length(j.attempted_by, 1)] FROM river_job j
			WHERE j.kind = 'encode_video' AND (j.args->>'video_id')::bigint = $1 AND j.state IN ('running', 'completed')`, longID).Scan(&by)
		if by == survivor {
			rescued = time.Since(killed)
		}
		return by == survivor, ignoreNoRows(err)
	}); err != nil {
		return problems, err
	}
	if err := waitFor(ctx, c, 5*time.Minute, "the long clip's video done", func() (bool, error) {
		var state string
		err := db.QueryRowContext(ctx, "SELECT encoding_state FROM videos WHERE id = $1", longID).Scan(&state)
		return state == "done", err
	}); err != nil {
		return problems, err
	}
	longDone = time.Since(killed)
	if err := waitFor(ctx, c, 10*time.Minute, fmt.Sprintf("%d videos done and every job finished", n), func() (bool, error) {
		var done, busy int
		err := db.QueryRowContext(ctx, `SELECT (SELECT count(*) FROM videos WHERE encoding_state = 'done'),
			(SELECT count(*) FROM river_job WHERE state NOT IN ('completed', 'discarded', 'cancelled'))`).Scan(&done, &busy)
		return done >= n && busy == 0, err
	}); err != nil {
		return problems, err
	}
	total := time.Since(start)

	surv := c.workers[survivor]
	if err := surv.stop(); err != nil {
		problems = append(problems, err.Error())
	}
	if err := c.front.stop(); err != nil {
		problems = append(problems, err.Error())
	}
	var encodeAvg float64
	if err := db.QueryRowContext(ctx, `SELECT coalesce(avg(extract(epoch FROM finalized_at - attempted_at)), 0) FROM river_job
		WHERE kind = 'encode_video' AND state = 'completed' AND (args->>'video_id')::bigint <> $1`, longID).Scan(&encodeAvg); err != nil {
		return problems, err
	}
	fmt.Printf("\n%-44s %10s\n", "figure", "seconds")
	fmt.Printf("%-44s %10.1f\n", fmt.Sprintf("total: first deposit to %d videos done", n), total.Seconds())
	fmt.Printf("%-44s %10.2f\n", "per video (total / videos, 2 workers)", total.Seconds()/float64(n))
	fmt.Printf("%-44s %10.2f\n", "encode job of a 2 s clip (mean, worked)", encodeAvg)
	// The rescue itself: the error the rescuer recorded on the job, with
	// its time (then the job waits for a free encode slot on the survivor).
	var at time.Time
	if err := db.QueryRowContext(ctx, `SELECT (errors[array_length(errors, 1)]->>'at')::timestamptz FROM river_job
		WHERE kind = 'encode_video' AND (args->>'video_id')::bigint = $1`, longID).Scan(&at); err != nil {
		problems = append(problems, fmt.Sprintf("the rescued job's error: %v", err))
	}
	fmt.Printf("%-44s %10.1f\n", "rescue: kill to the job rescued (its error)", at.Sub(killed).Seconds())
	fmt.Printf("%-44s %10.1f\n", "kill to the encode running on "+survivor, rescued.Seconds())
	fmt.Printf("%-44s %10.1f\n", "kill to the rescued video done", longDone.Seconds())
	fmt.Printf("(JOB_RESCUE_AFTER = %s: the README's bound is about ×1.25 plus a fetch)\n", rescueAfter)
	return append(problems, check(ctx, db, c.data, n, longID, holder, survivor)...), nil
}

// waitFor polls cond until it holds, failing after limit or when a node
// exits on its own.
func waitFor(ctx context.Context, c *cluster, limit time.Duration, what string, cond func() (bool, error)) error {
	deadline := time.Now().Add(limit)
	for {
		ok, err := cond()
		if err != nil {
			return fmt.Errorf("%s: %w", what, err)
		}
		if ok {
			return nil
		}
		for _, p := range append([]*process{c.front}, c.workers["worker-a"], c.workers["worker-b"]) {
			if p.exited() && p.Cmd.ProcessState != nil && !strings.Contains(p.Cmd.ProcessState.String(), "killed") {
				return fmt.Errorf("waiting for %s: %s exited: %v\n%s", what, p.name, p.Cmd.ProcessState, p.tail())
			}
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s: not after %s\nfront:\n%s\nworker-a:\n%s\nworker-b:\n%s", what, limit,
				c.front.tail(), c.workers["worker-a"].tail(), c.workers["worker-b"].tail())
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(pollEvery):
		}
	}
}

func ignoreNoRows(err error) error {
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	return err
}
