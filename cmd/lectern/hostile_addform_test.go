package main

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// TestHostileAddform: issue 14's entry points of the add form against a
// real serve: a recording's progress (/record/recordings/<id>/status.json),
// the dashboard's ?published=, "Delete instead…" (delete=ask), the
// deletion's record and the login page's purpose. Each refusal leaves
// files and database as they were.
func TestHostileAddform(t *testing.T) {
	t.Parallel()
	c := newCLI(t, "LECTERN_LANGUAGE_CODE=en", "LECTERN_RECORDER_WATCH=false", "LECTERN_ALLOW_RECORDER_MANAGER_CHOICE_VID_OWNER=true",
		"LECTERN_ALLOW_MANUAL_RECORDING_CLAIMING=true")
	s := startServe(t, c)
	typeID := fmt.Sprint(c.addType(t, "Course"))
	c.addUser(t, "manager", "--staff")
	c.addUser(t, "other", "--staff")
	c.addUser(t, "owner")
	c.mustRun(t, "ftp-a\n", "recorder", "add", "--name", "Amphi A", "--ip", "10.0.0.2", "--directory", "amphi-a",
		"--type-id", typeID, "--manager", "manager", "--login", "amphia", "--password-stdin")
	c.mustRun(t, "ftp-b\n", "recorder", "add", "--name", "Amphi B", "--ip", "10.0.0.3", "--directory", "amphi-b",
		"--type-id", typeID, "--manager", "other", "--login", "amphib", "--password-stdin")
	c.mustRun(t, "ftp-c\n", "recorder", "add", "--name", "Libre", "--ip", "10.0.0.4", "--directory", "libre",
		"--type-id", typeID, "--login", "libre", "--password-stdin")
	db := c.open(t).SQL()
	h := &hostile{t: t, s: s, c: c, db: db}
	clip := clipFile(t, 1)
	waitFor := func(what string, ok func() bool) {
		t.Helper()
		deadline := time.Now().Add(30 * time.Second)
		for !ok() {
			if time.Now().After(deadline) {
				t.Fatalf("%s: not after 30 s\nlog:\n%s", what, s.log)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	deposit := func(name string) {
		t.Helper()
		ftpPut(t, s.app.ftpAddr, "amphia", "ftp-a", "", clip, name)
		waitFor("the treatment of "+name, func() bool {
			var n int
			return db.QueryRow("SELECT count(*) FROM treatments WHERE file LIKE ?", "%/"+name).Scan(&n) == nil && n == 1
		})
	}
	addForm := func(name string) string {
		return "/mediacourses_add/?" + url.Values{"mediapath": {name}, "recorder": {"1"}}.Encode()
	}

	// The manager publishes one deposit for owner.
	deposit("published.mp4")
	mgr := h.login("manager")
	page := h.page(mgr, addForm("published.mp4"))
	resp, _ := mgr.do(http.MethodPost, s.url+addForm("published.mp4"), url.Values{"csrf_token": {csrfToken(t, page)},
		"title": {"Published"}, "source_file": {"published.mp4"}, "user": {"owner"}})
	if !strings.HasPrefix(resp.Request.URL.RequestURI(), "/?published=") {
		t.Fatalf("publish: at %s", resp.Request.URL)
	}
	var id int64
	if err := db.QueryRow("SELECT id FROM recordings WHERE title = 'Published'").Scan(&id); err != nil {
		t.Fatal(err)
	}
	// Its processing moves and writes files: the rows below start once
	// it is over, so that their snapshots see only what they do.
	waitFor("the video of the publication encoded", func() bool {
		var n int
		return db.QueryRow("SELECT count(*) FROM videos WHERE encoding_state IN ('done', 'error')").Scan(&n) == nil && n == 1
	})
	status := fmt.Sprintf("/record/recordings/%d/status.json", id)
	if resp, body := mgr.do(http.MethodGet, s.url+status, nil); resp.StatusCode != http.StatusOK || !strings.Contains(body, `"recording_id":`) {
		t.Fatalf("the publisher's status: %d %s", resp.StatusCode, body)
	}
	deposit("kept.mp4")
	other := h.login("other")
	anon := newBrowser(t, s.url)

	t.Run("status of someone else's recording", func(t *testing.T) {
		before := h.snapshot()
		for who, b := range map[string]*browser{"another recorder's manager": other, "anonymous": anon} {
			for _, path := range []string{status, "/record/recordings/999999/status.json", "/record/recordings/0/status.json",
				"/record/recordings/abc/status.json", "/record/recordings/99999999999999999999/status.json", "/record/recordings/-1/status.json"} {
				resp, body := b.do(http.MethodGet, s.url+path, nil)
				if resp.StatusCode != http.StatusNotFound || strings.Contains(body, "recording_id") {
					t.Errorf("%s GET %s: %d %s", who, path, resp.StatusCode, body)
				}
			}
		}
		h.unchanged(t, before)
	})

	t.Run("dashboard published= of someone else's publication", func(t *testing.T) {
		for _, p := range []string{fmt.Sprint(id), "0", "-1", "abc", "1e3", "99999999999999999999"} {
			body := h.page(other, "/?published="+url.QueryEscape(p))
			if strings.Contains(body, `id="published"`) || strings.Contains(body, "Published for") {
				t.Errorf("published=%s: another manager sees the section", p)
			}
		}
	})

	// A deposit of a recorder without manager: staff may claim it, not
	// delete it.
	ftpPut(t, s.app.ftpAddr, "libre", "ftp-c", "", clip, "claim.mp4")
	waitFor("the treatment of claim.mp4", func() bool {
		var n int
		return db.QueryRow("SELECT count(*) FROM treatments WHERE file LIKE '%/claim.mp4'").Scan(&n) == nil && n == 1
	})
	claimForm := "/mediacourses_add/?" + url.Values{"mediapath": {"claim.mp4"}, "recorder": {"3"}}.Encode()
	t.Run("delete=ask by someone who may claim, not delete", func(t *testing.T) {
		before := h.snapshot()
		page := h.page(other, claimForm)
		for _, v := range []string{"ask", "on"} {
			resp, body := other.do(http.MethodPost, s.url+claimForm, url.Values{"csrf_token": {csrfToken(t, page)},
				"source_file": {"claim.mp4"}, "delete": {v}})
			h.refused(t, "delete="+v+" by a claimer", resp.StatusCode, body, http.StatusForbidden)
			if strings.Contains(body, "claim.mp4 from") {
				t.Errorf("the confirmation was shown:\n%s", body)
			}
		}
		h.unchanged(t, before)
	})

	t.Run("delete without CSRF", func(t *testing.T) {
		before := h.snapshot()
		for _, v := range []string{"ask", "on"} {
			resp, body := mgr.do(http.MethodPost, s.url+addForm("kept.mp4"), url.Values{"source_file": {"kept.mp4"}, "delete": {v}})
			h.refused(t, "delete="+v+" without CSRF", resp.StatusCode, body, http.StatusForbidden)
		}
		h.unchanged(t, before)
	})

	t.Run("delete=ask deletes nothing", func(t *testing.T) {
		before := h.snapshot()
		page := h.page(mgr, addForm("kept.mp4"))
		resp, body := mgr.do(http.MethodPost, s.url+addForm("kept.mp4"), url.Values{"csrf_token": {csrfToken(t, page)},
			"source_file": {"kept.mp4"}, "delete": {"ask"}, "title": {"x"}})
		if resp.StatusCode != http.StatusOK || !strings.Contains(body, "Delete “kept.mp4”?") {
			t.Fatalf("the confirmation: %d\n%s", resp.StatusCode, body)
		}
		h.unchanged(t, before)
	})

	// The manager deletes kept.mp4; another recorder's manager asks its
	// link and is refused without learning who deleted it.
	page = h.page(mgr, addForm("kept.mp4"))
	resp, _ = mgr.do(http.MethodPost, s.url+addForm("kept.mp4"), url.Values{"csrf_token": {csrfToken(t, page)},
		"source_file": {"kept.mp4"}, "delete": {"on"}})
	if resp.Request.URL.Path != "/" {
		t.Fatalf("delete: at %s", resp.Request.URL)
	}
	t.Run("a deletion told only to the recorder's people", func(t *testing.T) {
		before := h.snapshot()
		for who, b := range map[string]*browser{"another recorder's manager": other, "anonymous": anon} {
			for _, name := range []string{"kept.mp4", "../amphi-a/kept.mp4", "published.mp4"} {
				resp, body := b.do(http.MethodGet, s.url+addForm(name), nil)
				if strings.Contains(body, "Deleted by") || strings.Contains(body, "Published by") {
					t.Errorf("%s GET %s: %d tells what became of it:\n%s", who, name, resp.StatusCode, body)
				}
			}
		}
		// Another recorder's form naming A's deleted file.
		resp, body := other.do(http.MethodGet, s.url+"/mediacourses_add/?"+url.Values{"mediapath": {"../amphi-a/kept.mp4"}, "recorder": {"2"}}.Encode(), nil)
		if strings.Contains(body, "Deleted by") {
			t.Errorf("B's form tells of A's deletion: %d\n%s", resp.StatusCode, body)
		}
		h.unchanged(t, before)
	})

	t.Run("the login page shows no text of the link", func(t *testing.T) {
		for next, want := range map[string]string{
			"/mediacourses_add/?" + url.Values{"mediapath": {"<b>Your password expired</b>.mp4"}, "course_title": {"Call 555-0100 now"},
				"recorder": {"1"}}.Encode(): "Log in to publish the recording from Amphi A.",
			"/mediacourses_add/?recorder=1%27%20OR%201=1":       "Log in to publish a recording.",
			"/mediacourses_add/?recorder=999":                   "Log in to publish a recording.",
			"https://evil.example/mediacourses_add/?recorder=1": "",
		} {
			resp, body := anon.do(http.MethodGet, s.url+"/accounts/login/?next="+url.QueryEscape(next), nil)
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("login page for %s: %d", next, resp.StatusCode)
			}
			if strings.Contains(body, "Call 555-0100 now") || strings.Contains(body, "Your password expired") {
				t.Errorf("next %s: the link's text is on the page", next)
			}
			if want == "" {
				if strings.Contains(body, "login-purpose") {
					t.Errorf("next %s (another site): a purpose is said", next)
				}
			} else if !strings.Contains(body, `<p class="login-purpose">`+want+`</p>`) {
				t.Errorf("next %s: no %q", next, want)
			}
		}
	})
}
