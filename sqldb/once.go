package sqldb

import (
	"context"
	"fmt"
	"time"

	"lectern"
)

// OnceService implements lectern.OnceService on the once_keys table, so
// that a ticket or an assertion used on one node is refused on all.
type OnceService struct{ db *DB }

// NewOnceService returns the keys used once in db.
func NewOnceService(db *DB) *OnceService { return &OnceService{db: db} }

var _ lectern.OnceService = (*OnceService)(nil)

// UseOnce implements lectern.OnceService. One statement records the key
// or, when it is there and expired, records it again: two nodes that use
// the same key at once both run it, the database orders them (PostgreSQL
// makes the second wait on the first's row, SQLite has one writer), and
// only the first changes a row. Expired keys are then deleted, so that
// the table holds only the keys still refused.
func (s *OnceService) UseOnce(ctx context.Context, key string, expires time.Time) error {
	if key == "" {
		return lectern.Errorf(lectern.EINVALID, "A key used once cannot be empty.")
	}
	now := s.db.Now()
	res, err := s.db.db.ExecContext(ctx, `INSERT INTO once_keys (key, expires_at) VALUES (?, ?)
		ON CONFLICT (key) DO UPDATE SET expires_at = excluded.expires_at WHERE once_keys.expires_at <= ?`,
		key, expires.UTC(), now)
	if err != nil {
		return fmt.Errorf("use once: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("use once: %w", err)
	}
	if n == 0 {
		return lectern.Errorf(lectern.ECONFLICT, "This was already used.")
	}
	if _, err := s.db.db.ExecContext(ctx, "DELETE FROM once_keys WHERE expires_at <= ?", now); err != nil {
		return fmt.Errorf("use once: forget expired keys: %w", err)
	}
	return nil
}
