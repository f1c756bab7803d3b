package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// clip is one source the pipelines encode.
type clip struct {
	name  string
	about string
	// input is ffmpeg's input options and filter graph for a clip of
	// the given length in seconds, ending in the [v] and [a] pads.
	input func(seconds int) []string
	// encode is how the recorder stored it (x264 and AAC options).
	encode []string
}

// recorder is how a lecture capture recorder (Extron SMP, Epiphan Pearl,
// Multicam) writes a 1080p lecture: H.264 High at a set bitrate whatever
// the picture (5 Mbit/s, capped at 5, two-second GOP), AAC 128k stereo
// 48 kHz, in an MP4.
var recorder = []string{
	"-c:v", "libx264", "-preset", "veryfast", "-profile:v", "high", "-level", "4.1",
	"-b:v", "5M", "-maxrate", "5M", "-bufsize", "10M", "-g", "50", "-pix_fmt", "yuv420p",
	"-c:a", "aac", "-b:a", "128k", "-ar", "48000", "-ac", "2", "-movflags", "+faststart",
}

// hevcRecorder is a recorder writing HEVC (Epiphan Pearl and others
// offer it): not browser-ready, so the job encodes every rung, its lowest
// first from a decode of its own (the cost of a second decode).
var hevcRecorder = []string{
	"-c:v", "libx265", "-preset", "ultrafast", "-x265-params", "log-level=error", "-b:v", "4M", "-maxrate", "4M", "-bufsize", "8M",
	"-g", "50", "-pix_fmt", "yuv420p", "-tag:v", "hvc1",
	"-c:a", "aac", "-b:a", "128k", "-ar", "48000", "-ac", "2", "-movflags", "+faststart",
}

// testCard is the earlier clips' storage: H.264 at up to 20 Mbit/s.
var testCard = []string{
	"-c:v", "libx264", "-preset", "veryfast", "-crf", "18", "-maxrate", "20M", "-bufsize", "40M", "-pix_fmt", "yuv420p",
	"-c:a", "aac", "-b:a", "128k",
}

var clips = []clip{
	{"lecture", "a still slide changing every 30 s (5 s in 10 s clips), a speaker in a corner box, speech-like sound, as a recorder writes it", lectureInput, recorder},
	// The same lecture from a recorder writing HEVC: every rung encoded,
	// the lowest first.
	{"lecture-hevc", "the lecture as a recorder writing HEVC at 4 Mbit/s stores it", lectureInput, hevcRecorder},
	// Every pixel changes in every frame: all encodes are held by the
	// rungs' maxrate, so this measures efficiency at a given bitrate.
	{"noisy", "moving test card under heavy noise, bitrate-bound", testCardInput(20), testCard},
	// A clean camera's noise: the CRF decides the bitrate, under maxrate.
	{"clean", "moving test card under light noise, CRF-bound", testCardInput(3), testCard},
}

func testCardInput(noise int) func(int) []string {
	return func(seconds int) []string {
		d := strconv.Itoa(seconds)
		return []string{
			"-f", "lavfi", "-i", fmt.Sprintf("testsrc2=size=1920x1080:rate=25:duration=%s,noise=alls=%d:allf=t", d, noise),
			"-f", "lavfi", "-i", "sine=frequency=440:duration=" + d,
			"-filter_complex", "[0:v]null[v];[1:a]anull[a]",
		}
	}
}

// slidePeriod is how long each slide of the lecture clip stays: 30 s, or
// half a short clip's length so that it still changes slides.
func slidePeriod(seconds int) int {
	return min(30, max(1, seconds/2))
}

