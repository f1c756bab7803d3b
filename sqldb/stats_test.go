package sqldb_test

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"

	"lectern"
	"lectern/jobs"
	"lectern/sqldb"
)

// TestStats counts what the metrics' gauges show on a real SQLite
// database: treatments by state (only those asked), River's jobs by kind
// and state, the outbox's queued messages.
func TestStats(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := MustOpenDB(t)
	if err := jobs.Migrate(ctx, db.SQL(), nil); err != nil {
		t.Fatal(err)
	}
	stats := sqldb.NewStatsService(db)
	if n, err := stats.CountJobs(ctx); err != nil || len(n) != 0 {
		t.Fatalf("CountJobs() on an empty queue = %v, %v", n, err)
	}
	b := jobRows(t, db) // one treatment to_notify
	for i, state := range []string{lectern.TreatmentToClaim, lectern.TreatmentToClaim, lectern.TreatmentPublished} {
		tr := &lectern.Treatment{File: "/data/a/y" + string(rune('0'+i)) + ".mp4", RecorderID: &b.recorder.ID,
			Type: lectern.RecordingTypeVideo, State: state}
		if _, err := sqldb.NewTreatmentService(db, nil).CreateTreatment(ctx, tr); err != nil {
			t.Fatal(err)
		}
	}
	got, err := stats.CountWaitingTreatments(ctx, []string{lectern.TreatmentToNotify, lectern.TreatmentToClaim, lectern.TreatmentToReport})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(map[string]int{lectern.TreatmentToNotify: 1, lectern.TreatmentToClaim: 2}, got); diff != "" {
		t.Errorf("CountWaitingTreatments() (-want +got):\n%s", diff)
	}
	if _, err := db.SQL().ExecContext(ctx, `INSERT INTO river_job (kind, state, args, max_attempts, queue, priority, created_at, scheduled_at, metadata)
		VALUES ('encode_video', 'available', '{}', 5, 'default', 1, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, '{}'),
		       ('encode_video', 'retryable', '{}', 5, 'default', 1, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, '{}'),
		       ('send_mail', 'available', '{}', 5, 'default', 1, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, '{}'),
		       ('send_mail', 'available', '{}', 5, 'default', 1, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, '{}')`); err != nil {
		t.Fatal(err)
	}
	jobsGot, err := stats.CountJobs(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]map[string]int{"encode_video": {"available": 1, "retryable": 1}, "send_mail": {"available": 2}}
	if diff := cmp.Diff(want, jobsGot); diff != "" {
		t.Errorf("CountJobs() (-want +got):\n%s", diff)
	}
	if n, err := stats.CountQueuedMessages(ctx); err != nil || n != 0 {
		t.Fatalf("CountQueuedMessages() = %d, %v; want 0", n, err)
	}
}
