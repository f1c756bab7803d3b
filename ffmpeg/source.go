package ffmpeg

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"lectern"
)

// Every file ffmpeg reads goes through open, and only a *Source (which
// open alone makes) reaches run and runLong: a deposit is a file chosen
// by whoever uploaded it, and ffmpeg's demuxers do not all stop at one
// file. An HLS playlist or a concat script named lecture.mp4 names other
// files by absolute path, and ffmpeg reads them: encoding it would copy
// another user's video, or another recorder's pending deposit, into the
// uploader's. So open asks ffprobe, reading the file only (-protocol_whitelist
// file, the name given as file:<path>) and allowed to pick only an
// accepted demuxer (-format_whitelist: any other is refused before it
// reads anything past the first bytes), which demuxer the file is; every
// later run forces that demuxer with -f, so a file swapped for a playlist
// between the probe and the encode is read as what it was checked to be.

// containers are the demuxers a deposit may be read with: the real
// containers of Pod's VIDEO_ALLOWED_EXTENSIONS (3gp m4v mov mp4: mov; mkv
// webm: matroska; avi divx; flv; m2p mpeg mpg: mpeg program stream; mts
// ts: mpegts; wmv wma: asf; mp3; ogg; wav) and the raw MPEG video
// elementary streams a .m4v or .mpg may hold. None of them opens another
// file (mov's external data references stay off: its enable_drefs
// option defaults to false). Each is the first name of ffprobe's
// format_name, which -f takes.
var containers = []string{"mov", "matroska", "avi", "flv", "mpeg", "mpegts", "asf", "mp3", "ogg", "wav", "m4v", "mpegvideo"}

// pictures are the demuxers a still picture (a slide) may be read with:
// one JPEG, PNG or GIF, never image2, whose file names are patterns that
// read sequences.
var pictures = []string{"jpeg_pipe", "png_pipe", "gif"}

// kind is what open accepts.
type kind int

const (
	kindMedia   kind = iota // audio or video in one of containers
	kindPicture             // one picture in one of pictures
)

func (k kind) allowed() []string {
	if k == kindPicture {
		return pictures
	}
	return containers
}

// article names what k accepts, for "x is not ...".
func (k kind) article() string {
	if k == kindPicture {
		return "a picture"
	}
	return "an audio or video file"
}

func (k kind) String() string {
	if k == kindPicture {
		return "picture"
	}
	return "media container"
}

// Source is a file open has checked: its absolute path, the demuxer
// every later run forces, and what ffprobe read in it. Only open makes
// one.
type Source struct {
	path    string // absolute
	demuxer string // the name ffmpeg's -f takes: "mov", "matroska", ...
	Info
	video, audio  int    // stream indexes of the picture and the sound used; -1 if none
	audioCodec    string // "aac", "mp3", ...
	audioBitrate  int    // bits per second; 0 when unknown
	audioProfile  string // "LC", "HE-AAC", ...
	audioChannels int
	pic           picture
	interlaced    bool // the picture is stored as fields
	// streams describes every stream (codec, profile, size, pixel
	// format, time base, sound's rate and channels): parts with the same
	// streams and demuxer join by stream copy (Join).
	streams string
}

// input is the part of a command line that reads s: the checked demuxer,
// from the file only.
func (s *Source) input() []string {
	return []string{"-protocol_whitelist", "file", "-f", s.demuxer, "-i", fileInput(s.path)}
}

// name is the file's base name, for messages.
func (s *Source) name() string { return filepath.Base(s.path) }

// Open reads path with ffprobe and returns it as a Source when it is
// audio or video in a container Lectern accepts. A file that is not
// media, or that ffprobe reads as anything else (a playlist, a concat
// script, a picture, text), is an EINVALID *lectern.Error saying why,
// wrapping ErrNotMedia; a file ffprobe cannot reach (missing, the
// program absent, a timeout) is another error.
func (r *Runner) Open(ctx context.Context, path string) (*Source, error) {
	return r.open(ctx, path, kindMedia)
}

