package sqldb

import (
	"context"
	"fmt"
)

// link names a many-to-many table: rows (owner, other).
type link struct {
	table, owner, other string
}

var (
	userGroups             = link{"user_groups", "user_id", "group_id"}
	recorderAdditionalUser = link{"recorder_additional_users", "recorder_id", "user_id"}
	recorderGroups         = link{"recorder_groups", "recorder_id", "group_id"}
)

// set replaces the other ids linked to owner.
func (l link) set(ctx context.Context, tx queryer, owner int64, ids []int64) error {
	if _, err := tx.ExecContext(ctx, fmt.Sprintf("DELETE FROM %s WHERE %s = ?", l.table, l.owner), owner); err != nil {
		return fmt.Errorf("clear %s of %d: %w", l.table, owner, err)
	}
	for _, id := range ids {
		_, err := tx.ExecContext(ctx, fmt.Sprintf("INSERT INTO %s (%s, %s) VALUES (?, ?) ON CONFLICT DO NOTHING", l.table, l.owner, l.other), owner, id)
		if err != nil {
			return fmt.Errorf("link %s %d to %d: %w", l.table, owner, id, err)
		}
	}
	return nil
}

// get returns the other ids linked to owner, in ascending order (never nil).
func (l link) get(ctx context.Context, q queryer, owner int64) ([]int64, error) {
	rows, err := q.QueryContext(ctx, fmt.Sprintf("SELECT %s FROM %s WHERE %s = ? ORDER BY %s", l.other, l.table, l.owner, l.other), owner)
	if err != nil {
		return nil, fmt.Errorf("read %s of %d: %w", l.table, owner, err)
	}
	defer rows.Close()
	ids := []int64{}
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}
