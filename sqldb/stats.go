package sqldb

import (
	"context"
	"fmt"

	"lectern"
)

// StatsService counts what the metrics' gauges show (package metrics'
// Store), each with one query, cheap enough for every scrape: the
// treatments and messages by their state index, River's jobs by a scan
// of river_job (which River prunes of finished jobs).
type StatsService struct{ db *DB }

// NewStatsService returns the counts of db.
func NewStatsService(db *DB) *StatsService { return &StatsService{db: db} }

// CountWaitingTreatments counts the treatments in each of states, in one
// query; a state with none is absent from the map.
func (s *StatsService) CountWaitingTreatments(ctx context.Context, states []string) (map[string]int, error) {
	w := &where{}
	w.in("state", states)
	if len(w.conds) == 0 {
		return map[string]int{}, nil
	}
	rows, err := s.db.db.QueryContext(ctx, "SELECT state, COUNT(*) FROM treatments WHERE "+w.conds[0]+" GROUP BY state", w.args...)
	if err != nil {
		return nil, fmt.Errorf("count treatments by state: %w", err)
	}
	defer rows.Close()
	n := map[string]int{}
	for rows.Next() {
		var state string
		var c int
		if err := rows.Scan(&state, &c); err != nil {
			return nil, fmt.Errorf("count treatments by state: %w", err)
		}
		n[state] = c
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("count treatments by state: %w", err)
	}
	return n, nil
}

// CountJobs counts River's jobs by kind, then state, in one query.
func (s *StatsService) CountJobs(ctx context.Context) (map[string]map[string]int, error) {
	rows, err := s.db.db.QueryContext(ctx, "SELECT kind, state, COUNT(*) FROM river_job GROUP BY kind, state")
	if err != nil {
		return nil, fmt.Errorf("count jobs by kind and state: %w", err)
	}
	defer rows.Close()
	n := map[string]map[string]int{}
	for rows.Next() {
		var kind, state string
		var c int
		if err := rows.Scan(&kind, &state, &c); err != nil {
			return nil, fmt.Errorf("count jobs by kind and state: %w", err)
		}
		if n[kind] == nil {
			n[kind] = map[string]int{}
		}
		n[kind][state] = c
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("count jobs by kind and state: %w", err)
	}
	return n, nil
}

// CountQueuedMessages counts the outbox's messages waiting for delivery.
func (s *StatsService) CountQueuedMessages(ctx context.Context) (int, error) {
	w := &where{}
	w.add("state = ?", lectern.MessageQueued)
	return countRows(ctx, s.db.db, "messages", w)
}
