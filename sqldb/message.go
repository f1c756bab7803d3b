package sqldb

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"lectern"
)

// MessageService implements lectern.MessageService.
type MessageService struct {
	db   *DB
	jobs lectern.Enqueuer
}

// NewMessageService returns the outbox of db; a message queued again is
// enqueued through jobs in its transaction (nil: not enqueued).
func NewMessageService(db *DB, jobs lectern.Enqueuer) *MessageService {
	return &MessageService{db: db, jobs: jobs}
}

var _ lectern.MessageService = (*MessageService)(nil)

const messageColumns = `id, kind, treatment_id, from_addr, to_addrs, subject, text_body, html_body, state, attempts,
	last_error, created_at, sent_at`

func scanMessage(row rowScanner) (*lectern.Message, error) {
	var m lectern.Message
	var treatment sql.NullInt64
	var to string
	var sent sql.NullTime
	if err := row.Scan(&m.ID, &m.Kind, &treatment, &m.From, &to, &m.Subject, &m.Text, &m.HTML, &m.State, &m.Attempts,
		&m.LastError, &m.CreatedAt, &sent); err != nil {
		return nil, err
	}
	if treatment.Valid {
		m.TreatmentID = &treatment.Int64
	}
	m.SentAt = sent.Time
	if err := json.Unmarshal([]byte(to), &m.To); err != nil {
		return nil, fmt.Errorf("message %d recipients: %w", m.ID, err)
	}
	return &m, nil
}

// insertMessage stores m in tx as a queued message.
func insertMessage(ctx context.Context, tx *conn, m *lectern.Message, now time.Time) error {
	to, err := json.Marshal(m.To)
	if err != nil {
		return err
	}
	if m.To == nil {
		to = []byte("[]")
	}
	m.State, m.CreatedAt, m.Attempts = lectern.MessageQueued, now, 0
	err = tx.QueryRowContext(ctx, `INSERT INTO messages (kind, treatment_id, from_addr, to_addrs, subject, text_body, html_body,
		state, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		m.Kind, m.TreatmentID, m.From, string(to), m.Subject, m.Text, m.HTML, m.State, now).Scan(&m.ID)
	if err != nil {
		return fmt.Errorf("store message %q: %w", m.Subject, err)
	}
	return nil
}

// FindMessageByID implements lectern.MessageService.
func (s *MessageService) FindMessageByID(ctx context.Context, id int64) (*lectern.Message, error) {
	m, err := scanMessage(s.db.db.QueryRowContext(ctx, "SELECT "+messageColumns+" FROM messages WHERE id = ?", id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, lectern.Errorf(lectern.ENOTFOUND, "Message not found.")
	} else if err != nil {
		return nil, fmt.Errorf("find message %d: %w", id, err)
	}
	return m, nil
}

// FindMessages implements lectern.MessageService.
func (s *MessageService) FindMessages(ctx context.Context, f lectern.MessageFilter) ([]*lectern.Message, int, error) {
	return findPage(ctx, s.db.db, "messages", messageColumns, messageWhere(f), "id DESC", f.Page, scanMessage)
}

// CountMessages implements lectern.MessageService.
func (s *MessageService) CountMessages(ctx context.Context, f lectern.MessageFilter) (int, error) {
	return countRows(ctx, s.db.db, "messages", messageWhere(f))
}

// messageWhere is the WHERE clause of f.
func messageWhere(f lectern.MessageFilter) *where {
	w := &where{}
	if f.ID != nil {
		w.add("id = ?", *f.ID)
	}
	if f.State != nil {
		w.add("state = ?", *f.State)
	}
	w.in("state", f.States)
	return w
}

var errMessageNotFound = lectern.Errorf(lectern.ENOTFOUND, "Message not found.")

// MarkMessageSent implements lectern.MessageService.
func (s *MessageService) MarkMessageSent(ctx context.Context, id int64, at time.Time) error {
	return s.db.execOne(ctx, "mark message sent", errMessageNotFound, nil,
		"UPDATE messages SET state = ?, sent_at = ?, attempts = attempts + 1, last_error = '' WHERE id = ?",
		lectern.MessageSent, at.UTC(), id)
}

// MarkMessageAttempt implements lectern.MessageService.
func (s *MessageService) MarkMessageAttempt(ctx context.Context, id int64, errText string, failed bool) error {
	state := lectern.MessageQueued
	if failed {
		state = lectern.MessageFailed
	}
	return s.db.execOne(ctx, "record message attempt", errMessageNotFound, nil,
		"UPDATE messages SET state = ?, attempts = attempts + 1, last_error = ? WHERE id = ? AND state <> 'sent'",
		state, errText, id)
}

// RequeueMessage implements lectern.MessageService.
func (s *MessageService) RequeueMessage(ctx context.Context, id int64) error {
	return s.db.withTx(ctx, func(tx *conn) error {
		res, err := tx.ExecContext(ctx, "UPDATE messages SET state = ? WHERE id = ? AND state = ?",
			lectern.MessageQueued, id, lectern.MessageFailed)
		if err != nil {
			return fmt.Errorf("requeue message %d: %w", id, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return lectern.Errorf(lectern.ECONFLICT, "Only a failed message can be sent again.")
		}
		return enqueue(ctx, s.jobs, tx, lectern.SendMailArgs{MessageID: id})
	})
}
