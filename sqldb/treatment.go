package sqldb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"lectern"
)

// TreatmentService implements lectern.TreatmentService.
type TreatmentService struct {
	db   *DB
	jobs lectern.Enqueuer
}

// NewTreatmentService returns the treatments of db; the delivery of a
// message a transition queues is enqueued through jobs in its
// transaction (nil: none).
func NewTreatmentService(db *DB, jobs lectern.Enqueuer) *TreatmentService {
	return &TreatmentService{db: db, jobs: jobs}
}

var _ lectern.TreatmentService = (*TreatmentService)(nil)

const treatmentColumns = `id, file, file_size, recorder_id, type, require_manual_claim, email_sent, date_email_sent,
	state, reason, detected_by, date_added, first_seen_at, completed_at, routed_at, file_ino, file_mtime_ns`

func scanTreatment(row rowScanner) (*lectern.Treatment, error) {
	var t lectern.Treatment
	var rec sql.NullInt64
	var sent, first, completed, routed sql.NullTime
	var ino, mtime int64
	if err := row.Scan(&t.ID, &t.File, &t.FileSize, &rec, &t.Type, &t.RequireManualClaim, &t.EmailSent, &sent,
		&t.State, &t.Reason, &t.DetectedBy, &t.DateAdded, &first, &completed, &routed, &ino, &mtime); err != nil {
		return nil, err
	}
	t.FileIno = uint64(ino)
	if mtime != 0 {
		t.FileModTime = time.Unix(0, mtime).UTC()
	}
	if rec.Valid {
		t.RecorderID = &rec.Int64
	}
	t.DateEmailSent, t.FirstSeenAt, t.CompletedAt, t.RoutedAt = sent.Time, first.Time, completed.Time, routed.Time
	return &t, nil
}

// CreateTreatment implements lectern.TreatmentService. The UNIQUE file
// column makes it exactly once: a second caller's insert does nothing and
// it reads the first caller's row.
func (s *TreatmentService) CreateTreatment(ctx context.Context, t *lectern.Treatment) (bool, error) {
	if t.DateAdded.IsZero() {
		t.DateAdded = s.db.Now()
	}
	created := false
	err := s.db.withTx(ctx, func(tx *conn) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO treatments (file, file_size, recorder_id, type, require_manual_claim,
			email_sent, date_email_sent, state, reason, detected_by, date_added, first_seen_at, completed_at, routed_at,
			file_ino, file_mtime_ns)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (file) DO NOTHING`,
			t.File, t.FileSize, t.RecorderID, t.Type, t.RequireManualClaim, t.EmailSent, nullTime(t.DateEmailSent),
			t.State, t.Reason, t.DetectedBy, t.DateAdded.UTC(), nullTime(t.FirstSeenAt), nullTime(t.CompletedAt), nullTime(t.RoutedAt),
			int64(t.FileIno), unixNano(t.FileModTime))
		if isForeignKey(err) {
			return fieldError("create treatment", lectern.EINVALID, "recorder", "Select a valid recorder.")
		} else if err != nil {
			return fmt.Errorf("create treatment %s: %w", t.File, err)
		}
		n, _ := res.RowsAffected()
		created = n == 1
		if created && s.db.dialect == postgresDialect {
			// Serve nodes listening route it at once (ListenTreatments).
			if _, err := tx.ExecContext(ctx, "SELECT pg_notify('"+TreatmentsChannel+"', '')"); err != nil {
				return fmt.Errorf("create treatment %s: notify: %w", t.File, err)
			}
		}
		stored, err := scanTreatment(tx.QueryRowContext(ctx, "SELECT "+treatmentColumns+" FROM treatments WHERE file = ?", t.File))
		if err != nil {
			return fmt.Errorf("read treatment %s: %w", t.File, err)
		}
		*t = *stored
		return nil
	})
	return created, err
}

// FindTreatmentByID implements lectern.TreatmentService.
func (s *TreatmentService) FindTreatmentByID(ctx context.Context, id int64) (*lectern.Treatment, error) {
	t, err := scanTreatment(s.db.db.QueryRowContext(ctx, "SELECT "+treatmentColumns+" FROM treatments WHERE id = ?", id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, lectern.Errorf(lectern.ENOTFOUND, "Treatment not found.")
	} else if err != nil {
		return nil, fmt.Errorf("find treatment %d: %w", id, err)
	}
	return t, nil
}

// FindTreatments implements lectern.TreatmentService.
func (s *TreatmentService) FindTreatments(ctx context.Context, f lectern.TreatmentFilter) ([]*lectern.Treatment, int, error) {
	return findPage(ctx, s.db.db, "treatments", treatmentColumns, treatmentWhere(f), "date_added DESC, id DESC", f.Page, scanTreatment)
}

// CountTreatments implements lectern.TreatmentService.
func (s *TreatmentService) CountTreatments(ctx context.Context, f lectern.TreatmentFilter) (int, error) {
	return countRows(ctx, s.db.db, "treatments", treatmentWhere(f))
}

// treatmentWhere is the WHERE clause of f.
func treatmentWhere(f lectern.TreatmentFilter) *where {
	w := &where{}
	if f.ID != nil {
		w.add("id = ?", *f.ID)
	}
	if f.File != nil {
		w.add("file = ?", *f.File)
	}
	if f.FileIno != nil {
		w.add("file_ino = ?", int64(*f.FileIno))
	}
	if f.FormerFile != nil {
		w.add("id IN (SELECT treatment_id FROM treatment_names WHERE file = ?)", *f.FormerFile)
	}
	if f.RecorderID != nil {
		w.add("recorder_id = ?", *f.RecorderID)
	}
	w.member(f.Member)
	if f.State != nil {
		w.add("state = ?", *f.State)
	}
	w.in("state", f.States)
	w.searchBelow(f.Search, f.SearchBelow, "file")
	return w
}

// UpdateTreatment implements lectern.TreatmentService.
func (s *TreatmentService) UpdateTreatment(ctx context.Context, t *lectern.Treatment) error {
	return s.db.execOne(ctx, "update treatment", lectern.Errorf(lectern.ENOTFOUND, "Treatment not found."), nil,
		`UPDATE treatments SET file_size = ?, state = ?, reason = ?, require_manual_claim = ?, email_sent = ?,
		date_email_sent = ?, routed_at = ?, file_ino = ?, file_mtime_ns = ? WHERE id = ?`,
		t.FileSize, t.State, t.Reason, t.RequireManualClaim, t.EmailSent, nullTime(t.DateEmailSent), nullTime(t.RoutedAt),
		int64(t.FileIno), unixNano(t.FileModTime), t.ID)
}

// unixNano stores a file's modification time exactly (0 when unknown).
func unixNano(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixNano()
}

// MoveTreatment implements lectern.TreatmentService.
func (s *TreatmentService) MoveTreatment(ctx context.Context, id int64, from, to string) error {
	return s.db.withTx(ctx, func(tx *conn) error {
		var n int
		if err := tx.QueryRowContext(ctx, "SELECT COUNT(*) FROM treatments WHERE file = ?", to).Scan(&n); err != nil {
			return fmt.Errorf("move treatment %d: %w", id, err)
		} else if n > 0 {
			return lectern.Errorf(lectern.ECONFLICT, "Another deposit already has this name.")
		}
		res, err := tx.ExecContext(ctx, "UPDATE treatments SET file = ? WHERE id = ? AND file = ?", to, id, from)
		if err != nil {
			return fmt.Errorf("move treatment %d to %s: %w", id, to, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return lectern.Errorf(lectern.ENOTFOUND, "Treatment not found at this name.")
		}
		if _, err := tx.ExecContext(ctx, "INSERT INTO treatment_names (treatment_id, file) VALUES (?, ?) ON CONFLICT DO NOTHING",
			id, from); err != nil {
			return fmt.Errorf("keep former name of treatment %d: %w", id, err)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE recording_files SET file = ? WHERE treatment_id = ? AND file = ?
			AND NOT EXISTS (SELECT 1 FROM recording_files WHERE file = ?)`, to, id, from, to); err != nil {
			return fmt.Errorf("move recording file of treatment %d to %s: %w", id, to, err)
		}
		return nil
	})
}

