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

// FeedService implements lectern.FeedService.
type FeedService struct{ db *DB }

// NewFeedService returns the iCalendar feeds of db.
func NewFeedService(db *DB) *FeedService { return &FeedService{db: db} }

var _ lectern.FeedService = (*FeedService)(nil)

const feedColumns = `id, recorder_id, name, url, refresh_seconds, rule_kind, rule_property, rule_pattern,
	last_attempt_at, last_import_at, last_report, last_error, created_by, created_at, updated_at`

func scanFeed(row rowScanner) (*lectern.Feed, error) {
	var f lectern.Feed
	var refresh int64
	var attempt, imported sql.NullTime
	var report string
	var by sql.NullInt64
	if err := row.Scan(&f.ID, &f.RecorderID, &f.Name, &f.URL, &refresh, &f.Rule.Kind, &f.Rule.Property, &f.Rule.Pattern,
		&attempt, &imported, &report, &f.LastError, &by, &f.CreatedAt, &f.UpdatedAt); err != nil {
		return nil, err
	}
	f.RefreshInterval = time.Duration(refresh) * time.Second
	f.LastAttemptAt, f.LastImportAt = utc(attempt), utc(imported)
	f.CreatedAt, f.UpdatedAt = f.CreatedAt.UTC(), f.UpdatedAt.UTC()
	if by.Valid {
		f.CreatedByID = &by.Int64
	}
	if report != "" {
		f.LastReport = &lectern.FeedReport{}
		if err := json.Unmarshal([]byte(report), f.LastReport); err != nil {
			return nil, fmt.Errorf("feed %d: read its last report: %w", f.ID, err)
		}
	}
	return &f, nil
}

