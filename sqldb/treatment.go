package sqldb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
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
	state, reason, detected_by, date_added, first_seen_at, completed_at, routed_at, file_ino, file_mtime_ns, event_id`

func scanTreatment(row rowScanner) (*lectern.Treatment, error) {
	var t lectern.Treatment
	var rec sql.NullInt64
	var sent, first, completed, routed sql.NullTime
	var ino, mtime int64
	var event sql.NullInt64
	if err := row.Scan(&t.ID, &t.File, &t.FileSize, &rec, &t.Type, &t.RequireManualClaim, &t.EmailSent, &sent,
		&t.State, &t.Reason, &t.DetectedBy, &t.DateAdded, &first, &completed, &routed, &ino, &mtime, &event); err != nil {
		return nil, err
	}
	if event.Valid {
		t.EventID = &event.Int64
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
			file_ino, file_mtime_ns, event_id)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (file) DO NOTHING`,
			t.File, t.FileSize, t.RecorderID, t.Type, t.RequireManualClaim, t.EmailSent, nullTime(t.DateEmailSent),
			t.State, t.Reason, t.DetectedBy, t.DateAdded.UTC(), nullTime(t.FirstSeenAt), nullTime(t.CompletedAt), nullTime(t.RoutedAt),
			int64(t.FileIno), unixNano(t.FileModTime), t.EventID)
		if isForeignKey(err) {
			return fieldError("create treatment", lectern.EINVALID, "recorder", "Select a valid recorder and event.")
		} else if err != nil {
			return fmt.Errorf("create treatment %s: %w", t.File, err)
		}
		n, _ := res.RowsAffected()
		created = n == 1
		if created && len(t.Parts) > 0 {
			if err := insertParts(ctx, tx, t); err != nil {
				return err
			}
		}
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
		if stored.Parts, err = partsOf(ctx, tx, stored.ID); err != nil {
			return err
		}
		*t = *stored
		return nil
	})
	return created, err
}

// insertParts stores the parts of the new treatment t. A part's file
// belongs to one treatment: a file that is already another treatment's
// (its file or one of its parts) is ECONFLICT, and the whole treatment is
// not made.
func insertParts(ctx context.Context, tx *conn, t *lectern.Treatment) error {
	var id int64
	if err := tx.QueryRowContext(ctx, "SELECT id FROM treatments WHERE file = ?", t.File).Scan(&id); err != nil {
		return fmt.Errorf("read treatment %s: %w", t.File, err)
	}
	for _, p := range t.Parts {
		var n int
		if err := tx.QueryRowContext(ctx, "SELECT COUNT(*) FROM treatments WHERE file = ? AND id <> ?", p.File, id).Scan(&n); err != nil {
			return fmt.Errorf("check part %s: %w", p.File, err)
		} else if n > 0 {
			return lectern.Errorf(lectern.ECONFLICT, "A part of this deposit is already another deposit.")
		}
		_, err := tx.ExecContext(ctx, "INSERT INTO treatment_parts (treatment_id, position, flavor, file, size) VALUES (?, ?, ?, ?, ?)",
			id, p.Position, p.Flavor, p.File, p.Size)
		if isUnique(err) {
			return lectern.Errorf(lectern.ECONFLICT, "A part of this deposit is already another deposit.")
		} else if err != nil {
			return fmt.Errorf("create part %s of treatment %d: %w", p.File, id, err)
		}
	}
	return nil
}

// partsOf returns the parts of treatment id, in order (nil: none).
func partsOf(ctx context.Context, q queryer, id int64) ([]lectern.TreatmentPart, error) {
	m, err := partsOfAll(ctx, q, []int64{id})
	return m[id], err
}

