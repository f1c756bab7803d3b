// Command serve measures the peak memory of the `lectern serve` process
// while it encodes: the issue's "peak memory of the server while
// encoding". It builds the program, starts it on a temporary DATA_DIR and
// free ports, sets up a video type, a superuser, a recorder with that
// manager, publication_auto and an FTP login, and an API token with the
// command line, then uploads a 1080p clip by FTP into the recorder's
// account and follows GET /api/v1/videos until the video is done.
//
// Every 100 ms it reads /proc/<pid>/status of the server (VmRSS, VmHWM)
// and of every process under it (ffmpeg, ffprobe). The server's VmHWM is
// reset (/proc/<pid>/clear_refs) between the phases, so that each peak is
// that phase's alone: idle (start-up included), the FTP upload, then
// processing and encoding (end of the upload to done). The goal: the
// server stays at tens of MiB while its ffmpeg takes hundreds.
//
//	go run ./bench/serve                 # a 60 s clip
//	go run ./bench/serve -short          # a 10 s clip
//	go run ./bench/serve -clips /tmp/clips -keep
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/jlaffaye/ftp"

	"lectern/bench/internal/benchkit"
)

const (
	interval    = 100 * time.Millisecond // sampling of /proc
	idleFor     = 5 * time.Second        // idle before the deposit
	encodeLimit = 30 * time.Minute       // the video is done by then, or the run fails
	ftpLogin    = "amphi-bench"
	ftpPassword = "bench-ftp-pass"
)

