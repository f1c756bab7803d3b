// Command encode measures Lectern's encoding against Pod's pipeline on the
// same 1080p clips in the same run: CPU-seconds (user and system time of
// every ffmpeg and ffprobe process, from each child's rusage), wall time,
// bytes written, the SSIM of each one's 720p against the source scaled to
// 720p, and the same per media hour.
//
// Pod's pipeline is its two ffmpeg command lines built from the defaults
// of Esup-Pod's encoding_settings.py (see pod.go): an MP4 command for 360p
// and 720p, then an HLS command for 360p, 720p and 1080p, all x264
// -preset slow -crf 20. Lectern's is the bench's model of the encode job
// once it copies a browser-ready source as the top rung (lectern.go): the
// top rung a stream copy, the lower rungs encoded from one decode, one
// run per candidate x264 setting. With -runner, Runner.Encode as it is
// (every rung encoded) is measured too.
//
// Clips: a lecture (a still slide, a speaker in a corner, as a recorder
// writes it), on which the x264 settings are chosen, and two moving test
// cards under heavy and light noise, on which only the default runs
// unless -all-candidates. Goals on the lecture: CPU-seconds at most 0.10×
// Pod's, SSIM of the 720p no more than 0.003 below Pod's, bytes no more
// than Pod's. The choice: of the candidates within 0.003 of Pod's SSIM
// whose encoded rungs (360p and 720p, MP4 and HLS) take no more bytes
// than Pod's same rungs, those of the fastest preset, and of these the
// one writing the fewest bytes; the last line says whether it is
// ffmpeg's default.
//
//	go run ./bench/encode                  # 60 s clips, default candidates
//	go run ./bench/encode -short           # 10 s clips
//	go run ./bench/encode -clips /tmp/clips -only lecture -candidates veryfast:23,faster:24:stillimage:g6
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"syscall"
	"time"

	"lectern/bench/internal/benchkit"
	"lectern/ffmpeg"
)

const (
	goalCPU  = 0.10  // Lectern's CPU-seconds over Pod's, at most
	goalSSIM = 0.003 // below Pod's SSIM, at most
)

// defaultCandidates are measured on the lecture clip.
const defaultCandidates = "superfast:26:g6,veryfast:23:g2,veryfast:23:g6,veryfast:26:g6,veryfast:23:stillimage:g6," +
	"faster:23:g6,fast:26:g6,medium:26:g6"

func main() {
	short := flag.Bool("short", false, "10 s clips instead of 60 s")
	clipDir := flag.String("clips", "", "directory of the clips, made there when missing, kept (default: a temporary directory)")
	only := flag.String("only", "", "clips to run, comma-separated (lecture, noisy, clean); all when empty")
	candidates := flag.String("candidates", defaultCandidates, "Lectern's x264 settings to measure on the lecture clip, preset:crf[:tune][:gN] (N: keyframe interval in seconds), comma-separated")
	all := flag.Bool("all-candidates", false, "every candidate on every clip, not only ffmpeg's default on the test cards")
	runner := flag.Bool("runner", true, "also measure Runner.Encode as it is (every rung encoded)")
	keep := flag.Bool("keep", false, "keep the temporary directory and its encodes")
	flag.Parse()
	seconds := 60
	if *short {
		seconds = 10
	}
	cands, err := parseCandidates(*candidates)
	if err == nil {
		err = run(context.Background(), options{clipDir: *clipDir, only: *only, seconds: seconds, cands: cands, all: *all, runner: *runner, keep: *keep})
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench/encode:", err)
		os.Exit(1)
	}
}

type options struct {
	clipDir, only     string
	seconds           int
	cands             []candidate
	all, runner, keep bool
}

// result is one pipeline's figures on one clip.
type result struct {
	name     string
	wall     time.Duration
	playable time.Duration // until the copied top rung was written; 0 without one
	cpu      time.Duration // user and system time of its ffmpeg and ffprobe runs
	ssim     float64
	size     int64 // bytes of every file written
	lower    int64 // bytes of the 360p and 720p files (MP4 and HLS)
	maxRSS   int64 // KiB, the largest process
	cand     candidate
}

