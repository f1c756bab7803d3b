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

// RecorderHealthService implements lectern.RecorderHealthService.
type RecorderHealthService struct{ db *DB }

// NewRecorderHealthService returns the recorders' contacts of db.
func NewRecorderHealthService(db *DB) *RecorderHealthService { return &RecorderHealthService{db: db} }

var _ lectern.RecorderHealthService = (*RecorderHealthService)(nil)

// SaveContacts implements lectern.RecorderHealthService. A recorder's
// row is read and written back in the transaction; two nodes flushing
// the same recorder at once may keep either's last attempt, which a
// health page can bear.
func (s *RecorderHealthService) SaveContacts(ctx context.Context, updates []lectern.ContactUpdate) error {
	if len(updates) == 0 {
		return nil
	}
	return s.db.withTx(ctx, func(tx *conn) error {
		trim := false
		for _, u := range updates {
			u.Login = lectern.CleanLogin(u.Login)
			id := u.RecorderID
			if id == 0 {
				err := tx.QueryRowContext(ctx, "SELECT id FROM recorders WHERE credentials_login = ?", u.Login).Scan(&id)
				if err != nil && !errors.Is(err, sql.ErrNoRows) {
					return fmt.Errorf("save contacts: find recorder of login: %w", err)
				}
			}
			if id == 0 {
				if !u.Failure.At.IsZero() {
					if err := saveLoginFailure(ctx, tx, u); err != nil {
						return err
					}
					trim = true
				}
				continue
			}
			if err := saveRecorderContact(ctx, tx, id, u); err != nil {
				return err
			}
		}
		if trim {
			if _, err := tx.ExecContext(ctx, `DELETE FROM login_failures WHERE login NOT IN
				(SELECT login FROM login_failures ORDER BY last_at DESC, login LIMIT ?)`, lectern.LoginFailuresKept); err != nil {
				return fmt.Errorf("save contacts: trim login failures: %w", err)
			}
		}
		return nil
	})
}

func saveRecorderContact(ctx context.Context, tx *conn, id int64, u lectern.ContactUpdate) error {
	// A recorder deleted meanwhile makes no row.
	_, err := tx.ExecContext(ctx, `INSERT INTO recorder_contacts (recorder_id) SELECT id FROM recorders WHERE id = ?
		ON CONFLICT (recorder_id) DO NOTHING`, id)
	if err != nil {
		return fmt.Errorf("save contact of recorder %d: %w", id, err)
	}
	var loginAt, failureAt sql.NullTime
	var failures int
	err = tx.QueryRowContext(ctx, "SELECT login_at, failure_at, failures FROM recorder_contacts WHERE recorder_id = ?", id).
		Scan(&loginAt, &failureAt, &failures)
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	} else if err != nil {
		return fmt.Errorf("read contact of recorder %d: %w", id, err)
	}
	if ok := u.Success; !ok.At.IsZero() && ok.At.After(loginAt.Time) {
		failures = 0
		if _, err := tx.ExecContext(ctx, "UPDATE recorder_contacts SET login_at = ?, login_addr = ?, login_via = ? WHERE recorder_id = ?",
			ok.At, bounded(ok.Addr), bounded(ok.Via), id); err != nil {
			return fmt.Errorf("save login of recorder %d: %w", id, err)
		}
	}
	if f := u.Failure; !f.At.IsZero() && f.At.After(failureAt.Time) {
		if _, err := tx.ExecContext(ctx, `UPDATE recorder_contacts SET failure_at = ?, failure_login = ?, failure_addr = ?,
			failure_via = ?, failure_reason = ? WHERE recorder_id = ?`,
			f.At, lectern.CleanLogin(f.Login), bounded(f.Addr), bounded(f.Via), bounded(f.Reason), id); err != nil {
			return fmt.Errorf("save failed login of recorder %d: %w", id, err)
		}
	}
	if _, err := tx.ExecContext(ctx, "UPDATE recorder_contacts SET failures = ? WHERE recorder_id = ?", failures+u.Failures, id); err != nil {
		return fmt.Errorf("count failed logins of recorder %d: %w", id, err)
	}
	return nil
}

func saveLoginFailure(ctx context.Context, tx *conn, u lectern.ContactUpdate) error {
	f := u.Failure
	_, err := tx.ExecContext(ctx, `INSERT INTO login_failures (login, addr, via, reason, first_at, last_at, attempts)
		VALUES (?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (login) DO UPDATE SET addr = excluded.addr, via = excluded.via, reason = excluded.reason,
		last_at = excluded.last_at, attempts = login_failures.attempts + excluded.attempts`,
		u.Login, bounded(f.Addr), bounded(f.Via), bounded(f.Reason), f.At, f.At, max(u.Failures, 1))
	if err != nil {
		return fmt.Errorf("save failed login %q: %w", u.Login, err)
	}
	return nil
}

// bounded keeps what an edge reports (an address, a constant) short: it
// is never more in practice, and a bug must not store kilobytes.
func bounded(s string) string { return lectern.CleanLogin(s) }

