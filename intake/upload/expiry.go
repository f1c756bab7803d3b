package upload

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// DefaultExpiry is Config.Expiry when unset (UPLOAD_EXPIRY): an
// unfinished upload that received nothing for a day is given up.
const DefaultExpiry = 24 * time.Hour

// lastActive is when upload id last received bytes: its data file's
// modification time (tusd's filestore appends to it), else its .info
// file's.
func (s *tusServer) lastActive(id string) (time.Time, error) {
	fi, err := os.Stat(filepath.Join(s.dir, id))
	if errors.Is(err, fs.ErrNotExist) {
		fi, err = os.Stat(filepath.Join(s.dir, id+".info"))
	}
	if err != nil {
		return time.Time{}, err
	}
	return fi.ModTime(), nil
}

// expired reports whether upload id has been idle for longer than
// Config.Expiry at now. A missing upload is not expired.
func (s *tusServer) expired(id string, now time.Time) (bool, error) {
	at, err := s.lastActive(id)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	} else if err != nil {
		return false, fmt.Errorf("upload %s: %w", id, err)
	}
	return now.Sub(at) > s.h.cfg.Expiry, nil
}

// expire removes upload id under its lock if it is still expired at now
// (a request may have sent bytes meanwhile), and reports whether it did.
func (s *tusServer) expire(ctx context.Context, id string, now time.Time) (bool, error) {
	lock, err := s.locker.NewLock(id)
	if err != nil {
		return false, err
	}
	lctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	if err := lock.Lock(lctx, func() {}); err != nil {
		return false, fmt.Errorf("lock upload %s: %w", id, err)
	}
	defer lock.Unlock()
	if ok, err := s.expired(id, now); err != nil || !ok {
		return false, err
	}
	info, _ := s.info(ctx, id) // for the log only
	s.remove(id)
	s.h.logger.Info("unfinished upload expired", "upload_id", id, "offset", info.Offset, "size", info.Size,
		"recorder", info.MetaData[metaRecorder], "user_id", info.MetaData[metaUser], "expiry", s.h.cfg.Expiry)
	return true, nil
}

// setExpires writes the tus Expiration extension's Upload-Expires header:
// when upload id will expire if it receives nothing more, counted from
// from (its last activity, or now for a request that sends bytes).
func (s *tusServer) setExpires(w http.ResponseWriter, from time.Time) {
	w.Header().Set("Upload-Expires", s.expires(from))
}

// expires is the Upload-Expires value of an upload last active at from:
// HTTP's date format, which is in GMT whatever the host's zone.
func (s *tusServer) expires(from time.Time) string {
	return from.Add(s.h.cfg.Expiry).UTC().Format(http.TimeFormat)
}

// sweeper runs Recover every SweepInterval between Start and Stop.
type sweeper struct {
	once   sync.Once
	cancel context.CancelFunc
	done   chan struct{}
}

// Start sweeps TempDir every Config.SweepInterval until ctx ends or Stop
// is called: unfinished uploads idle for longer than Config.Expiry are
// removed, complete ones that were not deposited are finished (see
// Recover). Call it once, after Recover.
func (h *Handler) Start(ctx context.Context) {
	ctx, cancel := context.WithCancel(ctx)
	h.sweep.cancel, h.sweep.done = cancel, make(chan struct{})
	go func() {
		defer close(h.sweep.done)
		t := time.NewTicker(h.cfg.SweepInterval)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				if err := h.Recover(ctx); err != nil && ctx.Err() == nil {
					h.logger.Warn("sweep uploads", "err", err)
				}
			}
		}
	}()
}

// Stop ends the sweeps started by Start and waits for the current one.
// It is idempotent, and does nothing without Start.
func (h *Handler) Stop() {
	h.sweep.once.Do(func() {
		if h.sweep.cancel != nil {
			h.sweep.cancel()
			<-h.sweep.done
		}
	})
}
