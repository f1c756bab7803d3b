package main

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"lectern"
)

// startMissed runs the missed-recordings pass (lectern.MissedRecordings)
// at once, then every interval (SCHEDULE_MISSED_INTERVAL), until the
// returned stop is called. Every serve node runs it: the store lets one
// raise each alert (AlertMissedEvent), so several nodes mail once.
func startMissed(ctx context.Context, m *lectern.MissedRecordings, interval time.Duration, logger *slog.Logger) (stop func()) {
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		tick := time.NewTicker(interval)
		defer tick.Stop()
		for {
			// One pass is bounded: a database that hangs does not stop the
			// next.
			pctx, pcancel := context.WithTimeout(ctx, max(interval, 30*time.Second))
			n, err := m.Check(pctx)
			pcancel()
			switch {
			case err != nil && ctx.Err() == nil:
				logger.Error("missed recordings pass", "err", err)
			case n > 0:
				logger.Info("missed recordings: alerts raised", "count", n)
			}
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
		}
	}()
	return func() { cancel(); wg.Wait() }
}
