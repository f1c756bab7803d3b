package sqldb

import (
	"context"
	"crypto/rand"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"lectern"
)

// NodeService implements lectern.NodeService.
type NodeService struct{ db *DB }

// NewNodeService returns the nodes' heartbeats and the installation's id
// in db.
func NewNodeService(db *DB) *NodeService { return &NodeService{db: db} }

var _ lectern.NodeService = (*NodeService)(nil)

// BeatNode implements lectern.NodeService. The heartbeat is the
// database's clock, as every node's age is (nodeColumns): the nodes'
// own clocks may disagree.
func (s *NodeService) BeatNode(ctx context.Context, n *lectern.Node) error {
	err := s.db.db.QueryRowContext(ctx, `INSERT INTO nodes (id, host, pid, started_at, heartbeat_at) VALUES (?, ?, ?, ?, `+s.now()+`)
		ON CONFLICT (id) DO UPDATE SET host = excluded.host, pid = excluded.pid, started_at = excluded.started_at,
		heartbeat_at = excluded.heartbeat_at RETURNING heartbeat_at`, n.ID, n.Host, n.PID, n.StartedAt).Scan(&n.HeartbeatAt)
	if err != nil {
		return fmt.Errorf("heartbeat of node %s: %w", n.ID, err)
	}
	n.HeartbeatAt = n.HeartbeatAt.UTC()
	n.HeartbeatAge = 0
	return nil
}

// now is the database's clock in SQL, as a heartbeat_at: on SQLite in
// the form the driver reads back, to the millisecond.
func (s *NodeService) now() string {
	if s.db.Dialect() == "postgres" {
		return "now()"
	}
	return "strftime('%Y-%m-%d %H:%M:%f+00:00', 'now')"
}

// columns are nodeColumns and the heartbeat's age in seconds by the
// database's clock.
func (s *NodeService) columns() string {
	if s.db.Dialect() == "postgres" {
		return nodeColumns + ", EXTRACT(EPOCH FROM (now() - heartbeat_at))::float8"
	}
	return nodeColumns + ", (julianday('now') - julianday(heartbeat_at)) * 86400.0"
}

const nodeColumns = "id, host, pid, started_at, heartbeat_at"

// scanNode scans columns().
func scanNode(sc interface{ Scan(...any) error }) (*lectern.Node, error) {
	var n lectern.Node
	var age float64
	if err := sc.Scan(&n.ID, &n.Host, &n.PID, &n.StartedAt, &n.HeartbeatAt, &age); err != nil {
		return nil, err
	}
	n.HeartbeatAge = time.Duration(age * float64(time.Second))
	n.StartedAt, n.HeartbeatAt = n.StartedAt.UTC(), n.HeartbeatAt.UTC()
	return &n, nil
}

// FindNode implements lectern.NodeService.
func (s *NodeService) FindNode(ctx context.Context, id string) (*lectern.Node, error) {
	n, err := scanNode(s.db.db.QueryRowContext(ctx, "SELECT "+s.columns()+" FROM nodes WHERE id = ?", id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, lectern.Errorf(lectern.ENOTFOUND, "Node not found.")
	} else if err != nil {
		return nil, fmt.Errorf("find node %s: %w", id, err)
	}
	return n, nil
}

// FindNodes implements lectern.NodeService.
func (s *NodeService) FindNodes(ctx context.Context) ([]*lectern.Node, error) {
	rows, err := s.db.db.QueryContext(ctx, "SELECT "+s.columns()+" FROM nodes ORDER BY id")
	if err != nil {
		return nil, fmt.Errorf("find nodes: %w", err)
	}
	defer rows.Close()
	var nodes []*lectern.Node
	for rows.Next() {
		n, err := scanNode(rows)
		if err != nil {
			return nil, fmt.Errorf("find nodes: %w", err)
		}
		nodes = append(nodes, n)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("find nodes: %w", err)
	}
	return nodes, nil
}

// installIDKey is the install id's key in settings.
const installIDKey = "install_id"

// InstallID implements lectern.NodeService. Two first calls at once make
// one id: the second's insert does nothing and it reads the first's.
func (s *NodeService) InstallID(ctx context.Context) (id string, created bool, err error) {
	err = s.db.withTx(ctx, func(tx *conn) error {
		res, err := tx.ExecContext(ctx, "INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING",
			installIDKey, rand.Text())
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		if err != nil {
			return err
		}
		created = n == 1
		return tx.QueryRowContext(ctx, "SELECT value FROM settings WHERE key = ?", installIDKey).Scan(&id)
	})
	if err != nil {
		return "", false, fmt.Errorf("install id: %w", err)
	}
	return id, created, nil
}
