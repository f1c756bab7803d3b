package lectern

import (
	"context"
	"time"
)

// Node is a process that works the job queue (`lectern serve` with
// WORKERS on, or `lectern worker`), as its heartbeat records it. Nodes
// share the database and the storage (MEDIA_ROOT, DEFAULT_RECORDER_PATH);
// each has its own ID, River's client ID, recorded on every job it works.
type Node struct {
	ID        string // NODE_ID: unique among the nodes running at once
	Host      string // the machine's host name
	PID       int    // the process on Host
	StartedAt time.Time
	// HeartbeatAt is when the node last said it was alive, by the
	// database's clock: a node whose heartbeat is older than
	// JOB_RESCUE_AFTER is dead, and its running jobs are given to others.
	HeartbeatAt time.Time
	// HeartbeatAge is how old HeartbeatAt was when read, by the
	// database's clock too: no node's own clock is trusted.
	HeartbeatAge time.Duration
}

// NodeService records the nodes' heartbeats and the installation they
// share.
type NodeService interface {
	// BeatNode records that n is alive now, by the database's clock
	// (HeartbeatAt, set on n), and
	// its Host, PID and StartedAt; the first beat of an ID creates its row.
	BeatNode(ctx context.Context, n *Node) error
	// FindNode returns the node of that ID (ENOTFOUND when it never beat).
	FindNode(ctx context.Context, id string) (*Node, error)
	// FindNodes returns every node that ever beat, by ID.
	FindNodes(ctx context.Context) ([]*Node, error)
	// InstallID returns the installation's random identifier, made and
	// stored by the first call on a database (created is then true, for
	// that call only): the storage marker that tells a node its
	// MEDIA_ROOT and DEFAULT_RECORDER_PATH are the ones the other nodes
	// share.
	InstallID(ctx context.Context) (id string, created bool, err error)
}
