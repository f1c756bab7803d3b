package sqldb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"lectern"
)

// RecordingFileService implements lectern.RecordingFileService.
type RecordingFileService struct{ db *DB }

// NewRecordingFileService returns the recording files of db.
func NewRecordingFileService(db *DB) *RecordingFileService { return &RecordingFileService{db: db} }

var _ lectern.RecordingFileService = (*RecordingFileService)(nil)

const recordingFileColumns = "id, file, file_size, recorder_id, uploaded_by, date_added, treatment_id"

func scanRecordingFile(row rowScanner) (*lectern.RecordingFile, error) {
	var f lectern.RecordingFile
	var user, treatment sql.NullInt64
	if err := row.Scan(&f.ID, &f.File, &f.FileSize, &f.RecorderID, &user, &f.DateAdded, &treatment); err != nil {
		return nil, err
	}
	if user.Valid {
		f.UploadedBy = &user.Int64
	}
	if treatment.Valid {
		f.TreatmentID = &treatment.Int64
	}
	return &f, nil
}

// CreateRecordingFile implements lectern.RecordingFileService. The UNIQUE
// file column turns a second insert for the same path into an update of
// the first row.
func (s *RecordingFileService) CreateRecordingFile(ctx context.Context, f *lectern.RecordingFile) error {
	if err := f.Validate(); err != nil {
		return err
	}
	if f.DateAdded.IsZero() {
		f.DateAdded = s.db.Now()
	}
	f.DateAdded = f.DateAdded.UTC()
	return s.db.withTx(ctx, func(tx *conn) error {
		err := tx.QueryRowContext(ctx, `INSERT INTO recording_files (file, file_size, recorder_id, uploaded_by, date_added, treatment_id)
			VALUES (?, ?, ?, ?, ?, ?)
			ON CONFLICT (file) DO UPDATE SET file_size = excluded.file_size, recorder_id = excluded.recorder_id,
				uploaded_by = excluded.uploaded_by, date_added = excluded.date_added, treatment_id = excluded.treatment_id
			RETURNING id`,
			f.File, f.FileSize, f.RecorderID, f.UploadedBy, f.DateAdded, f.TreatmentID).Scan(&f.ID)
		if isForeignKey(err) {
			return recordingFileReferenceError(ctx, s.db.db, f)
		} else if err != nil {
			return fmt.Errorf("create recording file %s: %w", f.File, err)
		}
		return nil
	})
}

// recordingFileReferenceError names the reference of f that points to no
// row, after SQLite refused it without saying which. It reads through q,
// the pool: on PostgreSQL a transaction that had a statement fail runs no
// other.
func recordingFileReferenceError(ctx context.Context, q *conn, f *lectern.RecordingFile) error {
	const op = "create recording file"
	exists := func(table string, id int64) bool {
		var one int
		return q.QueryRowContext(ctx, "SELECT 1 FROM "+table+" WHERE id = ?", id).Scan(&one) == nil
	}
	switch {
	case !exists("recorders", f.RecorderID):
		return fieldError(op, lectern.EINVALID, "recorder", "Select a valid recorder.")
	case f.UploadedBy != nil && !exists("users", *f.UploadedBy):
		return fieldError(op, lectern.EINVALID, "uploaded_by", "Select a valid user.")
	}
	return fieldError(op, lectern.EINVALID, "treatment", "Select a valid treatment.")
}

// FindRecordingFileByID implements lectern.RecordingFileService.
func (s *RecordingFileService) FindRecordingFileByID(ctx context.Context, id int64) (*lectern.RecordingFile, error) {
	f, err := scanRecordingFile(s.db.db.QueryRowContext(ctx, "SELECT "+recordingFileColumns+" FROM recording_files WHERE id = ?", id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, lectern.Errorf(lectern.ENOTFOUND, "Recording file not found.")
	} else if err != nil {
		return nil, fmt.Errorf("find recording file %d: %w", id, err)
	}
	return f, nil
}

// FindRecordingFiles implements lectern.RecordingFileService.
func (s *RecordingFileService) FindRecordingFiles(ctx context.Context, filter lectern.RecordingFileFilter) ([]*lectern.RecordingFile, int, error) {
	w := &where{}
	if filter.RecorderID != nil {
		w.add("recorder_id = ?", *filter.RecorderID)
	}
	w.member(filter.Member)
	return findPage(ctx, s.db.db, "recording_files", recordingFileColumns, w, "date_added DESC, id DESC", filter.Page, scanRecordingFile)
}