func main() {
	short := flag.Bool("short", false, "a 10 s clip instead of 60 s")
	clips := flag.String("clips", "", "directory of the clip, made there when missing, kept (bench/encode's clean clip; default: a temporary directory)")
	bin := flag.String("bin", "", "a lectern binary to run instead of building ./cmd/lectern")
	keep := flag.Bool("keep", false, "keep the temporary directory (DATA_DIR, the server's log)")
	flag.Parse()
	duration := 60
	if *short {
		duration = 10
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, *clips, *bin, duration, *keep); err != nil {
		fmt.Fprintln(os.Stderr, "bench/serve:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, clipDir, bin string, duration int, keep bool) (err error) {
	tmp, cleanup, err := benchkit.TempDir("", "lectern-bench-serve-", keep)
	if err != nil {
		return err
	}
	defer cleanup()
	if clipDir == "" {
		clipDir = tmp
	}
	fmt.Printf("machine: %d CPUs, load average %s; %s\n", runtime.NumCPU(), benchkit.LoadAvg(), benchkit.FFmpegVersion(ctx))

	clip := filepath.Join(clipDir, fmt.Sprintf("clean-%ds.mp4", duration))
	if err := makeClip(ctx, clip, duration); err != nil {
		return err
	}
	fi, err := os.Stat(clip)
	if err != nil {
		return err
	}
	fmt.Printf("clip: %s, 1920x1080 25 fps, %d s, %.1f MB\n", clip, duration, float64(fi.Size())/1e6)

	if bin == "" {
		bin = filepath.Join(tmp, "lectern")
		if err := benchkit.Build(ctx, bin); err != nil {
			return err
		}
	}

	// The server's environment: this one without any LECTERN_ setting,
	// plus a temporary DATA_DIR and free ports.
	addrs, err := benchkit.ServerAddrs(20)
	if err != nil {
		return err
	}
	httpAddr, ftpAddr, passive := addrs.HTTP, addrs.FTP, addrs.Passive
	data := filepath.Join(tmp, "data")
	env := benchkit.Env("LECTERN_DATA_DIR="+data, "LECTERN_HTTP_ADDR="+httpAddr, "LECTERN_FTP_ADDR="+ftpAddr,
		"LECTERN_FTP_PASSIVE_PORTS="+passive, "LECTERN_LOG_LEVEL=info")

	// The command line, on the same DATA_DIR.
	lectern := func(stdin string, args ...string) (string, error) { return benchkit.CLI(ctx, bin, env, stdin, args...) }
	if err := benchkit.SetUpRecorder(ctx, bin, env, "Amphi Bench", "amphi-bench", ftpLogin, ftpPassword); err != nil {
		return err
	}
	out, err := lectern("", "token", "create", "--username", "boss")
	if err != nil {
		return err
	}
	token := strings.TrimSpace(out)

	// The server.
	logPath := filepath.Join(tmp, "serve.log")
	srv, err := startServer(ctx, bin, env, logPath, httpAddr)
	if err != nil {
		return err
	}
	defer func() {
		if srv != nil { // not stopped cleanly: an error on the way
			srv.Kill()
			if err != nil {
				err = fmt.Errorf("%w\nthe server's log ends:\n%s", err, benchkit.LogTail(logPath, 3000))
			}
		}
	}()
	pid := srv.Cmd.Process.Pid
	fmt.Printf("lectern serve: pid %d, http %s, ftp %s, passive ports %s\n", pid, httpAddr, ftpAddr, passive)

	s := newSampler(pid, interval, "idle")
	s.start()
	sampling := true
	defer func() {
		if sampling {
			s.finish()
		}
	}()
	// Each phase's peak is its own: VmHWM is set back to VmRSS at the
	// start of the next. Without clear_refs (another user's process, an
	// old kernel) the peaks are cumulative and the 100 ms samples say more.
	resettable := true
	nextPhase := func(name string) (benchkit.Memory, *phase, error) {
		st, err := benchkit.ReadMemory(pid)
		if err != nil {
			return st, nil, err
		}
		ended := s.enter(name)
		if resettable {
			if err := benchkit.ResetPeak(pid); err != nil {
				fmt.Printf("  (cannot reset the server's VmHWM: %v; the peaks below are since start)\n", err)
				resettable = false
			}
		}
		return st, ended, nil
	}

	// Idle.
	fmt.Printf("idle for %s\n", idleFor)
	if err := sleep(ctx, srv, idleFor); err != nil {
		return err
	}
	idle, idlePhase, err := nextPhase("upload")
	if err != nil {
		return err
	}

	// The deposit.
	upStart := time.Now()
	if err := upload(ctx, ftpAddr, clip); err != nil {
		return err
	}
	upTime := time.Since(upStart)
	upEnd := time.Now()
	fmt.Printf("uploaded by FTP in %.2f s (%.0f MB/s)\n", upTime.Seconds(), float64(fi.Size())/1e6/upTime.Seconds())
	up, upPhase, err := nextPhase("encode")
	if err != nil {
		return err
	}

	// Processing and encoding, until done.
	running, done, err := follow(ctx, srv, s, "http://"+httpAddr, token, upEnd)
	if err != nil {
		return err
	}
	enc, encPhase, err := nextPhase("after")
	if err != nil {
		return err
	}
	sampling = false
	s.finish()

	// Stop it.
	stopStart := time.Now()
	if err := srv.Cmd.Process.Signal(syscall.SIGTERM); err != nil {
		return err
	}
	select {
	case <-srv.Done:
	case <-time.After(60 * time.Second):
		return errors.New("the server did not stop within 60 s of SIGTERM")
	}
	stopTime := time.Since(stopStart)
	exit := srv.Cmd.ProcessState
	srv = nil

	// The figures.
	logged := loggedEncodes(logPath)
	kids := s.seen()
	var ff child
	var others []string
	for _, c := range kids {
		if c.kind == "ffmpeg (encode)" && c.hwm > ff.hwm {
			ff = c
		}
		if c.kind != "ffmpeg (encode)" {
			others = append(others, fmt.Sprintf("%s pid %d %d MiB (%s)", c.kind, c.pid, mib(c.hwm), samples(c.samples)))
		}
	}
	var ffLogged int64
	var ffDuration string
	for _, l := range logged {
		if l.maxRSS > ffLogged {
			ffLogged, ffDuration = l.maxRSS, l.duration
		}
	}
	ffPeak := max(ff.hwm, ffLogged)
	label := "peak (VmHWM of the phase)"
	if !resettable {
		label = "peak (VmHWM since start)"
	}

	fmt.Printf("\nserver (lectern serve, pid %d), %s; largest 100 ms VmRSS sample:\n", pid, label)
	fmt.Printf("  idle, before the deposit:  %4d MiB (start-up included; VmRSS %d MiB at the end: %s); sampled %d MiB (%s)\n",
		mib(idle.HWM), mib(idle.RSS), split(idle), mib(idlePhase.maxRSS), samples(idlePhase.samples))
	fmt.Printf("  FTP upload:                %4d MiB; sampled %d MiB (%s)\n", mib(up.HWM), mib(upPhase.maxRSS), samples(upPhase.samples))
	fmt.Printf("  processing and encoding:   %4d MiB (VmRSS %d MiB when done: %s); sampled %d MiB (%s)\n",
		mib(enc.HWM), mib(enc.RSS), split(enc), mib(encPhase.maxRSS), samples(encPhase.samples))
	if s.errs > 0 {
		fmt.Printf("  (%d samples of the server's status failed)\n", s.errs)
	}
	fmt.Printf("ffmpeg (encode): peak %d MiB", mib(ffPeak))
	if ff.pid != 0 {
		fmt.Printf(" (sampled VmHWM %d MiB, pid %d, %s)", mib(ff.hwm), ff.pid, samples(ff.samples))
	}
	if ffLogged > 0 {
		fmt.Printf(" (rusage max RSS %d MiB, from the server's log)", mib(ffLogged))
	}
	fmt.Println()
	if len(others) > 0 {
		fmt.Printf("other children seen: %s\n", strings.Join(others, "; "))
	}
	fmt.Printf("encode wall time: %.1f s running to done (ffmpeg itself %s); %.1f s from the end of the upload to done\n",
		done.Sub(running).Seconds(), ffDuration, done.Sub(upEnd).Seconds())
	fmt.Printf("stopped by SIGTERM in %.2f s (%v)\n", stopTime.Seconds(), exit)
	fmt.Printf("delta: server peak while encoding - idle peak = %+d MiB (%d -> %d MiB)\n",
		mib(enc.HWM)-mib(idle.HWM), mib(idle.HWM), mib(enc.HWM))
	if ffPeak > 0 {
		fmt.Printf("ratio: server peak while encoding / ffmpeg peak = %.3f (%d MiB / %d MiB; together %d MiB)\n",
			float64(enc.HWM)/float64(ffPeak), mib(enc.HWM), mib(ffPeak), mib(enc.HWM+ffPeak))
	}
	fmt.Printf("summary: %d s 1080p clip: server peak %d MiB idle, %d MiB while encoding (%+d MiB); ffmpeg peak %d MiB; encode %.1f s; load average at the end %s\n",
		duration, mib(idle.HWM), mib(enc.HWM), mib(enc.HWM)-mib(idle.HWM), mib(ffPeak), done.Sub(running).Seconds(), benchkit.LoadAvg())
	return nil
}

func mib(kib int64) int64 { return (kib + 512) >> 10 }

func samples(n int) string {
	if n == 1 {
		return "1 sample"
	}
	return strconv.Itoa(n) + " samples"
}

// split is VmRSS's heap and stacks against its mapped files.
func split(s benchkit.Memory) string {
	return fmt.Sprintf("%d MiB anonymous, %d MiB mapped files", mib(s.Anon), mib(s.File))
}

// startServer starts `bin serve`, its output to logPath, and waits until
// it answers /healthz.
func startServer(ctx context.Context, bin string, env []string, logPath, httpAddr string) (*benchkit.Process, error) {
	log, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, "serve")
	cmd.Env = env
	srv, err := benchkit.Start(cmd, log)
	if err != nil {
		return nil, err
	}
	start := time.Now()
	for {
		if benchkit.Healthy(httpAddr) {
			fmt.Printf("the server answers /healthz after %.2f s\n", time.Since(start).Seconds())
			return srv, nil
		}
		if time.Since(start) > 30*time.Second {
			err = errors.New("the server does not answer /healthz after 30 s")
		} else {
			err = sleep(ctx, srv, 50*time.Millisecond)
		}
		if err != nil {
			srv.Kill()
			return nil, fmt.Errorf("%w\nthe server's log ends:\n%s", err, benchkit.LogTail(logPath, 3000))
		}
	}
}

// sleep waits d, or fails when ctx ends or the server exits.
func sleep(ctx context.Context, srv *benchkit.Process, d time.Duration) error {
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-srv.Done:
		return fmt.Errorf("the server exited: %v", srv.Cmd.ProcessState)
	case <-time.After(d):
		return nil
	}
}

