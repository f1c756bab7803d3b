package upload

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	tushandler "github.com/tus/tusd/v2/pkg/handler"

	"lectern"
)

// Recover tidies TempDir: it finishes the tus uploads whose last byte
// arrived but which were not deposited (the server stopped in between),
// removes the tus uploads and multipart temporary files (a multipart
// upload cannot resume) idle for longer than Config.Expiry, and
// tombstones older than DoneKeep. Idleness is read from the files' times,
// so an upload expires on time across restarts. Run it at start, before
// serving; Start runs it again every Config.SweepInterval while serving,
// which is safe: it takes each upload's lock and touches only idle files.
// It returns the first error and goes on after it.
func (h *Handler) Recover(ctx context.Context) error {
	var first error
	fail := func(err error) {
		if err != nil {
			h.logger.Warn("recover uploads", "err", err)
			if first == nil {
				first = err
			}
		}
	}
	now := h.now()
	idle := func(path string, keep time.Duration) bool {
		fi, err := os.Stat(path)
		return err == nil && now.Sub(fi.ModTime()) > keep
	}
	multipart, err := filepath.Glob(filepath.Join(h.cfg.TempDir, multipartPattern))
	fail(err)
	for _, p := range multipart {
		if idle(p, h.cfg.Expiry) {
			fail(os.Remove(p))
		}
	}

	s := h.tus
	entries, err := os.ReadDir(s.dir)
	if err != nil {
		fail(fmt.Errorf("read %s: %w", s.dir, err))
		return first
	}
	for _, e := range entries {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		name := e.Name()
		switch {
		case strings.HasSuffix(name, ".info") && uploadID.MatchString(strings.TrimSuffix(name, ".info")):
			fail(s.recoverUpload(ctx, strings.TrimSuffix(name, ".info"), now))
		case strings.HasSuffix(name, ".done"):
			if d, err := s.readDone(strings.TrimSuffix(name, ".done")); err == nil && now.Sub(d.Finished) > DoneKeep {
				fail(os.Remove(filepath.Join(s.dir, name)))
			} else if err != nil && idle(filepath.Join(s.dir, name), DoneKeep) {
				fail(os.Remove(filepath.Join(s.dir, name)))
			}
		case strings.HasSuffix(name, ".tmp"):
			if idle(filepath.Join(s.dir, name), time.Hour) {
				fail(os.Remove(filepath.Join(s.dir, name)))
			}
		}
	}
	return first
}

// recoverUpload finishes, removes or leaves one tus upload.
func (s *tusServer) recoverUpload(ctx context.Context, id string, now time.Time) error {
	if _, err := s.readDone(id); err == nil { // deposited; only the removal was missed
		s.remove(id)
		return nil
	}
	info, err := s.info(ctx, id)
	if errors.Is(err, tushandler.ErrNotFound) { // .info without data
		if fi, err := os.Stat(filepath.Join(s.dir, id+".info")); err == nil && now.Sub(fi.ModTime()) > s.h.cfg.Expiry {
			s.remove(id)
		}
		return nil
	} else if err != nil {
		return fmt.Errorf("recover upload %s: %w", id, err)
	}
	if complete(info) {
		if _, err := s.finishLocked(ctx, id, nil); lectern.ErrorCode(err) == lectern.EFORBIDDEN {
			return nil // refused and removed, and logged
		} else if err != nil {
			return fmt.Errorf("recover upload %s: %w", id, err)
		}
		s.h.logger.Info("upload finished on recovery", "upload_id", id)
		return nil
	}
	expired, err := s.expired(id, now)
	if err != nil || !expired {
		return err
	}
	if _, err := s.expire(ctx, id, now); err != nil {
		return fmt.Errorf("recover upload %s: %w", id, err)
	}
	return nil
}
