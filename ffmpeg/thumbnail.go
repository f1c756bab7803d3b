package ffmpeg

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
)

// DefaultThumbnailWidth is the width of a thumbnail when none is asked.
const DefaultThumbnailWidth = 320

// Thumbnail writes one JPEG frame of src, taken at second at, to dst,
// width pixels wide (never wider than the source; the height keeps the
// aspect ratio). A time past the end takes the middle of the file. An
// audio-only source is ErrNoVideo, a file that is not media ErrNotMedia.
// dst is written through a temporary file beside it and renamed, so a
// reader never sees half a picture.
func (r *Runner) Thumbnail(ctx context.Context, src, dst string, at float64, width int) error {
	info, err := r.Probe(ctx, src)
	if err != nil {
		return fmt.Errorf("thumbnail: %w", err)
	}
	if !info.HasVideo {
		return fmt.Errorf("thumbnail of %s: %w (audio only)", filepath.Base(src), ErrNoVideo)
	}
	if width <= 0 {
		width = DefaultThumbnailWidth
	}
	if at < 0 || (info.Duration > 0 && at >= info.Duration) {
		at = info.Duration / 2
	}
	tmp, err := os.CreateTemp(filepath.Dir(dst), ".thumb-*.jpg")
	if err != nil {
		return fmt.Errorf("thumbnail of %s: %w", filepath.Base(src), err)
	}
	tmpName := tmp.Name()
	tmp.Close()
	defer os.Remove(tmpName) // gone after the rename
	w := strconv.Itoa(width)
	_, err = r.run(ctx, r.ffmpeg(), "-nostdin", "-hide_banner", "-loglevel", "error", "-y",
		"-ss", strconv.FormatFloat(at, 'f', 3, 64), "-i", fileInput(src),
		"-map", "0:v:0", "-frames:v", "1", "-vf", "scale='min("+w+",iw)':-2", "-q:v", "4",
		"-f", "image2", "-c:v", "mjpeg", tmpName)
	if err != nil {
		return fmt.Errorf("thumbnail of %s: %w", filepath.Base(src), err)
	}
	if fi, err := os.Stat(tmpName); err != nil || fi.Size() == 0 {
		return fmt.Errorf("thumbnail of %s: ffmpeg wrote no frame at %.3f s", filepath.Base(src), at)
	}
	if err := os.Rename(tmpName, dst); err != nil {
		return fmt.Errorf("thumbnail of %s: %w", filepath.Base(src), err)
	}
	return nil
}