// open is the one way a file becomes a Source: ffprobe, reading that file
// alone with one of k's demuxers, says which demuxer it is and what it
// holds.
func (r *Runner) open(ctx context.Context, path string, k kind) (*Source, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("probe %s: %w", filepath.Base(path), err)
	}
	name := filepath.Base(abs)
	allowed := strings.Join(k.allowed(), ",")
	var out bytes.Buffer
	err = r.execute(ctx, &out, r.ffprobe(), "-v", "error", "-protocol_whitelist", "file", "-format_whitelist", allowed,
		"-print_format", "json", "-show_format", "-show_streams", fileInput(abs))
	var notRun *exec.Error
	switch _, statErr := os.Stat(abs); {
	case err == nil:
	case statErr != nil:
		// Not a verdict on the file: it is missing (it may come back).
		return nil, fmt.Errorf("probe %s: %w", name, statErr)
	case ctx.Err() != nil, errors.Is(err, context.DeadlineExceeded), errors.As(err, &notRun):
		// Not a verdict on the file either: ffprobe was stopped, or is
		// missing.
		return nil, fmt.Errorf("probe %s: %w", name, err)
	case strings.Contains(err.Error(), "Format not on whitelist"):
		return nil, r.refused(ctx, abs, k, allowed)
	default:
		return nil, &lectern.Error{Op: "probe", Code: lectern.EINVALID,
			Message: fmt.Sprintf("%s is not %s", name, k.article()), Err: fmt.Errorf("%w: %w", ErrNotMedia, err)}
	}
	s, err := parseProbe(out.Bytes())
	if err != nil {
		return nil, fmt.Errorf("probe %s: %w", name, err)
	}
	s.path = abs
	if !slices.Contains(k.allowed(), s.demuxer) {
		// -format_whitelist matches any of a demuxer's names: keep to the
		// first, the one -f takes.
		return nil, refusal(name, k, s.demuxer)
	}
	if k == kindMedia {
		if !s.HasVideo && !s.HasAudio {
			return nil, &lectern.Error{Op: "probe", Code: lectern.EINVALID,
				Message: fmt.Sprintf("%s holds neither sound nor picture", name), Err: ErrNotMedia}
		}
		if s.Duration == 0 {
			// The container and its streams state no duration (a WebM
			// written to a pipe): read it from the packets. Failing that
			// (a file too long to read within the timeout), the duration
			// stays unknown: the file is still media.
			if s.Duration, err = r.packetDuration(ctx, s); ctx.Err() != nil {
				return nil, fmt.Errorf("probe %s: %w", name, ctx.Err())
			} else if err != nil {
				r.logger().Warn("duration unknown", "file", abs, "err", err)
			}
		}
	} else if !s.HasVideo {
		return nil, &lectern.Error{Op: "probe", Code: lectern.EINVALID,
			Message: fmt.Sprintf("%s holds no picture", name), Err: ErrNotMedia}
	}
	return s, nil
}

// probedFormat finds the demuxer ffprobe picked in its debug log.
var probedFormat = regexp.MustCompile(`Format (\S+) probed with size=`)

// refused runs ffprobe again, stopping at the same point, to name the
// demuxer it picked, and returns the refusal.
func (r *Runner) refused(ctx context.Context, abs string, k kind, allowed string) error {
	err := r.execute(ctx, io.Discard, r.ffprobe(), "-v", "debug", "-protocol_whitelist", "file", "-format_whitelist", allowed, fileInput(abs))
	demuxer := "another format"
	if err != nil {
		if m := probedFormat.FindStringSubmatch(err.Error()); m != nil {
			demuxer = m[1]
		}
	}
	return refusal(filepath.Base(abs), k, demuxer)
}

// refusal is the EINVALID error of a file read by a demuxer not on k's
// list.
func refusal(name string, k kind, demuxer string) error {
	what := ""
	switch {
	case slices.Contains([]string{"hls", "concat", "ffconcat", "m3u"}, demuxer):
		what = " (a playlist, which names other files)"
	case demuxer == "image2" || strings.HasSuffix(demuxer, "_pipe") || demuxer == "gif" || demuxer == "webp":
		what = " (a picture)"
	case demuxer == "tty":
		what = " (text)"
	case demuxer == "lavfi":
		what = " (a filter graph)"
	}
	return &lectern.Error{Op: "probe", Code: lectern.EINVALID,
		Message: fmt.Sprintf("%s is not a %s Lectern accepts: ffprobe reads it as %s%s", name, k, demuxer, what),
		Err:     ErrNotMedia}
}

// packetDuration reads every packet of s (a demux, no decode: the time of
// reading the file) and returns where the last one ends, in seconds.
func (r *Runner) packetDuration(ctx context.Context, s *Source) (float64, error) {
	end := &packetEnd{}
	err := r.runTo(ctx, end, r.ffprobe(), []string{"-v", "error"}, s,
		[]string{"-show_entries", "packet=pts_time,dts_time,duration_time", "-of", "csv=p=0"})
	if err != nil {
		return 0, fmt.Errorf("read packets: %w", err)
	}
	return end.seconds, nil
}

// packetEnd reads ffprobe's "pts_time,dts_time,duration_time" lines as
// they come (a raw stream's packets have no pts: their dts stands for
// it), keeping the latest end, so that a long file's packets are never
// all in memory.
type packetEnd struct {
	line    []byte
	seconds float64
}

func (p *packetEnd) Write(b []byte) (int, error) {
	n := len(b)
	for len(b) > 0 {
		i := bytes.IndexByte(b, '\n')
		if i < 0 {
			if len(p.line) < 256 {
				p.line = append(p.line, b...)
			}
			break
		}
		p.line = append(p.line, b[:i]...)
		b = b[i+1:]
		f := strings.Split(strings.TrimSpace(string(p.line)), ",")
		p.line = p.line[:0]
		if len(f) != 3 {
			continue
		}
		t := seconds(f[0])
		if f[0] == "N/A" {
			t = seconds(f[1])
		}
		if t > 0 {
			p.seconds = max(p.seconds, t+seconds(f[2]))
		}
	}
	return n, nil
}
