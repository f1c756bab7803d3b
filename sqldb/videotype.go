package sqldb

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
	t, err := scanVideoType(s.db.db.QueryRowContext(ctx, "SELECT id, title, description FROM video_types WHERE id = ?", id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, lectern.Errorf(lectern.ENOTFOUND, "Video type not found.")
	} else if err != nil {
		return nil, fmt.Errorf("find video type %d: %w", id, err)
	}
	return t, nil
}

func scanVideoType(row rowScanner) (*lectern.VideoType, error) {
	var t lectern.VideoType
	if err := row.Scan(&t.ID, &t.Title, &t.Description); err != nil {
		return nil, err
	}
	return &t, nil
}

// FindVideoTypes implements lectern.VideoTypeService.
func (s *VideoTypeService) FindVideoTypes(ctx context.Context, page lectern.Page) ([]*lectern.VideoType, int, error) {
	return findPage(ctx, s.db.db, "video_types", "id, title, description", &where{}, "title", page, scanVideoType)
}

// CreateVideoType implements lectern.VideoTypeService.
func (s *VideoTypeService) CreateVideoType(ctx context.Context, t *lectern.VideoType) error {
	if err := t.Validate(); err != nil {
		return err
	}
	return s.db.withTx(ctx, func(tx *conn) error {
		err := tx.QueryRowContext(ctx, "INSERT INTO video_types (title, description) VALUES (?, ?) RETURNING id", t.Title, t.Description).Scan(&t.ID)
		if err != nil {
			return typeError("create video type", t.Title, err)
		}
		return nil
	})
}

// UpdateVideoType implements lectern.VideoTypeService.
func (s *VideoTypeService) UpdateVideoType(ctx context.Context, t *lectern.VideoType) error {
	if err := t.Validate(); err != nil {
		return err
	}
	return s.db.withTx(ctx, func(tx *conn) error {
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
	return s.db.execOne(ctx, "delete video type", lectern.Errorf(lectern.ENOTFOUND, "Video type not found."),
		&lectern.Error{Op: "delete video type", Code: lectern.ECONFLICT, Message: "This video type is used by recorders or videos."},
		"DELETE FROM video_types WHERE id = ?", id)
}

func typeError(op, title string, err error) error {
	if isUnique(err) {
		return &lectern.Error{Op: op, Code: lectern.ECONFLICT, Message: "A video type with that title already exists.",
			Fields: map[string]string{"title": "A video type with that title already exists."}}
	}
	return fmt.Errorf("%s %q: %w", op, title, err)
}
