package sqldb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"lectern"
)

// SightingService implements lectern.SightingService.
type SightingService struct{ db *DB }

// NewSightingService returns the sightings of db.
func NewSightingService(db *DB) *SightingService { return &SightingService{db: db} }

var _ lectern.SightingService = (*SightingService)(nil)

func scanSighting(row rowScanner) (lectern.Sighting, error) {
	var s lectern.Sighting
	var mod nullExactTime
	var ended sql.NullTime
	err := row.Scan(&s.Path, &s.Size, &mod, &s.FirstSeen, &s.LastSeen, &s.Held, &ended, &s.EndedSize)
	s.ModTime = mod.Time
	s.TransferEnded = ended.Time
	if !ended.Valid {
		s.EndedSize = 0
	}
	return s, err
}

const sightingColumns = "path, size, mod_time, first_seen, last_seen, held, transfer_ended_at, transfer_ended_size"

// ObserveFile implements lectern.SightingService.
func (s *SightingService) ObserveFile(ctx context.Context, obs lectern.Sighting) (lectern.Sighting, bool, error) {
	var prev lectern.Sighting
	found := false
	if obs.LastSeen.IsZero() {
		obs.LastSeen = s.db.Now()
	}
	err := s.db.withTx(ctx, func(tx *conn) error {
		p, err := scanSighting(tx.QueryRowContext(ctx, "SELECT "+sightingColumns+" FROM sightings WHERE path = ?", obs.Path))
		switch {
		case err == nil:
			prev, found = p, true
			_, err = tx.ExecContext(ctx, "UPDATE sightings SET size = ?, mod_time = ?, last_seen = ? WHERE path = ?",
				obs.Size, s.db.dialect.exactTime(obs.ModTime), obs.LastSeen.UTC(), obs.Path)
		case errors.Is(err, sql.ErrNoRows):
			first := obs.FirstSeen
			if first.IsZero() {
				first = obs.LastSeen
			}
			_, err = tx.ExecContext(ctx, "INSERT INTO sightings (path, size, mod_time, first_seen, last_seen) VALUES (?, ?, ?, ?, ?)",
				obs.Path, obs.Size, s.db.dialect.exactTime(obs.ModTime), first.UTC(), obs.LastSeen.UTC())
		}
		if err != nil {
			return fmt.Errorf("observe %s: %w", obs.Path, err)
		}
		return nil
	})
	return prev, found, err
}

// HoldFile implements lectern.SightingService.
func (s *SightingService) HoldFile(ctx context.Context, path string, held bool, now time.Time) error {
	return s.db.withTx(ctx, func(tx *conn) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO sightings (path, first_seen, last_seen, held) VALUES (?, ?, ?, ?)
			ON CONFLICT (path) DO UPDATE SET held = excluded.held, last_seen = excluded.last_seen,
				transfer_ended_at = NULL, transfer_ended_size = 0`,
			path, now.UTC(), now.UTC(), held)
		if err != nil {
			return fmt.Errorf("hold %s: %w", path, err)
		}
		return nil
	})
}

// MarkTransferEnded implements lectern.SightingService.
func (s *SightingService) MarkTransferEnded(ctx context.Context, path string, size int64, at time.Time) error {
	if at.IsZero() {
		size = 0
	}
	return s.db.withTx(ctx, func(tx *conn) error {
		_, err := tx.ExecContext(ctx, "UPDATE sightings SET transfer_ended_at = ?, transfer_ended_size = ? WHERE path = ?",
			nullTime(at), size, path)
		if err != nil {
			return fmt.Errorf("mark transfer ended %s: %w", path, err)
		}
		return nil
	})
}

// FindEndedTransfers implements lectern.SightingService.
func (s *SightingService) FindEndedTransfers(ctx context.Context) ([]lectern.Sighting, error) {
	rows, err := s.db.db.QueryContext(ctx, "SELECT "+sightingColumns+
		" FROM sightings WHERE held AND transfer_ended_at IS NOT NULL ORDER BY transfer_ended_at, path")
	if err != nil {
		return nil, fmt.Errorf("find ended transfers: %w", err)
	}
	defer rows.Close()
	var list []lectern.Sighting
	for rows.Next() {
		sg, err := scanSighting(rows)
		if err != nil {
			return nil, fmt.Errorf("find ended transfers: %w", err)
		}
		list = append(list, sg)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("find ended transfers: %w", err)
	}
	return list, nil
}

// FindSighting implements lectern.SightingService.
func (s *SightingService) FindSighting(ctx context.Context, path string) (lectern.Sighting, error) {
	sg, err := scanSighting(s.db.db.QueryRowContext(ctx, "SELECT "+sightingColumns+" FROM sightings WHERE path = ?", path))
	if errors.Is(err, sql.ErrNoRows) {
		return sg, lectern.Errorf(lectern.ENOTFOUND, "No sighting of this file.")
	} else if err != nil {
		return sg, fmt.Errorf("find sighting %s: %w", path, err)
	}
	return sg, nil
}

// ForgetFile implements lectern.SightingService.
func (s *SightingService) ForgetFile(ctx context.Context, path string) error {
	return s.db.withTx(ctx, func(tx *conn) error {
		if _, err := tx.ExecContext(ctx, "DELETE FROM sightings WHERE path = ?", path); err != nil {
			return fmt.Errorf("forget %s: %w", path, err)
		}
		return nil
	})
}
