package sqldb

import (
	"context"
	"database/sql"
	"fmt"

	"lectern"
)

// EnrichmentService implements lectern.EnrichmentService.
type EnrichmentService struct{ db *DB }

// NewEnrichmentService returns the enrichments of db.
func NewEnrichmentService(db *DB) *EnrichmentService { return &EnrichmentService{db: db} }

var _ lectern.EnrichmentService = (*EnrichmentService)(nil)

// SetEnrichments implements lectern.EnrichmentService.
func (s *EnrichmentService) SetEnrichments(ctx context.Context, videoID int64, list []*lectern.Enrichment) error {
	return s.db.withTx(ctx, func(tx *conn) error {
		var one int
		if err := tx.QueryRowContext(ctx, "SELECT 1 FROM videos WHERE id = ?", videoID).Scan(&one); err == sql.ErrNoRows {
			return errVideoNotFound
		} else if err != nil {
			return fmt.Errorf("set enrichments of video %d: %w", videoID, err)
		}
		if _, err := tx.ExecContext(ctx, "DELETE FROM enrichments WHERE video_id = ?", videoID); err != nil {
			return fmt.Errorf("set enrichments of video %d: %w", videoID, err)
		}
		for _, e := range list {
			e.VideoID = videoID
			if e.Type == "" {
				e.Type = lectern.EnrichmentImage
			}
			err := tx.QueryRowContext(ctx, `INSERT INTO enrichments (video_id, position, type, title, image, start, end_at,
				width, height) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
				videoID, e.Position, e.Type, e.Title, e.Image, e.Start, e.End, e.Width, e.Height).Scan(&e.ID)
			if err != nil {
				return fmt.Errorf("store enrichment %d of video %d: %w", e.Position, videoID, err)
			}
		}
		return nil
	})
}

// FindEnrichments implements lectern.EnrichmentService.
func (s *EnrichmentService) FindEnrichments(ctx context.Context, videoID int64) ([]*lectern.Enrichment, error) {
	rows, err := s.db.db.QueryContext(ctx, `SELECT id, video_id, position, type, title, image, start, end_at, width, height
		FROM enrichments WHERE video_id = ? ORDER BY start, position`, videoID)
	if err != nil {
		return nil, fmt.Errorf("enrichments of video %d: %w", videoID, err)
	}
	defer rows.Close()
	list := []*lectern.Enrichment{}
	for rows.Next() {
		var e lectern.Enrichment
		if err := rows.Scan(&e.ID, &e.VideoID, &e.Position, &e.Type, &e.Title, &e.Image, &e.Start, &e.End, &e.Width,
			&e.Height); err != nil {
			return nil, fmt.Errorf("enrichments of video %d: %w", videoID, err)
		}
		list = append(list, &e)
	}
	return list, rows.Err()
}