// lectureInput draws a lecture: a white slide (a title bar, five lines of
// text, a bar chart) whose numbers, bars and title change every
// slidePeriod, and a 384x216 camera box in the bottom right corner where
// a speaker (two boxes) sways a little under a camera's light noise. The
// sound is speech-like: a voice of three harmonics around 140 Hz whose
// pitch wanders, in syllables of about 4 Hz, with pauses.
func lectureInput(seconds int) []string {
	d := strconv.Itoa(seconds)
	slide := fmt.Sprintf("floor(t/%d)", slidePeriod(seconds))
	src := func(spec string) []string {
		return []string{"-f", "lavfi", "-i", spec + ":rate=25:duration=" + d}
	}
	var in []string
	in = append(in, src("color=c=white:size=1920x1080")...)
	in = append(in, src("color=c=0x5a6b7c:size=384x216")...) // the room behind the speaker
	in = append(in, src("color=c=0xc89a78:size=70x86")...)   // a head
	in = append(in, src("color=c=0x283848:size=170x120")...) // a jacket
	f0 := "(140+25*sin(2*PI*0.4*t))"
	voice := fmt.Sprintf("(0.5+0.5*sin(2*PI*3.7*t))*gt(sin(2*PI*0.23*t)+0.5*sin(2*PI*0.61*t)\\,-0.7)"+
		"*(0.30*sin(2*PI*%[1]s*t)+0.15*sin(4*PI*%[1]s*t)+0.08*sin(6*PI*%[1]s*t))+0.01*(random(0)-0.5)", f0)
	in = append(in, "-f", "lavfi", "-i", "aevalsrc=exprs='"+voice+"':s=48000:d="+d)
	text := func(size int, color string, x, y int, s string) string {
		return fmt.Sprintf("drawtext=font=Sans:fontsize=%d:fontcolor=%s:x=%d:y=%d:line_spacing=28:text='%s'", size, color, x, y, s)
	}
	n := func(expr string) string { return `%{eif\:` + expr + `\:d}` }
	bar := func(x, y, h int, color, when string) string {
		s := fmt.Sprintf("drawbox=x=%d:y=%d:w=80:h=%d:color=%s:t=fill", x, y, h, color)
		if when != "" {
			s += ":enable='" + when + "'"
		}
		return s
	}
	even, odd := fmt.Sprintf("eq(mod(%s,2),0)", slide), fmt.Sprintf("eq(mod(%s,2),1)", slide)
	graph := strings.Join([]string{
		"[1][3]overlay=x='107+14*sin(0.7*t)+5*sin(2.3*t)':y=110:eval=frame[c1]",
		"[c1][2]overlay=x='157+14*sin(0.7*t)+5*sin(2.3*t)+3*sin(3.1*t)':y='30+3*sin(1.9*t)':eval=frame,noise=alls=10:allf=t[cam]",
		strings.Join([]string{
			"[0]drawbox=x=0:y=0:w=1920:h=150:color=0x1f3b63:t=fill",
			text(64, "white", 80, 40, "Thermodynamics 2 — part "+n(slide+"+1")),
			text(44, "0x202020", 100, 230, "• The first law\\: dU = δQ − δW, case "+n(slide+"*3+1")+"\n"+
				"• Work done by a gas at constant pressure\n"+
				"• Isothermal expansion\\: W = nRT ln(V2/V1)\n"+
				"• Example "+n(slide+"+4")+"\\: n = "+n(slide+"*2+1")+" mol, T = 300 K\n"+
				"• Exercise\\: find Q for each step of the cycle"),
			"drawbox=x=1040:y=620:w=640:h=300:color=0x404040:t=3",
			"drawbox=x=1040:y=770:w=640:h=1:color=0xb0b0b0:t=fill",
			bar(1100, 760, 160, "0x3070c0", even), bar(1240, 680, 240, "0xd06030", even),
			bar(1100, 700, 220, "0x3070c0", odd), bar(1240, 800, 120, "0xd06030", odd),
			bar(1380, 820, 100, "0x30a050", ""), bar(1520, 650, 270, "0x8040a0", fmt.Sprintf("gte(%s,1)", slide)),
			text(32, "0x606060", 100, 1010, "Université — Amphi B — slide "+n(slide+"+1")),
		}, ",") + "[slide]",
		"[slide][cam]overlay=x=W-w-24:y=H-h-24,format=yuv420p[v]",
		"[4:a]anull[a]",
	}, ";")
	return append(in, "-filter_complex", graph)
}

// makeClip writes c, seconds long, 1920x1080 at 25 fps, to path, as its
// recorder would. Nothing when path exists: clips are kept in -clips.
func makeClip(ctx context.Context, path string, c clip, seconds int) error {
	if _, err := os.Stat(path); err == nil {
		return nil
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	start := time.Now()
	tmp := path + ".part.mp4"
	args := []string{"-nostdin", "-hide_banner", "-loglevel", "error", "-y"}
	args = append(args, c.input(seconds)...)
	args = append(args, "-map", "[v]", "-map", "[a]")
	args = append(args, c.encode...)
	args = append(args, "-t", strconv.Itoa(seconds), tmp)
	cmd := exec.CommandContext(ctx, "ffmpeg", args...)
	cmd.Stderr = os.Stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("make the %s clip: %w", c.name, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return err
	}
	fmt.Printf("clip %s made in %.1f s\n", c.name, time.Since(start).Seconds())
	return nil
}
