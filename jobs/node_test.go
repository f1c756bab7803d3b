package jobs_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"lectern"
	"lectern/jobs"
	"lectern/mail/smtptest"
	"lectern/sqldb"
)

// runningBy marks the send_mail job of message id running, its attempt by
// node: as if that node had fetched it.
func (b *testBundle) runningBy(tb testing.TB, id int64, node string) int64 {
	tb.Helper()
	var jobID int64
	if err := b.db.SQL().QueryRow(q(`UPDATE river_job SET state = 'running', attempt = 1, attempted_at = datetime('now'),
		attempted_by = json_array(?) WHERE kind = 'send_mail' AND json_extract(json(args), '$.message_id') = ? RETURNING id`),
		node, id).Scan(&jobID); err != nil {
		tb.Fatalf("mark message %d's job running by %s: %v", id, node, err)
	}
	return jobID
}

// A running job whose node stopped beating is given to a live node
// within a bounded time; one whose node beats is never taken, however
// long it runs; and a second process may not take a live node's ID.
func TestRescueDeadNode(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	srv := smtptest.Start(t, smtptest.Config{})
	b := setup(t, srv.URL())
	nodes := sqldb.NewNodeService(b.db)
	// Long enough that a loaded machine (the whole suite at once, on
	// PostgreSQL) keeps worker-b's own lease: with 400 ms its beats,
	// bounded by after/3, timed out and it stopped before rescuing.
	const after = 2 * time.Second

	dead, alive := b.queue(t, 1), b.queue(t, 2)
	deadJob, aliveJob := b.runningBy(t, dead, "dead"), b.runningBy(t, alive, "alive")
	// "dead" beat last a minute ago; "alive", on another machine, beats
	// on for the whole test.
	if err := nodes.BeatNode(ctx, &lectern.Node{ID: "dead", Host: "h1", PID: 1, StartedAt: time.Now().Add(-time.Hour)}); err != nil {
		t.Fatal(err)
	}
	if _, err := b.db.SQL().Exec(q("UPDATE nodes SET heartbeat_at = ? WHERE id = 'dead'"), time.Now().Add(-time.Minute).UTC()); err != nil {
		t.Fatal(err)
	}
	beatCtx, stopBeat := context.WithCancel(ctx)
	defer stopBeat()
	beat := func() error {
		return nodes.BeatNode(beatCtx, &lectern.Node{ID: "alive", Host: "elsewhere", PID: 2, StartedAt: time.Now()})
	}
	if err := beat(); err != nil {
		t.Fatal(err)
	}
	go func() {
		for beatCtx.Err() == nil {
			beat()
			time.Sleep(after / 8)
		}
	}()

	withNodes := func(id string) *jobs.Client {
		c := b.newClientDeps(t, func(cfg *jobs.Config) { cfg.ID, cfg.RescueAfter = id, after }, func(d *jobs.Deps) { d.Nodes = nodes })
		return c
	}
	c := withNodes("worker-b")
	started := time.Now()
	start(t, c)
	b.waitState(t, dead, lectern.MessageSent)
	t.Logf("the dead node's job ran again after %s", time.Since(started).Round(time.Millisecond))

	var by, errs, state string
	waitFor(t, 10*time.Second, "the rescued job is not completed", func() bool {
		if err := b.db.SQL().QueryRow(q("SELECT json(attempted_by), json(errors), state FROM river_job WHERE id = ?"), deadJob).
			Scan(&by, &errs, &state); err != nil {
			t.Fatal(err)
		}
		return state == "completed"
	})
	if by != `["dead","worker-b"]` || !strings.Contains(errs, "stopped beating") || state != "completed" {
		t.Errorf("rescued job: attempted_by %s, state %s, errors %s", by, state, errs)
	}

	// The live node's job is still its own, after many rescue periods.
	time.Sleep(3 * after)
	if err := b.db.SQL().QueryRow(q("SELECT json(attempted_by), state FROM river_job WHERE id = ?"), aliveJob).Scan(&by, &state); err != nil {
		t.Fatal(err)
	}
	if by != `["alive"]` || state != "running" {
		t.Errorf("the live node's job: attempted_by %s, state %s; want still running by alive", by, state)
	}
	if m := b.message(t, alive); m.State == lectern.MessageSent {
		t.Error("the live node's message was sent by another node")
	}
	if n, err := nodes.FindNode(ctx, "worker-b"); err != nil || time.Since(n.HeartbeatAt) > after {
		t.Errorf("worker-b's heartbeat: %+v, %v", n, err)
	}

	// A second process may not take the live node's ID.
	twin := withNodes("alive")
	if err := twin.Start(ctx); err == nil || !strings.Contains(err.Error(), `NODE_ID "alive" is in use`) {
		t.Errorf("start with a live node's ID: %v", err)
	}

	// Once alive stops beating, its job is rescued too.
	stopBeat()
	b.waitState(t, alive, lectern.MessageSent)
	if n := subjects(srv); n["report 1"] != 1 || n["report 2"] != 1 {
		t.Errorf("received %v, want each report once", n)
	}
}

