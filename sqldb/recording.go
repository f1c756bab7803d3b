package sqldb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"lectern"
)

// RecordingService implements lectern.RecordingService.
type RecordingService struct {
	db   *DB
	jobs lectern.Enqueuer
}

// NewRecordingService returns the recordings of db; each new one's
// processing is enqueued through jobs in its transaction (nil: none).
func NewRecordingService(db *DB, jobs lectern.Enqueuer) *RecordingService {
	return &RecordingService{db: db, jobs: jobs}
}

var _ lectern.RecordingService = (*RecordingService)(nil)

const recordingColumns = "id, recorder_id, user_id, treatment_id, title, type, source_file, comment, date_added, published_by_id"

func scanRecording(row rowScanner) (*lectern.Recording, error) {
	var r lectern.Recording
	var treatment, publisher sql.NullInt64
	if err := row.Scan(&r.ID, &r.RecorderID, &r.UserID, &treatment, &r.Title, &r.Type, &r.SourceFile, &r.Comment, &r.DateAdded,
		&publisher); err != nil {
		return nil, err
	}
	if publisher.Valid {
		r.PublishedByID = &publisher.Int64
	}
	if treatment.Valid {
		r.TreatmentID = &treatment.Int64
	}
	return &r, nil
}

// CreateRecording implements lectern.RecordingService.
func (s *RecordingService) CreateRecording(ctx context.Context, r *lectern.Recording) error {
	if err := r.Validate(); err != nil {
		return err
	}
	if r.DateAdded.IsZero() {
		r.DateAdded = s.db.Now()
	}
	return s.db.withTx(ctx, func(tx *conn) error {
		if r.TreatmentID != nil {
			res, err := tx.ExecContext(ctx, `UPDATE treatments SET state = ? WHERE id = ? AND state NOT IN (?, ?, ?)`,
				lectern.TreatmentPublished, *r.TreatmentID, lectern.TreatmentPublished, lectern.TreatmentIgnored, lectern.TreatmentMissing)
			if err != nil {
				return fmt.Errorf("publish treatment %d: %w", *r.TreatmentID, err)
			}
			if n, _ := res.RowsAffected(); n == 0 {
				return &lectern.Error{Op: "create recording", Code: lectern.ECONFLICT,
					Message: "This recording has already been published, or can no longer be.",
					Fields:  map[string]string{"source_file": "This recording has already been published, or can no longer be."}}
			}
		}
		err := tx.QueryRowContext(ctx, `INSERT INTO recordings (recorder_id, user_id, treatment_id, title, type, source_file, comment, date_added,
			published_by_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, r.RecorderID, r.UserID, r.TreatmentID, r.Title, r.Type,
			r.SourceFile, r.Comment, r.DateAdded.UTC(), r.PublishedByID).Scan(&r.ID)
		switch {
		case isUnique(err):
			return fieldError("create recording", lectern.ECONFLICT, "source_file", "This recording has already been published, or can no longer be.")
		case isForeignKey(err):
			return fieldError("create recording", lectern.EINVALID, "user", "Select a valid user.")
		case err != nil:
			return fmt.Errorf("create recording %q: %w", r.Title, err)
		}
		return enqueue(ctx, s.jobs, tx, lectern.ProcessRecordingArgs{RecordingID: r.ID})
	})
}

// FindRecordingByID implements lectern.RecordingService.
func (s *RecordingService) FindRecordingByID(ctx context.Context, id int64) (*lectern.Recording, error) {
	r, err := scanRecording(s.db.db.QueryRowContext(ctx, "SELECT "+recordingColumns+" FROM recordings WHERE id = ?", id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, lectern.Errorf(lectern.ENOTFOUND, "Recording not found.")
	} else if err != nil {
		return nil, fmt.Errorf("find recording %d: %w", id, err)
	}
	return r, nil
}

// FindRecordings implements lectern.RecordingService.
func (s *RecordingService) FindRecordings(ctx context.Context, f lectern.RecordingFilter) ([]*lectern.Recording, int, error) {
	w := &where{}
	if f.ID != nil {
		w.add("id = ?", *f.ID)
	}
	if f.RecorderID != nil {
		w.add("recorder_id = ?", *f.RecorderID)
	}
	w.member(f.Member)
	if f.UserID != nil {
		w.add("user_id = ?", *f.UserID)
	}
	return findPage(ctx, s.db.db, "recordings", recordingColumns, w, "date_added DESC, id DESC", f.Page, scanRecording)
}

// AppendRecordingLog implements lectern.RecordingService.
func (s *RecordingService) AppendRecordingLog(ctx context.Context, id int64, line string) error {
	return s.db.execOne(ctx, "append to recording log", lectern.Errorf(lectern.ENOTFOUND, "Recording not found."), nil,
		"UPDATE recordings SET comment = comment || ? WHERE id = ?", line+"\n", id)
}
