package lectern

import (
	"context"
	"path/filepath"
	"time"
)

// RecordingFile is Pod's RecordingFile: a file that arrived through the
// HTTP upload paths (multipart or tus) rather than FTP. The file itself
// lies in its recorder's directory, so it also has a treatment, made by
// Intake.Complete like every other deposit; this row only remembers who
// sent what, for the admin's "Recording files" list.
type RecordingFile struct {
	ID         int64     `json:"id"`
	File       string    `json:"file"` // absolute path, as in its treatment
	FileSize   int64     `json:"file_size"`
	RecorderID int64     `json:"recorder"`
	UploadedBy *int64    `json:"uploaded_by"` // nil once the user is deleted
	DateAdded  time.Time `json:"date_added"`
	// TreatmentID is the treatment Intake.Complete made of the file; nil
	// when none was made or it was deleted since.
	TreatmentID *int64 `json:"treatment"`
}

// Validate checks the fields a store cannot check by itself.
func (f *RecordingFile) Validate() error {
	errs := FieldErrors{}
	if f.File == "" {
		errs.Add("file", "This field is required.")
	} else if !filepath.IsAbs(f.File) {
		errs.Add("file", "Enter an absolute path.")
	}
	if f.FileSize < 0 {
		errs.Add("file_size", "Ensure this value is greater than or equal to 0.")
	}
	if f.RecorderID <= 0 {
		errs.Add("recorder", "This field is required.")
	}
	return errs.Err("validate recording file")
}

// RecordingFileFilter selects recording files; zero fields match
// everything.
type RecordingFileFilter struct {
	RecorderID *int64
	Member     *int64 // of a recorder the user manages or helps with
	Page       Page
}

// RecordingFileService stores recording files.
type RecordingFileService interface {
	// CreateRecordingFile validates f and stores it, setting f.ID (and
	// f.DateAdded when zero). A path names one recording file: when a row
	// for f.File exists (the same upload finished again after a crash, or
	// a new file given the name of a deleted one) it is replaced, keeping
	// its id. EINVALID for an unknown recorder, user or treatment.
	CreateRecordingFile(ctx context.Context, f *RecordingFile) error
	// FindRecordingFileByID returns ENOTFOUND when no recording file has
	// that id.
	FindRecordingFileByID(ctx context.Context, id int64) (*RecordingFile, error)
	// FindRecordingFiles returns one page of matching recording files,
	// newest first, and the number of all matching ones.
	FindRecordingFiles(ctx context.Context, filter RecordingFileFilter) ([]*RecordingFile, int, error)
}