// DeleteTreatment implements lectern.TreatmentService.
func (s *TreatmentService) DeleteTreatment(ctx context.Context, id int64) error {
	return s.db.execOne(ctx, "delete treatment", lectern.Errorf(lectern.ENOTFOUND, "Treatment not found."), nil,
		"DELETE FROM treatments WHERE id = ?", id)
}

// TreatedFiles implements lectern.TreatmentService.
func (s *TreatmentService) TreatedFiles(ctx context.Context) (map[string]struct{}, error) {
	rows, err := s.db.db.QueryContext(ctx, "SELECT file FROM treatments WHERE state NOT IN (?, ?)",
		lectern.TreatmentPublished, lectern.TreatmentMissing)
	if err != nil {
		return nil, fmt.Errorf("list treated files: %w", err)
	}
	defer rows.Close()
	files := map[string]struct{}{}
	for rows.Next() {
		var f string
		if err := rows.Scan(&f); err != nil {
			return nil, err
		}
		files[f] = struct{}{}
	}
	return files, rows.Err()
}

// TransitionTreatment implements lectern.TreatmentService.
func (s *TreatmentService) TransitionTreatment(ctx context.Context, id int64, from, to string, msg *lectern.Message) (bool, error) {
	moved := false
	err := s.db.withTx(ctx, func(tx *conn) error {
		now := s.db.Now()
		q := "UPDATE treatments SET state = ? WHERE id = ? AND state = ?"
		args := []any{to, id, from}
		if msg != nil {
			q = "UPDATE treatments SET state = ?, email_sent = TRUE, date_email_sent = ? WHERE id = ? AND state = ?"
			args = []any{to, now, id, from}
		}
		res, err := tx.ExecContext(ctx, q, args...)
		if err != nil {
			return fmt.Errorf("move treatment %d from %s to %s: %w", id, from, to, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil
		}
		moved = true
		if msg != nil {
			msg.TreatmentID = &id
			if err := insertMessage(ctx, tx, msg, now); err != nil {
				return err
			}
			return enqueue(ctx, s.jobs, tx, lectern.SendMailArgs{MessageID: msg.ID})
		}
		return nil
	})
	return moved, err
}
