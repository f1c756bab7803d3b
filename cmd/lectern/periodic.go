package main

import (
	"context"
	"log/slog"
	"sync"
	"time"
)

// runEvery runs pass at once, then every interval, until the returned
// stop is called (stop waits for a pass under way). Each pass gets its own
// deadline, the interval or at least 5 minutes, so that a database that hangs
// does not hold back the next one. A pass's error is logged as failing to
// what; a pass that did something (n > 0) is logged as did, with n under
// unit. Serve's periodic passes (calendar feeds, split recordings,
// missed recordings) are safe with several nodes on their own: the store
// lets one node do each piece of work.
func runEvery(ctx context.Context, interval time.Duration, logger *slog.Logger, what, did, unit string,
	pass func(context.Context) (int, error)) (stop func()) {
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Go(func() {
		tick := time.NewTicker(interval)
		defer tick.Stop()
		for {
			pctx, pcancel := context.WithTimeout(ctx, max(interval, 5*time.Minute))
			n, err := pass(pctx)
			pcancel()
			switch {
			case err != nil && ctx.Err() == nil:
				logger.Error(what, "err", err)
			case n > 0:
				logger.Info(did, unit, n)
			}
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
		}
	})
	return func() { cancel(); wg.Wait() }
}
