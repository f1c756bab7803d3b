package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"syscall"
	"testing"
	"time"

	"lectern"
)

// icsWeekly is a timetable of a weekly lecture from next Monday, four
// times, at 10:00 UTC, organised by organizer.
func icsWeekly(uid, organizer string) []byte {
	now := time.Now().UTC()
	monday := now.AddDate(0, 0, (8-int(now.Weekday()))%7+1).Truncate(24 * time.Hour)
	start := monday.Add(10 * time.Hour).Format("20060102T150405Z")
	end := monday.Add(12 * time.Hour).Format("20060102T150405Z")
	return []byte("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//ADE/version 6.0\r\nBEGIN:VEVENT\r\nUID:" + uid +
		"\r\nDTSTART:" + start + "\r\nDTEND:" + end + "\r\nRRULE:FREQ=WEEKLY;COUNT=4\r\nSUMMARY:Algèbre\r\nORGANIZER:mailto:" +
		organizer + "\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n")
}

// feedState is what the feeds' rows hold: their number, their events,
// and each feed's settings and last outcome.
func feedState(t *testing.T, tr *twoRecorders) string {
	t.Helper()
	var b strings.Builder
	rows, err := tr.h.db.Query("SELECT id, recorder_id, name, url, rule_kind, rule_pattern, last_error, last_report FROM feeds ORDER BY id")
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var id, rec int64
		var name, u, kind, pattern, lastErr, report string
		rows.Scan(&id, &rec, &name, &u, &kind, &pattern, &lastErr, &report)
		fmt.Fprintf(&b, "feed %d %d %q %q %s %q %q %d\n", id, rec, name, u, kind, pattern, lastErr, len(report))
	}
	rows.Close()
	var events int
	tr.h.db.QueryRow("SELECT count(*) FROM events").Scan(&events)
	fmt.Fprintf(&b, "events %d\n", events)
	return b.String()
}

