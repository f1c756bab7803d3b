package lectern

import (
	"context"
	"os"
	"path/filepath"
	"time"
)

// MailThumbnailWidth is the width of the still in the manager's mail: a
// mail column's, twice over for sharp screens.
const MailThumbnailWidth = 480

// mailMediaTimeout bounds the probe and the still of one deposit, so that
// a file ffmpeg chokes on delays its mail (and a notify answer) no more.
const mailMediaTimeout = 20 * time.Second

// mailMedia probes deposit t and takes its still for the manager's mail,
// a tenth into the recording (at most half a minute in, as the claim
// list does). Anything that fails leaves the mail without it: the mail
// still goes, and the failure is logged.
func (rt *Router) mailMedia(ctx context.Context, t *Treatment) (time.Duration, []byte) {
	if rt.Thumbnails == nil {
		return 0, nil
	}
	ctx, cancel := context.WithTimeout(ctx, mailMediaTimeout)
	defer cancel()
	log := rt.logger().With("treatment_id", t.ID)
	info, err := rt.Thumbnails.Probe(ctx, t.File)
	if err != nil {
		log.Info("mail without duration nor still: probe", "err", err)
		return 0, nil
	}
	d := time.Duration(info.Duration * float64(time.Second))
	if !info.HasVideo {
		return d, nil
	}
	dir, err := os.MkdirTemp("", "lectern-mail-*")
	if err != nil {
		log.Warn("mail without still: temporary directory", "err", err)
		return d, nil
	}
	defer os.RemoveAll(dir)
	jpg := filepath.Join(dir, "still.jpg")
	if err := rt.Thumbnails.Thumbnail(ctx, t.File, jpg, min(info.Duration/10, 30), MailThumbnailWidth); err != nil {
		log.Info("mail without still: thumbnail", "err", err)
		return d, nil
	}
	b, err := os.ReadFile(jpg)
	if err != nil {
		log.Warn("mail without still: read", "err", err)
		return d, nil
	}
	return d, b
}
