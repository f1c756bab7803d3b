package ffmpeg

import (
	"errors"
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
)

// Rung is one step of the encoding ladder: a picture size and the
// bitrates that go with it.
type Rung struct {
	// Name names the rendition and its files: "720p" writes 720p.mp4 and
	// hls/720p.m3u8. Letters, digits, '_' and '-' only.
	Name string
	// Width and Height are the box the picture is scaled into, keeping the
	// source's aspect ratio (a 16:9 source fills it).
	Width, Height int
	// VideoBitrate is the video's maximum bitrate in bits per second
	// (x264's maxrate; the buffer holds two seconds of it).
	VideoBitrate int
	// AudioBitrate is the AAC bitrate in bits per second.
	AudioBitrate int
}

// Ladder is the list of renditions a video may get, from the smallest.
// A source gets every rung whose box it fills in width or height (so
// nothing is upscaled) and always the first rung, kept at the source's
// own size when the source is smaller.
type Ladder []Rung

// DefaultLadder returns Pod's VIDEO_RENDITIONS: 360p, 720p and 1080p.
func DefaultLadder() Ladder {
	return Ladder{
		{Name: "360p", Width: 640, Height: 360, VideoBitrate: 1_000_000, AudioBitrate: 96_000},
		{Name: "720p", Width: 1280, Height: 720, VideoBitrate: 3_000_000, AudioBitrate: 128_000},
		{Name: "1080p", Width: 1920, Height: 1080, VideoBitrate: 4_500_000, AudioBitrate: 192_000},
	}
}

// ParseLadder reads a ladder written as comma-separated rungs
// "name:WIDTHxHEIGHT:video:audio", bitrates in bits per second with an
// optional k or M suffix:
//
//	360p:640x360:1000k:96k,720p:1280x720:3000k:128k,1080p:1920x1080:4500k:192k
//
// It is the format of the ENCODE_LADDER setting and of Ladder.String.
func ParseLadder(s string) (Ladder, error) {
	var l Ladder
	for item := range strings.SplitSeq(s, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		f := strings.Split(item, ":")
		if len(f) != 4 {
			return nil, fmt.Errorf("ladder rung %q: want name:WIDTHxHEIGHT:video:audio", item)
		}
		var r Rung
		r.Name = f[0]
		w, h, ok := strings.Cut(f[1], "x")
		var err1, err2, err3, err4 error
		r.Width, err1 = strconv.Atoi(w)
		r.Height, err2 = strconv.Atoi(h)
		r.VideoBitrate, err3 = parseBitrate(f[2])
		r.AudioBitrate, err4 = parseBitrate(f[3])
		if !ok || err1 != nil || err2 != nil {
			return nil, fmt.Errorf("ladder rung %q: size %q is not WIDTHxHEIGHT", item, f[1])
		}
		if err := errors.Join(err3, err4); err != nil {
			return nil, fmt.Errorf("ladder rung %q: %w", item, err)
		}
		l = append(l, r)
	}
	if err := l.Validate(); err != nil {
		return nil, err
	}
	return l, nil
}

// parseBitrate reads "96k", "4.5M" or "128000".
func parseBitrate(s string) (int, error) {
	mult := 1.0
	num := s
	switch {
	case strings.HasSuffix(s, "k"):
		mult, num = 1e3, s[:len(s)-1]
	case strings.HasSuffix(s, "M"):
		mult, num = 1e6, s[:len(s)-1]
	}
	v, err := strconv.ParseFloat(num, 64)
	if err != nil || v <= 0 || math.IsInf(v, 0) {
		return 0, fmt.Errorf("bitrate %q is not a positive number of bits per second (96k, 4.5M)", s)
	}
	return int(math.Round(v * mult)), nil
}

// formatBitrate writes a bitrate the way ParseLadder reads it.
func formatBitrate(b int) string {
	if b%1000 == 0 {
		return strconv.Itoa(b/1000) + "k"
	}
	return strconv.Itoa(b)
}

// String writes the ladder in ParseLadder's format.
func (l Ladder) String() string {
	parts := make([]string, len(l))
	for i, r := range l {
		parts[i] = fmt.Sprintf("%s:%dx%d:%s:%s", r.Name, r.Width, r.Height, formatBitrate(r.VideoBitrate), formatBitrate(r.AudioBitrate))
	}
	return strings.Join(parts, ",")
}

// MarshalText writes the ladder in ParseLadder's format.
func (l Ladder) MarshalText() ([]byte, error) { return []byte(l.String()), nil }

// UnmarshalText reads a ladder with ParseLadder, so that a configuration
// file or the environment can hold one.
func (l *Ladder) UnmarshalText(b []byte) error {
	v, err := ParseLadder(string(b))
	if err != nil {
		return err
	}
	*l = v
	return nil
}

var rungName = regexp.MustCompile(`^[A-Za-z0-9_-]{1,32}$`)

// Validate checks that the ladder has at least one rung, that names are
// unique file names other than the playlist's and the audio file's, that
// sizes are even and grow from rung to rung, and that bitrates are
// positive.
func (l Ladder) Validate() error {
	if len(l) == 0 {
		return errors.New("ladder: no rung")
	}
	seen := map[string]bool{}
	for i, r := range l {
		switch {
		case !rungName.MatchString(r.Name):
			return fmt.Errorf("ladder rung %d: name %q: letters, digits, _ and - only", i+1, r.Name)
		case r.Name == "master" || r.Name == "audio" || r.Name == remuxSourceName || r.Name == "source":
			return fmt.Errorf("ladder rung %d: name %q is reserved", i+1, r.Name)
		case seen[r.Name]:
			return fmt.Errorf("ladder rung %d: name %q used twice", i+1, r.Name)
		case r.Width < 2 || r.Height < 2 || r.Width%2 != 0 || r.Height%2 != 0 || r.Width > 8192 || r.Height > 8192:
			return fmt.Errorf("ladder rung %s: size %dx%d: even, from 2 to 8192", r.Name, r.Width, r.Height)
		case i > 0 && (r.Width <= l[i-1].Width || r.Height <= l[i-1].Height):
			return fmt.Errorf("ladder rung %s: %dx%d is not larger than %s", r.Name, r.Width, r.Height, l[i-1].Name)
		case r.VideoBitrate <= 0 || r.AudioBitrate <= 0:
			return fmt.Errorf("ladder rung %s: bitrates must be positive", r.Name)
		}
		seen[r.Name] = true
	}
	return nil
}

// output is a rung as a given source gets it.
type output struct {
	Rung
	W, H int // the rendition's picture size
}

// outputs returns the rungs a width×height source gets and the size of
// each. A rung is kept when the source fills its box in width or in
// height, so the picture is never upscaled and is as large as the box
// allows; the first rung is always kept, scaled down into its box or at
// the source's size (made even) when smaller. Sizes keep the aspect ratio
// and are even, as yuv420p requires.
func (l Ladder) outputs(width, height int) []output {
	var outs []output
	for i, r := range l {
		if i > 0 && width < r.Width && height < r.Height {
			continue
		}
		f := min(float64(r.Width)/float64(width), float64(r.Height)/float64(height), 1)
		o := output{Rung: r, W: even(float64(width) * f), H: even(float64(height) * f)}
		if len(outs) > 0 && o.W == outs[len(outs)-1].W && o.H == outs[len(outs)-1].H {
			continue // a box the source fills only as much as the last one
		}
		outs = append(outs, o)
	}
	return outs
}

// even rounds to the nearest even number, at least 2.
func even(v float64) int {
	return max(2, 2*int(math.Round(v/2)))
}
