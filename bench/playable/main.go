// Command playable measures the time from the end of an FTP upload (the
// server's 226) to the moment the video is playable (GET
// /api/v1/videos says "playable": true), for 1080p H.264/AAC
// lecture-like clips of 120 s and 10 min, with Lectern's remux
// (ENCODE_REMUX=true: a browser-ready source is offered at once) and
// without (ENCODE_REMUX=false: the one-pass encode Lectern had before,
// playable when the whole ladder is done), in the same run. The goal:
// at most 10 s for both lengths with the remux.
//
// Each measure starts a fresh `lectern serve` (temporary DATA_DIR, free
// ports), sets up a recorder with publication_auto and an FTP login,
// uploads the clip as a recorder does, polls the API every 100 ms, and
// kills the server once the video is playable.
//
// A clip is a still slide (a white page with dark lines of "text") with
// a small moving speaker box (testsrc2) in a corner and a tone, H.264
// High (veryfast, CRF 23, a keyframe every 2 s) and AAC 128k, as a
// lecture capture writes; made with ffmpeg once and cached in -clips (a
// clip longer than 120 s loops the 120 s one by stream copy).
//
//	go run ./bench/playable                       # 120 s and 600 s, both modes
//	go run ./bench/playable -lengths 120 -clips /tmp/lectern-clips
//	go run ./bench/playable -baseline-max 120     # the 10 min baseline skipped
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/jlaffaye/ftp"

	"lectern/bench/internal/benchkit"
)

const (
	ftpLogin    = "amphi-bench"
	ftpPassword = "bench-ftp-pass"
	limit       = 60 * time.Minute // playable by then, or the run fails
)

