package ffmpeg

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// DefaultThumbnailWidth is the width of a thumbnail when none is asked.
const DefaultThumbnailWidth = 320

// Thumbnail writes one JPEG frame of src, taken at second at, to dst,
// width pixels wide (never wider than the source; the height keeps the
// aspect ratio). A time past the end takes the middle of the file. src
// goes through Open first: a file it refuses is an EINVALID error
// (ErrNotMedia), an audio-only source ErrNoVideo. dst is written through
// a temporary file beside it and renamed, so a reader never sees half a
// picture.
func (r *Runner) Thumbnail(ctx context.Context, src, dst string, at float64, width int) error {
	s, err := r.open(ctx, src, kindMedia)
	if err != nil {
		return fmt.Errorf("thumbnail: %w", err)
	}
	if !s.HasVideo {
		return fmt.Errorf("thumbnail of %s: %w (audio only)", s.name(), ErrNoVideo)
	}
	if at < 0 || (s.Duration > 0 && at >= s.Duration) {
		at = s.Duration / 2
	}
	return r.still(ctx, s, dst, at, width)
}

// ScalePicture implements lectern.Thumbnailer: it writes the picture src
// (one JPEG, PNG or GIF, read as such whatever its name) to dst as a JPEG
// width pixels wide, never wider than it is. A file that is not one such
// picture is an EINVALID error (ErrNotMedia).
func (r *Runner) ScalePicture(ctx context.Context, src, dst string, width int) error {
	s, err := r.open(ctx, src, kindPicture)
	if err != nil {
		return fmt.Errorf("scale picture: %w", err)
	}
	return r.still(ctx, s, dst, 0, width)
}

// still writes s's frame at second at to dst, as Thumbnail says.
func (r *Runner) still(ctx context.Context, s *Source, dst string, at float64, width int) error {
	if width <= 0 {
		width = DefaultThumbnailWidth
	}
	return r.stills(ctx, s, at, true, []stillOut{{dst: dst, width: width}})
}

// stillOut is one picture stills writes: dst, width pixels wide (never
// wider than the frame; the height keeps the aspect ratio).
type stillOut struct {
	dst   string
	width int
}

// keyframeStills writes, from the rendition file src that an encode has
// just written (an MP4: no probe), the keyframe at or before second at
// as one JPEG per out. The seek lands on that keyframe and it is the
// first frame decoded (no decoding on to the instant), once for every
// picture: the thumbnail and the poster cost a fraction of a second of
// CPU whatever the rendition's size and keyframe interval.
func (r *Runner) keyframeStills(ctx context.Context, src string, at float64, outs []stillOut) error {
	return r.stills(ctx, &Source{path: src, demuxer: "mov"}, at, false, outs)
}

// stills decodes one frame of s, at second at (exact: the frame at that
// instant; else the keyframe at or before it, -noaccurate_seek), and
// writes it as one JPEG per out, each through a temporary file beside it
// renamed into place, so a reader never sees half a picture.
func (r *Runner) stills(ctx context.Context, s *Source, at float64, exact bool, outs []stillOut) error {
	var graph strings.Builder
	fmt.Fprintf(&graph, "[0:v:0]split=%d", len(outs))
	for i := range outs {
		fmt.Fprintf(&graph, "[s%d]", i)
	}
	var post []string
	tmps := make([]string, len(outs))
	defer func() {
		for _, t := range tmps {
			if t != "" {
				os.Remove(t) // gone after the rename
			}
		}
	}()
	for i, o := range outs {
		fmt.Fprintf(&graph, ";[s%d]scale='min(%d,iw)':-2[o%d]", i, o.width, i)
		tmp, err := os.CreateTemp(filepath.Dir(o.dst), ".thumb-*.jpg")
		if err != nil {
			return fmt.Errorf("thumbnail of %s: %w", s.name(), err)
		}
		tmps[i] = tmp.Name()
		tmp.Close()
		post = append(post, "-map", fmt.Sprintf("[o%d]", i), "-frames:v", "1", "-q:v", "4",
			"-f", "image2", "-update", "1", "-c:v", "mjpeg", tmps[i])
	}
	pre := []string{"-nostdin", "-hide_banner", "-loglevel", "error", "-y"}
	if !exact {
		pre = append(pre, "-noaccurate_seek")
	}
	if at > 0 {
		pre = append(pre, "-ss", strconv.FormatFloat(at, 'f', 3, 64))
	}
	if err := r.runTo(ctx, io.Discard, r.ffmpeg(), pre, s, append([]string{"-filter_complex", graph.String()}, post...)); err != nil {
		return fmt.Errorf("thumbnail of %s: %w", s.name(), err)
	}
	for i, o := range outs {
		if fi, err := os.Stat(tmps[i]); err != nil || fi.Size() == 0 {
			return fmt.Errorf("thumbnail of %s: ffmpeg wrote no frame at %.3f s", s.name(), at)
		}
		if err := os.Rename(tmps[i], o.dst); err != nil {
			return fmt.Errorf("thumbnail of %s: %w", s.name(), err)
		}
		tmps[i] = ""
	}
	return nil
}
