package web

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"

	"lectern"
)

// brokenRecordings fails every look-up of a recording, as a database
// gone away would.
type brokenRecordings struct{ lectern.RecordingService }

func (brokenRecordings) FindRecordingByID(context.Context, int64) (*lectern.Recording, error) {
	return nil, errors.New("database is locked")
}

// A recording's progress whose look-up fails is the JSON 500 its poller
// reads, not a panic on the recording it did not get.
func TestRecordingStatusStoreError(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.user("root", true, true)
	deps := b.deps
	deps.Recordings = brokenRecordings{b.recordings}
	srv, err := New(b.server.cfg, deps)
	if err != nil {
		t.Fatal(err)
	}
	b.server, b.deps = srv, deps
	b.http.Config.Handler = srv.Handler()
	for _, c := range []*client{b.client(), b.loggedIn("root")} {
		res := c.get(recordingStatusURL(1))
		if res.status != http.StatusInternalServerError || !strings.Contains(res.body, `"Internal error."`) {
			t.Errorf("%d %s", res.status, res.body)
		}
	}
}
