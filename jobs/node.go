package jobs

import (
	"context"
	"database/sql"
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
// database out of reach, a process frozen) has lost its lease: it stops
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
	lastOK time.Time // monotonic: when a beat last succeeded
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
	age := time.Since(prev.HeartbeatAt)
	if age >= l.after {
		return nil // dead, or stopped long ago
	}
	if prev.Host == l.node.Host && (prev.PID == l.node.PID || !processAlive(prev.PID)) {
		return nil // this process's previous life, killed
	}
	return fmt.Errorf("NODE_ID %q is in use by another running process (host %s, pid %d, heartbeat %s ago): "+
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
	l.mu.Unlock()
	return nil
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

// run beats and rescues until ctx ends.
func (l *lease) run(ctx context.Context) {
	defer close(l.done)
	beatEvery, rescueEvery := max(l.after/6, 10*time.Millisecond), max(l.after/4, 10*time.Millisecond)
	beat, rescue := time.NewTicker(beatEvery), time.NewTicker(rescueEvery)
	defer beat.Stop()
	defer rescue.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-beat.C:
			// A beat that hangs is given up in time for held to be
			// checked by RescueAfter/2 after the last good one.
			bctx, cancel := context.WithTimeout(ctx, l.after/3)
			err := l.beat(bctx)
			cancel()
			if err != nil && ctx.Err() == nil {
				l.c.logger.Warn("node heartbeat", "node_id", l.node.ID, "err", err)
			}
			l.held()
		case <-rescue.C:
			if err := l.c.rescueDead(ctx, l.nodes, l.after); err != nil && ctx.Err() == nil {
				l.c.logger.Warn("rescue the jobs of dead nodes", "err", err)
			}
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
		if time.Since(n.HeartbeatAt) < after {
			live[n.ID] = true
		}
	}
	tx, err := c.pool.BeginTx(ctx, &sql.TxOptions{Isolation: sql.LevelSerializable})
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer tx.Rollback()
	dead, err := c.runningJobs(ctx, tx, func(by string) bool { return !live[by] })
	if err != nil || len(dead) == 0 {
		return err
	}
	if err := c.rescue(ctx, tx, dead, deadNodeError, "job of a dead node: rescued"); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit rescue: %w", err)
	}
	return c.giveUpEncodes(ctx, dead)
}

// hostname is the machine's name for the node's row.
func hostname() string {
	h, err := os.Hostname()
	if err != nil {
		return "unknown"
	}
	return h
}
