package sqldb

import (
	"context"
	"crypto/rand"
	"database/sql"
	"errors"
	"fmt"

	"lectern"
)

// NodeService implements lectern.NodeService.
type NodeService struct{ db *DB }

// NewNodeService returns the nodes' heartbeats and the installation's id
// in db.
func NewNodeService(db *DB) *NodeService { return &NodeService{db: db} }

var _ lectern.NodeService = (*NodeService)(nil)

// BeatNode implements lectern.NodeService.
func (s *NodeService) BeatNode(ctx context.Context, n *lectern.Node) error {
	now := s.db.Now()
	_, err := s.db.db.ExecContext(ctx, `INSERT INTO nodes (id, host, pid, started_at, heartbeat_at) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (id) DO UPDATE SET host = excluded.host, pid = excluded.pid, started_at = excluded.started_at,
		heartbeat_at = excluded.heartbeat_at`, n.ID, n.Host, n.PID, n.StartedAt, now)
	if err != nil {
		return fmt.Errorf("heartbeat of node %s: %w", n.ID, err)
	}
	n.HeartbeatAt = now
	return nil
}

const nodeColumns = "id, host, pid, started_at, heartbeat_at"

func scanNode(sc interface{ Scan(...any) error }) (*lectern.Node, error) {
	var n lectern.Node
	if err := sc.Scan(&n.ID, &n.Host, &n.PID, &n.StartedAt, &n.HeartbeatAt); err != nil {
		return nil, err
	}
	n.StartedAt, n.HeartbeatAt = n.StartedAt.UTC(), n.HeartbeatAt.UTC()
	return &n, nil
}

// FindNode implements lectern.NodeService.
func (s *NodeService) FindNode(ctx context.Context, id string) (*lectern.Node, error) {
	n, err := scanNode(s.db.db.QueryRowContext(ctx, "SELECT "+nodeColumns+" FROM nodes WHERE id = ?", id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, lectern.Errorf(lectern.ENOTFOUND, "Node not found.")
	} else if err != nil {
		return nil, fmt.Errorf("find node %s: %w", id, err)
	}
	return n, nil
}

// FindNodes implements lectern.NodeService.
func (s *NodeService) FindNodes(ctx context.Context) ([]*lectern.Node, error) {
	rows, err := s.db.db.QueryContext(ctx, "SELECT "+nodeColumns+" FROM nodes ORDER BY id")
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
