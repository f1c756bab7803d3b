package web

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"lectern/avc"
)

// Thumbnails and durations of deposits are cached in DATA_DIR/thumbnails:
// <treatment id>.jpg and <treatment id>.json, the latter keyed by the
// source's size and modification time so that a file replaced under the
// same name is probed again. A failed probe or thumbnail is remembered
// too: ffmpeg runs at most once per version of a file.
//
// An audiovideocast ZIP is not probed (ffprobe cannot read inside it, and
// extracting the media to probe it is no job for a page): avc.Open checks
// it, its SMIL's slide count stands for the duration, and its thumbnail is
// its first slide, written to <treatment id>.slide for ffmpeg to scale
// (kept as is when ffmpeg cannot), then removed.
//
// The tool reads a deposit only when ffprobe names a container Lectern
// accepts (lectern.Thumbnailer): a playlist named .mp4 is a deposit
// without thumbnail or duration, never a picture of the file it names.

// thumbnailWidth is the width of the claim list's thumbnails: twice a
// card's picture on a phone.
const thumbnailWidth = 480

// mediaRuns bounds the ffmpeg and ffprobe processes the pages start at
// once.
const mediaRuns = 2

// mediaEntry is what the cache knows of one deposit.
type mediaEntry struct {
	Size     int64   `json:"size"`
	ModTime  int64   `json:"mtime"` // Unix nanoseconds
	Probed   bool    `json:"probed"`
	Duration float64 `json:"duration"` // seconds; 0: unknown
	HasVideo bool    `json:"has_video"`
	Thumb    string  `json:"thumb"`             // thumbOK, thumbNone or "" (not tried yet)
	Archive  bool    `json:"archive,omitempty"` // an audiovideocast ZIP, Probed once avc.Open took it
	Slides   int     `json:"slides,omitempty"`  // the archive's slides
}

const (
	thumbOK   = "ok"
	thumbNone = "none" // no picture: audio only, not media, or ffmpeg failed
)

// mediaCache probes deposits and takes their thumbnails, once per version
// of a file.
type mediaCache struct {
	dir    string      // DATA_DIR/thumbnails; "" keeps nothing
	tool   Thumbnailer // nil: nothing is probed
	zip    avc.Limits
	logger *slog.Logger
	locks  [64]sync.Mutex // by treatment id: one run per deposit at a time
	runs   chan struct{}
}

func newMediaCache(dataDir string, tool Thumbnailer, zip avc.Limits, logger *slog.Logger) *mediaCache {
	c := &mediaCache{tool: tool, zip: zip, logger: logger, runs: make(chan struct{}, mediaRuns)}
	if dataDir != "" {
		c.dir = filepath.Join(dataDir, "thumbnails")
	}
	return c
}

func (c *mediaCache) enabled() bool { return c.dir != "" && c.tool != nil }

func (c *mediaCache) paths(id int64) (jpg, meta string) {
	base := filepath.Join(c.dir, strconv.FormatInt(id, 10))
	return base + ".jpg", base + ".json"
}

// slidePath is where an archive's first slide is written for ffmpeg: no
// picture extension, so that ffmpeg tells JPEG from PNG by the content.
func (c *mediaCache) slidePath(id int64) string {
	return filepath.Join(c.dir, strconv.FormatInt(id, 10)+".slide")
}

// isArchive tells a deposit that is an audiovideocast ZIP, as the intake
// does: by its extension.
func isArchive(file string) bool { return strings.EqualFold(filepath.Ext(file), ".zip") }

// load returns the cached entry of deposit id when it still describes
// the file (same size and modification time), else a fresh entry with
// the file's key. An entry written before ZIPs were read as archives
// (ffprobe failed on them) is not the file's either.
func (c *mediaCache) load(id int64, file string) (mediaEntry, error) {
	fi, err := os.Stat(file)
	if err != nil {
		return mediaEntry{}, err
	}
	fresh := mediaEntry{Size: fi.Size(), ModTime: fi.ModTime().UnixNano()}
	_, meta := c.paths(id)
	b, err := os.ReadFile(meta)
	if err != nil {
		return fresh, nil
	}
	var e mediaEntry
	if json.Unmarshal(b, &e) != nil || e.Size != fresh.Size || e.ModTime != fresh.ModTime || e.Archive != isArchive(file) {
		return fresh, nil
	}
	return e, nil
}

// save writes e through a temporary file, so a reader never sees half of
// it.
func (c *mediaCache) save(id int64, e mediaEntry) error {
	if err := os.MkdirAll(c.dir, 0o750); err != nil {
		return err
	}
	_, meta := c.paths(id)
	b, _ := json.Marshal(e)
	tmp := meta + ".tmp"
	if err := os.WriteFile(tmp, b, 0o640); err != nil {
		return err
	}
	return os.Rename(tmp, meta)
}

