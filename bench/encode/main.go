// Command encode times Lectern's encoding (ffmpeg.Runner.Encode) against
// Pod's pipeline on the same 1080p clips in the same run, and compares the
// quality of each one's 720p (SSIM against the source scaled to 720p).
//
// Pod's pipeline is its two ffmpeg command lines built from the defaults
// of Esup-Pod's encoding_settings.py (see pod.go): an MP4 command for 360p
// and 720p, then an HLS command for 360p, 720p and 1080p, all x264
// -preset slow -crf 20. Lectern's is one Encode per candidate preset and
// CRF. Two clips of moving test picture: one under heavy noise, where
// every encode is held by the rungs' maxrate, one under light noise, where
// the CRF decides. The goal, on both: at most a quarter of Pod's wall
// time, SSIM no more than 0.003 below Pod's. Of the candidates that meet
// it, the one writing the fewest bytes is the one for ffmpeg.DefaultPreset
// and DefaultCRF; the last line says whether it is.
//
//	go run ./bench/encode                  # 60 s clips, default candidates
//	go run ./bench/encode -short           # 10 s clips
//	go run ./bench/encode -clips /tmp/clips -candidates veryfast:22,faster:22
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"lectern/bench/internal/benchkit"
	"lectern/ffmpeg"
)

const (
	goalRatio = 0.25  // Lectern's time over Pod's, at most
	goalSSIM  = 0.003 // below Pod's SSIM, at most
)

func main() {
	short := flag.Bool("short", false, "10 s clips instead of 60 s")
	clips := flag.String("clips", "", "directory of the clips, made there when missing, kept (default: a temporary directory)")
	candidates := flag.String("candidates", "veryfast:21,veryfast:22,veryfast:23,veryfast:24,faster:23", "Lectern's settings to measure, preset:crf, comma-separated")
	keep := flag.Bool("keep", false, "keep the temporary directory and its encodes")
	flag.Parse()
	duration := 60
	if *short {
		duration = 10
	}
	if err := run(context.Background(), *clips, duration, *candidates, *keep); err != nil {
		fmt.Fprintln(os.Stderr, "bench/encode:", err)
		os.Exit(1)
	}
}

// clip is a test picture under temporal noise of some strength.
type clip struct {
	name  string
	noise int // the noise filter's alls
	about string
}

var clips = []clip{
	// Every pixel changes in every frame: all encodes are held by the
	// rungs' maxrate, so this measures efficiency at a given bitrate.
	{"noisy", 20, "heavy noise, bitrate-bound"},
	// A clean camera's noise: the CRF decides the bitrate, under maxrate.
	{"clean", 3, "light noise, CRF-bound"},
}

// result is one pipeline's figures on one clip.
type result struct {
	name   string
	wall   time.Duration
	cpu    time.Duration // user and system time of the ffmpeg runs
	ssim   float64
	size   int64 // bytes of every file written
	maxRSS int64 // KiB, the largest ffmpeg
}

