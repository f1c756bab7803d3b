package lectern

import (
	"context"
	"strings"
)

// VideoType is Pod's video "Type" (Conference, Course...), not a recording
// type. DEFAULT_RECORDER_TYPE_ID names one by id.
type VideoType struct {
	ID          int64  `json:"id"`
	Title       string `json:"title"`
	Description string `json:"description"`
}

// Validate checks the type's fields.
func (t *VideoType) Validate() error {
	f := FieldErrors{}
	t.Title = strings.TrimSpace(t.Title)
	if t.Title == "" {
		f.Add("title", "This field is required.")
	} else if len(t.Title) > 100 {
		f.Add("title", "Ensure this value has at most 100 characters.")
	}
	return f.Err("validate type")
}

// VideoTypeService stores video types.
type VideoTypeService interface {
	// FindVideoTypeByID returns ENOTFOUND when no type has that id.
	FindVideoTypeByID(ctx context.Context, id int64) (*VideoType, error)
	// FindVideoTypes returns one page of types ordered by title, and the
	// number of all types.
	FindVideoTypes(ctx context.Context, page Page) ([]*VideoType, int, error)
	// CreateVideoType inserts t, setting t.ID; ECONFLICT on a used title.
	CreateVideoType(ctx context.Context, t *VideoType) error
	// UpdateVideoType saves t; ENOTFOUND, ECONFLICT.
	UpdateVideoType(ctx context.Context, t *VideoType) error
	// DeleteVideoType removes the type; ECONFLICT while recorders use it.
	DeleteVideoType(ctx context.Context, id int64) error
}
