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

// EventService implements lectern.EventService.
type EventService struct{ db *DB }

// NewEventService returns the schedules of db.
func NewEventService(db *DB) *EventService { return &EventService{db: db} }

var _ lectern.EventService = (*EventService)(nil)

const eventColumns = `events.id, events.recorder_id, events.uid, events.start_at, events.end_at, events.title,
	events.owner_id, events.series, events.description, events.location, events.feed_id, events.feed_key,
	events.used_at, events.missed_alert_at, events.agent_state, events.agent_state_at, events.created_by,
	events.created_at, events.updated_at,
	(SELECT name FROM recorders WHERE recorders.id = events.recorder_id),
	COALESCE((SELECT CASE WHEN first_name <> '' OR last_name <> '' THEN TRIM(first_name || ' ' || last_name)
		ELSE username END FROM users WHERE users.id = events.owner_id), '')`

func scanEvent(row rowScanner) (*lectern.Event, error) {
	var e lectern.Event
	var owner, feed, by sql.NullInt64
	var used, missed, stateAt sql.NullTime
	var recName sql.NullString
	if err := row.Scan(&e.ID, &e.RecorderID, &e.UID, &e.Start, &e.End, &e.Title, &owner, &e.Series, &e.Description,
		&e.Location, &feed, &e.FeedKey, &used, &missed, &e.AgentState, &stateAt, &by, &e.CreatedAt, &e.UpdatedAt,
		&recName, &e.OwnerName); err != nil {
		return nil, err
	}
	if owner.Valid {
		e.OwnerID = &owner.Int64
	}
	if feed.Valid {
		e.FeedID = &feed.Int64
	}
	if by.Valid {
		e.CreatedByID = &by.Int64
	}
	e.RecorderName = recName.String
	e.Start, e.End, e.CreatedAt, e.UpdatedAt = e.Start.UTC(), e.End.UTC(), e.CreatedAt.UTC(), e.UpdatedAt.UTC()
	e.UsedAt, e.MissedAlertAt, e.AgentStateAt = utc(used), utc(missed), utc(stateAt)
	e.AdditionalOwners = []int64{}
	return &e, nil
}

func utc(t sql.NullTime) time.Time {
	if !t.Valid {
		return time.Time{}
	}
	return t.Time.UTC()
}

// eventListMax bounds a list asked for without a page.
const eventListMax = 5000