// run waits for a free ffmpeg slot, then calls f.
func (c *mediaCache) run(ctx context.Context, f func() error) error {
	select {
	case c.runs <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() { <-c.runs }()
	return f()
}

// probed returns e probed: from the cache, or by running ffprobe now.
// The caller holds the deposit's lock.
func (c *mediaCache) probed(ctx context.Context, id int64, file string, e mediaEntry) (mediaEntry, error) {
	if e.Probed || e.Thumb != "" {
		return e, nil // a failed probe is remembered by Thumb
	}
	if isArchive(file) {
		return c.openedArchive(id, file, e)
	}
	err := c.run(ctx, func() error {
		info, err := c.tool.Probe(ctx, file)
		if err != nil {
			return err
		}
		e.Probed, e.Duration, e.HasVideo = true, info.Duration, info.HasVideo
		return nil
	})
	if ctx.Err() != nil {
		return e, ctx.Err() // not the file's fault: try again next time
	}
	if err != nil {
		c.logger.Warn("probe deposit", "treatment_id", id, "file", file, "err", err)
		e.Thumb = thumbNone
	}
	return e, c.save(id, e)
}

// openedArchive returns e with what avc.Open says of the ZIP file: its
// slide count, or thumbNone when the archive is refused.
func (c *mediaCache) openedArchive(id int64, file string, e mediaEntry) (mediaEntry, error) {
	e.Archive = true
	a, err := avc.Open(file, c.zip)
	if err != nil {
		c.logger.Warn("open deposited archive", "treatment_id", id, "file", file, "err", err)
		e.Thumb = thumbNone
		return e, c.save(id, e)
	}
	e.Probed, e.Slides = true, len(a.Presentation().Slides)
	a.Close()
	return e, c.save(id, e)
}

// slideThumbnail writes archive file's first slide to jpg: scaled by
// ffmpeg, or as is (a JPEG, PNG or GIF that avc checked) when ffmpeg
// fails on it.
func (c *mediaCache) slideThumbnail(ctx context.Context, id int64, file, jpg string) error {
	a, err := avc.Open(file, c.zip)
	if err != nil {
		return err
	}
	defer a.Close()
	if err := os.MkdirAll(c.dir, 0o750); err != nil {
		return err
	}
	slide := c.slidePath(id)
	os.Remove(slide) // left by a crash; the deposit's lock is held
	if _, err := a.FirstSlide(ctx, slide); err != nil {
		return err
	}
	defer os.Remove(slide) // gone after a rename
	err = c.run(ctx, func() error { return c.tool.ScalePicture(ctx, slide, jpg, thumbnailWidth) })
	if err == nil || ctx.Err() != nil {
		return err
	}
	c.logger.Info("scale first slide: kept as is", "treatment_id", id, "file", file, "err", err)
	return os.Rename(slide, jpg)
}

// info returns what the cache knows of deposit id, probing it when the
// file is new or changed. ok is false when nothing is known.
func (c *mediaCache) info(ctx context.Context, id int64, file string) (e mediaEntry, ok bool) {
	if !c.enabled() {
		return mediaEntry{}, false
	}
	mu := &c.locks[uint64(id)%uint64(len(c.locks))]
	mu.Lock()
	defer mu.Unlock()
	e, err := c.load(id, file)
	if err == nil {
		e, err = c.probed(ctx, id, file, e)
	}
	if err != nil {
		if !errors.Is(err, context.Canceled) && !errors.Is(err, context.DeadlineExceeded) {
			c.logger.Warn("deposit media info", "treatment_id", id, "err", err)
		}
		return e, false
	}
	return e, e.Probed
}

// thumbnail returns the path of deposit id's thumbnail, taking it the
// first time: a JPEG, or an archive's first slide as is when ffmpeg could
// not scale it (JPEG, PNG or GIF); "" when the file has no picture or
// ffmpeg failed, and then audio tells whether it is a sound.
func (c *mediaCache) thumbnail(ctx context.Context, id int64, file string) (jpg string, audio bool) {
	if !c.enabled() {
		return "", false
	}
	mu := &c.locks[uint64(id)%uint64(len(c.locks))]
	mu.Lock()
	defer mu.Unlock()
	e, err := c.load(id, file)
	if err == nil {
		e, err = c.probed(ctx, id, file, e)
	}
	if err != nil {
		return "", false
	}
	jpg, _ = c.paths(id)
	if e.Thumb == thumbOK {
		if _, err := os.Stat(jpg); err == nil {
			return jpg, false
		}
		e.Thumb = "" // the picture was removed: take it again
	}
	switch {
	case e.Archive && (e.Thumb == thumbNone || e.Slides == 0):
		return "", false
	case e.Archive:
		err = c.slideThumbnail(ctx, id, file, jpg)
	case e.Thumb == thumbNone || !e.HasVideo:
		return "", e.Probed && !e.HasVideo
	default:
		err = c.run(ctx, func() error { return c.tool.Thumbnail(ctx, file, jpg, thumbnailAt(e.Duration), thumbnailWidth) })
	}
	if ctx.Err() != nil {
		return "", false
	}
	e.Thumb = thumbOK
	if err != nil {
		c.logger.Warn("deposit thumbnail", "treatment_id", id, "file", file, "err", err)
		e.Thumb = thumbNone
	}
	if err := c.save(id, e); err != nil {
		c.logger.Warn("save thumbnail cache", "treatment_id", id, "err", err)
	}
	if e.Thumb != thumbOK {
		return "", false
	}
	return jpg, false
}

// thumbnailAt picks the moment of a thumbnail: a tenth into the
// recording, where a lecture has begun, at most half a minute in.
func thumbnailAt(duration float64) float64 {
	return min(duration/10, 30)
}

// forget drops what the cache holds of deposit id.
func (c *mediaCache) forget(id int64) {
	if c.dir == "" {
		return
	}
	jpg, meta := c.paths(id)
	for _, p := range []string{jpg, meta, c.slidePath(id)} {
		if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
			c.logger.Warn("remove cached thumbnail", "path", p, "err", err)
		}
	}
}

// clockDuration writes seconds as a player does: "0:42", "12:05",
// "1:02:03".
func clockDuration(seconds float64) string {
	d := time.Duration(seconds * float64(time.Second)).Round(time.Second)
	h, m, s := int(d/time.Hour), int(d%time.Hour/time.Minute), int(d%time.Minute/time.Second)
	if h > 0 {
		return fmt.Sprintf("%d:%02d:%02d", h, m, s)
	}
	return fmt.Sprintf("%d:%02d", m, s)
}
