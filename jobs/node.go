package jobs

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync"
	"syscall"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"lectern"
)

// DefaultRescueAfter is how long a node may go without a heartbeat
// before its running jobs are given to the other nodes (JOB_RESCUE_AFTER).
const DefaultRescueAfter = time.Minute

// deadNodeError is the error recorded on a job rescued from a dead node.
const deadNodeError = "rescued: the node working this job stopped beating (killed, powered off or cut from the database); run again by another node"

// lease is a node's heartbeat, the lease under which it works its jobs.
//
// Every RescueAfter/6 the node writes its heartbeat (lectern.NodeService);
// every RescueAfter/4 it looks for running jobs whose node's heartbeat is
// older than RescueAfter, and rescues them (rescueDead) so that any node,
// itself included, runs them again. A live node's jobs are never taken,
// however long they run: a two-hour encode keeps its node beating.
//
// A node that has not written its heartbeat for RescueAfter/2 (a
// database out of reach, a process frozen) has lost its lease: its own
// timer (expire), apart from the loops and their database calls, stops it
// at once (lost), before any other node may rescue its jobs, so that a
// job's old attempt never runs beside, or finishes after, its new one.
type lease struct {
	c      *Client
	nodes  lectern.NodeService
	node   lectern.Node
	after  time.Duration
	lostFn func(error)
	logger interface{ Error(string, ...any) }
	mu     sync.Mutex
	lastOK time.Time   // monotonic: when a beat last succeeded
	timer  *time.Timer // fires when the lease runs out (expire), reset by each good beat
	once   sync.Once
	cancel context.CancelFunc
	done   chan struct{}
}

// checkUnique refuses to start when another running process holds the
// node's ID: its heartbeat is fresh, and it is neither this process nor
// a dead previous life of it on this host (a restart after a crash, whose
// jobs rescueOrphans runs again at once).
func (l *lease) checkUnique(ctx context.Context) error {
	prev, err := l.nodes.FindNode(ctx, l.node.ID)
	if lectern.ErrorCode(err) == lectern.ENOTFOUND {
		return nil
	} else if err != nil {
		return err
	}
	age := prev.HeartbeatAge // the database's clock, as the heartbeat's
	if age >= l.after {
		return nil // dead, or stopped long ago
	}
	if prev.Host == l.node.Host && (prev.PID == l.node.PID || !processAlive(prev.PID)) {
		return nil // this process's previous life, killed
	}
	// EINVALID: a configuration mistake, which a restart does not mend
	// (cmd/lectern exits 2 for it, and systemd does not restart on 2).
	return lectern.Errorf(lectern.EINVALID, "NODE_ID %q is in use by another running process (host %s, pid %d, heartbeat %s ago): "+
		"give each node its own NODE_ID", l.node.ID, prev.Host, prev.PID, age.Round(time.Second))
}

// processAlive tells whether a process pid runs on this machine.
func processAlive(pid int) bool {
	if pid <= 0 {
		return false
	}
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}

// beat writes the heartbeat once.
func (l *lease) beat(ctx context.Context) error {
	n := l.node
	if err := l.nodes.BeatNode(ctx, &n); err != nil {
		return err
	}
	l.mu.Lock()
	l.lastOK = time.Now()
	if l.timer != nil {
		l.timer.Reset(l.after / 2)
	}
	l.mu.Unlock()
	return nil
}

// expire is the lease's own timer, run RescueAfter/2 after the last good
// beat whatever the heartbeat and rescue loops do (a database call that
// hangs, a loop that stalls): the lease is lost unless a beat came in
// meanwhile.
func (l *lease) expire() {
	l.mu.Lock()
	if l.timer == nil {
		l.mu.Unlock()
		return // the lease loop stopped
	}
	left := l.after/2 - time.Since(l.lastOK)
	if left > 0 {
		l.timer.Reset(left)
		l.mu.Unlock()
		return
	}
	l.mu.Unlock()
	l.held()
}

// held tells whether the lease is still held: a beat succeeded within
// RescueAfter/2. When it is not, lost is called.
func (l *lease) held() bool {
	l.mu.Lock()
	age := time.Since(l.lastOK)
	l.mu.Unlock()
	if age < l.after/2 {
		return true
	}
	l.lost(fmt.Errorf("no heartbeat written for %s (JOB_RESCUE_AFTER %s): another node may take this node's jobs",
		age.Round(time.Millisecond), l.after))
	return false
}

