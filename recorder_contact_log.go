package lectern

import (
	"context"
	"log/slog"
	"sync"
	"time"
)

// ContactLog collects the login attempts the edges report and writes
// them to a RecorderHealthService, coalesced: the attempts of one
// recorder (or one login tried) between two writes become one
// ContactUpdate, and the log writes at most once per Interval, all the
// pending updates in one transaction. So the first login after a quiet
// spell is written at once, and a throttled attacker hammering logins
// costs one write per Interval, whatever the number of guesses.
// In-memory state is bounded (ContactLogMaxPending logins tried); what is
// pending when the process dies is lost, which a health page can bear.
//
// Record never blocks on the store. Run writes until its context ends,
// then writes what is left.
type ContactLog struct {
	Store    RecorderHealthService
	Interval time.Duration // 5 s when zero
	Logger   *slog.Logger

	mu      sync.Mutex
	pending map[contactKey]*ContactUpdate
	dropped int
	wake    chan struct{}
	once    sync.Once
}

type contactKey struct {
	recorder int64
	login    string // when recorder is 0
}

func (l *ContactLog) init() {
	l.once.Do(func() {
		l.pending = map[contactKey]*ContactUpdate{}
		l.wake = make(chan struct{}, 1)
	})
}

// Record notes one attempt; the next write stores it. Safe for
// concurrent use; a nil log records nothing.
func (l *ContactLog) Record(a LoginAttempt) {
	if l == nil {
		return
	}
	l.init()
	a.Login = CleanLogin(a.Login)
	if a.At.IsZero() {
		a.At = time.Now()
	}
	a.At = a.At.UTC()
	key := contactKey{recorder: a.RecorderID}
	if a.RecorderID == 0 {
		key.login = a.Login
	}
	l.mu.Lock()
	u := l.pending[key]
	if u == nil {
		if key.recorder == 0 && len(l.pending) >= ContactLogMaxPending {
			l.dropped++
			l.mu.Unlock()
			return
		}
		u = &ContactUpdate{RecorderID: a.RecorderID, Login: a.Login}
		l.pending[key] = u
	}
	if a.Reason == "" {
		if a.At.After(u.Success.At) {
			u.Success = a
			u.Failures = 0
		}
	} else {
		if !a.At.Before(u.Failure.At) {
			u.Failure = a
		}
		if a.At.After(u.Success.At) {
			u.Failures++
		}
	}
	l.mu.Unlock()
	select {
	case l.wake <- struct{}{}:
	default:
	}
}

// Run writes the pending updates as they come, at most once per
// Interval, until ctx ends; then it writes what is left (for at most 5 s)
// and returns.
func (l *ContactLog) Run(ctx context.Context) {
	l.init()
	interval := l.Interval
	if interval <= 0 {
		interval = 5 * time.Second
	}
	final := func() {
		fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		_ = l.Flush(fctx)
	}
	for {
		select {
		case <-ctx.Done():
			final()
			return
		case <-l.wake:
		}
		_ = l.Flush(ctx)
		select {
		case <-ctx.Done():
			final()
			return
		case <-time.After(interval):
		}
	}
}

// Flush writes the pending updates now, in one call to the store. On
// failure they are kept for the next write (merged with newer ones).
func (l *ContactLog) Flush(ctx context.Context) error {
	l.init()
	l.mu.Lock()
	batch := l.pending
	dropped := l.dropped
	l.pending, l.dropped = map[contactKey]*ContactUpdate{}, 0
	l.mu.Unlock()
	if len(batch) == 0 {
		return nil
	}
	updates := make([]ContactUpdate, 0, len(batch))
	for _, u := range batch {
		updates = append(updates, *u)
	}
	log := l.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if dropped > 0 {
		log.Warn("recorder health: logins tried not kept (too many at once)", "dropped", dropped)
	}
	if err := l.Store.SaveContacts(ctx, updates); err != nil {
		log.Error("recorder health: save contacts", "err", err, "updates", len(updates))
		l.mu.Lock()
		for k, old := range batch {
			if newer := l.pending[k]; newer != nil {
				mergeUpdate(old, newer)
			}
			l.pending[k] = old
		}
		l.mu.Unlock()
		return err
	}
	return nil
}

// mergeUpdate folds newer, made after old was taken, into old.
func mergeUpdate(old, newer *ContactUpdate) {
	if newer.Success.At.After(old.Success.At) {
		old.Success = newer.Success
		old.Failures = 0
	}
	if !newer.Failure.At.Before(old.Failure.At) && !newer.Failure.At.IsZero() {
		old.Failure = newer.Failure
	}
	old.Failures += newer.Failures
}
