package main

import (
	"bytes"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// TestFeedRefreshedByServe: serve's periodic pass imports a URL feed
// added in the pages, owned by the ORGANIZER's account, and imports it
// again once its refresh interval has passed, removing what the feed no
// longer holds.
func TestFeedRefreshedByServe(t *testing.T) {
	t.Parallel()
	c := newCLI(t, "LECTERN_LANGUAGE_CODE=en", "LECTERN_RECORDER_WATCH=false", "LECTERN_SCHEDULE_FEED_ALLOW_PRIVATE=true")
	s := startServeApp(t, c, func(a *app) { a.feedEvery = 50 * time.Millisecond },
		"LECTERN_HTTP_ADDR=127.0.0.1:0", "LECTERN_FTP_ADDR=127.0.0.1:0")
	typeID := c.addType(t, "Course")
	c.addUser(t, "mgr", "--staff")
	c.mustRun(t, "", "recorder", "add", "--name", "Amphi A", "--ip", "10.0.0.1", "--directory", "amphi-a",
		"--type-id", fmt.Sprint(typeID), "--manager", "mgr", "--salt", "s4lt")
	var body atomic.Value
	body.Store(icsWeekly("ade-1", "mgr@univ.example"))
	feedSrv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write(body.Load().([]byte))
	}))
	defer feedSrv.Close()
	h := &hostile{t: t, s: s, c: c, db: c.open(t).SQL()}
	mgr := h.login("mgr")
	page := h.page(mgr, "/recorders/1/feeds/add/")
	resp, _ := mgr.do(http.MethodPost, s.url+"/recorders/1/feeds/add/", url.Values{"csrf_token": {csrfToken(t, page)},
		"name": {"ADE"}, "url": {feedSrv.URL + "/ade.ics"}, "refresh_interval": {"0"}, "rule": {"organizer"}})
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("add the feed: %d", resp.StatusCode)
	}

	waitEvents := func(want int) {
		t.Helper()
		deadline := time.Now().Add(30 * time.Second)
		for {
			var n, owned int
			h.db.QueryRow("SELECT count(*), count(owner_id) FROM events WHERE feed_id IS NOT NULL").Scan(&n, &owned)
			if n == want && owned == want {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("%d events (%d owned), want %d", n, owned, want)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	waitEvents(4)
	page = h.page(mgr, "/recorders/1/feeds/1/")
	if !strings.Contains(page, "Last import’s report") || !strings.Contains(page, "<dt>Created</dt><dd>4</dd>") {
		t.Errorf("the feed's page shows no report:\n%.3000s", page)
	}

	// The lecture now ends a week earlier; the feed is due again.
	body.Store(bytes.Replace(icsWeekly("ade-1", "mgr@univ.example"), []byte("COUNT=4"), []byte("COUNT=3"), 1))
	if _, err := h.db.Exec("UPDATE feeds SET last_attempt_at = ?", time.Now().UTC().Add(-2*time.Hour)); err != nil {
		t.Fatal(err)
	}
	waitEvents(3)

	// Deleted by its manager: the event a recording used stays, made by
	// hand now; the others go.
	if _, err := h.db.Exec("UPDATE events SET used_at = ? WHERE id = (SELECT min(id) FROM events)", time.Now().UTC()); err != nil {
		t.Fatal(err)
	}
	page = h.page(mgr, "/recorders/1/feeds/1/delete/")
	resp, page = mgr.do(http.MethodPost, s.url+"/recorders/1/feeds/1/delete/", url.Values{"csrf_token": {csrfToken(t, page)}})
	if resp.StatusCode != http.StatusOK || resp.Request.URL.Path != "/recorders/1/feeds/" || !strings.Contains(page, "The feed “ADE” was deleted.") {
		t.Fatalf("delete: %d at %s", resp.StatusCode, resp.Request.URL)
	}
	var left, handMade, feeds int
	h.db.QueryRow("SELECT count(*), count(*) - count(feed_id) FROM events").Scan(&left, &handMade)
	h.db.QueryRow("SELECT count(*) FROM feeds").Scan(&feeds)
	if left != 1 || handMade != 1 || feeds != 0 {
		t.Errorf("after the delete: %d events, %d made by hand, %d feeds", left, handMade, feeds)
	}
}
