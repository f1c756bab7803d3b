package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"lectern"
	"lectern/ffmpeg"
)

// Lectern's side is its real encode job: ffmpeg.Runner.EncodeStaged, as
// the server calls it (with a ready callback, so that a browser-ready
// source is remuxed first), one run per candidate x264 setting, and the
// same job with OnePass (every rung from one ffmpeg, offered at the end:
// Lectern before issue 16) as the baseline. Whatever the job does (a
// remux, passes of ffmpeg, probes, thumbnail, poster, playlists) is
// measured, as the job does it on the day of the run.

// candidate is one set of x264 settings the job takes: ffmpeg.Runner's
// Preset and CRF.
type candidate struct {
	preset string
	crf    int
}

func (c candidate) String() string { return c.preset + "/" + strconv.Itoa(c.crf) }

// presets are libx264's, fastest first.
var presets = []string{"ultrafast", "superfast", "veryfast", "faster", "fast", "medium", "slow", "slower", "veryslow", "placebo"}

// parseCandidates reads "preset:crf", comma-separated.
func parseCandidates(s string) ([]candidate, error) {
	var cs []candidate
	for item := range strings.SplitSeq(s, ",") {
		preset, crf, ok := strings.Cut(strings.TrimSpace(item), ":")
		if !ok || !slices.Contains(presets, preset) {
			return nil, fmt.Errorf("candidate %q: want preset:crf, the preset one of %s", item, strings.Join(presets, ", "))
		}
		c := candidate{preset: preset}
		var err error
		if c.crf, err = strconv.Atoi(crf); err != nil || c.crf < 1 || c.crf > 51 {
			return nil, fmt.Errorf("candidate %q: crf %q: want 1 to 51", item, crf)
		}
		cs = append(cs, c)
	}
	return cs, nil
}

// childUsage is the user and system time of this process's children
// that have ended and been waited for, and the peak memory of the
// largest of them (KiB): getrusage(RUSAGE_CHILDREN).
func childUsage() (time.Duration, int64) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_CHILDREN, &ru); err != nil {
		return 0, 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()), ru.Maxrss
}

// runLectern runs the encode job on src into dir with c's settings, in
// one pass with onePass. Its CPU time is the growth of this process's
// children's during the call: the job's ffmpeg and ffprobe runs are all
// waited for before it returns, and the bench runs nothing else
// meanwhile (one job at a time). Its peak memory is known only when the
// job's largest process is the largest child of the bench so far
// (RUSAGE_CHILDREN keeps the largest ever); else 0.
func runLectern(ctx context.Context, src, dir string, c candidate, onePass bool) (result, error) {
	res := result{name: "Lectern " + c.String(), cand: c, onePass: onePass}
	if onePass {
		res.name = "Lectern one pass " + c.String()
	}
	r := &ffmpeg.Runner{Preset: c.preset, CRF: c.crf, OnePass: onePass}
	cpu, rss := childUsage()
	start := time.Now()
	ready := func(*lectern.EncodeResult) error {
		if res.playable == 0 {
			res.playable = time.Since(start)
		}
		return nil
	}
	out, err := r.EncodeStaged(ctx, src, dir, nil, ready)
	res.wall = time.Since(start)
	cpuAfter, rssAfter := childUsage()
	if err != nil {
		return res, err
	}
	res.cpu = cpuAfter - cpu
	if rssAfter > rss {
		res.maxRSS = rssAfter
	}
	if res.playable == 0 {
		res.playable = res.wall // nothing offered before the whole ladder
	}
	res.how = jobCase(out)
	// What the server then removes (a remux replaced by the top rung).
	for _, f := range out.Stale {
		if err := os.RemoveAll(filepath.Join(dir, f)); err != nil {
			return res, err
		}
	}
	res.size = dirSize(dir)
	res.lower = prefixSize(dir, "360p.") + prefixSize(dir, "720p.")
	i := slices.IndexFunc(out.Renditions, func(r lectern.Rendition) bool {
		return r.Kind == lectern.RenditionMP4 && r.Name == "720p"
	})
	if i < 0 {
		return res, errors.New(res.name + ": no 720p MP4 among the renditions")
	}
	res.ssim, err = ssim(ctx, filepath.Join(dir, out.Renditions[i].Path), src)
	return res, err
}

// jobCase says how the job made the top rung, from its result.
func jobCase(out *lectern.EncodeResult) string {
	switch {
	case out.Remux != "" && out.RemuxSkipped == "":
		return out.Remux + " remuxed"
	case out.Remux != "":
		return fmt.Sprintf("%s remuxed, then encoded: %s", out.Remux, out.RemuxSkipped)
	case out.RemuxSkipped != "":
		return "every rung encoded: " + out.RemuxSkipped
	}
	return "every rung encoded"
}
