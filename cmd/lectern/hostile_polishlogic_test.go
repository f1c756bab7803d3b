package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// staleCSRFToken is a well-formed form token of another browser, as an
// expired page would post.
const staleCSRFToken = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="

// TestHostilePolishLogic: issue 14's job actions and forms shown again
// after a failed CSRF check, against a real serve with a video encoded
// (its processing and encoding jobs completed). Each refusal leaves files,
// rows, the jobs and the video as they were.
func TestHostilePolishLogic(t *testing.T) {
	t.Parallel()
	c := newCLI(t, "LECTERN_LANGUAGE_CODE=en", "LECTERN_RECORDER_WATCH=false", "LECTERN_ENCODE_PRESET=ultrafast")
	s := startServe(t, c)
	typeID := fmt.Sprint(c.addType(t, "Course"))
	c.addUser(t, "boss", "--superuser")
	c.addUser(t, "mgr", "--staff")
	token := strings.TrimSpace(c.mustRun(t, "", "token", "create", "--username", "boss").stdout)
	c.mustRun(t, "ftp-a\n", "recorder", "add", "--name", "Amphi A", "--ip", "10.0.0.1", "--directory", "amphi-a",
		"--type-id", typeID, "--manager", "boss", "--auto", "--login", "amphia", "--password-stdin")
	c.mustRun(t, "ftp-b\n", "recorder", "add", "--name", "Amphi B", "--ip", "10.0.0.2", "--directory", "amphi-b",
		"--type-id", typeID, "--manager", "mgr", "--login", "amphib", "--password-stdin")
	db := c.open(t).SQL()
	h := &hostile{t: t, s: s, c: c, db: db}
	clip := clipFile(t, 1)
	ftpPut(t, s.app.ftpAddr, "amphia", "ftp-a", "", clip, "lecture.mp4")
	ftpPut(t, s.app.ftpAddr, "amphib", "ftp-b", "", clip, "pending.mp4")
	var videoID, encodeJob, processJob, recB int64
	waitRow(t, s, db, 90*time.Second, "SELECT id FROM videos WHERE encoding_state = 'done'", nil, &videoID)
	waitRow(t, s, db, 30*time.Second, "SELECT id FROM river_job WHERE kind = 'encode_video' AND state = 'completed'", nil, &encodeJob)
	waitRow(t, s, db, 30*time.Second, "SELECT id FROM river_job WHERE kind = 'process_recording' AND state = 'completed'", nil, &processJob)
	pending := filepath.Join(c.dataDir, "recorders", "amphi-b", "pending.mp4")
	waitRow(t, s, db, 30*time.Second, "SELECT recorder_id FROM treatments WHERE file = ?", []any{pending}, &recB)

	boss := h.login("boss")
	mgr := h.login("mgr")
	// jobsAsThey want the jobs and the video as they were: completed, done.
	jobsAsThey := func(tb testing.TB) {
		tb.Helper()
		var states string
		db.QueryRow("SELECT group_concat(state) FROM river_job WHERE id IN (?, ?)", encodeJob, processJob).Scan(&states)
		var video string
		db.QueryRow("SELECT encoding_state FROM videos WHERE id = ?", videoID).Scan(&video)
		if states != "completed,completed" || video != "done" {
			tb.Errorf("jobs %s, video %s: want both completed and the video done", states, video)
		}
	}
	post := func(b *browser, path string, form url.Values) (int, string) {
		t.Helper()
		resp, page := b.do(http.MethodPost, s.url+path, form)
		return resp.StatusCode, page
	}

	t.Run("retry of a completed encode job by the web: refused, saying so", func(t *testing.T) {
		before := h.snapshot()
		show := fmt.Sprintf("/admin/jobs/%d/", encodeJob)
		page := h.page(boss, show)
		if strings.Contains(page, "/retry/") {
			t.Error("the completed job offers Retry")
		}
		_, page = post(boss, show+"retry/", url.Values{"csrf_token": {csrfToken(t, page)}, "next": {show}})
		if !strings.Contains(page, "This job has completed: it does not run again.") {
			t.Errorf("the refusal is not said:\n%.2000s", page)
		}
		h.unchanged(t, before)
		jobsAsThey(t)
	})
	t.Run("retry of a completed processing job by the API: 400", func(t *testing.T) {
		before := h.snapshot()
		req, _ := http.NewRequest(http.MethodPost, fmt.Sprintf("%s/api/v1/jobs/%d/retry", s.url, processJob), nil)
		req.Header.Set("Authorization", "Token "+token)
		st, body, _ := h.send(req)
		h.refused(t, "API retry of a completed job", st, body, http.StatusBadRequest)
		var answer map[string]any
		if json.Unmarshal([]byte(body), &answer) != nil || !strings.Contains(body, "This job has completed") {
			t.Errorf("the API's refusal does not say why: %s", body)
		}
		h.unchanged(t, before)
		jobsAsThey(t)
	})
	t.Run("Encode again's confirmation: asking encodes nothing; staff, anonymous and bad ids refused", func(t *testing.T) {
		before := h.snapshot()
		confirm := fmt.Sprintf("/admin/videos/%d/encode/", videoID)
		if page := h.page(boss, confirm+"?next=https://evil.example/"); !strings.Contains(page, "Yes, encode it again") ||
			strings.Contains(page, `href="https://evil`) || !strings.Contains(page, `name="next" value="/admin/videos/"`) {
			t.Errorf("the confirmation:\n%.2000s", page)
		}
		resp, body := mgr.do(http.MethodGet, s.url+confirm, nil)
		h.refused(t, "staff asking to encode again", resp.StatusCode, body, http.StatusForbidden)
		req, _ := http.NewRequest(http.MethodGet, s.url+confirm, nil)
		if st, _, hdr := h.send(req); st != http.StatusFound || !strings.HasPrefix(hdr.Get("Location"), "/accounts/login/") {
			t.Errorf("anonymous: %d to %q", st, hdr.Get("Location"))
		}
		for _, bad := range []string{"/admin/videos/abc/encode/", "/admin/videos/99999/encode/", "/admin/videos/-1/encode/"} {
			resp, body := boss.do(http.MethodGet, s.url+bad, nil)
			h.refused(t, bad, resp.StatusCode, body, http.StatusNotFound)
		}
		h.unchanged(t, before)
		jobsAsThey(t)
	})

	// Forms posted with a stale token, or none: shown again with what was
	// typed, a 403, nothing saved.
	for _, row := range []struct {
		name   string
		b      *browser
		path   string
		form   url.Values
		typed  string
		absent string // a value that must not come back (a password)
	}{
		{"recorder form, stale token", boss, "/admin/recorders/add/", url.Values{"name": {"Evil <b>"}, "address_ip": {"10.6.6.6"},
			"directory": {"evil"}, "recording_type": {"video"}, "type": {typeID}, "csrf_token": {staleCSRFToken}}, `value="Evil &lt;b&gt;"`, ""},
		{"user form, no token", boss, "/admin/users/add/", url.Values{"username": {"intruder"}, "email": {"i@evil.example"},
			"is_active": {"on"}, "is_superuser": {"on"}, "password": {"pw-intruder-1"}, "password_confirm": {"pw-intruder-1"}},
			`value="intruder"`, "pw-intruder-1"},
		{"add form, stale token", mgr, "/mediacourses_add/?" + url.Values{"mediapath": {pending}, "recorder": {fmt.Sprint(recB)}}.Encode(),
			url.Values{"title": {"Stolen"}, "source_file": {pending}, "csrf_token": {staleCSRFToken}}, `value="Stolen"`, ""},
		{"add form's delete, no token", mgr, "/mediacourses_add/?" + url.Values{"mediapath": {pending}, "recorder": {fmt.Sprint(recB)}}.Encode(),
			url.Values{"title": {"Gone"}, "source_file": {pending}, "delete": {"on"}}, `value="Gone"`, ""},
		{"login without a cookie", newBrowser(t, s.url), "/accounts/login/", url.Values{"username": {"boss"}, "password": {"pw-boss"}},
			`value="boss"`, "pw-boss"},
	} {
		t.Run(row.name, func(t *testing.T) {
			before := h.snapshot()
			st, page := post(row.b, row.path, row.form)
			h.refused(t, row.name, st, page, http.StatusForbidden)
			if !strings.Contains(page, "nothing was saved") || !strings.Contains(page, row.typed) {
				t.Errorf("not shown again with %s:\n%.3000s", row.typed, page)
			}
			if row.absent != "" && strings.Contains(page, row.absent) {
				t.Errorf("the page shows %q", row.absent)
			}
			h.unchanged(t, before)
			if row.path == "/accounts/login/" {
				if resp, _ := row.b.do(http.MethodGet, s.url+"/admin/", nil); resp.Request.URL.Path != "/accounts/login/" {
					t.Errorf("a login without a cookie logged in: at %s", resp.Request.URL.Path)
				}
			}
		})
	}
	for _, row := range []struct{ name, origin, token string }{
		{"recorder form from another site: the error page, not the form", "https://evil.example", ""},
		{"recorder form saying no origin, its token stale: the error page, not the form", "", staleCSRFToken},
	} {
		t.Run(row.name, func(t *testing.T) {
			before := h.snapshot()
			token := row.token
			if token == "" {
				token = csrfToken(t, h.page(boss, "/admin/recorders/add/"))
			}
			req, _ := http.NewRequest(http.MethodPost, s.url+"/admin/recorders/add/", strings.NewReader(url.Values{"name": {"Evil"},
				"csrf_token": {token}}.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			if row.origin != "" {
				req.Header.Set("Origin", row.origin)
			}
			resp, err := boss.hc.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			h.refused(t, row.name, resp.StatusCode, string(body), http.StatusForbidden)
			if strings.Contains(string(body), `value="Evil"`) {
				t.Error("the posted values are shown in the site's form")
			}
			h.unchanged(t, before)
		})
	}
}
