package sqldb

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"lectern"
)

// CaptureAgentService implements lectern.CaptureAgentService.
type CaptureAgentService struct{ db *DB }

// NewCaptureAgentService returns the capture agents of db.
func NewCaptureAgentService(db *DB) *CaptureAgentService { return &CaptureAgentService{db: db} }

var _ lectern.CaptureAgentService = (*CaptureAgentService)(nil)

const captureAgentColumns = "name, recorder_id, state, address, configuration, last_contact, state_at"

func scanCaptureAgent(row rowScanner) (*lectern.CaptureAgent, error) {
	var a lectern.CaptureAgent
	var cfg string
	var stateAt sql.NullTime
	if err := row.Scan(&a.Name, &a.RecorderID, &a.State, &a.Address, &cfg, &a.LastContact, &stateAt); err != nil {
		return nil, err
	}
	a.LastContact = a.LastContact.UTC()
	if stateAt.Valid {
		a.StateAt = stateAt.Time.UTC()
	}
	if err := json.Unmarshal([]byte(cfg), &a.Configuration); err != nil {
		return nil, fmt.Errorf("capture agent %q: configuration: %w", a.Name, err)
	}
	return &a, nil
}

// SaveAgentState implements lectern.CaptureAgentService.
func (s *CaptureAgentService) SaveAgentState(ctx context.Context, a *lectern.CaptureAgent) error {
	if a.LastContact.IsZero() {
		a.LastContact = s.db.Now()
	}
	if a.StateAt.IsZero() {
		a.StateAt = a.LastContact
	}
	return s.db.withTx(ctx, func(tx *conn) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO capture_agents (name, recorder_id, state, address, last_contact, state_at)
			VALUES (?, ?, ?, ?, ?, ?)
			ON CONFLICT (name) DO UPDATE SET recorder_id = excluded.recorder_id, state = excluded.state,
				address = excluded.address, last_contact = excluded.last_contact, state_at = excluded.state_at`,
			a.Name, a.RecorderID, a.State, a.Address, a.LastContact.UTC(), a.StateAt.UTC())
		return agentError("save agent state", a.Name, err)
	})
}

// SaveAgentConfiguration implements lectern.CaptureAgentService.
func (s *CaptureAgentService) SaveAgentConfiguration(ctx context.Context, name string, recorderID int64, cfg map[string]string) error {
	if cfg == nil {
		cfg = map[string]string{}
	}
	text, err := json.Marshal(cfg)
	if err != nil {
		return fmt.Errorf("save agent configuration %q: %w", name, err)
	}
	now := s.db.Now()
	return s.db.withTx(ctx, func(tx *conn) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO capture_agents (name, recorder_id, configuration, last_contact)
			VALUES (?, ?, ?, ?)
			ON CONFLICT (name) DO UPDATE SET recorder_id = excluded.recorder_id, configuration = excluded.configuration,
				last_contact = excluded.last_contact`,
			name, recorderID, string(text), now)
		return agentError("save agent configuration", name, err)
	})
}

// TouchAgent implements lectern.CaptureAgentService.
func (s *CaptureAgentService) TouchAgent(ctx context.Context, name string, recorderID int64, at time.Time) error {
	if at.IsZero() {
		at = s.db.Now()
	}
	return s.db.withTx(ctx, func(tx *conn) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO capture_agents (name, recorder_id, last_contact) VALUES (?, ?, ?)
			ON CONFLICT (name) DO UPDATE SET recorder_id = excluded.recorder_id, last_contact = excluded.last_contact`,
			name, recorderID, at.UTC())
		return agentError("touch agent", name, err)
	})
}

// agentError says which agent a write failed for; an unknown recorder is
// EINVALID.
func agentError(op, name string, err error) error {
	switch {
	case err == nil:
		return nil
	case isForeignKey(err):
		return &lectern.Error{Op: op, Code: lectern.EINVALID, Message: "Unknown recorder."}
	}
	return fmt.Errorf("%s %q: %w", op, name, err)
}

// FindAgent implements lectern.CaptureAgentService.
func (s *CaptureAgentService) FindAgent(ctx context.Context, name string) (*lectern.CaptureAgent, error) {
	a, err := scanCaptureAgent(s.db.db.QueryRowContext(ctx, "SELECT "+captureAgentColumns+" FROM capture_agents WHERE name = ?", name))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, lectern.Errorf(lectern.ENOTFOUND, "Capture agent not found.")
	} else if err != nil {
		return nil, fmt.Errorf("find agent %q: %w", name, err)
	}
	return a, nil
}

// FindAgents implements lectern.CaptureAgentService.
func (s *CaptureAgentService) FindAgents(ctx context.Context, recorderID *int64) ([]*lectern.CaptureAgent, error) {
	query, args := "SELECT "+captureAgentColumns+" FROM capture_agents", []any{}
	if recorderID != nil {
		query, args = query+" WHERE recorder_id = ?", append(args, *recorderID)
	}
	rows, err := s.db.db.QueryContext(ctx, query+" ORDER BY name", args...)
	if err != nil {
		return nil, fmt.Errorf("find agents: %w", err)
	}
	defer rows.Close()
	var agents []*lectern.CaptureAgent
	for rows.Next() {
		a, err := scanCaptureAgent(rows)
		if err != nil {
			return nil, fmt.Errorf("find agents: %w", err)
		}
		agents = append(agents, a)
	}
	return agents, rows.Err()
}
