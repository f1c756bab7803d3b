package ffmpeg

import (
	"context"
	"fmt"
	"io"
	"os/exec"
	"slices"
	"syscall"
	"time"
)

// runLong runs ffmpeg on s in dir for an encode (encodeArgs, the input
// read as s's checked demuxer, then args): in its own process
// group, killed as a group (SIGKILL, so at once) when ctx ends or after
// timeout, its stdout (the -progress output) to stdout. The caller's
// cancellation is returned as ctx.Err(), wrapped; a failure or the
// timeout carries the tail of stderr. It logs the run's duration and
// ffmpeg's peak memory.
func (r *Runner) runLong(ctx context.Context, dir string, s *Source, args []string, timeout time.Duration, stdout io.Writer) error {
	return r.runCommand(ctx, dir, encodeCommand(s, args), timeout, stdout)
}

// runCommand runs ffmpeg with args as runLong does. Its inputs must be
// Sources only (their input options), or a concat list naming only
// Sources (Join).
func (r *Runner) runCommand(ctx context.Context, dir string, args []string, timeout time.Duration, stdout io.Writer) error {
	runCtx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	cmd := exec.CommandContext(runCtx, r.ffmpeg(), args...)
	cmd.Dir = dir
	// Pdeathsig: ffmpeg dies with Lectern (kill -9 included), so a
	// restarted server never finds a stray ffmpeg still writing into the
	// video's directory it encodes again.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	cmd.Cancel = func() error {
		// The whole group: ffmpeg itself, and anything a wrapper
		// script in its place started.
		return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	}
	cmd.WaitDelay = 5 * time.Second
	stderr := &tailBuffer{max: stderrTail}
	cmd.Stdout, cmd.Stderr = stdout, stderr
	r.logger().Debug("ffmpeg encode start", "args", args)
	start := time.Now()
	err := cmd.Run()
	var maxRSS int64 // KiB
	if cmd.ProcessState != nil {
		if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
			maxRSS = ru.Maxrss
		}
	}
	r.logger().Info("ffmpeg encode", "dir", dir, "duration", time.Since(start).Round(time.Millisecond),
		"max_rss_kib", maxRSS, "err", err)
	switch {
	case err == nil:
		return nil
	case ctx.Err() != nil:
		return fmt.Errorf("ffmpeg: %w", ctx.Err())
	case runCtx.Err() == context.DeadlineExceeded:
		err = fmt.Errorf("%w after %s", runCtx.Err(), timeout)
	}
	if tail := stderr.tail(); tail != "" {
		return fmt.Errorf("ffmpeg: %w: %s", err, tail)
	}
	return fmt.Errorf("ffmpeg: %w", err)
}

// encodeCommand is an encode's whole command line: encodeArgs, the input,
// then args.
func encodeCommand(s *Source, args []string) []string {
	return append(append(slices.Clip(encodeArgs), s.input()...), args...)
}

// encodeTimeout is Runner.EncodeTimeout, or its default for a source of
// the given duration in seconds.
func (r *Runner) encodeTimeout(duration float64) time.Duration {
	if r != nil && r.EncodeTimeout > 0 {
		return r.EncodeTimeout
	}
	return 10*time.Minute + time.Duration(10*duration*float64(time.Second))
}