// CreateEvent implements lectern.EventService.
func (s *EventService) CreateEvent(ctx context.Context, e *lectern.Event) error {
	if err := e.Validate(); err != nil {
		return err
	}
	if e.UID == "" {
		e.UID = lectern.NewEventUID()
	}
	now := s.db.Now()
	return s.db.withTx(ctx, func(tx *conn) error {
		if err := s.checkFree(ctx, tx, e); err != nil {
			return err
		}
		var id int64
		err := tx.QueryRowContext(ctx, `INSERT INTO events (recorder_id, uid, start_at, end_at, title, owner_id,
			series, description, location, feed_id, feed_key, created_by, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			e.RecorderID, e.UID, e.Start, e.End, e.Title, e.OwnerID, e.Series, e.Description, e.Location, e.FeedID,
			e.FeedKey, e.CreatedByID, now, now).Scan(&id)
		if err := eventWriteError("create event", err); err != nil {
			return err
		}
		e.ID, e.CreatedAt, e.UpdatedAt = id, now, now
		return s.saveOwners(ctx, tx, e)
	})
}

// eventWriteError maps a write's constraint failures to the fields.
func eventWriteError(op string, err error) error {
	switch {
	case err == nil:
		return nil
	case isUnique(err, "events.uid"):
		return fieldError(op, lectern.ECONFLICT, "uid", "An event with this identifier already exists.")
	case isForeignKey(err):
		return fieldError(op, lectern.EINVALID, "owner", "Select a valid recorder and valid users.")
	}
	return fmt.Errorf("%s: %w", op, err)
}

// checkFree refuses e when another event of its recorder overlaps it. On
// PostgreSQL the recorder's row is locked first, so that two writers of
// one recorder's schedule take turns (SQLite transactions already do).
func (s *EventService) checkFree(ctx context.Context, tx *conn, e *lectern.Event) error {
	lock := ""
	if s.db.dialect == postgresDialect {
		lock = " FOR UPDATE"
	}
	var rec int64
	err := tx.QueryRowContext(ctx, "SELECT id FROM recorders WHERE id = ?"+lock, e.RecorderID).Scan(&rec)
	if errors.Is(err, sql.ErrNoRows) {
		return fieldError("save event", lectern.EINVALID, "recorder", "Select a valid recorder.")
	} else if err != nil {
		return fmt.Errorf("lock recorder %d: %w", e.RecorderID, err)
	}
	var other lectern.EventConflict
	err = tx.QueryRowContext(ctx, `SELECT id, title, start_at, end_at FROM events
		WHERE recorder_id = ? AND id <> ? AND start_at < ? AND end_at > ? ORDER BY start_at LIMIT 1`,
		e.RecorderID, e.ID, e.End, e.Start).Scan(&other.ID, &other.Title, &other.Start, &other.End)
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	} else if err != nil {
		return fmt.Errorf("check event overlap: %w", err)
	}
	other.Start, other.End = other.Start.UTC(), other.End.UTC()
	return other.Err()
}

// saveOwners replaces the additional owners of e.
func (s *EventService) saveOwners(ctx context.Context, tx *conn, e *lectern.Event) error {
	if _, err := tx.ExecContext(ctx, "DELETE FROM event_owners WHERE event_id = ?", e.ID); err != nil {
		return fmt.Errorf("save owners of event %d: %w", e.ID, err)
	}
	seen := map[int64]bool{}
	for _, u := range e.AdditionalOwners {
		if seen[u] {
			continue
		}
		seen[u] = true
		if _, err := tx.ExecContext(ctx, "INSERT INTO event_owners (event_id, user_id) VALUES (?, ?)", e.ID, u); isForeignKey(err) {
			return fieldError("save event", lectern.EINVALID, "additional_owners", "Select valid users.")
		} else if err != nil {
			return fmt.Errorf("save owners of event %d: %w", e.ID, err)
		}
	}
	return nil
}

// FindEventByID implements lectern.EventService.
func (s *EventService) FindEventByID(ctx context.Context, id int64) (*lectern.Event, error) {
	return s.findOne(ctx, lectern.EventFilter{ID: &id})
}

// FindEventByUID implements lectern.EventService.
func (s *EventService) FindEventByUID(ctx context.Context, uid string) (*lectern.Event, error) {
	return s.findOne(ctx, lectern.EventFilter{UID: &uid})
}

func (s *EventService) findOne(ctx context.Context, f lectern.EventFilter) (*lectern.Event, error) {
	f.Page = lectern.Page{Number: 1, Size: 1}
	list, _, err := s.FindEvents(ctx, f)
	if err != nil {
		return nil, err
	}
	if len(list) == 0 {
		return nil, lectern.Errorf(lectern.ENOTFOUND, "Event not found.")
	}
	return list[0], nil
}

// FindEvents implements lectern.EventService.
func (s *EventService) FindEvents(ctx context.Context, f lectern.EventFilter) ([]*lectern.Event, int, error) {
	w := eventWhere(f)
	var list []*lectern.Event
	var total int
	var err error
	if f.Page == (lectern.Page{}) {
		// Every match, up to eventListMax (a week view, a calendar).
		total, err = countRows(ctx, s.db.db, "events", w)
		if err == nil {
			list, err = s.query(ctx, "SELECT "+eventColumns+" FROM events WHERE "+w.String()+
				" ORDER BY start_at, id LIMIT ?", append(append([]any{}, w.args...), eventListMax)...)
		}
	} else {
		list, total, err = findPage(ctx, s.db.db, "events", eventColumns, w, "start_at, id", f.Page, scanEvent)
	}
	if err != nil {
		return nil, 0, fmt.Errorf("find events: %w", err)
	}
	return list, total, s.loadOwners(ctx, list)
}

func (s *EventService) query(ctx context.Context, q string, args ...any) ([]*lectern.Event, error) {
	rows, err := s.db.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	list := []*lectern.Event{}
	for rows.Next() {
		e, err := scanEvent(rows)
		if err != nil {
			return nil, err
		}
		list = append(list, e)
	}
	return list, rows.Err()
}

// loadOwners fills the additional owners of list, in one query.
func (s *EventService) loadOwners(ctx context.Context, list []*lectern.Event) error {
	if len(list) == 0 {
		return nil
	}
	byID := make(map[int64]*lectern.Event, len(list))
	marks := make([]string, 0, len(list))
	args := make([]any, 0, len(list))
	for _, e := range list {
		byID[e.ID] = e
		marks = append(marks, "?")
		args = append(args, e.ID)
	}
	rows, err := s.db.db.QueryContext(ctx, "SELECT event_id, user_id FROM event_owners WHERE event_id IN ("+
		strings.Join(marks, ", ")+") ORDER BY event_id, user_id", args...)
	if err != nil {
		return fmt.Errorf("find event owners: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var ev, u int64
		if err := rows.Scan(&ev, &u); err != nil {
			return fmt.Errorf("scan event owner: %w", err)
		}
		byID[ev].AdditionalOwners = append(byID[ev].AdditionalOwners, u)
	}
	return rows.Err()
}

// eventWhere is the WHERE clause of f.
func eventWhere(f lectern.EventFilter) *where {
	w := &where{}
	if f.ID != nil {
		w.add("id = ?", *f.ID)
	}
	if f.UID != nil {
		w.add("uid = ?", *f.UID)
	}
	if f.RecorderID != nil {
		w.add("recorder_id = ?", *f.RecorderID)
	}
	if f.Member != nil {
		u := *f.Member
		w.add(`(recorder_id IN (SELECT id FROM recorders WHERE user_id = ?
			UNION SELECT recorder_id FROM recorder_additional_users WHERE user_id = ?)
			OR owner_id = ? OR id IN (SELECT event_id FROM event_owners WHERE user_id = ?))`, u, u, u, u)
	}
	if f.FeedID != nil {
		w.add("feed_id = ?", *f.FeedID)
	}
	if !f.To.IsZero() {
		w.add("start_at < ?", f.To.UTC())
	}
	if !f.From.IsZero() {
		w.add("end_at > ?", f.From.UTC())
	}
	if !f.MissedBefore.IsZero() {
		w.add("end_at < ? AND used_at IS NULL AND missed_alert_at IS NULL", f.MissedBefore.UTC())
	}
	return w
}

// UpdateEvent implements lectern.EventService.
func (s *EventService) UpdateEvent(ctx context.Context, e *lectern.Event) error {
	if err := e.Validate(); err != nil {
		return err
	}
	now := s.db.Now()
	return s.db.withTx(ctx, func(tx *conn) error {
		if err := s.checkFree(ctx, tx, e); err != nil {
			return err
		}
		err := execOneTx(ctx, tx, "update event", lectern.Errorf(lectern.ENOTFOUND, "Event not found."), nil,
			`UPDATE events SET recorder_id = ?, start_at = ?, end_at = ?, title = ?, owner_id = ?, series = ?,
			description = ?, location = ?, feed_id = ?, feed_key = ?, updated_at = ? WHERE id = ?`,
			e.RecorderID, e.Start, e.End, e.Title, e.OwnerID, e.Series, e.Description, e.Location, e.FeedID, e.FeedKey,
			now, e.ID)
		if err := eventWriteError("update event", unwrapNotFound(err)); err != nil {
			return err
		}
		e.UpdatedAt = now
		return s.saveOwners(ctx, tx, e)
	})
}

// unwrapNotFound passes lectern errors (not found) through
// eventWriteError untouched.
func unwrapNotFound(err error) error {
	var le *lectern.Error
	if errors.As(err, &le) {
		return nil
	}
	return err
}

// DeleteEvent implements lectern.EventService.
func (s *EventService) DeleteEvent(ctx context.Context, id int64) error {
	return s.db.execOne(ctx, "delete event", lectern.Errorf(lectern.ENOTFOUND, "Event not found."), nil,
		"DELETE FROM events WHERE id = ?", id)
}

// EventAt implements lectern.EventService.
func (s *EventService) EventAt(ctx context.Context, recorderID int64, t time.Time, tolerance time.Duration) (*lectern.Event, error) {
	t = t.UTC()
	list, err := s.query(ctx, "SELECT "+eventColumns+" FROM events WHERE recorder_id = ? AND start_at <= ? AND end_at >= ?"+
		" ORDER BY start_at, id LIMIT 20", recorderID, t.Add(tolerance), t.Add(-tolerance))
	if err != nil {
		return nil, fmt.Errorf("find event of recorder %d at %s: %w", recorderID, t, err)
	}
	best := lectern.NearestEvent(list, t)
	if best == nil {
		return nil, lectern.Errorf(lectern.ENOTFOUND, "No event at this time.")
	}
	return best, s.loadOwners(ctx, []*lectern.Event{best})
}

// MarkEventUsed implements lectern.EventService.
func (s *EventService) MarkEventUsed(ctx context.Context, id int64, at time.Time) error {
	_, err := s.db.db.ExecContext(ctx, "UPDATE events SET used_at = ? WHERE id = ? AND used_at IS NULL", at.UTC(), id)
	if err != nil {
		return fmt.Errorf("mark event %d used: %w", id, err)
	}
	return nil
}

// MarkEventMissed implements lectern.EventService.
func (s *EventService) MarkEventMissed(ctx context.Context, id int64, at time.Time) (bool, error) {
	res, err := s.db.db.ExecContext(ctx, "UPDATE events SET missed_alert_at = ? WHERE id = ? AND missed_alert_at IS NULL",
		at.UTC(), id)
	if err != nil {
		return false, fmt.Errorf("mark event %d missed: %w", id, err)
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// SetEventAgentState implements lectern.EventService.
func (s *EventService) SetEventAgentState(ctx context.Context, id int64, state string, at time.Time) error {
	return s.db.execOne(ctx, "set event agent state", lectern.Errorf(lectern.ENOTFOUND, "Event not found."), nil,
		"UPDATE events SET agent_state = ?, agent_state_at = ? WHERE id = ?", state, at.UTC(), id)
}