func run(ctx context.Context, clipDir string, duration int, candidates string, keep bool) error {
	cands, err := parseCandidates(candidates)
	if err != nil {
		return err
	}
	tmp, cleanup, err := benchkit.TempDir("", "lectern-bench-encode-", keep)
	if err != nil {
		return err
	}
	defer cleanup()
	if clipDir == "" {
		clipDir = tmp
	}
	fmt.Printf("machine: %d CPUs, load average %s; %s\n", runtime.NumCPU(), benchkit.LoadAvg(), benchkit.FFmpegVersion(ctx))

	pods := map[string]result{}
	lecterns := map[string][]result{} // by candidate name, one per clip
	var names []string
	for _, c := range clips {
		src := filepath.Join(clipDir, fmt.Sprintf("%s-%ds.mp4", c.name, duration))
		if err := makeClip(ctx, src, c, duration); err != nil {
			return err
		}
		info, err := (&ffmpeg.Runner{}).Probe(ctx, src)
		if err != nil {
			return err
		}
		fi, _ := os.Stat(src)
		fmt.Printf("\nclip %s (%s): %dx%d, %.1f s, %.1f Mbit/s\n", c.name, c.about, info.Width, info.Height, info.Duration, float64(fi.Size())*8/info.Duration/1e6)

		podDir := filepath.Join(tmp, c.name, "pod")
		if err := os.MkdirAll(podDir, 0o755); err != nil {
			return err
		}
		pod := result{name: "Pod slow/20"}
		cpu := childCPU()
		if pod.wall, pod.maxRSS, err = runPod(ctx, src, podDir); err != nil {
			return err
		}
		pod.cpu = childCPU() - cpu
		if pod.ssim, err = ssim(ctx, filepath.Join(podDir, "720p.mp4"), src); err != nil {
			return err
		}
		pod.size = dirSize(podDir)
		printResult(pod, pod)
		pods[c.name] = pod

		for _, cand := range cands {
			dir := filepath.Join(tmp, c.name, "lectern-"+cand.preset+"-"+strconv.Itoa(cand.crf))
			if err := os.MkdirAll(dir, 0o755); err != nil {
				return err
			}
			rss := &rssHandler{}
			r := &ffmpeg.Runner{Preset: cand.preset, CRF: cand.crf, Logger: slog.New(rss)}
			start, cpu := time.Now(), childCPU()
			if _, err := r.Encode(ctx, src, dir, nil); err != nil {
				return err
			}
			res := result{name: fmt.Sprintf("Lectern %s/%d", cand.preset, cand.crf), wall: time.Since(start), cpu: childCPU() - cpu, maxRSS: rss.max()}
			if res.ssim, err = ssim(ctx, filepath.Join(dir, "720p.mp4"), src); err != nil {
				return err
			}
			res.size = dirSize(dir)
			printResult(res, pod)
			if lecterns[res.name] == nil {
				names = append(names, res.name)
			}
			lecterns[res.name] = append(lecterns[res.name], res)
		}
	}

	// The default: among the candidates that meet both goals on every
	// clip, the one that writes the fewest bytes (the same quality as Pod
	// for less storage), then the fastest.
	var best string
	var bestSize int64
	var bestWall time.Duration
	var podMax, lecternMax int64
	for _, p := range pods {
		podMax = max(podMax, p.maxRSS)
	}
	for _, name := range names {
		ok := true
		var size int64
		var wall time.Duration
		for i, r := range lecterns[name] {
			ok = ok && meets(r, pods[clips[i].name])
			size += r.size
			wall += r.wall
			lecternMax = max(lecternMax, r.maxRSS)
		}
		if ok && (best == "" || size < bestSize || (size == bestSize && wall < bestWall)) {
			best, bestSize, bestWall = name, size, wall
		}
	}

	var self syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &self)
	fmt.Printf("\nload average at the end: %s\n", benchkit.LoadAvg())
	fmt.Printf("peak memory: Pod's ffmpeg %d MiB; Lectern's ffmpeg %d MiB (largest run); this Go process %d MiB\n",
		podMax>>10, lecternMax>>10, self.Maxrss>>10)
	def := fmt.Sprintf("Lectern %s/%d", ffmpeg.DefaultPreset, ffmpeg.DefaultCRF)
	if best == "" {
		fmt.Printf("summary: %d s clips: no candidate meets both goals (time <= %.2f x Pod, SSIM >= Pod - %.3f) on every clip; the default is %s\n",
			duration, goalRatio, goalSSIM, def)
		return nil
	}
	var parts []string
	for i, r := range lecterns[best] {
		p := pods[clips[i].name]
		parts = append(parts, fmt.Sprintf("%s: %.1f s vs Pod %.1f s (%.2f x), SSIM %.4f vs %.4f (%+.4f)",
			clips[i].name, r.wall.Seconds(), p.wall.Seconds(), r.wall.Seconds()/p.wall.Seconds(), r.ssim, p.ssim, r.ssim-p.ssim))
	}
	note := "the default"
	if best != def {
		note = "NOT the default (" + def + ")"
	}
	fmt.Printf("summary: %d s clips, best %s (%s): %s; peak ffmpeg RSS %d MiB vs Pod %d MiB\n",
		duration, best, note, strings.Join(parts, "; "), lecternMax>>10, podMax>>10)
	return nil
}

func meets(r, pod result) bool {
	return r.wall.Seconds() <= goalRatio*pod.wall.Seconds() && r.ssim >= pod.ssim-goalSSIM
}

func printResult(r, pod result) {
	goal := ""
	if r.name != pod.name {
		goal = "misses the goal"
		if meets(r, pod) {
			goal = "meets the goal"
		}
	}
	fmt.Printf("  %-20s %6.1f s %5.2f x Pod | cpu %6.1f s %5.2f x | SSIM 720p %.4f (%+.4f) | %6.1f MB | ffmpeg peak %4d MiB | %s\n",
		r.name, r.wall.Seconds(), r.wall.Seconds()/pod.wall.Seconds(), r.cpu.Seconds(), r.cpu.Seconds()/pod.cpu.Seconds(),
		r.ssim, r.ssim-pod.ssim, float64(r.size)/1e6, r.maxRSS>>10, goal)
}

