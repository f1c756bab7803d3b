package watch

import (
	"context"
	"os"
	"time"

	"lectern"
)

// entry is what the watcher knows of a file that is not yet complete.
type entry struct {
	size      int64     // at the last check
	mod       time.Time // modification time at the last check
	changed   time.Time // when it last changed, as far as the watcher knows
	checked   time.Time // when it was last checked; zero: never
	firstSeen time.Time
	source    string // lectern.SourceWatch or lectern.SourceRescan
}

// observe records the file's size and modification time as checked at
// now and reports whether it counts as complete: not empty, and no change
// for quiet. A change seen by this check alone (no event since the
// previous check explains it) restarts the clock at now; when an event
// came since, its time stands. A file smaller than at the previous check
// was truncated: an upload restarted from zero, which restarts the
// clock like any other change.
func (e *entry) observe(size int64, mod, now time.Time, quiet time.Duration) (complete, shrank bool) {
	if e.checked.IsZero() || size != e.size || !mod.Equal(e.mod) {
		shrank = !e.checked.IsZero() && size < e.size
		if !e.changed.After(e.checked) {
			e.changed = now
		}
		e.size, e.mod = size, mod
	}
	e.checked = now
	return size > 0 && now.Sub(e.changed) >= quiet, shrank
}

// checkLoop checks the pending files four times per Quiescence, so that a
// file is complete between one and one and a quarter Quiescence after
// its last change.
func (w *Watcher) checkLoop(ctx context.Context) {
	defer w.wg.Done()
	every := w.cfg.Quiescence / 4
	if every < 5*time.Millisecond {
		every = 5 * time.Millisecond
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			w.checkPending(ctx)
		}
	}
}

// candidate is a file found complete, copied out of its entry.
type candidate struct {
	path string
	e    *entry
	dep  lectern.Deposit
}

// checkPending stats every pending file (no SQL) and completes the quiet
// ones.
func (w *Watcher) checkPending(ctx context.Context) {
	w.mu.Lock()
	paths := make([]string, 0, len(w.pending))
	for p := range w.pending {
		paths = append(paths, p)
	}
	w.mu.Unlock()

	var ready []candidate
	for _, p := range paths {
		fi, err := os.Lstat(p)
		now := time.Now()
		w.mu.Lock()
		e := w.pending[p]
		switch {
		case e == nil:
		case err != nil || !fi.Mode().IsRegular():
			delete(w.pending, p) // gone, or a directory's own event
		default:
			complete, shrank := e.observe(fi.Size(), fi.ModTime(), now, w.cfg.Quiescence)
			if shrank {
				w.log.Info("file shrank: upload restarted, waiting again", "file", p, "size", fi.Size())
			}
			if complete {
				ready = append(ready, candidate{p, e, lectern.Deposit{
					Path: p, Size: e.size, Source: e.source, FirstSeen: e.firstSeen}})
			}
		}
		w.mu.Unlock()
	}
	for _, c := range ready {
		if ctx.Err() != nil {
			return
		}
		w.complete(ctx, c)
	}
}

// complete hands a quiet file to the Intake, unless Lectern's FTP server
// holds it: that server completes it when its upload ends, and a held
// file that is left alone stays out of the pending set until it changes
// or the next rescan.
func (w *Watcher) complete(ctx context.Context, c candidate) {
	if w.deps.Sightings != nil {
		s, err := w.deps.Sightings.FindSighting(ctx, c.path)
		if err == nil && s.Held {
			w.log.Debug("file held by the FTP server: left to it", "file", c.path)
			w.drop(c, nil)
			return
		} else if err != nil && lectern.ErrorCode(err) != lectern.ENOTFOUND {
			w.retry(ctx, c, err)
			return
		}
	}
	t, _, err := w.deps.Intake.Complete(ctx, c.dep)
	switch code := lectern.ErrorCode(err); {
	case err == nil:
		// t is nil for a name or file that is never a deposit (emptied,
		// or held in between): forget it until it changes. t.File is
		// another path when the file was given a name of its own.
		w.drop(c, t)
	case code == lectern.ENOTFOUND:
		w.drop(c, nil)
	case code == lectern.EINVALID:
		w.log.Warn("not a deposit", "file", c.path, "err", err)
		w.drop(c, nil)
	default:
		w.retry(ctx, c, err)
	}
}

// drop removes a file from the pending set, and puts the file of its
// treatment t, when it has one, into the treated set.
func (w *Watcher) drop(c candidate, t *lectern.Treatment) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.pending[c.path] == c.e {
		delete(w.pending, c.path)
	}
	if t != nil {
		w.treated[t.File] = struct{}{}
		if w.recent != nil {
			w.recent[t.File] = struct{}{}
		}
	}
}

// retry logs a failure and tries again after another Quiescence.
func (w *Watcher) retry(ctx context.Context, c candidate, err error) {
	if ctx.Err() != nil {
		return
	}
	w.log.Error("complete deposit", "file", c.path, "err", err)
	w.mu.Lock()
	defer w.mu.Unlock()
	c.e.changed = time.Now()
}
