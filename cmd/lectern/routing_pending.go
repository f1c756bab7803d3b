package main

import (
	"context"
	"log/slog"
	"time"

	"lectern"
)

// pendingRouter routes, every interval, the treatments waiting for their
// routing step that this process did not make: a cron pass of
// `recorder checkDirectory` (another process on the same database), a
// notify that another node stored but did not route, a run that stopped
// half-way. The treatments this process makes are routed at once by the
// intake's RoutedFunc; when both reach one treatment, the router's
// transitions are conditional (TransitionTreatment from a state,
// CreateRecording only from a state that is not published), so it is
// mailed or published once.
//
// Cost: each pass is three queries on treatments(state, date_added)
// (treatments_state_idx, a covering index for the count), whatever the
// number of treatments; a pass routes at most a page (MaxPageSize) per
// state, the next pass takes the rest.
type pendingRouter struct {
	router     *lectern.Router
	treatments lectern.TreatmentService
	logger     *slog.Logger
	// notifyGrace leaves a treatment made by a notify request to that
	// request for this long, so that its mail and recording carry the
	// request's course_title; after it, the request's node is taken to
	// have died and the treatment is routed without.
	notifyGrace time.Duration
	now         func() time.Time

	// retry holds the treatments whose routing failed, or that were still
	// waiting after being routed: not before at, then after twice delay.
	retry map[int64]*retryAt
	// routed are the treatments the last pass routed without error.
	routed map[int64]bool
}

type retryAt struct {
	at    time.Time
	delay time.Duration
}

const (
	// pendingInterval is how often the server looks for treatments made
	// elsewhere: a deposit recorded by a cron pass is mailed or published
	// within about this long.
	pendingInterval = time.Second
	firstRetry      = 10 * time.Second
	maxRetry        = 10 * time.Minute
)

// pendingPoll is how often this process's pending pass runs:
// pendingInterval, unless a test set app.pendingEvery.
func (a *app) pendingPoll() time.Duration {
	if a.pendingEvery > 0 {
		return a.pendingEvery
	}
	return pendingInterval
}

func newPendingRouter(router *lectern.Router, treatments lectern.TreatmentService, logger *slog.Logger) *pendingRouter {
	return &pendingRouter{router: router, treatments: treatments, logger: logger, notifyGrace: 10 * time.Second,
		now: time.Now, retry: map[int64]*retryAt{}, routed: map[int64]bool{}}
}

// run passes every interval, and at once on each wake (a treatment made
// by another process, announced by PostgreSQL: sqldb.ListenTreatments),
// until ctx ends.
func (p *pendingRouter) run(ctx context.Context, interval time.Duration, wake <-chan struct{}) {
	tick := time.NewTicker(interval)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		case <-wake:
		}
		if n, err := p.pass(ctx); err != nil && ctx.Err() == nil {
			p.logger.Error("find deposits to route; tried again in a second", "err", err)
		} else if n > 0 {
			p.logger.Info("routed deposits recorded elsewhere", "treatments", n)
		}
	}
}

// pass routes the pending treatments once and returns how many it routed.
// A treatment whose routing fails is logged once and tried again later,
// with a doubling delay; the others go on.
func (p *pendingRouter) pass(ctx context.Context) (int, error) {
	now := p.now()
	seen := map[int64]bool{}
	routed := map[int64]bool{}
	n := 0
	for _, state := range lectern.TreatmentRoutingStates {
		ts, _, err := p.treatments.FindTreatments(ctx, lectern.TreatmentFilter{State: &state, Page: lectern.Page{Size: lectern.MaxPageSize}})
		if err != nil {
			return n, err
		}
		for _, t := range ts {
			seen[t.ID] = true
			if t.DetectedBy == lectern.SourceNotify && now.Sub(t.DateAdded) < p.notifyGrace {
				continue
			}
			if r := p.retry[t.ID]; r != nil && now.Before(r.at) {
				continue
			}
			if p.routed[t.ID] {
				// Routed by the last pass, yet still waiting: the router
				// could not move it (a conflict it let go).
				p.failed(t, now, "deposit still waits after routing; tried again later", nil)
				continue
			}
			if _, err := p.router.Dispatch(ctx, t, ""); err != nil {
				if ctx.Err() != nil {
					return n, ctx.Err()
				}
				p.failed(t, now, "route deposit; tried again later", err)
				continue
			}
			routed[t.ID] = true
			n++
		}
	}
	for id := range p.retry {
		if !seen[id] {
			delete(p.retry, id) // routed by someone, or deleted
		}
	}
	p.routed = routed
	return n, nil
}

// failed puts t off: the first failure is logged, the next ones only
// push the next try further.
func (p *pendingRouter) failed(t *lectern.Treatment, now time.Time, msg string, err error) {
	r := p.retry[t.ID]
	if r == nil {
		r = &retryAt{delay: firstRetry}
		p.retry[t.ID] = r
		p.logger.Error(msg, "treatment_id", t.ID, "file", t.File, "state", t.State, "err", err, "retry_in", r.delay)
	} else {
		r.delay = min(2*r.delay, maxRetry)
	}
	r.at = now.Add(r.delay)
}