func main() {
	lengths := flag.String("lengths", "120,600", "clip lengths in seconds, comma-separated")
	clips := flag.String("clips", filepath.Join(os.TempDir(), "lectern-bench-playable-clips"), "directory of the clips, made there when missing and kept")
	bin := flag.String("bin", "", "a lectern binary to run instead of building ./cmd/lectern")
	keep := flag.Bool("keep", false, "keep the temporary directory (DATA_DIRs, the servers' logs)")
	baseline := flag.Int("baseline-max", 0, "measure the one-pass baseline only for clips up to this many seconds (0: every clip)")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, *lengths, *clips, *bin, *keep, *baseline); err != nil {
		fmt.Fprintln(os.Stderr, "bench/playable:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, lengths, clipDir, bin string, keep bool, baselineMax int) error {
	tmp, cleanup, err := benchkit.TempDir("", "lectern-bench-playable-", keep)
	if err != nil {
		return err
	}
	defer cleanup()
	fmt.Printf("machine: %d CPUs, load average %s; %s\n", runtime.NumCPU(), benchkit.LoadAvg(), benchkit.FFmpegVersion(ctx))
	if bin == "" {
		bin = filepath.Join(tmp, "lectern")
		if err := benchkit.Build(ctx, bin); err != nil {
			return err
		}
	}
	type row struct {
		seconds     int
		remux, base time.Duration
	}
	var rows []row
	for _, f := range strings.Split(lengths, ",") {
		d, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || d <= 0 {
			return fmt.Errorf("length %q: want seconds", f)
		}
		clip := filepath.Join(clipDir, fmt.Sprintf("lecture-1080p-%ds.mp4", d))
		if err := makeClip(ctx, clip, d); err != nil {
			return err
		}
		fi, err := os.Stat(clip)
		if err != nil {
			return err
		}
		fmt.Printf("clip: %s, 1920x1080 25 fps H.264 High + AAC, %d s, %.1f MB\n", clip, d, float64(fi.Size())/1e6)
		r := row{seconds: d}
		for _, remux := range []bool{true, false} {
			if !remux && baselineMax > 0 && d > baselineMax {
				fmt.Printf("  %d s clip, ENCODE_REMUX=false: not measured (-baseline-max %d)\n", d, baselineMax)
				continue
			}
			t, err := measure(ctx, bin, filepath.Join(tmp, fmt.Sprintf("%d-%v", d, remux)), clip, remux)
			if err != nil {
				return err
			}
			fmt.Printf("  %d s clip, ENCODE_REMUX=%v: playable %.1f s after the upload's end\n", d, remux, t.Seconds())
			if remux {
				r.remux = t
			} else {
				r.base = t
			}
		}
		rows = append(rows, r)
	}
	fmt.Printf("\n| clip | playable, remux | playable, one pass (before) | ratio |\n|---|---|---|---|\n")
	for _, r := range rows {
		if r.base == 0 {
			fmt.Printf("| %d s 1080p H.264/AAC lecture | %.1f s | not measured | |\n", r.seconds, r.remux.Seconds())
			continue
		}
		fmt.Printf("| %d s 1080p H.264/AAC lecture | %.1f s | %.1f s | %.3f |\n", r.seconds, r.remux.Seconds(), r.base.Seconds(),
			r.remux.Seconds()/r.base.Seconds())
	}
	fmt.Printf("load average at the end %s\n", benchkit.LoadAvg())
	return nil
}

// measure starts a server in dir, uploads clip and returns the time from
// the upload's end to playable.
func measure(ctx context.Context, bin, dir, clip string, remux bool) (time.Duration, error) {
	addrs, err := benchkit.ServerAddrs(10)
	if err != nil {
		return 0, err
	}
	env := benchkit.Env("LECTERN_DATA_DIR="+filepath.Join(dir, "data"), "LECTERN_HTTP_ADDR="+addrs.HTTP, "LECTERN_FTP_ADDR="+addrs.FTP,
		"LECTERN_FTP_PASSIVE_PORTS="+addrs.Passive, "LECTERN_LOG_LEVEL=info", "LECTERN_ENCODE_REMUX="+strconv.FormatBool(remux))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return 0, err
	}
	if err := benchkit.SetUpRecorder(ctx, bin, env, "Amphi Bench", "amphi-bench", ftpLogin, ftpPassword); err != nil {
		return 0, err
	}
	out, err := benchkit.CLI(ctx, bin, env, "", "token", "create", "--username", "boss")
	if err != nil {
		return 0, err
	}
	token := strings.TrimSpace(out)
	logPath := filepath.Join(dir, "serve.log")
	log, err := os.Create(logPath)
	if err != nil {
		return 0, err
	}
	cmd := exec.Command(bin, "serve")
	cmd.Env = env
	srv, err := benchkit.Start(cmd, log)
	if err != nil {
		return 0, err
	}
	defer srv.Kill() // ffmpeg dies with it (Pdeathsig)
	for start := time.Now(); !benchkit.Healthy(addrs.HTTP); {
		if time.Since(start) > 30*time.Second {
			return 0, fmt.Errorf("the server does not answer /healthz after 30 s\n%s", benchkit.LogTail(logPath, 3000))
		}
		time.Sleep(50 * time.Millisecond)
	}
	if err := upload(ctx, addrs.FTP, clip); err != nil {
		return 0, err
	}
	end := time.Now() // Stor returns on the server's 226
	for {
		v, err := firstVideo(ctx, "http://"+addrs.HTTP, token)
		if err != nil {
			return 0, err
		}
		if v != nil && v.Playable {
			return time.Since(end), nil
		}
		if v != nil && v.State == "error" {
			return 0, fmt.Errorf("video %d: encoding failed\n%s", v.ID, benchkit.LogTail(logPath, 3000))
		}
		if time.Since(end) > limit {
			return 0, fmt.Errorf("not playable after %s", limit)
		}
		select {
		case <-ctx.Done():
			return 0, ctx.Err()
		case <-srv.Done:
			return 0, fmt.Errorf("the server exited\n%s", benchkit.LogTail(logPath, 3000))
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// upload stores clip as lecture.mp4 by FTP, as a recorder does.
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
	defer c.Quit()
	if err := c.Login(ftpLogin, ftpPassword); err != nil {
		return fmt.Errorf("ftp login: %w", err)
	}
	if err := c.Stor("lecture.mp4", bufio.NewReaderSize(f, 1<<20)); err != nil {
		return fmt.Errorf("ftp stor: %w", err)
	}
	return nil
}

// video is the part of an API video this program reads.
type video struct {
	ID       int64  `json:"id"`
	State    string `json:"encoding_state"`
	Playable bool   `json:"playable"`
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
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET /api/v1/videos: %s", resp.Status)
	}
	var page struct {
		Results []video `json:"results"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&page); err != nil {
		return nil, err
	}
	if len(page.Results) == 0 {
		return nil, nil
	}
	return &page.Results[0], nil
}

// pieceSeconds is the length of the clip x264 makes; longer ones loop it.
const pieceSeconds = 120

// makeClip writes a lecture-like clip of duration seconds at path, unless
// it is there: a still slide with lines of "text", a moving speaker box
// in the bottom right corner, a tone.
func makeClip(ctx context.Context, path string, duration int) error {
	if _, err := os.Stat(path); err == nil {
		return nil
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	if duration > pieceSeconds && duration%pieceSeconds == 0 {
		// A long clip is the piece looped, by stream copy: the same
		// lecture, made in seconds rather than in x264's time.
		piece := filepath.Join(filepath.Dir(path), fmt.Sprintf("lecture-1080p-%ds.mp4", pieceSeconds))
		if err := makeClip(ctx, piece, pieceSeconds); err != nil {
			return err
		}
		tmp := path + ".tmp.mp4"
		cmd := exec.CommandContext(ctx, "ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "error", "-y",
			"-stream_loop", strconv.Itoa(duration/pieceSeconds-1), "-i", piece, "-c", "copy", "-movflags", "+faststart", tmp)
		cmd.Stderr = os.Stderr
		if err := cmd.Run(); err != nil {
			os.Remove(tmp)
			return fmt.Errorf("loop the clip: %w", err)
		}
		return os.Rename(tmp, path)
	}
	d := strconv.Itoa(duration)
	slide := "color=c=white:s=1920x1080:r=25:d=" + d + ",drawbox=x=160:y=100:w=1100:h=70:color=0x203060:t=fill"
	for i := range 8 {
		slide += fmt.Sprintf(",drawbox=x=160:y=%d:w=%d:h=28:color=0x404040:t=fill", 240+i*70, 700+(i*137)%500)
	}
	start := time.Now()
	tmp := path + ".tmp.mp4"
	cmd := exec.CommandContext(ctx, "ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "error", "-y",
		"-f", "lavfi", "-i", slide, "-f", "lavfi", "-i", "testsrc2=s=384x288:r=25:d="+d,
		"-f", "lavfi", "-i", "sine=frequency=220:duration="+d,
		"-filter_complex", "[0][1]overlay=x='1480+20*sin(t/3)':y=740[v]", "-map", "[v]", "-map", "2:a",
		"-c:v", "libx264", "-preset", "veryfast", "-crf", "23", "-g", "50", "-pix_fmt", "yuv420p",
		"-c:a", "aac", "-b:a", "128k", "-movflags", "+faststart", "-shortest", tmp)
	cmd.Stderr = os.Stderr
	if err := cmd.Run(); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("make the clip: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return errors.Join(err, os.Remove(tmp))
	}
	fmt.Printf("clip made in %.1f s\n", time.Since(start).Seconds())
	return nil
}
