package ffmpeg

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"unicode"

	"lectern"
)

var _ lectern.Joiner = (*Runner)(nil)

// joinCRF is the quality of a re-encoded join: an intermediate the
// encode reads again, so better than the renditions' CRF.
const joinCRF = 18

// Join implements lectern.Joiner. Every part is opened (Open: one file,
// an accepted container) before anything is written. Parts with the same
// demuxer and the same streams (codec, profile, size, pixel format, time
// base, sound's rate and channels) are joined by ffmpeg's concat demuxer
// with stream copy; others through the concat filter, each scaled and
// padded into the largest picture, a missing sound made silent and a
// missing picture black.
//
// The concat list is written here, beside dst, naming only the checked
// files: by absolute path, so -safe 0, which would let the list name any
// protocol; -protocol_whitelist file keeps every file it opens a plain
// file, each entry is file:<path> (a name such as "http:…" stays a file
// name), and each file gets an "option format_whitelist <demuxer>", so
// that a part swapped for a playlist after its check is refused, as the
// encoder's -f does. Quotes are escaped; a control character (a newline
// would start a new directive) is refused, as more than MaxParts parts.
func (r *Runner) Join(ctx context.Context, parts []string, dst string) (*lectern.JoinResult, error) {
	switch {
	case len(parts) == 0:
		return nil, &lectern.Error{Op: "join", Code: lectern.EINVALID, Message: "no part to join"}
	case len(parts) > lectern.MaxParts:
		return nil, &lectern.Error{Op: "join", Code: lectern.EINVALID,
			Message: fmt.Sprintf("%d parts: a recording has at most %d", len(parts), lectern.MaxParts)}
	}
	srcs := make([]*Source, len(parts))
	var total float64
	for i, p := range parts {
		name := filepath.Base(p)
		if strings.ContainsFunc(p, unicode.IsControl) {
			return nil, &lectern.Error{Op: "join", Code: lectern.EINVALID,
				Message: fmt.Sprintf("part %d of %d, %q: its name holds a control character", i+1, len(parts), name)}
		}
		s, err := r.open(ctx, p, kindMedia)
		if ctx.Err() != nil {
			return nil, fmt.Errorf("join: %w", ctx.Err())
		} else if lectern.ErrorCode(err) == lectern.EINVALID {
			return nil, &lectern.Error{Op: "join", Code: lectern.EINVALID,
				Message: fmt.Sprintf("part %d of %d: %s", i+1, len(parts), lectern.ErrorMessage(err)), Err: err}
		} else if err != nil {
			return nil, fmt.Errorf("join: %w", err)
		}
		srcs[i] = s
		total += s.Duration
	}
	res := &lectern.JoinResult{Reason: mismatch(srcs)}
	var args []string
	if res.Reason == "" {
		res.Copied = true
		list := dst + ".ffconcat"
		if err := writeConcatList(list, srcs); err != nil {
			return nil, fmt.Errorf("join: %w", err)
		}
		defer os.Remove(list)
		args = append(append(args, encodeArgs...), "-protocol_whitelist", "file", "-f", "concat", "-safe", "0", "-i", fileInput(list))
		if first := srcs[0]; first.video >= 0 {
			args = append(args, "-map", "0:"+strconv.Itoa(first.video))
		}
		if first := srcs[0]; first.audio >= 0 {
			args = append(args, "-map", "0:"+strconv.Itoa(first.audio))
		}
		args = append(args, "-c", "copy")
	} else {
		args = append(args, encodeArgs...)
		for _, s := range srcs {
			args = append(args, s.input()...)
		}
		args = append(append(args, joinFilter(srcs)...), "-c:v", "libx264", "-preset", r.settings().preset,
			"-crf", strconv.Itoa(joinCRF), "-pix_fmt", "yuv420p", "-c:a", "aac", "-b:a", "192k", "-fps_mode", "vfr")
	}
	args = append(args, "-map_metadata", "-1", "-f", "matroska", fileInput(dst))
	if err := r.runCommand(ctx, filepath.Dir(dst), args, r.encodeTimeout(total), io.Discard); err != nil {
		os.Remove(dst)
		return nil, fmt.Errorf("join %d parts: %w", len(parts), err)
	}
	out, err := r.open(ctx, dst, kindMedia)
	if err != nil {
		os.Remove(dst)
		return nil, fmt.Errorf("join %d parts: check the result: %w", len(parts), err)
	}
	res.Info = out.Info
	return res, nil
}

// mismatch says why srcs cannot be joined by stream copy; "" when they
// can.
func mismatch(srcs []*Source) string {
	first := srcs[0]
	for i, s := range srcs[1:] {
		switch {
		case s.demuxer != first.demuxer:
			return fmt.Sprintf("part %d is %s, part 1 %s", i+2, s.demuxer, first.demuxer)
		case s.streams != first.streams:
			return fmt.Sprintf("part %d's streams differ from part 1's (%dx%d, %dx%d)", i+2, s.Width, s.Height, first.Width, first.Height)
		}
	}
	return ""
}