// upload stores clip as lecture.mp4 by FTP in the recorder's account, as
// a recorder does, and ends with QUIT.
func upload(ctx context.Context, addr, clip string) error {
	f, err := os.Open(clip)
	if err != nil {
		return err
	}
	defer f.Close()
	c, err := ftp.Dial(addr, ftp.DialWithContext(ctx), ftp.DialWithTimeout(30*time.Second))
	if err != nil {
		return fmt.Errorf("ftp dial %s: %w", addr, err)
	}
	if err := c.Login(ftpLogin, ftpPassword); err != nil {
		c.Quit()
		return fmt.Errorf("ftp login: %w", err)
	}
	if err := c.Stor("lecture.mp4", bufio.NewReaderSize(f, 1<<20)); err != nil {
		c.Quit()
		return fmt.Errorf("ftp stor: %w", err)
	}
	if err := c.Quit(); err != nil {
		return fmt.Errorf("ftp quit: %w", err)
	}
	return nil
}

// video is the part of an API video this program reads.
type video struct {
	ID       int64   `json:"id"`
	Title    string  `json:"title"`
	State    string  `json:"encoding_state"`
	Progress float64 `json:"encoding_progress"`
	Duration float64 `json:"duration"`
}

// follow polls GET /api/v1/videos every 250 ms until the one video is
// done, printing its progress, and returns when it was first seen
// running and when done.
func follow(ctx context.Context, srv *benchkit.Process, s *sampler, base, token string, since time.Time) (running, done time.Time, err error) {
	var last string
	var lastPrint time.Time
	for {
		v, err := firstVideo(ctx, base, token)
		if err != nil {
			return running, done, err
		}
		now := time.Now()
		state := "no video yet"
		if v != nil {
			state = v.State
			if v.State == "running" && running.IsZero() {
				running = now
			}
		}
		if state != last || now.Sub(lastPrint) >= 5*time.Second {
			server, kids := s.latest()
			line := fmt.Sprintf("  %5.1f s  %-12s", now.Sub(since).Seconds(), state)
			if v != nil {
				line += fmt.Sprintf(" %5.1f %%  video %d %q", v.Progress, v.ID, v.Title)
			}
			fmt.Printf("%s | server VmRSS %d MiB, children %d MiB\n", line, mib(server), mib(kids))
			last, lastPrint = state, now
		}
		switch {
		case v != nil && v.State == "done":
			if running.IsZero() {
				running = now // never seen running: faster than a poll
			}
			return running, now, nil
		case v != nil && v.State == "error":
			return running, done, fmt.Errorf("video %d: encoding failed", v.ID)
		case now.Sub(since) > encodeLimit:
			return running, done, fmt.Errorf("the video is not done after %s (state %s)", encodeLimit, state)
		}
		if err := sleep(ctx, srv, 250*time.Millisecond); err != nil {
			return running, done, err
		}
	}
}