// partsOfAll returns the parts of the treatments ids, in one query.
func partsOfAll(ctx context.Context, q queryer, ids []int64) (map[int64][]lectern.TreatmentPart, error) {
	out := map[int64][]lectern.TreatmentPart{}
	if len(ids) == 0 {
		return out, nil
	}
	marks := strings.Repeat("?, ", len(ids)-1) + "?"
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	rows, err := q.QueryContext(ctx, "SELECT treatment_id, position, flavor, file, size FROM treatment_parts WHERE treatment_id IN ("+
		marks+") ORDER BY treatment_id, CASE WHEN flavor = 'presenter/source' THEN 0 ELSE 1 END, flavor, position", args...)
	if err != nil {
		return nil, fmt.Errorf("find treatment parts: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var p lectern.TreatmentPart
		if err := rows.Scan(&id, &p.Position, &p.Flavor, &p.File, &p.Size); err != nil {
			return nil, fmt.Errorf("scan treatment part: %w", err)
		}
		out[id] = append(out[id], p)
	}
	return out, rows.Err()
}

// withParts fills the parts of list.
func withParts(ctx context.Context, q queryer, list []*lectern.Treatment) error {
	ids := make([]int64, len(list))
	for i, t := range list {
		ids[i] = t.ID
	}
	m, err := partsOfAll(ctx, q, ids)
	for _, t := range list {
		t.Parts = m[t.ID]
	}
	return err
}

// FindTreatmentByID implements lectern.TreatmentService.
func (s *TreatmentService) FindTreatmentByID(ctx context.Context, id int64) (*lectern.Treatment, error) {
	t, err := scanTreatment(s.db.db.QueryRowContext(ctx, "SELECT "+treatmentColumns+" FROM treatments WHERE id = ?", id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, lectern.Errorf(lectern.ENOTFOUND, "Treatment not found.")
	} else if err != nil {
		return nil, fmt.Errorf("find treatment %d: %w", id, err)
	}
	if t.Parts, err = partsOf(ctx, s.db.db, id); err != nil {
		return nil, err
	}
	return t, nil
}

// FindTreatments implements lectern.TreatmentService.
func (s *TreatmentService) FindTreatments(ctx context.Context, f lectern.TreatmentFilter) ([]*lectern.Treatment, int, error) {
	list, total, err := findPage(ctx, s.db.db, "treatments", treatmentColumns, treatmentWhere(f), "date_added DESC, id DESC", f.Page, scanTreatment)
	if err != nil {
		return nil, 0, err
	}
	return list, total, withParts(ctx, s.db.db, list)
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
		w.add("(file = ? OR id IN (SELECT treatment_id FROM treatment_parts WHERE file = ?))", *f.File, *f.File)
	}
	if f.EventID != nil {
		w.add("event_id = ?", *f.EventID)
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
		date_email_sent = ?, routed_at = ?, file_ino = ?, file_mtime_ns = ?, event_id = ? WHERE id = ?`,
		t.FileSize, t.State, t.Reason, t.RequireManualClaim, t.EmailSent, nullTime(t.DateEmailSent), nullTime(t.RoutedAt),
		int64(t.FileIno), unixNano(t.FileModTime), t.EventID, t.ID)
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

// DeleteTreatmentBy implements lectern.TreatmentService.
func (s *TreatmentService) DeleteTreatmentBy(ctx context.Context, id, by int64) error {
	now := s.db.Now()
	return s.db.withTx(ctx, func(tx *conn) error {
		var file string
		var rec sql.NullInt64
		err := tx.QueryRowContext(ctx, "SELECT file, recorder_id FROM treatments WHERE id = ?", id).Scan(&file, &rec)
		if errors.Is(err, sql.ErrNoRows) {
			return lectern.Errorf(lectern.ENOTFOUND, "Treatment not found.")
		} else if err != nil {
			return fmt.Errorf("find treatment %d: %w", id, err)
		}
		// The current name and the former ones (MoveTreatment's), read
		// before the row and its names go.
		names := []string{file}
		rows, err := tx.QueryContext(ctx, "SELECT file FROM treatment_names WHERE treatment_id = ?", id)
		if err != nil {
			return fmt.Errorf("former names of treatment %d: %w", id, err)
		}
		for rows.Next() {
			var name string
			if err := rows.Scan(&name); err != nil {
				rows.Close()
				return fmt.Errorf("former names of treatment %d: %w", id, err)
			}
			names = append(names, name)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("former names of treatment %d: %w", id, err)
		}
		for _, name := range names {
			if _, err := tx.ExecContext(ctx, `INSERT INTO treatment_deletions (file, recorder_id, deleted_by, deleted_at)
				VALUES (?, ?, ?, ?)`, name, rec, by, now); err != nil {
				return fmt.Errorf("record deletion of treatment %d: %w", id, err)
			}
		}
		if _, err := tx.ExecContext(ctx, "DELETE FROM treatments WHERE id = ?", id); err != nil {
			return fmt.Errorf("delete treatment %d: %w", id, err)
		}
		return nil
	})
}

// FindDeletion implements lectern.TreatmentService.
func (s *TreatmentService) FindDeletion(ctx context.Context, recorderID int64, files []string) (*lectern.TreatmentDeletion, error) {
	if len(files) == 0 {
		return nil, lectern.Errorf(lectern.ENOTFOUND, "Treatment not found.")
	}
	args := []any{recorderID}
	marks := make([]string, len(files))
	for i, f := range files {
		marks[i] = "?"
		args = append(args, f)
	}
	var d lectern.TreatmentDeletion
	var rec, by sql.NullInt64
	err := s.db.db.QueryRowContext(ctx, `SELECT file, recorder_id, deleted_by, deleted_at FROM treatment_deletions
		WHERE recorder_id = ? AND file IN (`+strings.Join(marks, ", ")+`) ORDER BY deleted_at DESC, id DESC LIMIT 1`, args...).
		Scan(&d.File, &rec, &by, &d.DeletedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, lectern.Errorf(lectern.ENOTFOUND, "Treatment not found.")
	} else if err != nil {
		return nil, fmt.Errorf("find deletion of %s: %w", files[0], err)
	}
	if rec.Valid {
		d.RecorderID = &rec.Int64
	}
	if by.Valid {
		d.DeletedBy = &by.Int64
	}
	d.DeletedAt = d.DeletedAt.UTC()
	return &d, nil
}

// TreatedFiles implements lectern.TreatmentService.
func (s *TreatmentService) TreatedFiles(ctx context.Context) (map[string]struct{}, error) {
	rows, err := s.db.db.QueryContext(ctx, `SELECT file FROM treatments WHERE state NOT IN (?, ?)
		UNION ALL SELECT p.file FROM treatment_parts p JOIN treatments t ON t.id = p.treatment_id WHERE t.state NOT IN (?, ?)`,
		lectern.TreatmentPublished, lectern.TreatmentMissing, lectern.TreatmentPublished, lectern.TreatmentMissing)
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