// lost stops the node's work once: LeaseLostFunc, or River's StopAndCancel.
func (l *lease) lost(err error) {
	l.once.Do(func() {
		l.logger.Error("node lease lost: stopping its jobs", "node_id", l.node.ID, "err", err)
		if l.lostFn != nil {
			l.lostFn(err)
			return
		}
		go func() {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			_ = l.c.river.StopAndCancel(ctx)
		}()
	})
}

// run beats and rescues until ctx ends. The heartbeat and the rescue of
// dead nodes run in loops of their own, every database call bounded by a
// fraction of RescueAfter, and the lease's deadline has its own timer
// (expire): a connection that hangs delays neither the next beat nor the
// loss of the lease.
func (l *lease) run(ctx context.Context) {
	defer close(l.done)
	l.mu.Lock()
	l.timer = time.AfterFunc(max(l.after/2-time.Since(l.lastOK), 0), l.expire)
	l.mu.Unlock()
	defer func() {
		l.mu.Lock()
		l.timer.Stop()
		l.timer = nil // stopped: no beat nor expire arms it again
		l.mu.Unlock()
	}()
	var wg sync.WaitGroup
	wg.Go(func() {
		// A beat that hangs is given up in time for the next one to be
		// tried before the lease runs out.
		l.every(ctx, max(l.after/6, 10*time.Millisecond), l.after/3, func(bctx context.Context) {
			if err := l.beat(bctx); err != nil && ctx.Err() == nil {
				l.c.logger.Warn("node heartbeat", "node_id", l.node.ID, "err", err)
			}
		})
	})
	wg.Go(func() {
		l.every(ctx, max(l.after/4, 10*time.Millisecond), l.after/2, func(rctx context.Context) {
			if err := l.c.rescueDead(rctx, l.nodes, l.after); err != nil && ctx.Err() == nil {
				l.c.logger.Warn("rescue the jobs of dead nodes", "err", err)
			}
		})
	})
	wg.Wait()
}

// every calls f every period until ctx ends, each call with a context
// that ends after timeout; ticks missed during a long call are dropped.
func (l *lease) every(ctx context.Context, period, timeout time.Duration, f func(context.Context)) {
	t := time.NewTicker(period)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			fctx, cancel := context.WithTimeout(ctx, max(timeout, 10*time.Millisecond))
			if ctx.Err() == nil {
				f(fctx)
			}
			cancel()
		}
	}
}

// leaseHeld tells whether this client still holds its node's lease
// (always without Deps.Nodes); when not, the lease's loss is handled
// (LeaseLostFunc).
func (c *Client) leaseHeld() bool { return c.lease == nil || c.lease.held() }

// workEnd is River's hook after each job's work, before its outcome is
// written: a node that lost its lease meanwhile (frozen longer than
// RescueAfter/2) writes nothing, since the job may already run elsewhere.
func (l *lease) workEnd(ctx context.Context, job *rivertype.JobRow, err error) error {
	if l.held() {
		return err
	}
	// lost has stopped the process (LeaseLostFunc) or cancelled the
	// client; this outcome must not be written over a new attempt's.
	<-ctx.Done()
	return river.JobSnooze(0)
}

// rescueDead runs again the running jobs whose node (the last of their
// attempted_by) has no heartbeat within after, this node's own excepted
// (rescueOrphans took its previous life's at start). The jobs are listed
// and rescued in one serializable transaction, so that two nodes
// rescuing at once never rescue a job twice, nor one already running
// again on a third.
func (c *Client) rescueDead(ctx context.Context, nodes lectern.NodeService, after time.Duration) error {
	all, err := nodes.FindNodes(ctx)
	if err != nil {
		return err
	}
	live := map[string]bool{c.id: true}
	for _, n := range all {
		if n.HeartbeatAge < after { // the database's clock: the nodes' may disagree
			live[n.ID] = true
		}
	}
	return c.rescueRunning(ctx, func(by string) bool { return !live[by] }, deadNodeError, "job of a dead node: rescued")
}

// hostname is the machine's name for the node's row.
func hostname() string {
	h, err := os.Hostname()
	if err != nil {
		return "unknown"
	}
	return h
}
