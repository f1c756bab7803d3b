// Package ffmpeg runs the ffmpeg and ffprobe programs: it probes a media
// file (duration, picture size, which streams it has), takes a thumbnail
// from it, and encodes it for the web (Runner.Encode: MP4 renditions, HLS
// over the same streams, an M4A for sound only). Every run is an
// exec.CommandContext bounded by a timeout; a failure reports the end of
// the program's stderr, which is where ffmpeg says what went wrong.
//
// ffmpeg and ffprobe are Lectern's one system dependency (Debian package
// ffmpeg, 5.1 or later: Encode uses -fps_mode). Limits: a probe reads at
// most the first few megabytes of a file (ffprobe's own default); a probe
// or a thumbnail is killed after Runner.Timeout, an encode after
// Runner.EncodeTimeout.
package ffmpeg

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"time"
)

// DefaultTimeout bounds one run of ffmpeg or ffprobe when Runner.Timeout
// is zero.
const DefaultTimeout = 2 * time.Minute

// stderrTail is how much of a program's stderr an error keeps.
const stderrTail = 2048

// Runner runs ffmpeg and ffprobe. The zero value runs "ffmpeg" and
// "ffprobe" from PATH.
type Runner struct {
	FFmpeg  string // path of ffmpeg; "ffmpeg" when empty
	FFprobe string // path of ffprobe; "ffprobe" when empty
	Logger  *slog.Logger
	// Timeout bounds each run of ffprobe, and of ffmpeg for a thumbnail;
	// DefaultTimeout when zero.
	Timeout time.Duration

	// Encoding settings (Encode); the zero values take the defaults.

	// Ladder lists the renditions a video may get; DefaultLadder() when
	// empty.
	Ladder Ladder
	// Preset is libx264's preset; DefaultPreset when empty.
	Preset string
	// X264Params are libx264's options added to the preset
	// (-x264-params, "key=value:key=value"); DefaultX264Params when empty
	// and the preset is DefaultPreset.
	X264Params string
	// CRF is libx264's constant rate factor (1 to 51, lower is better and
	// larger), bounded by each rung's VideoBitrate; DefaultCRF when zero.
	CRF int
	// AudioBitrate is the AAC bitrate of an audio-only source's M4A, in
	// bits per second; DefaultAudioBitrate when zero. An AAC source is
	// copied as it is.
	AudioBitrate int
	// OnePass encodes as Lectern did before the remux: every rung from
	// one decode, offered together at the end; no remux of a
	// browser-ready source, no lowest rung first (ENCODE_REMUX off; the
	// baseline of bench/playable).
	OnePass bool
	// EncodeTimeout bounds Encode's ffmpeg run. When zero: ten minutes
	// plus ten times the source's duration, a guard against a stuck run
	// rather than a budget.
	EncodeTimeout time.Duration
}

// Errors a caller may test with errors.Is.
var (
	// ErrNotMedia: ffprobe could not read the file as audio or video.
	ErrNotMedia = errors.New("not a media file")
	// ErrNoVideo: the file has no picture to take a thumbnail from (audio
	// only, or only a cover image).
	ErrNoVideo = errors.New("no video stream")
)

func (r *Runner) ffmpeg() string {
	if r == nil || r.FFmpeg == "" {
		return "ffmpeg"
	}
	return r.FFmpeg
}

func (r *Runner) ffprobe() string {
	if r == nil || r.FFprobe == "" {
		return "ffprobe"
	}
	return r.FFprobe
}

func (r *Runner) timeout() time.Duration {
	if r == nil || r.Timeout <= 0 {
		return DefaultTimeout
	}
	return r.Timeout
}

func (r *Runner) logger() *slog.Logger {
	if r == nil || r.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return r.Logger
}

// execute runs name with args under the runner's timeout, its stdout to
// stdout. A failure wraps the exit error with the tail of stderr. Only
// open (on the file it checks) and runTo (on a Source) call it.
func (r *Runner) execute(ctx context.Context, stdout io.Writer, name string, args ...string) error {
	ctx, cancel := context.WithTimeout(ctx, r.timeout())
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	stderr := &tailBuffer{max: stderrTail}
	cmd.Stdout, cmd.Stderr = stdout, stderr
	cmd.WaitDelay = 5 * time.Second
	start := time.Now()
	err := cmd.Run()
	r.logger().Debug("ffmpeg run", "program", name, "args", args, "duration", time.Since(start).Round(time.Millisecond), "err", err)
	if err != nil {
		if ctx.Err() == context.DeadlineExceeded {
			err = fmt.Errorf("%w after %s", ctx.Err(), r.timeout())
		}
		if tail := stderr.tail(); tail != "" {
			return fmt.Errorf("%s: %w: %s", name, err, tail)
		}
		return fmt.Errorf("%s: %w", name, err)
	}
	return nil
}

// runTo runs program (ffmpeg or ffprobe) on s: pre, then the options
// that read s as its checked demuxer from the file only, then post.
func (r *Runner) runTo(ctx context.Context, stdout io.Writer, program string, pre []string, s *Source, post []string) error {
	args := append(append(slices.Clip(pre), s.input()...), post...)
	return r.execute(ctx, stdout, program, args...)
}

// tailBuffer keeps the last max bytes written to it.
type tailBuffer struct {
	mu  sync.Mutex
	max int
	buf []byte
}

func (b *tailBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.buf = append(b.buf, p...)
	if len(b.buf) > b.max {
		b.buf = append(b.buf[:0], b.buf[len(b.buf)-b.max:]...)
	}
	return len(p), nil
}

// tail is the kept text on one line, trimmed.
func (b *tailBuffer) tail() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return strings.Join(strings.Fields(string(b.buf)), " ")
}

// fileInput names path for ffmpeg as a plain file, so that a name such as
// "concat:a|b" or "http://…" is never read as another protocol.
func fileInput(path string) string { return "file:" + path }