// brokenNodes fails every heartbeat once broken is closed: the database
// out of this node's reach.
type brokenNodes struct {
	lectern.NodeService
	broken chan struct{}
}

func (n *brokenNodes) BeatNode(ctx context.Context, node *lectern.Node) error {
	select {
	case <-n.broken:
		return errors.New("database unreachable")
	default:
		return n.NodeService.BeatNode(ctx, node)
	}
}

// A node that cannot write its heartbeat for half of RescueAfter has lost
// its lease: LeaseLostFunc is called, once, before any other node may take
// its jobs; a node that beats never loses it.
func TestLeaseLost(t *testing.T) {
	t.Parallel()
	srv := smtptest.Start(t, smtptest.Config{})
	b := setup(t, srv.URL())
	nodes := &brokenNodes{NodeService: sqldb.NewNodeService(b.db), broken: make(chan struct{})}
	const after = 3 * time.Second
	lost := make(chan error, 2)
	c := b.newClientDeps(t, func(cfg *jobs.Config) {
		cfg.ID, cfg.RescueAfter = "fragile", after
		cfg.LeaseLostFunc = func(err error) { lost <- err }
	}, func(d *jobs.Deps) { d.Nodes = nodes })
	start(t, c)
	select {
	case err := <-lost:
		t.Fatalf("lease lost while the node beats: %v", err)
	case <-time.After(3 * after):
	}
	close(nodes.broken)
	broke := time.Now()
	select {
	case err := <-lost:
		if since := time.Since(broke); since >= after {
			t.Errorf("lease lost %s after the last beat, not before JOB_RESCUE_AFTER (%s)", since, after)
		}
		if !strings.Contains(err.Error(), "no heartbeat written") {
			t.Errorf("lease lost: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the node never noticed it could not beat")
	}
	select {
	case err := <-lost:
		t.Errorf("LeaseLostFunc called twice: %v", err)
	case <-time.After(3 * after):
	}
}

// hangingNodes, once broken is closed, fails every heartbeat and hangs
// every listing of the nodes until its context ends: a connection that
// stops answering in the middle of a rescue pass.
type hangingNodes struct {
	brokenNodes
}

func (n *hangingNodes) FindNodes(ctx context.Context) ([]*lectern.Node, error) {
	select {
	case <-n.broken:
		<-ctx.Done()
		return nil, ctx.Err()
	default:
		return n.NodeService.FindNodes(ctx)
	}
}

// A node whose database hangs during a rescue pass still loses its lease
// by RescueAfter/2 after its last beat: the lease's deadline does not
// wait for the rescue's database calls.
func TestLeaseLostRescueHangs(t *testing.T) {
	t.Parallel()
	srv := smtptest.Start(t, smtptest.Config{})
	b := setup(t, srv.URL())
	nodes := &hangingNodes{brokenNodes{NodeService: sqldb.NewNodeService(b.db), broken: make(chan struct{})}}
	const after = 3 * time.Second
	lost := make(chan error, 2)
	c := b.newClientDeps(t, func(cfg *jobs.Config) {
		cfg.ID, cfg.RescueAfter = "hanging", after
		cfg.LeaseLostFunc = func(err error) { lost <- err }
	}, func(d *jobs.Deps) { d.Nodes = nodes })
	start(t, c)
	time.Sleep(after)
	close(nodes.broken)
	broke := time.Now()
	select {
	case err := <-lost:
		if since := time.Since(broke); since >= 3*after/4 {
			t.Errorf("lease lost %s after the database hung, want by RescueAfter/2 (%s) after the last beat", since, after/2)
		}
		if !strings.Contains(err.Error(), "no heartbeat written") {
			t.Errorf("lease lost: %v", err)
		}
	case <-time.After(5 * after):
		t.Fatal("the node never lost its lease while its database hung")
	}
}
