package sqldb

import (
	"context"
	"fmt"
	"slices"
	"time"

	"lectern"
)

// SSOSessionService implements lectern.SSOSessionService on the
// sso_sessions table: an identity provider's single logout request may
// reach any node, and the sessions it ends are in the shared store.
type SSOSessionService struct{ db *DB }

// NewSSOSessionService returns the single sign-on sessions of db.
func NewSSOSessionService(db *DB) *SSOSessionService { return &SSOSessionService{db: db} }

var _ lectern.SSOSessionService = (*SSOSessionService)(nil)

// RememberSSOSession implements lectern.SSOSessionService. Remembering the
// same token again moves its expiry; rows already expired are deleted.
func (s *SSOSessionService) RememberSSOSession(ctx context.Context, source, index, token string, expires time.Time) error {
	if source == "" || index == "" || token == "" {
		return lectern.Errorf(lectern.EINVALID, "A single sign-on session needs its source, index and token.")
	}
	err := s.db.withTx(ctx, func(tx *conn) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO sso_sessions (source, session_index, token, expires_at) VALUES (?, ?, ?, ?)
			ON CONFLICT (source, session_index, token) DO UPDATE SET expires_at = excluded.expires_at`,
			source, index, token, expires.UTC()); err != nil {
			return err
		}
		return s.forgetExpired(ctx, tx)
	})
	if err != nil {
		return fmt.Errorf("remember %s session: %w", source, err)
	}
	return nil
}

// TakeSSOSessions implements lectern.SSOSessionService, the tokens in
// order. The rows are deleted as they are read (DELETE ... RETURNING), so
// that two nodes taking the same index at once share its tokens out, each
// once. An expired row is deleted and never returned: its session is gone
// anyway.
func (s *SSOSessionService) TakeSSOSessions(ctx context.Context, source, index string) ([]string, error) {
	tokens := []string{}
	err := s.db.withTx(ctx, func(tx *conn) error {
		if err := s.forgetExpired(ctx, tx); err != nil {
			return err
		}
		rows, err := tx.QueryContext(ctx, "DELETE FROM sso_sessions WHERE source = ? AND session_index = ? RETURNING token", source, index)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var t string
			if err := rows.Scan(&t); err != nil {
				return err
			}
			tokens = append(tokens, t)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("take %s sessions: %w", source, err)
	}
	slices.Sort(tokens)
	return tokens, nil
}

// forgetExpired deletes the expired rows.
func (s *SSOSessionService) forgetExpired(ctx context.Context, tx *conn) error {
	_, err := tx.ExecContext(ctx, "DELETE FROM sso_sessions WHERE expires_at <= ?", s.db.Now())
	return err
}
