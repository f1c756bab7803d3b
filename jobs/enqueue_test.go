package jobs_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"lectern"
)

// storedArgs are a job's args as River stored them, as sqldb.Copy hands
// them over from another database.
type storedArgs struct {
	kind string
	args string
}

func (a storedArgs) Kind() string                 { return a.kind }
func (a storedArgs) MarshalJSON() ([]byte, error) { return []byte(a.args), nil }

// TestEnqueueStoredArgs checks that args given as stored JSON are enqueued
// as their kind's (its queue, the same args), and that an unknown kind
// or args that do not decode are refused, the transaction left to roll back.
func TestEnqueueStoredArgs(t *testing.T) {
	t.Parallel()
	b := setup(t, "")
	b.enqueue(t, storedArgs{kind: lectern.JobEncodeVideo, args: `{"video_id": 7}`})
	var queue, args string
	if err := b.db.SQL().QueryRow(q("SELECT queue, "+argsText()+" FROM river_job WHERE kind = ?"), lectern.JobEncodeVideo).
		Scan(&queue, &args); err != nil {
		t.Fatal(err)
	}
	var got lectern.EncodeVideoArgs
	if err := json.Unmarshal([]byte(args), &got); err != nil || queue != "encode" || got.VideoID != 7 {
		t.Errorf("stored encode job: queue %q, args %s (%v)", queue, args, err)
	}
	for _, bad := range []storedArgs{{kind: "mine_bitcoin", args: `{}`}, {kind: lectern.JobSendMail, args: `{"message_id": "x"}`}} {
		tx, err := b.db.SQL().Begin()
		if err != nil {
			t.Fatal(err)
		}
		if err := b.enq.EnqueueTx(context.Background(), tx, bad); err == nil || !strings.Contains(err.Error(), bad.kind) {
			t.Errorf("%s %s: err = %v, want a refusal naming the kind", bad.kind, bad.args, err)
		}
		tx.Rollback()
	}
}

// argsText is a job's args as JSON text on the database under test.
func argsText() string {
	if testPostgres {
		return "args::text"
	}
	return "json(args)"
}
