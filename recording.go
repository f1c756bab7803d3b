package lectern

import (
	"context"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// Recording is a deposit given to a user: publishing creates it, and the
// processing stage turns it into a video. Comment is its log, appended to
// by each step and shown to admins (Pod's "comment").
type Recording struct {
	ID          int64  `json:"id"`
	RecorderID  int64  `json:"recorder"`
	UserID      int64  `json:"user"`
	TreatmentID *int64 `json:"treatment"`
	// PublishedByID is who published it for UserID (the add form, the
	// claim list); nil for an automatic publication.
	PublishedByID *int64    `json:"published_by"`
	Title         string    `json:"title"`
	Type          string    `json:"type"`
	SourceFile    string    `json:"source_file"`
	Comment       string    `json:"comment"`
	DateAdded     time.Time `json:"date_added"`
}

// Validate checks the recording's own fields.
func (r *Recording) Validate() error {
	f := FieldErrors{}
	r.Title = strings.TrimSpace(r.Title)
	if r.Title == "" {
		f.Add("title", "This field is required.")
	} else if len(r.Title) > 200 {
		f.Add("title", "Ensure this value has at most 200 characters.")
	}
	if r.RecorderID <= 0 {
		f.Add("recorder", "Select a valid recorder.")
	}
	if r.UserID <= 0 {
		f.Add("user", "Select a valid user.")
	}
	if !slices.Contains(RecordingTypes, r.Type) {
		f.Add("type", "Select a valid recording type.")
	}
	if !filepath.IsAbs(r.SourceFile) {
		f.Add("source_file", "Please specify a source file.")
	}
	return f.Err("validate recording")
}

// RecordingFilter selects recordings; zero fields match everything.
type RecordingFilter struct {
	ID         *int64
	RecorderID *int64
	Member     *int64 // of a recorder the user manages or helps with
	UserID     *int64
	Page       Page
}

// RecordingService stores recordings.
type RecordingService interface {
	// CreateRecording validates r and inserts it. When r.TreatmentID is
	// set, the same transaction moves that treatment to
	// TreatmentPublished, and fails with ECONFLICT when it is already
	// published (or ignored or missing): of two people publishing the same
	// deposit at once, exactly one succeeds. A source file already
	// published is ECONFLICT too. The recording's processing job
	// (ProcessRecordingArgs) is enqueued in the same transaction.
	CreateRecording(ctx context.Context, r *Recording) error
	// FindRecordingByID returns ENOTFOUND when no recording has that id.
	FindRecordingByID(ctx context.Context, id int64) (*Recording, error)
	// FindRecordings returns one page of matching recordings, newest
	// first, and the number of all matching recordings.
	FindRecordings(ctx context.Context, filter RecordingFilter) ([]*Recording, int, error)
	// AppendRecordingLog adds a line to the recording's comment.
	AppendRecordingLog(ctx context.Context, id int64, line string) error
}
