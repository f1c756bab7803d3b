package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"lectern"
)

// VideoTypeService implements lectern.VideoTypeService.
type VideoTypeService struct{ db *DB }

// NewVideoTypeService returns the video types of db.
func NewVideoTypeService(db *DB) *VideoTypeService { return &VideoTypeService{db: db} }

var _ lectern.VideoTypeService = (*VideoTypeService)(nil)

// FindVideoTypeByID implements lectern.VideoTypeService.
func (s *VideoTypeService) FindVideoTypeByID(ctx context.Context, id int64) (*lectern.VideoType, error) {
	var t lectern.VideoType
	err := s.db.db.QueryRowContext(ctx, "SELECT id, title, description FROM video_types WHERE id = ?", id).Scan(&t.ID, &t.Title, &t.Description)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, lectern.Errorf(lectern.ENOTFOUND, "Video type not found.")
	} else if err != nil {
		return nil, fmt.Errorf("find video type %d: %w", id, err)
	}
	return &t, nil
}

// FindVideoTypes implements lectern.VideoTypeService.
func (s *VideoTypeService) FindVideoTypes(ctx context.Context, page lectern.Page) ([]*lectern.VideoType, int, error) {
	var total int
	if err := s.db.db.QueryRowContext(ctx, "SELECT COUNT(*) FROM video_types").Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("count video types: %w", err)
	}
	page = page.Normalize()
	rows, err := s.db.db.QueryContext(ctx, "SELECT id, title, description FROM video_types ORDER BY title LIMIT ? OFFSET ?", page.Size, page.Offset())
	if err != nil {
		return nil, 0, fmt.Errorf("find video types: %w", err)
	}
	defer rows.Close()
	types := []*lectern.VideoType{}
	for rows.Next() {
		var t lectern.VideoType
		if err := rows.Scan(&t.ID, &t.Title, &t.Description); err != nil {
			return nil, 0, fmt.Errorf("scan video type: %w", err)
		}
		types = append(types, &t)
	}
	return types, total, rows.Err()
}

// CreateVideoType implements lectern.VideoTypeService.
func (s *VideoTypeService) CreateVideoType(ctx context.Context, t *lectern.VideoType) error {
	if err := t.Validate(); err != nil {
		return err
	}
	return s.db.withTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, "INSERT INTO video_types (title, description) VALUES (?, ?)", t.Title, t.Description)
		if err != nil {
			return typeError("create video type", t.Title, err)
		}
		t.ID, err = res.LastInsertId()
		return err
	})
}

// UpdateVideoType implements lectern.VideoTypeService.
func (s *VideoTypeService) UpdateVideoType(ctx context.Context, t *lectern.VideoType) error {
	if err := t.Validate(); err != nil {
		return err
	}
	return s.db.withTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, "UPDATE video_types SET title = ?, description = ? WHERE id = ?", t.Title, t.Description, t.ID)
		if err != nil {
			return typeError("update video type", t.Title, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return lectern.Errorf(lectern.ENOTFOUND, "Video type not found.")
		}
		return nil
	})
}

// DeleteVideoType implements lectern.VideoTypeService.
func (s *VideoTypeService) DeleteVideoType(ctx context.Context, id int64) error {
	return s.db.withTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, "DELETE FROM video_types WHERE id = ?", id)
		if isForeignKey(err) {
			return &lectern.Error{Op: "delete video type", Code: lectern.ECONFLICT,
				Message: "This video type is used by recorders or videos."}
		} else if err != nil {
			return fmt.Errorf("delete video type %d: %w", id, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return lectern.Errorf(lectern.ENOTFOUND, "Video type not found.")
		}
		return nil
	})
}

func typeError(op, title string, err error) error {
	if isUnique(err) {
		return &lectern.Error{Op: op, Code: lectern.ECONFLICT, Message: "A video type with that title already exists.",
			Fields: map[string]string{"title": "A video type with that title already exists."}}
	}
	return fmt.Errorf("%s %q: %w", op, title, err)
}