// CreateFeed implements lectern.FeedService.
func (s *FeedService) CreateFeed(ctx context.Context, f *lectern.Feed) error {
	if err := f.Validate(); err != nil {
		return err
	}
	now := s.db.Now()
	f.CreatedAt, f.UpdatedAt = now, now
	return s.db.withTx(ctx, func(tx *conn) error {
		err := tx.QueryRowContext(ctx, `INSERT INTO feeds (recorder_id, name, url, refresh_seconds, rule_kind, rule_property,
			rule_pattern, created_by, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			f.RecorderID, f.Name, f.URL, int64(f.RefreshInterval/time.Second), f.Rule.Kind, f.Rule.Property, f.Rule.Pattern,
			f.CreatedByID, now, now).Scan(&f.ID)
		if isForeignKey(err) {
			return fieldError("create feed", lectern.EINVALID, "recorder", "Select a valid recorder.")
		}
		if err != nil {
			return fmt.Errorf("create feed %q: %w", f.Name, err)
		}
		return nil
	})
}

// FindFeedByID implements lectern.FeedService.
func (s *FeedService) FindFeedByID(ctx context.Context, id int64) (*lectern.Feed, error) {
	f, err := scanFeed(s.db.db.QueryRowContext(ctx, "SELECT "+feedColumns+" FROM feeds WHERE id = ?", id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, lectern.Errorf(lectern.ENOTFOUND, "Feed not found.")
	} else if err != nil {
		return nil, fmt.Errorf("find feed %d: %w", id, err)
	}
	return f, nil
}

// FindFeeds implements lectern.FeedService.
func (s *FeedService) FindFeeds(ctx context.Context, filter lectern.FeedFilter) ([]*lectern.Feed, error) {
	w := &where{}
	if filter.ID != nil {
		w.add("id = ?", *filter.ID)
	}
	if filter.RecorderID != nil {
		w.add("recorder_id = ?", *filter.RecorderID)
	}
	if filter.URLOnly {
		w.add("url <> ''")
	}
	rows, err := s.db.db.QueryContext(ctx, "SELECT "+feedColumns+" FROM feeds WHERE "+w.String()+" ORDER BY recorder_id, name, id", w.args...)
	if err != nil {
		return nil, fmt.Errorf("find feeds: %w", err)
	}
	defer rows.Close()
	list := []*lectern.Feed{}
	for rows.Next() {
		f, err := scanFeed(rows)
		if err != nil {
			return nil, fmt.Errorf("find feeds: %w", err)
		}
		list = append(list, f)
	}
	return list, rows.Err()
}

// UpdateFeed implements lectern.FeedService.
func (s *FeedService) UpdateFeed(ctx context.Context, f *lectern.Feed) error {
	if err := f.Validate(); err != nil {
		return err
	}
	f.UpdatedAt = s.db.Now()
	return s.db.execOne(ctx, "update feed", lectern.Errorf(lectern.ENOTFOUND, "Feed not found."), nil,
		`UPDATE feeds SET name = ?, url = ?, refresh_seconds = ?, rule_kind = ?, rule_property = ?, rule_pattern = ?,
			updated_at = ? WHERE id = ?`,
		f.Name, f.URL, int64(f.RefreshInterval/time.Second), f.Rule.Kind, f.Rule.Property, f.Rule.Pattern, f.UpdatedAt, f.ID)
}

// DeleteFeed implements lectern.FeedService: in one transaction, the
// feed's unused events go with it and its used ones become events made by
// hand.
func (s *FeedService) DeleteFeed(ctx context.Context, id int64) error {
	now := s.db.Now()
	return s.db.withTx(ctx, func(tx *conn) error {
		// Taking the import lease first refuses a feed being imported,
		// and keeps an import from starting until the feed is gone: no
		// event is made for a feed that no longer exists.
		res, err := tx.ExecContext(ctx, "UPDATE feeds SET lease_until = ? WHERE id = ? AND (lease_until IS NULL OR lease_until < ?)",
			now.Add(time.Hour), id, now)
		if err != nil {
			return fmt.Errorf("delete feed %d: %w", id, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			var found int
			if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM feeds WHERE id = ?", id).Scan(&found); err != nil {
				return fmt.Errorf("delete feed %d: %w", id, err)
			}
			if found == 0 {
				return lectern.Errorf(lectern.ENOTFOUND, "Feed not found.")
			}
			return lectern.Errorf(lectern.ECONFLICT, "An import of this feed is running; try again in a moment.")
		}
		if _, err := tx.ExecContext(ctx, "DELETE FROM events WHERE feed_id = ? AND used_at IS NULL", id); err != nil {
			return fmt.Errorf("delete feed %d: its events: %w", id, err)
		}
		if _, err := tx.ExecContext(ctx, "UPDATE events SET feed_id = NULL, feed_key = '' WHERE feed_id = ?", id); err != nil {
			return fmt.Errorf("delete feed %d: its used events: %w", id, err)
		}
		return execOneTx(ctx, tx, "delete feed", lectern.Errorf(lectern.ENOTFOUND, "Feed not found."), nil,
			"DELETE FROM feeds WHERE id = ?", id)
	})
}

// ClaimFeed implements lectern.FeedService: one conditional UPDATE, which
// only one of several nodes wins.
func (s *FeedService) ClaimFeed(ctx context.Context, id int64, now, until, attemptedBefore time.Time) (bool, error) {
	q := "UPDATE feeds SET lease_until = ? WHERE id = ? AND (lease_until IS NULL OR lease_until < ?)"
	args := []any{until.UTC(), id, now.UTC()}
	if !attemptedBefore.IsZero() {
		q += " AND (last_attempt_at IS NULL OR last_attempt_at <= ?)"
		args = append(args, attemptedBefore.UTC())
	}
	res, err := s.db.db.ExecContext(ctx, q, args...)
	if err != nil {
		return false, fmt.Errorf("claim feed %d: %w", id, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("claim feed %d: %w", id, err)
	}
	return n == 1, nil
}

// FinishFeedImport implements lectern.FeedService.
func (s *FeedService) FinishFeedImport(ctx context.Context, id int64, at time.Time, report *lectern.FeedReport, errMsg string) error {
	var q string
	var args []any
	if report != nil {
		data, err := json.Marshal(report)
		if err != nil {
			return fmt.Errorf("finish import of feed %d: %w", id, err)
		}
		q = "UPDATE feeds SET lease_until = NULL, last_attempt_at = ?, last_import_at = ?, last_report = ?, last_error = '' WHERE id = ?"
		args = []any{at.UTC(), at.UTC(), string(data), id}
	} else {
		q = "UPDATE feeds SET lease_until = NULL, last_attempt_at = ?, last_error = ? WHERE id = ?"
		args = []any{at.UTC(), errMsg, id}
	}
	return s.db.execOne(ctx, "finish feed import", lectern.Errorf(lectern.ENOTFOUND, "Feed not found."), nil, q, args...)
}