// firstVideo is the newest video of GET /api/v1/videos, nil when none.
func firstVideo(ctx context.Context, base, token string) (*video, error) {
	req, err := http.NewRequestWithContext(ctx, "GET", base+"/api/v1/videos", nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Token "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET /api/v1/videos: %s: %s", resp.Status, body)
	}
	var page struct {
		Results []video `json:"results"`
	}
	if err := json.Unmarshal(body, &page); err != nil {
		return nil, fmt.Errorf("GET /api/v1/videos: %w", err)
	}
	if len(page.Results) == 0 {
		return nil, nil
	}
	return &page.Results[0], nil
}

// loggedEncode is one "ffmpeg encode" line of the server's log: ffmpeg's
// peak memory from its rusage when it ended, exact where the 100 ms
// samples may miss the last moments.
type loggedEncode struct {
	maxRSS   int64 // KiB
	duration string
}

var (
	maxRSSAttr   = regexp.MustCompile(`\bmax_rss_kib=(\d+)`)
	durationAttr = regexp.MustCompile(`\bduration=(\S+)`)
)

func loggedEncodes(logPath string) []loggedEncode {
	b, err := os.ReadFile(logPath)
	if err != nil {
		return nil
	}
	var out []loggedEncode
	for line := range strings.SplitSeq(string(b), "\n") {
		if !strings.Contains(line, `msg="ffmpeg encode"`) {
			continue
		}
		var l loggedEncode
		if m := maxRSSAttr.FindStringSubmatch(line); m != nil {
			l.maxRSS, _ = strconv.ParseInt(m[1], 10, 64)
		}
		if m := durationAttr.FindStringSubmatch(line); m != nil {
			l.duration = m[1]
		}
		out = append(out, l)
	}
	return out
}

// makeClip writes duration seconds of bench/encode's clean clip: 1920x1080
// 25 fps moving test picture under light temporal noise and a 440 Hz
// tone, as a recorder would (H.264 at up to 20 Mbit/s, AAC). Nothing when
// path exists.
func makeClip(ctx context.Context, path string, duration int) error {
	if _, err := os.Stat(path); err == nil {
		return nil
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	d := strconv.Itoa(duration)
	start := time.Now()
	cmd := exec.CommandContext(ctx, "ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "error", "-y",
		"-f", "lavfi", "-i", "testsrc2=size=1920x1080:rate=25:duration="+d+",noise=alls=3:allf=t",
		"-f", "lavfi", "-i", "sine=frequency=440:duration="+d,
		"-c:v", "libx264", "-preset", "veryfast", "-crf", "18", "-maxrate", "20M", "-bufsize", "40M", "-pix_fmt", "yuv420p",
		"-c:a", "aac", "-b:a", "128k", "-shortest", path)
	cmd.Stderr = os.Stderr
	if err := cmd.Run(); err != nil {
		os.Remove(path)
		return fmt.Errorf("make the clip: %w", err)
	}
	fmt.Printf("clip made in %.1f s\n", time.Since(start).Seconds())
	return nil
}