// presets are libx264's, fastest first.
var presets = []string{"ultrafast", "superfast", "veryfast", "faster", "fast", "medium", "slow", "slower", "veryslow", "placebo"}

// defaultCandidate is ffmpeg's default x264 settings.
func defaultCandidate() candidate {
	return candidate{preset: ffmpeg.DefaultPreset, crf: ffmpeg.DefaultCRF, tune: ffmpeg.DefaultTune, gop: ffmpeg.KeyframeSeconds}
}

func run(ctx context.Context, o options) error {
	tmp, cleanup, err := benchkit.TempDir("", "lectern-bench-encode-", o.keep)
	if err != nil {
		return err
	}
	defer cleanup()
	if o.clipDir == "" {
		o.clipDir = tmp
	}
	fmt.Printf("machine: %d CPUs, load average %s; %s\n", runtime.NumCPU(), benchkit.LoadAvg(), benchkit.FFmpegVersion(ctx))
	def := defaultCandidate()
	fmt.Printf("ffmpeg's default: %s; ladder %s\n", def, ffmpeg.DefaultLadder())

	var lecture []result
	var lecturePod result
	for _, c := range clips {
		if o.only != "" && !slices.Contains(strings.Split(o.only, ","), c.name) {
			continue
		}
		src := filepath.Join(o.clipDir, fmt.Sprintf("%s-%ds.mp4", c.name, o.seconds))
		if err := makeClip(ctx, src, c, o.seconds); err != nil {
			return err
		}
		p, err := probe(ctx, src, &meter{})
		if err != nil {
			return err
		}
		fi, _ := os.Stat(src)
		fmt.Printf("\nclip %s (%s): %dx%d %s %s, %.1f s, %.1f Mbit/s\n", c.name, c.about, p.width, p.height, p.codec, p.profile,
			p.duration, float64(fi.Size())*8/p.duration/1e6)

		podDir := filepath.Join(tmp, c.name, "pod")
		if err := mkdir(podDir); err != nil {
			return err
		}
		pod, err := runPod(ctx, src, podDir)
		if err != nil {
			return err
		}
		printResult(pod, pod, p.duration)

		cands := o.cands
		if c.name != "lecture" && !o.all {
			cands = []candidate{def}
		} else if !slices.Contains(cands, def) {
			cands = append(cands, def)
		}
		var printed bool
		for _, cand := range cands {
			dir := filepath.Join(tmp, c.name, "lectern-"+strings.ReplaceAll(cand.String(), "/", "-"))
			if err := mkdir(dir); err != nil {
				return err
			}
			res, model, err := runLectern(ctx, src, dir, cand)
			if err != nil {
				return err
			}
			res.cand = cand
			if !printed {
				fmt.Printf("  Lectern's model: %s\n", model)
				printed = true
			}
			printResult(res, pod, p.duration)
			if c.name == "lecture" {
				lecture = append(lecture, res)
				lecturePod = pod
			}
		}
		if o.runner {
			dir := filepath.Join(tmp, c.name, "runner")
			if err := mkdir(dir); err != nil {
				return err
			}
			res, err := runRunner(ctx, src, dir)
			if err != nil {
				return err
			}
			printResult(res, pod, p.duration)
		}
	}

	var self syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &self)
	fmt.Printf("\nload average at the end: %s; this Go process's peak memory %d MiB\n", benchkit.LoadAvg(), self.Maxrss>>10)
	if len(lecture) > 0 {
		summary(lecture, lecturePod, def, o.seconds)
	}
	return nil
}

// runRunner is Runner.Encode as it is, with ffmpeg's defaults: every rung
// encoded. Its CPU time is that of this process's finished children
// (Encode runs them one at a time, and nothing else runs meanwhile).
func runRunner(ctx context.Context, src, dir string) (result, error) {
	res := result{name: "Runner.Encode"}
	start, cpu := time.Now(), childCPU()
	if _, err := (&ffmpeg.Runner{}).Encode(ctx, src, dir, nil); err != nil {
		return res, err
	}
	res.wall, res.cpu = time.Since(start), childCPU()-cpu
	res.size = dirSize(dir)
	res.lower = prefixSize(dir, "360p.") + prefixSize(dir, "720p.")
	var err error
	res.ssim, err = ssim(ctx, filepath.Join(dir, "720p.mp4"), src)
	return res, err
}

func childCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_CHILDREN, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// eligible: within goalSSIM of Pod's SSIM, and the encoded lower rungs no
// larger than Pod's.
func eligible(r, pod result) bool {
	return r.ssim >= pod.ssim-goalSSIM && r.lower <= pod.lower
}

func printResult(r, pod result, seconds float64) {
	perHour := 3600 / seconds
	var ratio, note string
	if r.name != pod.name {
		ratio = fmt.Sprintf("%5.3f×", r.cpu.Seconds()/pod.cpu.Seconds())
		note = "outside the choice"
		if eligible(r, pod) {
			note = "eligible"
		}
		if r.playable > 0 {
			note += fmt.Sprintf(", top rung copied in %.1f s", r.playable.Seconds())
		}
	}
	fmt.Printf("  %-30s cpu %6.1f s %6s = %5.0f s/media h | wall %6.1f s %5.2f× | SSIM720 %.4f %+.4f | %6.1f MB = %5.2f GB/media h, 360p+720p %5.2f GB/h %5.2f× | peak %8s | %s\n",
		r.name, r.cpu.Seconds(), ratio, r.cpu.Seconds()*perHour, r.wall.Seconds(), r.wall.Seconds()/pod.wall.Seconds(),
		r.ssim, r.ssim-pod.ssim, float64(r.size)/1e6, float64(r.size)*perHour/1e9, float64(r.lower)*perHour/1e9,
		float64(r.lower)/float64(pod.lower), rss(r.maxRSS), note)
}

// summary picks, on the lecture clip, the fastest eligible candidate
// and says how it and the default fare against the goals. Fastest is by
// preset (x264's order): within a preset, CPU-seconds differ by less than
// the noise of a shared machine, so the fewest bytes decide.
func summary(rs []result, pod result, def candidate, seconds int) {
	rank := func(r result) int { return slices.Index(presets, r.cand.preset) }
	best := -1
	for i, r := range rs {
		if !eligible(r, pod) {
			continue
		}
		if best < 0 || rank(r) < rank(rs[best]) || (rank(r) == rank(rs[best]) && r.size < rs[best].size) {
			best = i
		}
	}
	fmt.Printf("summary (%d s lecture clip; Pod %.1f CPU-s, SSIM720 %.4f, %.1f MB):\n", seconds, pod.cpu.Seconds(), pod.ssim, float64(pod.size)/1e6)
	if best < 0 {
		fmt.Printf("  no candidate is within %.3f of Pod's SSIM with its 360p and 720p no larger than Pod's\n", goalSSIM)
	} else {
		note := "ffmpeg's default"
		if rs[best].name != "Lectern "+def.String() {
			note = "NOT ffmpeg's default (" + def.String() + ")"
		}
		fmt.Printf("  fastest eligible: %s, %s\n", rs[best].name, note)
	}
	for _, r := range rs {
		if r.name != "Lectern "+def.String() {
			continue
		}
		cpu := r.cpu.Seconds() / pod.cpu.Seconds()
		fmt.Printf("  default %s: CPU %.3f× Pod's (goal ≤ %.2f: %s); SSIM720 %+.4f (goal ≥ −%.3f: %s); bytes %.2f× Pod's (goal ≤ 1: %s), 360p+720p %.2f×\n",
			r.name, cpu, goalCPU, verdict(cpu <= goalCPU), r.ssim-pod.ssim, goalSSIM, verdict(r.ssim >= pod.ssim-goalSSIM),
			float64(r.size)/float64(pod.size), verdict(r.size <= pod.size), float64(r.lower)/float64(pod.lower))
	}
}

func verdict(ok bool) string {
	if ok {
		return "met"
	}
	return "MISSED"
}

// rss writes a peak memory in KiB as MiB, or "-" when not measured.
func rss(kib int64) string {
	if kib == 0 {
		return "-"
	}
	return fmt.Sprintf("%d MiB", kib>>10)
}