// postFile posts an .ics file to the upload form at path, with the
// page's CSRF token unless token is "-".
func postFile(t *testing.T, b *browser, target, token string, data []byte) int {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	if token != "-" {
		mw.WriteField("csrf_token", token)
	}
	fw, _ := mw.CreateFormFile("file", "timetable.ics")
	fw.Write(data)
	mw.Close()
	req, _ := http.NewRequest(http.MethodPost, target, &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Origin", b.base)
	resp, err := b.hc.Do(req)
	if err != nil && len(data) > lectern.FeedMaxBytes && (errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE)) {
		// The server answered 413 from the headers and closed while the
		// body was still being sent: the client may see the reset before
		// the answer.
		return http.StatusRequestEntityTooLarge
	}
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

// TestHostileIcal is the iCalendar feeds' sweep: each row is refused, or
// bounded, and changes nothing it should not.
func TestHostileIcal(t *testing.T) {
	t.Parallel()
	tr := newTwoRecorders(t)
	s, h := tr.s, tr.h
	recA, recB := tr.recIDs["Amphi A"], tr.recIDs["Amphi B"]
	feedSrv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write(icsWeekly("loopback-1", "mgr@univ.example"))
	}))
	defer feedSrv.Close()

	boss, mgr, other, pleb := h.login("boss"), h.login("mgr"), h.login("other"), h.login("pleb")
	feedsA, feedsB := fmt.Sprintf("/recorders/%d/feeds/", recA), fmt.Sprintf("/recorders/%d/feeds/", recB)

	// A's manager adds an uploaded feed; B's manager a URL feed on the
	// loopback, imported at once by Import now.
	add := func(b *browser, list string, form url.Values) (*http.Response, string) {
		page := h.page(b, list+"add/")
		form.Set("csrf_token", csrfToken(t, page))
		return b.do(http.MethodPost, s.url+list+"add/", form)
	}
	resp, _ := add(mgr, feedsA, url.Values{"name": {"Upload A"}, "refresh_interval": {"0"}, "rule": {"organizer"}})
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Request.URL.Path, feedsA) {
		t.Fatalf("add A's feed: %d at %s", resp.StatusCode, resp.Request.URL)
	}
	feedAURL := resp.Request.URL.Path
	feedA := strings.Trim(strings.TrimPrefix(feedAURL, feedsA), "/")
	resp, _ = add(other, feedsB, url.Values{"name": {"ADE B"}, "url": {feedSrv.URL + "/ade.ics"}, "refresh_interval": {"60"}, "rule": {"organizer"}})
	feedBURL := resp.Request.URL.Path
	page := h.page(other, feedBURL)
	resp, page = other.do(http.MethodPost, s.url+feedBURL+"import/", url.Values{"csrf_token": {csrfToken(t, page)}})
	if resp.StatusCode != http.StatusOK || !strings.Contains(page, "Imported: 4 created") {
		t.Fatalf("import B's feed from the loopback: %d\n%.2000s", resp.StatusCode, page)
	}
	page = h.page(mgr, feedAURL)
	if st := postFile(t, mgr, s.url+feedAURL+"upload/", csrfToken(t, page), icsWeekly("upload-1", "mgr@univ.example")); st != http.StatusOK {
		t.Fatalf("upload to A's feed: %d", st)
	}
	var owned int
	h.db.QueryRow("SELECT count(*) FROM events WHERE owner_id = (SELECT id FROM users WHERE username = 'mgr')").Scan(&owned)
	if owned != 8 {
		t.Fatalf("mgr owns %d events, want 8 (4 of each feed)", owned)
	}
	token := csrfToken(t, h.page(boss, feedAURL))

	rows := []struct {
		name string
		do   func(t *testing.T) int
		want int
	}{
		{"another recorder's manager reads the feeds", func(t *testing.T) int { r, _ := other.do("GET", s.url+feedsA, nil); return r.StatusCode }, 403},
		{"another recorder's manager imports", func(t *testing.T) int {
			r, _ := other.do("POST", s.url+feedAURL+"import/", url.Values{"csrf_token": {csrfToken(t, h.page(other, feedsB))}})
			return r.StatusCode
		}, 403},
		{"another recorder's manager deletes", func(t *testing.T) int {
			r, _ := other.do("POST", s.url+feedAURL+"delete/", url.Values{"csrf_token": {csrfToken(t, h.page(other, feedsB))}})
			return r.StatusCode
		}, 403},
		{"another recorder's feed through one's own", func(t *testing.T) int {
			r, _ := mgr.do("POST", s.url+feedsA+strings.TrimPrefix(feedBURL, feedsB)+"delete/", url.Values{"csrf_token": {csrfToken(t, h.page(mgr, feedsA))}})
			return r.StatusCode
		}, 404},
		{"a plain user adds a feed", func(t *testing.T) int {
			r, _ := pleb.do("POST", s.url+feedsA+"add/", url.Values{"csrf_token": {csrfToken(t, h.page(pleb, "/"))}, "name": {"x"}, "refresh_interval": {"0"}})
			return r.StatusCode
		}, 403},
		{"delete without the CSRF token", func(t *testing.T) int {
			r, _ := boss.do("POST", s.url+feedAURL+"delete/", url.Values{})
			return r.StatusCode
		}, 403},
		{"upload without the CSRF token", func(t *testing.T) int {
			return postFile(t, boss, s.url+feedAURL+"upload/", "-", icsWeekly("csrf", "mgr@univ.example"))
		}, 403},
		{"a file:// URL", func(t *testing.T) int {
			r, body := boss.do("POST", s.url+feedsA+"add/", url.Values{"csrf_token": {token}, "name": {"x"}, "url": {"file:///etc/passwd"}, "refresh_interval": {"0"}})
			if !strings.Contains(body, "Only http and https addresses are accepted.") {
				t.Errorf("no reason given:\n%.1500s", body)
			}
			return r.StatusCode
		}, 400},
		{"a URL with a password", func(t *testing.T) int {
			r, _ := boss.do("POST", s.url+feedsA+"add/", url.Values{"csrf_token": {token}, "name": {"x"}, "url": {"https://u:p@ade.example/x.ics"}, "refresh_interval": {"0"}})
			return r.StatusCode
		}, 400},
		{"a regular expression that does not compile", func(t *testing.T) int {
			r, body := boss.do("POST", s.url+feedsA+"add/", url.Values{"csrf_token": {token}, "name": {"x"}, "refresh_interval": {"0"},
				"rule": {"regexp"}, "rule_property": {"SUMMARY"}, "rule_pattern": {"(?P<user>[a-z"}})
			if !strings.Contains(body, "The regular expression is not valid") {
				t.Errorf("no reason given:\n%.1500s", body)
			}
			return r.StatusCode
		}, 400},
		{"a regular expression without its user group", func(t *testing.T) int {
			r, _ := boss.do("POST", s.url+feedsA+"add/", url.Values{"csrf_token": {token}, "name": {"x"}, "refresh_interval": {"0"},
				"rule": {"regexp"}, "rule_property": {"SUMMARY"}, "rule_pattern": {"(?P<who>.+)"}})
			return r.StatusCode
		}, 400},
		{"a property the rule may not read", func(t *testing.T) int {
			r, _ := boss.do("POST", s.url+feedsA+"add/", url.Values{"csrf_token": {token}, "name": {"x"}, "refresh_interval": {"0"},
				"rule": {"regexp"}, "rule_property": {"X-SECRET"}, "rule_pattern": {"(?P<user>.+)"}})
			return r.StatusCode
		}, 400},
		{"a refresh of one second", func(t *testing.T) int {
			r, _ := boss.do("POST", s.url+feedsA+"add/", url.Values{"csrf_token": {token}, "name": {"x"}, "refresh_interval": {"0.0166"}})
			return r.StatusCode
		}, 400},
		{"an 11 MiB file", func(t *testing.T) int {
			big := append(icsWeekly("big", "x@y.example"), bytes.Repeat([]byte("X-PAD:0123456789\r\n"), 11<<20/18)...)
			return postFile(t, boss, s.url+feedAURL+"upload/", token, big)
		}, 413},
		{"a file just over 10 MiB, within the route's limit", func(t *testing.T) int {
			big := append(icsWeekly("big", "x@y.example"), bytes.Repeat([]byte("X"), lectern.FeedMaxBytes)...)
			return postFile(t, boss, s.url+feedAURL+"upload/", token, big)
		}, 200},
		{"a file that is not iCalendar", func(t *testing.T) int {
			st := postFile(t, boss, s.url+feedAURL+"upload/", token, []byte("<html><body>Session expired</body></html>"))
			var lastErr string
			h.db.QueryRow("SELECT last_error FROM feeds WHERE id = ?", feedA).Scan(&lastErr)
			if !strings.Contains(lastErr, "not an iCalendar file") {
				t.Errorf("last error %q", lastErr)
			}
			h.db.Exec("UPDATE feeds SET last_error = '' WHERE id = ?", feedA) // the state compared
			return st
		}, 200},
		{"Import now of an uploaded feed", func(t *testing.T) int {
			_, body := boss.do("POST", s.url+feedAURL+"import/", url.Values{"csrf_token": {token}})
			if !strings.Contains(body, "This feed has no address: upload its file.") {
				t.Errorf("no reason given:\n%.1500s", body)
			}
			return 200
		}, 200},
	}
	for _, row := range rows {
		t.Run(row.name, func(t *testing.T) {
			before, snap := feedState(t, tr), h.snapshot()
			if st := row.do(t); st != row.want {
				t.Errorf("status %d, want %d", st, row.want)
			}
			if after := feedState(t, tr); after != before {
				t.Errorf("feeds changed:\n%s\nwas:\n%s", after, before)
			}
			h.unchanged(t, snap)
		})
	}

	// A rule repeating every second since 2000: cut, reported, nothing
	// imported but what the window holds.
	t.Run("FREQ=SECONDLY bomb", func(t *testing.T) {
		bomb := []byte("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:x\r\nBEGIN:VEVENT\r\nUID:bomb\r\nDTSTART:20000101T000000Z\r\n" +
			"DURATION:PT1S\r\nRRULE:FREQ=SECONDLY\r\nSUMMARY:Bomb\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n")
		var before int
		h.db.QueryRow("SELECT count(*) FROM events").Scan(&before)
		start := time.Now()
		if st := postFile(t, boss, s.url+feedAURL+"upload/", token, bomb); st != http.StatusOK {
			t.Fatalf("status %d", st)
		}
		var after int
		var report string
		h.db.QueryRow("SELECT count(*) FROM events").Scan(&after)
		h.db.QueryRow("SELECT last_report FROM feeds WHERE id = ?", feedA).Scan(&report)
		if after > before || !strings.Contains(report, `"truncated":true`) {
			t.Errorf("events %d → %d, report %s", before, after, report)
		}
		t.Logf("bomb imported in %s", time.Since(start))
	})
}