// childCPU is the user and system time of the finished child processes.
func childCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_CHILDREN, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

type candidate struct {
	preset string
	crf    int
}

func parseCandidates(s string) ([]candidate, error) {
	var cs []candidate
	for item := range strings.SplitSeq(s, ",") {
		p, c, ok := strings.Cut(strings.TrimSpace(item), ":")
		crf, err := strconv.Atoi(c)
		if !ok || err != nil || p == "" {
			return nil, fmt.Errorf("candidate %q: want preset:crf", item)
		}
		cs = append(cs, candidate{p, crf})
	}
	return cs, nil
}

// makeClip writes duration seconds of 1920x1080 25 fps moving test
// picture under c's temporal noise and a 440 Hz tone, as a recorder
// would: H.264 at up to 20 Mbit/s, AAC. Nothing when path exists.
func makeClip(ctx context.Context, path string, c clip, duration int) error {
	if _, err := os.Stat(path); err == nil {
		return nil
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	d := strconv.Itoa(duration)
	start := time.Now()
	cmd := exec.CommandContext(ctx, "ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "error", "-y",
		"-f", "lavfi", "-i", fmt.Sprintf("testsrc2=size=1920x1080:rate=25:duration=%s,noise=alls=%d:allf=t", d, c.noise),
		"-f", "lavfi", "-i", "sine=frequency=440:duration="+d,
		"-c:v", "libx264", "-preset", "veryfast", "-crf", "18", "-maxrate", "20M", "-bufsize", "40M", "-pix_fmt", "yuv420p",
		"-c:a", "aac", "-b:a", "128k", "-shortest", path)
	cmd.Stderr = os.Stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("make the %s clip: %w", c.name, err)
	}
	fmt.Printf("clip %s made in %.1f s\n", c.name, time.Since(start).Seconds())
	return nil
}

var ssimAll = regexp.MustCompile(`SSIM Y:.* All:([0-9.]+)`)

// ssim compares encoded (a 1280x720 rendition) with the source scaled to
// 1280x720, frame by frame, and returns the mean SSIM of all planes.
func ssim(ctx context.Context, encoded, src string) (float64, error) {
	out, err := exec.CommandContext(ctx, "ffmpeg", "-nostdin", "-hide_banner", "-i", encoded, "-i", src,
		"-lavfi", "[1:v]scale=1280:720[ref];[0:v][ref]ssim", "-f", "null", "-").CombinedOutput()
	if err != nil {
		return 0, fmt.Errorf("ssim of %s: %w: %s", encoded, err, tail(out))
	}
	m := ssimAll.FindSubmatch(out)
	if m == nil {
		return 0, fmt.Errorf("ssim of %s: no SSIM in ffmpeg's output: %s", encoded, tail(out))
	}
	return strconv.ParseFloat(string(m[1]), 64)
}

func tail(b []byte) string {
	return string(b[max(0, len(b)-1000):])
}

func dirSize(dir string) int64 {
	var n int64
	_ = filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			if fi, err := d.Info(); err == nil {
				n += fi.Size()
			}
		}
		return nil
	})
	return n
}

// rssHandler is a slog.Handler that keeps the largest max_rss_kib the
// runner logs after each ffmpeg run.
type rssHandler struct {
	mu sync.Mutex
	kb int64
}

func (h *rssHandler) Enabled(context.Context, slog.Level) bool { return true }

func (h *rssHandler) Handle(_ context.Context, r slog.Record) error {
	r.Attrs(func(a slog.Attr) bool {
		if a.Key == "max_rss_kib" {
			h.mu.Lock()
			h.kb = max(h.kb, a.Value.Int64())
			h.mu.Unlock()
		}
		if a.Key == "err" && a.Value.Any() != nil {
			if err, ok := a.Value.Any().(error); ok && !errors.Is(err, context.Canceled) {
				fmt.Fprintln(os.Stderr, "ffmpeg:", err)
			}
		}
		return true
	})
	return nil
}

func (h *rssHandler) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h *rssHandler) WithGroup(string) slog.Handler      { return h }

func (h *rssHandler) max() int64 {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.kb
}