// writeConcatList writes the concat demuxer's list of srcs to name,
// synced (see Join).
func writeConcatList(name string, srcs []*Source) error {
	var b strings.Builder
	b.WriteString("ffconcat version 1.0\n")
	for _, s := range srcs {
		if strings.ContainsFunc(s.path, unicode.IsControl) {
			return errors.New("a part's name holds a control character")
		}
		// Inside single quotes everything is literal but the quote,
		// written '\'' (close, escaped quote, open).
		fmt.Fprintf(&b, "file '%s'\noption format_whitelist %s\n",
			strings.ReplaceAll(fileInput(s.path), "'", `'\''`), s.demuxer)
	}
	return os.WriteFile(name, []byte(b.String()), 0o600)
}

// joinFilter is the concat filter's graph of a re-encoded join and its
// -map options: every picture scaled and padded into the largest one,
// every sound resampled to 48 kHz stereo; a part without picture (or
// sound) while others have one gets black (or silence) for its duration.
func joinFilter(srcs []*Source) []string {
	w, h, video, audio := 0, 0, false, false
	for _, s := range srcs {
		if s.HasVideo {
			video = true
			w, h = max(w, s.Width), max(h, s.Height)
		}
		audio = audio || s.HasAudio
	}
	w, h = w+w%2, h+h%2
	var g, cat strings.Builder
	for i, s := range srcs {
		d := strconv.FormatFloat(math.Max(s.Duration, 0.04), 'f', 3, 64)
		if video {
			if s.HasVideo {
				fmt.Fprintf(&g, "[%d:%d]scale=%d:%d:force_original_aspect_ratio=decrease,pad=%d:%d:(ow-iw)/2:(oh-ih)/2,setsar=1,format=yuv420p,settb=AVTB[v%d];",
					i, s.video, w, h, w, h, i)
			} else {
				fmt.Fprintf(&g, "color=c=black:s=%dx%d:r=25:d=%s,setsar=1,format=yuv420p,settb=AVTB[v%d];", w, h, d, i)
			}
			fmt.Fprintf(&cat, "[v%d]", i)
		}
		if audio {
			if s.HasAudio {
				fmt.Fprintf(&g, "[%d:%d]aresample=48000,aformat=sample_fmts=fltp:channel_layouts=stereo[a%d];", i, s.audio, i)
			} else {
				fmt.Fprintf(&g, "anullsrc=r=48000:cl=stereo,atrim=duration=%s,aformat=sample_fmts=fltp[a%d];", d, i)
			}
			fmt.Fprintf(&cat, "[a%d]", i)
		}
	}
	v, a := 0, 0
	var maps []string
	if video {
		v, maps = 1, append(maps, "-map", "[v]")
	}
	if audio {
		a, maps = 1, append(maps, "-map", "[a]")
	}
	fmt.Fprintf(&g, "%sconcat=n=%d:v=%d:a=%d", cat.String(), len(srcs), v, a)
	if video {
		g.WriteString("[v]")
	}
	if audio {
		g.WriteString("[a]")
	}
	return append([]string{"-filter_complex", g.String()}, maps...)
}

// EncodePresentation implements lectern.Joiner: src's picture, no taller
// than 720 lines (never enlarged), to dir/VideoPresentationName, an H.264
// MP4 (faststart) without sound: the player plays it muted beside the
// presenter, whose sound is the lecture's.
func (r *Runner) EncodePresentation(ctx context.Context, src, dir string) (*lectern.Rendition, error) {
	s, err := r.open(ctx, src, kindMedia)
	if ctx.Err() != nil {
		return nil, fmt.Errorf("encode presentation: %w", ctx.Err())
	} else if err != nil {
		return nil, fmt.Errorf("encode presentation: %w", err)
	}
	if !s.HasVideo {
		return nil, &lectern.Error{Op: "encode presentation", Code: lectern.EINVALID,
			Message: fmt.Sprintf("the presentation %s holds no picture", s.name())}
	}
	set := r.settings()
	f := min(1280/float64(s.Width), 720/float64(s.Height), 1)
	w, h := even(float64(s.Width)*f), even(float64(s.Height)*f)
	const bitrate = 3_000_000
	args := []string{"-map", "0:" + strconv.Itoa(s.video), "-an", "-sn", "-dn",
		"-vf", fmt.Sprintf("scale=%d:%d,setsar=1,format=yuv420p", w, h),
		"-c:v", "libx264", "-preset", set.preset, "-crf", strconv.Itoa(set.crf), "-profile:v", "high",
		"-maxrate", formatBitrate(bitrate), "-bufsize", formatBitrate(2 * bitrate), "-fps_mode", "vfr",
		"-map_metadata", "-1", "-movflags", "+faststart", "-f", "mp4", lectern.VideoPresentationName}
	if err := r.runLong(ctx, dir, s, args, r.encodeTimeout(s.Duration), io.Discard); err != nil {
		return nil, fmt.Errorf("encode presentation %s: %w", s.name(), err)
	}
	size, err := fileSize(filepath.Join(dir, lectern.VideoPresentationName))
	if err != nil {
		return nil, fmt.Errorf("encode presentation %s: %w", s.name(), err)
	}
	return &lectern.Rendition{Name: "presentation", Kind: lectern.RenditionPresentation, Path: lectern.VideoPresentationName,
		Width: w, Height: h, VideoBitrate: bitrate, Size: size}, nil
}
