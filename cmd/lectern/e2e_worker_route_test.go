package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"lectern"
	"lectern/sqldb"
)

// TestWorkerRoutesCronDeposit: with no serve running, a `lectern worker`
// routes the deposits a cron `recorder checkDirectory` records: the
// manager's mail is in the outbox, once.
func TestWorkerRoutesCronDeposit(t *testing.T) {
	t.Parallel()
	c := newCLI(t)
	typeID := fmt.Sprint(c.addType(t, "Course"))
	c.addUser(t, "boss", "--superuser")
	c.mustRun(t, "", "recorder", "add", "--name", "Amphi A", "--ip", "10.1.2.3", "--directory", "amphi-a",
		"--type-id", typeID, "--manager", "boss")
	w := startInProcessWorker(t, c, "LECTERN_NODE_ID=lone-worker")

	if err := os.WriteFile(filepath.Join(c.dataDir, "recorders", "amphi-a", "lecture.mp4"), make([]byte, 4096), 0o640); err != nil {
		t.Fatal(err)
	}
	c.mustRun(t, "", "recorder", "checkDirectory")
	c.mustRun(t, "", "recorder", "checkDirectory")

	messages := sqldb.NewMessageService(c.open(t), nil)
	outbox := func() int {
		_, n, err := messages.FindMessages(context.Background(), lectern.MessageFilter{})
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	deadline := time.Now().Add(20 * time.Second)
	for outbox() == 0 {
		if time.Now().After(deadline) {
			t.Fatalf("no mail in the outbox: the worker did not route the deposit\nlog:\n%s", w.log)
		}
		time.Sleep(100 * time.Millisecond)
	}
	time.Sleep(3 * pendingInterval) // several passes later, still one
	if n := outbox(); n != 1 {
		t.Errorf("%d messages in the outbox, want 1", n)
	}
}

// startInProcessWorker runs `lectern worker` in this process for c with
// env added, until the test ends.
func startInProcessWorker(tb testing.TB, c *cli, env ...string) *server {
	tb.Helper()
	s, _ := startApp(tb, c, "worker", nil, env, (*app).worker)
	return s
}
