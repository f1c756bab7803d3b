package sqldb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"lectern"
)

var _ lectern.MissedAlertService = (*MessageService)(nil)

// AlertMissedEvent implements lectern.MissedAlertService: the event's mark
// and its alert in the outbox, with the alert's delivery job, in one
// transaction, so that of several nodes one mails, once, and a crash
// between the two loses nothing.
func (s *MessageService) AlertMissedEvent(ctx context.Context, id int64, at time.Time, msg *lectern.Message) (bool, error) {
	raised := false
	err := s.db.withTx(ctx, func(tx *conn) error {
		res, err := tx.ExecContext(ctx, "UPDATE events SET missed_alert_at = ? WHERE id = ? AND missed_alert_at IS NULL", at.UTC(), id)
		if err != nil {
			return fmt.Errorf("mark event %d missed: %w", id, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			var one int
			err := tx.QueryRowContext(ctx, "SELECT 1 FROM events WHERE id = ?", id).Scan(&one)
			if errors.Is(err, sql.ErrNoRows) {
				return lectern.Errorf(lectern.ENOTFOUND, "Event not found.")
			} else if err != nil {
				return fmt.Errorf("find event %d: %w", id, err)
			}
			return nil // raised already, by another node
		}
		raised = true
		if msg == nil {
			return nil
		}
		if err := insertMessage(ctx, tx, msg, s.db.Now()); err != nil {
			return err
		}
		return enqueue(ctx, s.jobs, tx, lectern.SendMailArgs{MessageID: msg.ID})
	})
	if err != nil {
		return false, err
	}
	return raised, nil
}