// FindRecorderHealth implements lectern.RecorderHealthService: one
// query, each count a range of an index (recorder, date).
func (s *RecorderHealthService) FindRecorderHealth(ctx context.Context, ids []int64, since, missedBefore time.Time) (map[int64]*lectern.RecorderHealth, error) {
	out := make(map[int64]*lectern.RecorderHealth, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	query, args := recorderHealthQuery(ids, since, missedBefore, s.db.Now())
	rows, err := s.db.db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("find recorder health: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var h lectern.RecorderHealth
		var loginAt, failureAt, lastAt, nextAt sql.NullTime
		c, a := &h.Contact, &h.Activity
		if err := rows.Scan(&h.RecorderID, &loginAt, &c.LoginAddr, &c.LoginVia, &failureAt, &c.FailureLogin, &c.FailureAddr,
			&c.FailureVia, &c.FailureReason, &c.Failures, &a.Deposits, &a.Refused, &a.Unrouted, &a.ProcessingFailed,
			&a.Missed, &lastAt, &a.LastState, &a.LastReason, &nextAt, &a.NextEventTitle); err != nil {
			return nil, fmt.Errorf("find recorder health: %w", err)
		}
		c.RecorderID = h.RecorderID
		c.LoginAt, c.FailureAt, a.LastDepositAt, a.NextEventAt = loginAt.Time.UTC(), failureAt.Time.UTC(), lastAt.Time.UTC(), nextAt.Time.UTC()
		out[h.RecorderID] = &h
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("find recorder health: %w", err)
	}
	for _, id := range ids {
		if out[id] == nil {
			out[id] = &lectern.RecorderHealth{RecorderID: id, Contact: lectern.RecorderContact{RecorderID: id}}
		}
	}
	return out, nil
}

// recorderHealthQuery is FindRecorderHealth's one query and its
// arguments: each count a range of an index (recorder, date), the last
// deposit one row of it.
func recorderHealthQuery(ids []int64, since, missedBefore, now time.Time) (string, []any) {
	if missedBefore.IsZero() {
		missedBefore = since // none but those alerted
	}
	// An event lasts at most EventMaxDuration: one that ended after since
	// started after since minus that, a range of (recorder, start).
	args := []any{since, since, lectern.TreatmentIgnored, lectern.TreatmentMissing,
		since, lectern.TreatmentToReport, lectern.TreatmentReported, since, lectern.EncodingError,
		since.Add(-lectern.EventMaxDuration), since, now, missedBefore, now}
	for _, id := range ids {
		args = append(args, id)
	}
	marks := strings.TrimSuffix(strings.Repeat("?, ", len(ids)), ", ")
	return `SELECT r.id,
		c.login_at, COALESCE(c.login_addr, ''), COALESCE(c.login_via, ''),
		c.failure_at, COALESCE(c.failure_login, ''), COALESCE(c.failure_addr, ''), COALESCE(c.failure_via, ''),
		COALESCE(c.failure_reason, ''), COALESCE(c.failures, 0),
		(SELECT COUNT(*) FROM treatments t WHERE t.recorder_id = r.id AND t.date_added >= ?),
		(SELECT COUNT(*) FROM treatments t WHERE t.recorder_id = r.id AND t.date_added >= ? AND t.state IN (?, ?)),
		(SELECT COUNT(*) FROM treatments t WHERE t.recorder_id = r.id AND t.date_added >= ? AND t.state IN (?, ?)),
		(SELECT COUNT(*) FROM recordings rc JOIN videos v ON v.recording_id = rc.id
			WHERE rc.recorder_id = r.id AND rc.date_added >= ? AND v.encoding_state = ?),
		(SELECT COUNT(*) FROM events e WHERE e.recorder_id = r.id AND e.start_at >= ? AND e.end_at >= ? AND e.end_at < ?
			AND e.used_at IS NULL AND (e.missed_alert_at IS NOT NULL OR e.end_at < ?)),
		l.date_added, COALESCE(l.state, ''), COALESCE(l.reason, ''), n.start_at, COALESCE(n.title, '')
		FROM recorders r
		LEFT JOIN recorder_contacts c ON c.recorder_id = r.id
		LEFT JOIN treatments l ON l.id = (SELECT t.id FROM treatments t WHERE t.recorder_id = r.id
			ORDER BY t.date_added DESC, t.id DESC LIMIT 1)
		LEFT JOIN events n ON n.id = (SELECT e.id FROM events e WHERE e.recorder_id = r.id AND e.start_at >= ?
			ORDER BY e.start_at, e.id LIMIT 1)
		WHERE r.id IN (` + marks + `)`, args
}

// FindLoginFailures implements lectern.RecorderHealthService.
func (s *RecorderHealthService) FindLoginFailures(ctx context.Context, f lectern.LoginFailureFilter) ([]*lectern.LoginFailure, error) {
	w := &where{}
	if f.Addr != nil {
		w.add("addr = ?", *f.Addr)
	}
	limit := f.Limit
	if limit <= 0 || limit > lectern.LoginFailuresKept {
		limit = lectern.LoginFailuresKept
	}
	cond := ""
	if len(w.conds) > 0 {
		cond = " WHERE " + strings.Join(w.conds, " AND ")
	}
	rows, err := s.db.db.QueryContext(ctx, `SELECT login, addr, via, reason, first_at, last_at, attempts FROM login_failures`+
		cond+` ORDER BY last_at DESC, login LIMIT ?`, append(w.args, limit)...)
	if err != nil {
		return nil, fmt.Errorf("find login failures: %w", err)
	}
	defer rows.Close()
	var out []*lectern.LoginFailure
	for rows.Next() {
		var l lectern.LoginFailure
		if err := rows.Scan(&l.Login, &l.Addr, &l.Via, &l.Reason, &l.FirstAt, &l.At, &l.Count); err != nil {
			return nil, fmt.Errorf("find login failures: %w", err)
		}
		l.FirstAt, l.At = l.FirstAt.UTC(), l.At.UTC()
		out = append(out, &l)
	}
	return out, rows.Err()
}
