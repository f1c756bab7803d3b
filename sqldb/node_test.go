package sqldb_test

import (
	"context"
	"testing"
	"time"

	"lectern"
	"lectern/sqldb"
)

// A node whose own clock is an hour behind still writes a fresh
// heartbeat, and its age is read by the database's clock: no node's clock
// decides whether another is dead; on both databases.
func TestHeartbeatDatabaseClock(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	for name, open := range map[string]func(testing.TB) *sqldb.DB{"sqlite": MustOpenDB, "postgres": MustOpenPostgres} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			db := open(t)
			db.Now = func() time.Time { return time.Now().UTC().Add(-time.Hour).Truncate(time.Microsecond) }
			nodes := sqldb.NewNodeService(db)
			n := &lectern.Node{ID: "late-clock", Host: "h", PID: 1, StartedAt: time.Now().UTC()}
			if err := nodes.BeatNode(ctx, n); err != nil {
				t.Fatal(err)
			}
			got, err := nodes.FindNode(ctx, n.ID)
			if err != nil {
				t.Fatal(err)
			}
			if got.HeartbeatAge < 0 || got.HeartbeatAge > time.Minute || time.Since(got.HeartbeatAt).Abs() > time.Minute ||
				!got.HeartbeatAt.Equal(n.HeartbeatAt) {
				t.Errorf("heartbeat of a node an hour late: at %v (set %v), age %s; want now by the database's clock, age ~0",
					got.HeartbeatAt, n.HeartbeatAt, got.HeartbeatAge)
			}
		})
	}
}
