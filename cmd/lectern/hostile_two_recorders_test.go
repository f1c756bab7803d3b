package main

import (
	"fmt"
	"strings"
	"testing"
)

// twoRecorders is the site several sweeps attack: a serve (English, no
// watcher) with a video type, a superuser boss (and an API token of
// theirs), staff mgr managing "Amphi A", staff other managing "Amphi B",
// and a plain user pleb.
type twoRecorders struct {
	c         *cli
	s         *server
	h         *hostile
	recIDs    map[string]int64 // by recorder name
	typeID    int64            // the video type "Course"
	bossToken string
}

// newTwoRecorders starts twoRecorders' site for t.
func newTwoRecorders(t *testing.T) *twoRecorders {
	t.Helper()
	// The feeds' tests serve their calendars on 127.0.0.1.
	c := newCLI(t, "LECTERN_LANGUAGE_CODE=en", "LECTERN_RECORDER_WATCH=false", "LECTERN_SCHEDULE_FEED_ALLOW_PRIVATE=true")
	s := startServe(t, c)
	typeID := c.addType(t, "Course")
	c.addUser(t, "boss", "--superuser")
	c.addUser(t, "mgr", "--staff")   // manages A
	c.addUser(t, "other", "--staff") // manages B
	c.addUser(t, "pleb")
	bossToken := strings.TrimSpace(c.mustRun(t, "", "token", "create", "--username", "boss").stdout)
	c.mustRun(t, "", "recorder", "add", "--name", "Amphi A", "--ip", "10.0.0.1", "--directory", "amphi-a",
		"--type-id", fmt.Sprint(typeID), "--manager", "mgr", "--salt", "s4lt")
	c.mustRun(t, "", "recorder", "add", "--name", "Amphi B", "--ip", "10.0.0.2", "--directory", "amphi-b",
		"--type-id", fmt.Sprint(typeID), "--manager", "other", "--salt", "s4ltb")
	recIDs := map[string]int64{}
	var recs []recorderView
	c.mustJSON(t, &recs, "recorder", "list", "--json")
	for _, r := range recs {
		recIDs[r.Name] = r.ID
	}
	return &twoRecorders{c: c, s: s, h: &hostile{t: t, s: s, c: c, db: c.open(t).SQL()}, recIDs: recIDs, bossToken: bossToken,
		typeID: typeID}
}
