package opencast

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"lectern"
)

// DefaultExpiry is IngestConfig.Expiry when unset (UPLOAD_EXPIRY).
const DefaultExpiry = 24 * time.Hour

// sweepInterval is how often a running ingest service sweeps.
const sweepInterval = time.Hour

// Sweep removes the staging folders of media packages that were never
// ingested and in which nothing changed for Expiry (an agent that gave
// up, or died between its calls), and archives left by a
// addZippedMediaPackage that was cut off. A package being uploaded to
// is never idle: its temporary file's modification time moves with each
// write. Ingested packages stay: their files are their deposit's. It
// returns how many it removed.
func (h *Ingest) Sweep(ctx context.Context) (int, error) {
	before := h.now().Add(-h.expiry())
	dirs, err := os.ReadDir(h.cfg.Root)
	if err != nil {
		return 0, err
	}
	removed := 0
	for _, d := range dirs {
		if err := ctx.Err(); err != nil {
			return removed, err
		}
		if !d.IsDir() || !lectern.ValidDirectory(d.Name()) {
			continue
		}
		staging := filepath.Join(h.cfg.Root, d.Name(), stagingDir)
		entries, err := os.ReadDir(staging)
		if err != nil {
			continue // no staging folder
		}
		for _, e := range entries {
			name := e.Name()
			switch {
			case strings.HasPrefix(name, ".incoming-") && !e.IsDir():
				if fi, err := e.Info(); err == nil && fi.ModTime().Before(before) {
					if os.Remove(filepath.Join(staging, name)) == nil {
						removed++
					}
				}
			case e.IsDir() && ValidID(name):
				if h.sweepPackage(&lectern.Recorder{Name: d.Name(), Directory: d.Name()}, name, before) {
					removed++
				}
			}
		}
	}
	return removed, nil
}

// sweepPackage removes package id of the recorder folder rec.Directory
// when it was never ingested (or has no state: a crash while it was
// made) and nothing in it changed since before.
func (h *Ingest) sweepPackage(rec *lectern.Recorder, id string, before time.Time) bool {
	p, err := h.openPackage(rec, id, true)
	if err != nil {
		return false
	}
	defer p.Close()
	// The folder's own time first: making the lock file moves it.
	if fi, err := os.Stat(p.dir); err != nil || !fi.ModTime().Before(before) {
		return false
	}
	if err := p.lockNow(); err != nil {
		return false
	}
	if s, err := p.load(); err == nil && !s.IngestedAt.IsZero() {
		return false
	} else if err != nil && lectern.ErrorCode(err) != lectern.ENOTFOUND {
		return false
	}
	entries, err := os.ReadDir(p.dir)
	if err != nil {
		return false
	}
	for _, e := range entries {
		if e.Name() == lockFile {
			continue // just touched by this sweep
		}
		if fi, err := e.Info(); err != nil || !fi.ModTime().Before(before) {
			return false
		}
	}
	if err := p.rec.RemoveAll(stagingDir + "/" + id); err != nil {
		h.log.Warn("remove idle media package", "media_package", id, "err", err)
		return false
	}
	h.log.Info("idle media package removed: never ingested", "media_package", id, "recorder_dir", rec.Directory,
		"idle_since", before)
	return true
}

func (h *Ingest) expiry() time.Duration {
	if h.cfg.Expiry > 0 {
		return h.cfg.Expiry
	}
	return DefaultExpiry
}

// Start sweeps now and then every hour until ctx ends or Stop is
// called.
func (h *Ingest) Start(ctx context.Context) {
	ctx, cancel := context.WithCancel(ctx)
	h.stop = cancel
	h.wg.Add(1)
	go func() {
		defer h.wg.Done()
		t := time.NewTicker(sweepInterval)
		defer t.Stop()
		for {
			if n, err := h.Sweep(ctx); err != nil && ctx.Err() == nil {
				h.log.Error("sweep media packages", "err", err)
			} else if n > 0 {
				h.log.Info("media packages swept", "removed", n)
			}
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
		}
	}()
}

// Stop ends the sweeps and waits for the one under way. It may be called
// more than once, and without Start.
func (h *Ingest) Stop() {
	if h.stop != nil {
		h.stop()
	}
	h.wg.Wait()
}

// sweeper holds a running service's sweep loop.
type sweeper struct {
	stop context.CancelFunc
	wg   sync.WaitGroup
}
