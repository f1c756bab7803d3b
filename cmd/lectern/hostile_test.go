package main

import (
	"archive/zip"
	"bytes"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"mime/multipart"
	"net"
	"net/http"
	"net/textproto"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"lectern"
)

// TestHostileInput is issue 7's sweep: what an attacker would send to
// every public entry point of a real running server. Each row must get a
// clear refusal (an HTTP 4xx with a message, Pod's "nok: …" on the notify
// URL, an FTP 4xx/5xx reply with text) and leave the files under DATA_DIR
// and the database rows as they were; the server's log must show no panic
// and no unexpected error.
func TestHostileInput(t *testing.T) {
	t.Parallel()
	const maxSize = 200_000
	c := newCLI(t, "LECTERN_RECORDING_FILE_MAX_SIZE="+strconv.Itoa(maxSize), "LECTERN_ALLOW_MANUAL_RECORDING_CLAIMING=true",
		"LECTERN_LANGUAGE_CODE=en", "LECTERN_RECORDER_WATCH=false")
	s := startServe(t, c)
	typeID := c.addType(t, "Course")
	c.addUser(t, "boss", "--superuser")
	c.addUser(t, "staffy", "--staff")
	c.addUser(t, "pleb")
	bossToken := strings.TrimSpace(c.mustRun(t, "", "token", "create", "--username", "boss").stdout)
	plebToken := strings.TrimSpace(c.mustRun(t, "", "token", "create", "--username", "pleb").stdout)
	c.mustRun(t, "ftp-secret\n", "recorder", "add", "--name", "Amphi A", "--ip", "10.0.0.1", "--directory", "amphi-a",
		"--type-id", fmt.Sprint(typeID), "--manager", "staffy", "--salt", "s4lt", "--login", "amphia", "--password-stdin")
	c.mustRun(t, "", "recorder", "add", "--name", "Amphi B", "--ip", "10.0.0.2", "--directory", "amphi-b",
		"--type-id", fmt.Sprint(typeID), "--salt", "s4lt")
	c.mustRun(t, "", "recorder", "add", "--name", "AVC", "--ip", "10.0.0.3", "--directory", "avc",
		"--type-id", fmt.Sprint(typeID), "--manager", "boss", "--auto", "--recording-type", "audiovideocast")
	recIDs := map[string]int64{}
	var recs []recorderView
	c.mustJSON(t, &recs, "recorder", "list", "--json")
	for _, r := range recs {
		recIDs[r.Name] = r.ID
	}
	recA, recB, recAVC := recIDs["Amphi A"], recIDs["Amphi B"], recIDs["AVC"]
	db := c.open(t).SQL()
	h := &hostile{t: t, s: s, c: c, db: db}

	// Legitimate deposits to aim at: one of A (by FTP), one of B (by HTTP).
	conn := ftpLogin(t, s.app.ftpAddr, "amphia", "ftp-secret")
	if err := conn.Stor("lecture.mp4", bytes.NewReader(make([]byte, 5000))); err != nil {
		t.Fatal(err)
	}
	conn.Quit()
	if st, body := h.upload(bossToken, fmt.Sprint(recB), "other.mp4", 3000); st != http.StatusCreated {
		t.Fatalf("upload for B: %d %s", st, body)
	}
	waitTreatments(t, s, bossToken, "", 2)
	// A's mail is queued once ffmpeg has probed it (its duration and
	// still), a moment after its treatment: before any row's snapshot.
	waitTreatments(t, s, bossToken, "?state=notified", 1)
	depositA := filepath.Join(c.dataDir, "recorders", "amphi-a", "lecture.mp4")
	depositB := filepath.Join(c.dataDir, "recorders", "amphi-b", "other.mp4")

	boss := h.login("boss")
	staffy := h.login("staffy")
	pleb := h.login("pleb")

	t.Run("notify", func(t *testing.T) {
		key := lectern.NotifyKey("10_0_0_1", "s4lt")
		rows := []struct {
			name   string
			params url.Values
			want   string
		}{
			{"no params", url.Values{}, lectern.NotifyMissing},
			{"no key", url.Values{"recordingPlace": {"10_0_0_1"}, "mediapath": {"lecture.mp4"}}, lectern.NotifyMissing},
			{"wrong key", url.Values{"recordingPlace": {"10_0_0_1"}, "mediapath": {"lecture.mp4"}, "key": {strings.Repeat("0", 32)}}, lectern.NotifyBadKey},
			{"key of another recorder", url.Values{"recordingPlace": {"10_0_0_1"}, "mediapath": {"lecture.mp4"}, "key": {lectern.NotifyKey("10_0_0_2", "s4lt")}}, lectern.NotifyBadKey},
			{"dot-dot", url.Values{"recordingPlace": {"10_0_0_1"}, "mediapath": {"../amphi-b/other.mp4"}, "key": {key}}, lectern.NotifyBadMediapath},
			{"dot-dot out of the root", url.Values{"recordingPlace": {"10_0_0_1"}, "mediapath": {"../../../../../../etc/passwd"}, "key": {key}}, lectern.NotifyBadMediapath},
			{"absolute", url.Values{"recordingPlace": {"10_0_0_1"}, "mediapath": {"/etc/passwd"}, "key": {key}}, lectern.NotifyBadMediapath},
			{"absolute into another recorder", url.Values{"recordingPlace": {"10_0_0_1"}, "mediapath": {depositB}, "key": {key}}, lectern.NotifyBadMediapath},
			{"NUL", url.Values{"recordingPlace": {"10_0_0_1"}, "mediapath": {"lecture.mp4\x00.txt"}, "key": {key}}, lectern.NotifyBadMediapath},
			{"100 KB mediapath", url.Values{"recordingPlace": {"10_0_0_1"}, "mediapath": {strings.Repeat("a", 100<<10) + ".mp4"}, "key": {key}}, lectern.NotifyBadMediapath},
			{"recorder not a number", url.Values{"recordingPlace": {"abc' OR 1=1--"}, "mediapath": {"lecture.mp4"}, "key": {key}}, lectern.NotifyNoRecorder},
			{"unknown recorder", url.Values{"recordingPlace": {"10_9_9_9"}, "mediapath": {"lecture.mp4"}, "key": {lectern.NotifyKey("10_9_9_9", "s4lt")}}, lectern.NotifyNoRecorder},
		}
		for _, row := range rows {
			for _, method := range []string{http.MethodGet, http.MethodPost} {
				t.Run(row.name+" "+method, func(t *testing.T) {
					before := h.snapshot()
					want := row.want
					var req *http.Request
					if method == http.MethodGet {
						req, _ = http.NewRequest(method, s.url+"/record/recorder_notify/?"+row.params.Encode(), nil)
					} else {
						req, _ = http.NewRequest(method, s.url+"/mediacourses_notify/", strings.NewReader(row.params.Encode()))
						req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
						if len(row.params.Encode()) > 64<<10 {
							want = lectern.NotifyMissing // the body is refused whole
						}
					}
					st, body, _ := h.send(req)
					if st != http.StatusOK || body != want {
						t.Errorf("%s: %d %q, want 200 %q", method, st, body, want)
					}
					h.unchanged(t, before)
				})
			}
		}
	})

	t.Run("add form", func(t *testing.T) {
		addURL := func(mediapath string, recorder string) string {
			return s.url + "/mediacourses_add/?" + url.Values{"mediapath": {mediapath}, "recorder": {recorder}}.Encode()
		}
		_, page := staffy.do(http.MethodGet, addURL(depositA, fmt.Sprint(recA)), nil)
		token := csrfToken(t, page)
		rows := []struct {
			name      string
			b         *browser
			target    string
			form      url.Values
			wantCodes []int
		}{
			{"mediapath escaping", staffy, addURL(filepath.Join(c.dataDir, "recorders", "amphi-a", "..", "amphi-b", "other.mp4"), fmt.Sprint(recA)),
				url.Values{"csrf_token": {token}, "title": {"x"}}, []int{400, 403}},
			{"mediapath relative escaping", staffy, addURL("../amphi-b/other.mp4", fmt.Sprint(recA)),
				url.Values{"csrf_token": {token}, "title": {"x"}}, []int{400, 403}},
			{"mediapath of /etc/passwd", staffy, addURL("/etc/passwd", fmt.Sprint(recA)),
				url.Values{"csrf_token": {token}, "title": {"x"}}, []int{400, 403}},
			{"posted source of another recorder", staffy, addURL(depositA, fmt.Sprint(recA)),
				url.Values{"csrf_token": {token}, "title": {"x"}, "source_file": {depositB}}, []int{400, 403}},
			{"posted source /etc/passwd", staffy, addURL(depositA, fmt.Sprint(recA)),
				url.Values{"csrf_token": {token}, "title": {"x"}, "source_file": {"/etc/passwd"}}, []int{400, 403}},
			{"posted source with NUL", staffy, addURL(depositA, fmt.Sprint(recA)),
				url.Values{"csrf_token": {token}, "title": {"x"}, "source_file": {depositA + "\x00"}}, []int{400, 403}},
			{"unknown recorder", staffy, addURL(depositA, "9999"), url.Values{"csrf_token": {token}, "title": {"x"}}, []int{403, 404}},
			{"recorder not a number", staffy, addURL(depositA, "1 OR 1=1"), url.Values{"csrf_token": {token}, "title": {"x"}}, []int{403, 404}},
			{"non-staff user", pleb, addURL(depositA, fmt.Sprint(recA)), url.Values{"csrf_token": {csrfToken(t, h.page(pleb, "/"))}, "title": {"x"}}, []int{403}},
			{"without CSRF token", staffy, addURL(depositA, fmt.Sprint(recA)), url.Values{"title": {"x"}, "source_file": {depositA}}, []int{403}},
			{"forged CSRF token", staffy, addURL(depositA, fmt.Sprint(recA)),
				url.Values{"csrf_token": {"AAAA" + token[4:]}, "title": {"x"}, "source_file": {depositA}}, []int{403}},
			{"staff not manager of B claims without the claim list form", staffy, addURL(depositB, fmt.Sprint(recA)),
				url.Values{"csrf_token": {token}, "title": {"x"}, "source_file": {depositB}}, []int{400, 403}},
		}
		for _, row := range rows {
			t.Run(row.name, func(t *testing.T) {
				for _, method := range []string{http.MethodGet, http.MethodPost} {
					before := h.snapshot()
					var form url.Values
					if method == http.MethodPost {
						form = row.form
					}
					resp, body := row.b.do(method, row.target, form)
					if method == http.MethodGet && resp.StatusCode == http.StatusOK {
						continue // the form is shown, with the error: the POST is what must fail
					}
					h.refused(t, method+" "+row.target, resp.StatusCode, body, row.wantCodes...)
					h.unchanged(t, before)
				}
			})
		}
	})

	t.Run("delete URLs", func(t *testing.T) {
		var tid int64
		if err := db.QueryRow("SELECT id FROM treatments WHERE file = ?", depositB).Scan(&tid); err != nil {
			t.Fatal(err)
		}
		token := csrfToken(t, h.page(boss, "/admin/recorders/add/"))
		staffToken := csrfToken(t, h.page(staffy, "/"))
		rows := []struct {
			name string
			b    *browser
			path string
			form url.Values
			want int
		}{
			{"non-superuser", staffy, fmt.Sprintf("/record/delete_record/%d/", tid), url.Values{"csrf_token": {staffToken}}, 403},
			{"anonymous", newBrowser(t, s.url), fmt.Sprintf("/record/delete_record/%d/", tid), url.Values{}, 403},
			{"without CSRF", boss, fmt.Sprintf("/record/delete_record/%d/", tid), url.Values{}, 403},
			{"unknown id", boss, "/record/delete_record/999999/", url.Values{"csrf_token": {token}}, 404},
			{"id not a number", boss, "/record/delete_record/abc/", url.Values{"csrf_token": {token}}, 404},
			{"negative id", boss, "/record/delete_record/-1/", url.Values{"csrf_token": {token}}, 404},
			{"huge id", boss, "/record/delete_record/99999999999999999999999/", url.Values{"csrf_token": {token}}, 404},
		}
		for _, row := range rows {
			t.Run(row.name, func(t *testing.T) {
				before := h.snapshot()
				resp, body := row.b.do(http.MethodPost, s.url+row.path, row.form)
				if row.name == "anonymous" && strings.Contains(resp.Request.URL.Path, "/accounts/login/") {
					// Sent to the login page: nothing deleted is what matters.
				} else {
					h.refused(t, "POST "+row.path, resp.StatusCode, body, row.want)
				}
				h.unchanged(t, before)
			})
		}
	})

	t.Run("paths in GET routes", func(t *testing.T) {
		for _, row := range []struct {
			b    *browser
			path string
		}{
			{pleb, "/record/claim_record/"},
			{pleb, "/recorders/"},
			{pleb, "/admin/"},
			{staffy, "/admin/users/"},
			{staffy, "/record/thumbnail/..%2f..%2f..%2flectern.db"},
			{staffy, "/record/thumbnail/..%2f..%2f..%2f..%2f..%2f..%2f..%2fetc%2fpasswd"},
			{staffy, "/record/thumbnail/%00.jpg"},
			{boss, "/media/videos/1/..%2f..%2f..%2flectern.db"},
			{boss, "/media/videos/..%2f..%2flectern.db/x"},
			{boss, "/media/videos/1/%2fetc%2fpasswd"},
			{boss, "/static/..%2f..%2fgo.mod"},
			{boss, "/admin/recordings/abc/"},
			{boss, "/admin/treatments/-1/"},
			{boss, "/admin/outbox/99999999999999999999/"},
			{boss, "/video/..%2f..%2flectern.db/"},
			{boss, "/admin/recorders/1%20OR%201=1/change/"},
		} {
			before := h.snapshot()
			resp, body := row.b.do(http.MethodGet, s.url+row.path, nil)
			h.refused(t, "GET "+row.path, resp.StatusCode, body)
			if strings.Contains(body, "SQLite format") || strings.Contains(body, "root:x:0:0") || strings.Contains(body, "module lectern") {
				t.Errorf("GET %s leaks a file", row.path)
			}
			h.unchanged(t, before)
		}
	})

	t.Run("API", func(t *testing.T) {
		big := `{"name": "` + strings.Repeat("x", 2<<20) + `"}`
		rows := []struct {
			name, method, path, token, body string
			want                            int
		}{
			{"no token", "GET", "/api/v1/treatments", "", "", 401},
			{"bad token", "GET", "/api/v1/treatments", "nope", "", 401},
			{"bad token on a superuser route", "POST", "/api/v1/recorders", strings.Repeat("a", 40), `{}`, 401},
			{"non-staff on staff list", "GET", "/api/v1/treatments", plebToken, "", 403},
			{"non-staff on recorders", "GET", "/api/v1/recorders", plebToken, "", 403},
			{"non-staff creates a recorder", "POST", "/api/v1/recorders", plebToken, `{"name":"X"}`, 403},
			{"non-staff deletes a recorder", "DELETE", fmt.Sprintf("/api/v1/recorders/%d", recA), plebToken, "", 403},
			{"non-staff on users", "GET", "/api/v1/users", plebToken, "", 403},
			{"non-staff on jobs", "GET", "/api/v1/jobs", plebToken, "", 403},
			{"malformed JSON", "POST", "/api/v1/recorders", bossToken, `{"name": "X",`, 400},
			{"not an object", "POST", "/api/v1/recorders", bossToken, `[1,2]`, 400},
			{"two objects", "POST", "/api/v1/recorders", bossToken, `{} {}`, 400},
			{"huge body", "POST", "/api/v1/recorders", bossToken, big, 413},
			{"huge PATCH", "PATCH", fmt.Sprintf("/api/v1/recorders/%d", recA), bossToken, big, 413},
			{"unknown field", "POST", "/api/v1/recorders", bossToken, `{"name":"X","is_superuser":true}`, 400},
			{"unknown field on PATCH", "PATCH", fmt.Sprintf("/api/v1/recorders/%d", recA), bossToken, `{"salt":"x","id":1,"evil":1}`, 400},
			{"wrong types", "PATCH", fmt.Sprintf("/api/v1/recorders/%d", recA), bossToken, `{"name": 12}`, 400},
			{"path escape in directory", "PATCH", fmt.Sprintf("/api/v1/recorders/%d", recA), bossToken, `{"directory": "../../etc"}`, 400},
			{"absolute directory", "POST", "/api/v1/recorders", bossToken,
				fmt.Sprintf(`{"name":"Evil","address_ip":"10.6.6.6","directory":"/tmp","type":%d}`, typeID), 400},
			{"recorder id not a number", "GET", "/api/v1/recorders/1%20OR%201=1", bossToken, "", 404},
			{"negative page", "GET", "/api/v1/treatments?page=-1", bossToken, "", 0},
			{"huge page", "GET", "/api/v1/treatments?page=99999999999999999999999", bossToken, "", 0},
			{"page not a number", "GET", "/api/v1/treatments?page=1%3BDROP%20TABLE%20users", bossToken, "", 0},
			{"filter not a number", "GET", "/api/v1/treatments?recorder=1%20OR%201=1", bossToken, "", 400},
			{"state filter SQL", "GET", "/api/v1/treatments?state=" + url.QueryEscape("' OR 1=1--"), bossToken, "", 400},
			{"wrong method", "PUT", "/api/v1/recorders", bossToken, `{}`, 405},
			{"wrong method on one", "POST", fmt.Sprintf("/api/v1/recorders/%d", recA), bossToken, `{}`, 405},
			{"unknown route", "GET", "/api/v1/recorders/%2e%2e%2f%2e%2e%2fusers", bossToken, "", 404},
		}
		for _, row := range rows {
			t.Run(row.name, func(t *testing.T) {
				before := h.snapshot()
				var body io.Reader
				if row.body != "" {
					body = strings.NewReader(row.body)
				}
				req, _ := http.NewRequest(row.method, s.url+row.path, body)
				if row.token != "" {
					req.Header.Set("Authorization", "Token "+row.token)
				}
				if row.body != "" {
					req.Header.Set("Content-Type", "application/json")
				}
				st, text, _ := h.send(req)
				if row.want == 0 {
					h.refused(t, row.method+" "+row.path, st, text)
				} else {
					h.refused(t, row.method+" "+row.path, st, text, row.want)
				}
				if !json.Valid([]byte(text)) && st != http.StatusMovedPermanently {
					t.Errorf("%s %s: the answer is not JSON: %q", row.method, row.path, text)
				}
				h.unchanged(t, before)
			})
		}
		// A search with SQL in it is a search: it finds nothing.
		for _, q := range []string{"' OR 1=1--", `" OR ""="`, "%", "_", "lecture' UNION SELECT * FROM users--"} {
			before := h.snapshot()
			st, text := s.get(t, "/api/v1/treatments?search="+url.QueryEscape(q), bossToken)
			var page struct{ Count int }
			if st != http.StatusOK || json.Unmarshal([]byte(text), &page) != nil || page.Count != 0 {
				t.Errorf("search %q: %d %s, want 200 and nothing found", q, st, text)
			}
			h.unchanged(t, before)
		}
	})

	t.Run("uploads", func(t *testing.T) {
		rows := []struct {
			name, token, recorder, filename string
			size                            int
			want                            int
		}{
			{"over RECORDING_FILE_MAX_SIZE", bossToken, fmt.Sprint(recA), "big.mp4", maxSize + 1, 413},
			{"far over RECORDING_FILE_MAX_SIZE", bossToken, fmt.Sprint(recA), "big.mp4", 3 * maxSize << 3, 413},
			{"wrong extension", bossToken, fmt.Sprint(recA), "evil.exe", 100, 400},
			{"no extension", bossToken, fmt.Sprint(recA), "evil", 100, 400},
			{"no recorder", bossToken, "", "ok.mp4", 100, 400},
			{"recorder not a number", bossToken, "1 OR 1=1", "ok.mp4", 100, 400},
			{"unknown recorder", bossToken, "99999", "ok.mp4", 100, 400},
			{"dot-dot name", bossToken, fmt.Sprint(recA), "../../../../x.mp4", 100, 0},
			{"non-UTF-8 name", bossToken, fmt.Sprint(recA), "caf\xe9\xff.mp4", 100, -1},
			{"NUL in the name", bossToken, fmt.Sprint(recA), "nul\x00byte.mp4", 100, -1},
			{"5000-byte name", bossToken, fmt.Sprint(recA), strings.Repeat("n", 5000) + ".mp4", 100, -1},
			{"only dots", bossToken, fmt.Sprint(recA), "...", 100, 400},
			{"no token", "", fmt.Sprint(recA), "ok.mp4", 100, 401},
			{"bad token", "bad", fmt.Sprint(recA), "ok.mp4", 100, 401},
			{"non-staff", plebToken, fmt.Sprint(recA), "ok.mp4", 100, 403},
		}
		for _, row := range rows {
			t.Run(row.name, func(t *testing.T) {
				before := h.snapshot()
				st, body := h.upload(row.token, row.recorder, row.filename, row.size)
				if row.want == -1 && st == http.StatusCreated {
					return // stored under a cleaned name: the final check looks at every name
				}
				if row.want == 0 && st == http.StatusCreated {
					// A cleaned name is fine, as long as it lands in the recorder's directory.
					if _, err := os.Stat(filepath.Join(c.dataDir, "recorders", "amphi-a", "x.mp4")); err != nil {
						t.Errorf("%q accepted but not stored as x.mp4 in the recorder's directory: %s", row.filename, body)
					}
					return
				}
				if row.want <= 0 {
					h.refused(t, "upload", st, body)
				} else {
					h.refused(t, "upload", st, body, row.want)
				}
				h.unchanged(t, before)
			})
		}

		tus := func(method, path, token string, hdr map[string]string, body []byte) (int, string, http.Header) {
			req, _ := http.NewRequest(method, s.url+path, bytes.NewReader(body))
			req.Header.Set("Tus-Resumable", "1.0.0")
			if token != "" {
				req.Header.Set("Authorization", "Token "+token)
			}
			for k, v := range hdr {
				req.Header.Set(k, v)
			}
			return h.send(req)
		}
		meta := func(name, recorder string) string {
			return "filename " + base64.StdEncoding.EncodeToString([]byte(name)) + ",recorder " + base64.StdEncoding.EncodeToString([]byte(recorder))
		}
		tusRows := []struct {
			name, token string
			hdr         map[string]string
			want        int
		}{
			{"tus without token", "", map[string]string{"Upload-Length": "100", "Upload-Metadata": meta("a.mp4", fmt.Sprint(recA))}, 401},
			{"tus bad token", "bad", map[string]string{"Upload-Length": "100", "Upload-Metadata": meta("a.mp4", fmt.Sprint(recA))}, 401},
			{"tus non-staff", plebToken, map[string]string{"Upload-Length": "100", "Upload-Metadata": meta("a.mp4", fmt.Sprint(recA))}, 403},
			{"tus over the size", bossToken, map[string]string{"Upload-Length": strconv.Itoa(maxSize + 1), "Upload-Metadata": meta("a.mp4", fmt.Sprint(recA))}, 413},
			{"tus wrong extension", bossToken, map[string]string{"Upload-Length": "100", "Upload-Metadata": meta("a.sh", fmt.Sprint(recA))}, 400},
			{"tus no recorder", bossToken, map[string]string{"Upload-Length": "100", "Upload-Metadata": "filename " + base64.StdEncoding.EncodeToString([]byte("a.mp4"))}, 400},
			{"tus bad metadata", bossToken, map[string]string{"Upload-Length": "100", "Upload-Metadata": "filename !!!notbase64"}, 400},
		}
		for _, row := range tusRows {
			t.Run(row.name, func(t *testing.T) {
				before := h.snapshot()
				st, body, _ := tus(http.MethodPost, "/api/v1/uploads/", row.token, row.hdr, nil)
				h.refused(t, "tus POST", st, body, row.want)
				h.unchanged(t, before)
			})
		}
		t.Run("tus offset mismatch", func(t *testing.T) {
			st, body, hdr := tus(http.MethodPost, "/api/v1/uploads/", bossToken,
				map[string]string{"Upload-Length": "100", "Upload-Metadata": meta("resumed.mp4", fmt.Sprint(recA))}, nil)
			if st != http.StatusCreated {
				t.Fatalf("tus create: %d %s", st, body)
			}
			loc, err := url.Parse(hdr.Get("Location"))
			if err != nil {
				t.Fatal(err)
			}
			before := h.snapshot()
			for _, off := range []string{"10", "-1", "abc", "99999999999999999999"} {
				st, body, _ = tus(http.MethodPatch, loc.Path, bossToken,
					map[string]string{"Upload-Offset": off, "Content-Type": "application/offset+octet-stream"}, make([]byte, 10))
				h.refused(t, "tus PATCH offset "+off, st, body)
			}
			st, body, _ = tus(http.MethodPatch, loc.Path, "", map[string]string{"Upload-Offset": "0", "Content-Type": "application/offset+octet-stream"}, make([]byte, 10))
			h.refused(t, "tus PATCH without token", st, body, 401)
			st, body, _ = tus(http.MethodPatch, loc.Path, plebToken, map[string]string{"Upload-Offset": "0", "Content-Type": "application/offset+octet-stream"}, make([]byte, 10))
			h.refused(t, "tus PATCH non-staff", st, body, 403)
			st, body, _ = tus(http.MethodPatch, "/api/v1/uploads/..%2f..%2fetc", bossToken, map[string]string{"Upload-Offset": "0", "Content-Type": "application/offset+octet-stream"}, make([]byte, 10))
			h.refused(t, "tus PATCH bad id", st, body)
			h.unchanged(t, before)
		})
	})

	t.Run("FTP", func(t *testing.T) {
		addr := s.app.ftpAddr
		t.Run("before login", func(t *testing.T) {
			before := h.snapshot()
			f := dialRawFTP(t, addr, "")
			for _, cmd := range []string{"STOR x.mp4", "LIST", "CWD /", "PASV", "EPSV", "RETR x.mp4", "DELE x.mp4", "MKD x", "RNFR x", "PWD", "SIZE x"} {
				f.want(t, cmd, 530)
			}
			f.want(t, "USER amphia", 331)
			f.want(t, "STOR x.mp4", 530) // between USER and PASS
			f.close()
			h.unchanged(t, before)
		})
		t.Run("path escapes", func(t *testing.T) {
			before := h.snapshot()
			f := dialRawFTP(t, addr, "")
			f.login(t, "amphia", "ftp-secret")
			f.want(t, "CWD ..", 550)
			f.want(t, "CWD ../amphi-b", 550)
			f.want(t, "CWD /../../etc", 550)
			f.want(t, "CDUP", 550)
			f.want(t, "MKD ../x", 550)
			f.want(t, "MKD /../x", 550)
			f.want(t, "RMD ../amphi-b", 550)
			f.want(t, "DELE ../amphi-b/other.mp4", 550)
			f.want(t, "RNFR ../amphi-b/other.mp4", 550)
			f.want(t, "RNFR lecture.mp4", 350)
			f.want(t, "RNTO ../stolen.mp4", 550)
			f.want(t, "RNFR lecture.mp4", 350)
			f.want(t, "RNTO /../../stolen.mp4", 550)
			f.want(t, "SIZE ../amphi-b/other.mp4", 550)
			f.want(t, "LIST ../", 550)
			f.want(t, "STAT ../amphi-b", 550)
			for _, name := range []string{"../x.mp4", "/../x.mp4", "../../../../etc/x.mp4", "sub/../../x.mp4"} {
				f.stor(t, name, 550)
			}
			// An absolute path is the recorder's own directory as /.
			f.stor(t, "/etc/x.mp4", 550) // no such folder inside the jail
			f.want(t, "PWD", 257)
			f.close()
			if _, err := os.Stat("/etc/x.mp4"); err == nil {
				t.Error("/etc/x.mp4 was written")
			}
			h.unchanged(t, before)
		})
		t.Run("hostile names", func(t *testing.T) {
			before := h.snapshot()
			f := dialRawFTP(t, addr, "")
			f.login(t, "amphia", "ftp-secret")
			f.stor(t, strings.Repeat("n", 5000)+".mp4", 553)
			f.stor(t, "caf\xe9\xff.mp4", 553)
			f.stor(t, "nul\x00byte.mp4", 553)
			f.want(t, "MKD "+strings.Repeat("d", 5000), 553)
			f.want(t, "MKD bad\xffdir", 553)
			f.close()
			h.unchanged(t, before)
		})
		t.Run("newline in a name", func(t *testing.T) {
			before := h.snapshot()
			f := dialRawFTP(t, addr, "")
			f.login(t, "amphia", "ftp-secret")
			// A name cannot hold a line feed: the command line ends there
			// (RFC 959's Telnet end of line, bare LF accepted as most
			// servers do), and what follows is another command, checked
			// like any other.
			f.raw(t, "STOR x\n.mp4\r\n", 425, 500)
			f.raw(t, "RNFR lecture.mp4\nRNTO ../../escaped.mp4\r\n", 350, 550)
			f.raw(t, "MKD \r../x\r\n", 553)
			f.close()
			h.unchanged(t, before)
		})
		t.Run("stolen PASV data connection", func(t *testing.T) {
			before := h.snapshot()
			f := dialRawFTP(t, addr, "")
			f.login(t, "amphia", "ftp-secret")
			port := f.pasv(t)
			thief, err := (&net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP("127.0.0.2")}, Timeout: 5 * time.Second}).
				Dial("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
			if err != nil {
				t.Fatalf("the thief cannot connect: %v", err)
			}
			f.send(t, "STOR stolen.mp4")
			thief.SetDeadline(time.Now().Add(5 * time.Second))
			thief.Write(make([]byte, 4096))
			thief.Close()
			code, msg := f.readUntilFinal(t)
			if code < 400 {
				t.Errorf("STOR over a data connection from another address: %d %s, want a refusal", code, msg)
			}
			f.want(t, "NOOP", 200)
			f.close()
			if _, err := os.Stat(filepath.Join(c.dataDir, "recorders", "amphi-a", "stolen.mp4")); err == nil {
				t.Error("stolen.mp4 was written from another address's data connection")
			}
			h.unchanged(t, before)
		})
		t.Run("wrong password, throttled", func(t *testing.T) {
			before := h.snapshot()
			// From an address of its own: the throttle blocks by address.
			failures := 0
			for ; failures < 10; failures++ {
				f := dialRawFTP(t, addr, "127.0.0.3")
				code, msg := f.cmd(t, "USER amphia")
				if code == 421 {
					if !strings.Contains(msg, "Too many failed logins") {
						t.Errorf("blocked with %q, want a reason", msg)
					}
					f.close()
					break
				}
				if code != 331 {
					t.Fatalf("USER: %d %s", code, msg)
				}
				if code, msg := f.cmd(t, "PASS wrong-"+strconv.Itoa(failures)); code != 530 || msg == "" {
					t.Errorf("wrong password %d: %d %q, want 530 with text", failures, code, msg)
				}
				f.close()
			}
			if failures > 5 {
				t.Errorf("%d failed logins before the address is blocked", failures)
			}
			// Blocked, even with the right password.
			f := dialRawFTP(t, addr, "127.0.0.3")
			if code, msg := f.cmd(t, "USER amphia"); code != 421 {
				t.Errorf("after %d failures: USER %d %s, want 421", failures, code, msg)
			}
			f.close()
			// Other addresses are not.
			f = dialRawFTP(t, addr, "127.0.0.4")
			f.login(t, "amphia", "ftp-secret")
			f.close()
			h.unchanged(t, before)
		})
	})

	t.Run("audiovideocast ZIP with ../", func(t *testing.T) {
		var buf bytes.Buffer
		zw := zip.NewWriter(&buf)
		for name, body := range map[string]string{
			"cours/cours.smil":     `<smil><body><par><video src="cours.mp4"/><img src="../../../../escaped.jpg" begin="0"/></par></body></smil>`,
			"cours/cours.mp4":      "not really media",
			"../../../escaped.jpg": "\xff\xd8\xff\xe0 jpeg",
		} {
			w, _ := zw.Create(name)
			w.Write([]byte(body))
		}
		zw.Close()
		st, body := h.uploadBytes(bossToken, fmt.Sprint(recAVC), "slides.zip", buf.Bytes())
		if st != http.StatusCreated {
			t.Fatalf("upload of the ZIP: %d %s", st, body)
		}
		deadline := time.Now().Add(20 * time.Second)
		var comment string
		for {
			err := db.QueryRow("SELECT comment FROM recordings WHERE recorder_id = ?", recAVC).Scan(&comment)
			if err == nil && strings.Contains(comment, "..") {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("the recording's log does not say why the ZIP was refused: %q (%v)\nlog:\n%s", comment, err, s.log)
			}
			time.Sleep(50 * time.Millisecond)
		}
		t.Logf("recording log: %s", comment)
		var slides int
		if err := db.QueryRow("SELECT count(*) FROM enrichments").Scan(&slides); err != nil || slides != 0 {
			t.Errorf("%d slides stored (%v)", slides, err)
		}
		// Nothing anywhere under DATA_DIR, or above it, named escaped.jpg.
		for _, dir := range []string{filepath.Dir(c.dataDir), c.dataDir} {
			filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
				if err == nil && d.Name() == "escaped.jpg" {
					t.Errorf("a ZIP entry was written at %s", p)
				}
				return nil
			})
		}
		if _, err := os.Stat(filepath.Join(c.dataDir, "recorders", "avc", "slides.zip")); err != nil {
			t.Errorf("the refused ZIP is not kept where it was: %v", err)
		}
	})

	t.Run("every POST route needs CSRF", func(t *testing.T) {
		src, err := os.ReadFile(filepath.Join("..", "..", "web", "routes.go"))
		if err != nil {
			t.Fatal(err)
		}
		var paths []string
		for _, m := range regexp.MustCompile(`"POST (/[^"]*)"`).FindAllStringSubmatch(string(src), -1) {
			paths = append(paths, m[1])
		}
		for _, m := range regexp.MustCompile(`"(/[^"]*\{\$\})"`).FindAllStringSubmatch(string(src), -1) {
			if strings.Contains(string(src), `"POST "+path`) && strings.Contains(m[1], "add") && strings.HasPrefix(m[1], "/") &&
				!strings.HasPrefix(m[1], "/admin/") {
				paths = append(paths, m[1]) // the add form's paths, registered in a loop
			}
		}
		if len(paths) < 20 {
			t.Fatalf("only %d POST routes found in web/routes.go: %v", len(paths), paths)
		}
		var jobID, videoID, messageID, groupID int64
		db.QueryRow("SELECT id FROM river_job ORDER BY id LIMIT 1").Scan(&jobID)
		db.QueryRow("SELECT id FROM videos ORDER BY id LIMIT 1").Scan(&videoID)
		db.QueryRow("SELECT id FROM messages ORDER BY id LIMIT 1").Scan(&messageID)
		db.QueryRow("SELECT id FROM groups ORDER BY id LIMIT 1").Scan(&groupID)
		var plebID int64
		db.QueryRow("SELECT id FROM users WHERE username = 'pleb'").Scan(&plebID)
		ids := map[string]int64{"/admin/recorders/": recA, "/admin/types/": typeID, "/admin/users/": plebID,
			"/admin/groups/": groupID, "/admin/outbox/": messageID, "/admin/jobs/": jobID, "/admin/videos/": videoID,
			"/video/": videoID, "/record/delete_record/": 1}
		for _, p := range paths {
			target := strings.ReplaceAll(p, "{$}", "")
			if strings.Contains(target, "{") {
				var id int64
				for prefix, v := range ids {
					if strings.HasPrefix(target, prefix) {
						id = v
					}
				}
				if id == 0 {
					id = 1 // nothing of that kind exists: the CSRF check comes first anyway
				}
				target = regexp.MustCompile(`\{[a-z]+\}`).ReplaceAllString(target, fmt.Sprint(id))
			}
			if strings.HasPrefix(target, "/mediacourses_add/") || strings.HasPrefix(target, "/record/add_recording/") {
				target += "?" + url.Values{"mediapath": {depositA}, "recorder": {fmt.Sprint(recA)}}.Encode()
			}
			t.Run(target, func(t *testing.T) {
				before := h.snapshot()
				form := url.Values{"title": {"x"}, "name": {"x"}, "username": {"boss"}, "password": {"pw-boss"},
					"language": {"fr"}, "source_file": {depositA}, "delete": {"1"}}
				resp, body := boss.do(http.MethodPost, s.url+target, form)
				if resp.StatusCode != http.StatusForbidden {
					t.Errorf("POST %s without a CSRF token: %d, want 403", target, resp.StatusCode)
				} else {
					h.refused(t, "POST "+target, resp.StatusCode, body, http.StatusForbidden)
				}
				h.unchanged(t, before)
			})
		}
		// Still logged in: the logout without a token did nothing.
		if resp, _ := boss.do(http.MethodGet, s.url+"/admin/", nil); resp.Request.URL.Path != "/admin/" {
			t.Errorf("the superuser was logged out by a POST without a CSRF token")
		}
	})

	t.Run("script in a title", func(t *testing.T) {
		const evil = `<script>alert(1)</script>`
		target := s.url + "/mediacourses_add/?" + url.Values{"mediapath": {depositA}, "recorder": {fmt.Sprint(recA)}, "course_title": {evil}}.Encode()
		resp, page := staffy.do(http.MethodGet, target, nil)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("add form: %d", resp.StatusCode)
		}
		noScript(t, "the add form (GET)", page)
		// Echoed back with an error.
		resp, page = staffy.do(http.MethodPost, target, url.Values{"csrf_token": {csrfToken(t, page)}, "title": {evil}, "source_file": {"/etc/passwd"}})
		if resp.StatusCode < 400 {
			t.Errorf("a bad source was accepted: %d", resp.StatusCode)
		}
		noScript(t, "the add form (POST with an error)", page)
		_, page = staffy.do(http.MethodGet, target, nil)
		resp, page = staffy.do(http.MethodPost, target, url.Values{"csrf_token": {csrfToken(t, page)}, "title": {evil}, "source_file": {depositA}})
		if resp.Request.URL.Path != "/" {
			t.Fatalf("publishing with a script in the title: %d at %s\n%s", resp.StatusCode, resp.Request.URL, page)
		}
		noScript(t, "the dashboard", page)
		var videoID int64
		deadline := time.Now().Add(20 * time.Second)
		for db.QueryRow("SELECT v.id FROM videos v JOIN recordings r ON v.recording_id = r.id WHERE r.title = ?", evil).Scan(&videoID) != nil {
			if time.Now().After(deadline) {
				t.Fatalf("no video for the recording\nlog:\n%s", s.log)
			}
			time.Sleep(50 * time.Millisecond)
		}
		for _, p := range []struct {
			b    *browser
			path string
		}{
			{staffy, "/"}, {staffy, fmt.Sprintf("/video/%d/", videoID)}, {boss, fmt.Sprintf("/video/%d/", videoID)},
			{boss, "/admin/recordings/"}, {boss, "/admin/videos/"}, {boss, "/admin/treatments/"}, {boss, "/admin/jobs/"},
			{boss, "/admin/recording-files/"}, {boss, "/admin/outbox/"},
		} {
			resp, page := p.b.do(http.MethodGet, s.url+p.path, nil)
			if resp.StatusCode != http.StatusOK {
				t.Errorf("GET %s: %d", p.path, resp.StatusCode)
			}
			if !strings.Contains(page, "&lt;script&gt;alert(1)") && p.path != "/admin/recording-files/" &&
				p.path != "/admin/outbox/" && p.path != "/admin/treatments/" && p.path != "/admin/jobs/" {
				t.Errorf("GET %s does not show the title, escaped", p.path)
			}
			noScript(t, p.path, page)
		}
		var recordingID int64
		db.QueryRow("SELECT id FROM recordings WHERE title = ?", evil).Scan(&recordingID)
		_, page = boss.do(http.MethodGet, s.url+fmt.Sprintf("/admin/recordings/%d/", recordingID), nil)
		noScript(t, "the recording's admin page", page)
		_, page = boss.do(http.MethodGet, s.url+fmt.Sprintf("/video/%d/status.json", videoID), nil)
		noScript(t, "status.json", page)
	})

	// Whatever was accepted has a name every page, link and JSON answer
	// can carry, and nothing was written outside the recorders' and the
	// media's directories (and DATA_DIR's own files).
	filepath.WalkDir(c.dataDir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return nil
		}
		name := d.Name()
		if !utf8.ValidString(name) || strings.ContainsFunc(name, func(r rune) bool { return r < 0x20 || r == 0x7f }) || len(name) > 255 {
			t.Errorf("a file name no client should have made: %q", p)
		}
		return nil
	})
	if entries, err := os.ReadDir(filepath.Dir(c.dataDir)); err != nil || len(entries) != 1 {
		t.Errorf("beside DATA_DIR: %v %v", entries, err)
	}

	// The server's log: no panic, no error but those the rows provoke.
	for _, line := range strings.Split(s.log.String(), "\n") {
		if strings.Contains(strings.ToLower(line), "panic") || (strings.Contains(line, "level=ERROR") && !expectedError(line)) {
			t.Errorf("server log: %s", line)
		}
	}
}

// expectedError tells the error lines the sweep provokes on purpose.
func expectedError(line string) bool {
	for _, s := range []string{} {
		if strings.Contains(line, s) {
			return true
		}
	}
	return false
}

func noScript(tb testing.TB, where, page string) {
	tb.Helper()
	if strings.Contains(page, "<script>alert(1)") {
		tb.Errorf("%s shows the title unescaped", where)
	}
}

// hostile holds what the sweep's rows share.
type hostile struct {
	t  *testing.T
	s  *server
	c  *cli
	db *sql.DB
}

// snapshot is the state a refused request must leave as it was: the files
// under DATA_DIR with their sizes (the SQLite WAL and shared memory
// excluded, and the database file's size), and row counts.
type snapshot struct {
	files map[string]int64
	rows  map[string]int
}

var snapshotTables = []string{"treatments", "recordings", "videos", "messages", "recorders", "users", "recording_files",
	"enrichments", "video_types", "groups", "api_tokens", "sightings"}

func (h *hostile) snapshot() snapshot {
	h.t.Helper()
	h.settle()
	s := snapshot{files: map[string]int64{}, rows: map[string]int{}}
	err := filepath.WalkDir(h.c.dataDir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if os.IsNotExist(err) {
				return nil // gone while walking
			}
			return err
		}
		rel, _ := filepath.Rel(h.c.dataDir, p)
		if strings.HasPrefix(d.Name(), "lectern.db") {
			s.files[rel] = 0
			return nil
		}
		info, err := d.Info()
		if err != nil {
			return nil
		}
		if d.IsDir() {
			s.files[rel+"/"] = 0
		} else {
			s.files[rel] = info.Size()
		}
		return nil
	})
	if err != nil {
		h.t.Fatal(err)
	}
	for _, table := range snapshotTables {
		var n int
		if err := h.db.QueryRow("SELECT count(*) FROM " + table).Scan(&n); err != nil {
			h.t.Fatalf("count %s: %v", table, err)
		}
		s.rows[table] = n
	}
	return s
}

// settle waits, up to 20 s, until no deposit waits for the router: serve
// dispatches new deposits in the background (their mails take ffmpeg a
// moment), and a mail queued after a row's snapshot is not the row's.
func (h *hostile) settle() {
	h.t.Helper()
	states := "'" + strings.Join(lectern.TreatmentRoutingStates, "', '") + "'"
	deadline := time.Now().Add(20 * time.Second)
	for {
		var n int
		if err := h.db.QueryRow("SELECT count(*) FROM treatments WHERE state IN (" + states + ")").Scan(&n); err != nil {
			h.t.Fatalf("count deposits waiting for the router: %v", err)
		}
		if n == 0 || time.Now().After(deadline) {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// unchanged fails the running test when the state is not before's.
func (h *hostile) unchanged(tb testing.TB, before snapshot) {
	tb.Helper()
	after := h.snapshot()
	var diffs []string
	for name, size := range after.files {
		if old, ok := before.files[name]; !ok {
			diffs = append(diffs, fmt.Sprintf("new file %s (%d bytes)", name, size))
		} else if old != size {
			diffs = append(diffs, fmt.Sprintf("%s: %d bytes, was %d", name, size, old))
		}
	}
	for name := range before.files {
		if _, ok := after.files[name]; !ok {
			diffs = append(diffs, "removed "+name)
		}
	}
	for table, n := range after.rows {
		if before.rows[table] != n {
			diffs = append(diffs, fmt.Sprintf("%s: %d rows, was %d", table, n, before.rows[table]))
		}
	}
	sort.Strings(diffs)
	if len(diffs) > 0 {
		tb.Errorf("state changed:\n  %s", strings.Join(diffs, "\n  "))
	}
}

// refused checks a clear HTTP refusal: a 4xx (one of want, when given)
// with a message.
func (h *hostile) refused(tb testing.TB, what string, status int, body string, want ...int) {
	tb.Helper()
	if len(want) > 0 {
		ok := false
		for _, w := range want {
			ok = ok || status == w
		}
		if !ok {
			tb.Errorf("%s: %d, want one of %v; body:\n%.600s", what, status, want, body)
			return
		}
	} else if status < 400 || status >= 500 {
		tb.Errorf("%s: %d, want a 4xx; body:\n%.600s", what, status, body)
		return
	}
	if strings.TrimSpace(body) == "" {
		tb.Errorf("%s: %d with an empty body, want a message", what, status)
	}
}

// send runs req and returns its status, body and header.
func (h *hostile) send(req *http.Request) (int, string, http.Header) {
	h.t.Helper()
	client := &http.Client{Timeout: 20 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Do(req)
	if err != nil {
		h.t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body), resp.Header
}

// upload posts a multipart recording file of size zero bytes.
func (h *hostile) upload(token, recorder, filename string, size int) (int, string) {
	return h.uploadBytes(token, recorder, filename, make([]byte, size))
}

func (h *hostile) uploadBytes(token, recorder, filename string, data []byte) (int, string) {
	h.t.Helper()
	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	go func() {
		if recorder != "" {
			mw.WriteField("recorder", recorder)
		}
		fw, _ := mw.CreateFormFile("file", filename)
		if _, err := fw.Write(data); err != nil {
			pw.CloseWithError(err)
			return
		}
		pw.CloseWithError(mw.Close())
	}()
	req, _ := http.NewRequest(http.MethodPost, h.s.url+"/api/v1/recording-files", pr)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	if token != "" {
		req.Header.Set("Authorization", "Token "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		h.t.Fatalf("upload %s: %v", filename, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	pr.Close()
	return resp.StatusCode, string(body)
}

// login returns a browser logged in as username (password pw-username).
func (h *hostile) login(username string) *browser {
	h.t.Helper()
	b := newBrowser(h.t, h.s.url)
	_, page := b.do(http.MethodGet, h.s.url+"/accounts/login/", nil)
	resp, _ := b.do(http.MethodPost, h.s.url+"/accounts/login/",
		url.Values{"username": {username}, "password": {"pw-" + username}, "csrf_token": {csrfToken(h.t, page)}})
	if strings.Contains(resp.Request.URL.Path, "/accounts/login/") {
		h.t.Fatalf("%s cannot log in", username)
	}
	return b
}

// page fetches a page that must answer 200.
func (h *hostile) page(b *browser, path string) string {
	h.t.Helper()
	resp, page := b.do(http.MethodGet, h.s.url+path, nil)
	if resp.StatusCode != http.StatusOK {
		h.t.Fatalf("GET %s: %d", path, resp.StatusCode)
	}
	return page
}

// rawFTP is an FTP control connection spoken by hand, to send what no
// client library would.
type rawFTP struct {
	nc net.Conn
	tp *textproto.Conn
}

func dialRawFTP(tb testing.TB, addr, localIP string) *rawFTP {
	tb.Helper()
	d := &net.Dialer{Timeout: 5 * time.Second}
	if localIP != "" {
		d.LocalAddr = &net.TCPAddr{IP: net.ParseIP(localIP)}
	}
	nc, err := d.Dial("tcp", addr)
	if err != nil {
		tb.Fatal(err)
	}
	nc.SetDeadline(time.Now().Add(30 * time.Second))
	f := &rawFTP{nc: nc, tp: textproto.NewConn(nc)}
	if code, msg, err := f.tp.ReadResponse(220); err != nil {
		tb.Fatalf("greeting: %d %s %v", code, msg, err)
	}
	return f
}

func (f *rawFTP) send(tb testing.TB, line string) {
	tb.Helper()
	if _, err := f.nc.Write([]byte(line + "\r\n")); err != nil {
		tb.Fatalf("send %q: %v", line, err)
	}
}

// cmd sends one command line and reads its reply.
func (f *rawFTP) cmd(tb testing.TB, line string) (int, string) {
	tb.Helper()
	f.send(tb, line)
	code, msg, err := f.tp.ReadResponse(0)
	if err != nil {
		if _, ok := err.(*textproto.Error); !ok {
			tb.Fatalf("%.60q: %v", line, err)
		}
	}
	return code, msg
}

// want sends a command and checks its reply code and that it has text.
func (f *rawFTP) want(tb testing.TB, line string, code int) {
	tb.Helper()
	got, msg := f.cmd(tb, line)
	if got != code || strings.TrimSpace(msg) == "" {
		tb.Errorf("%.60q: %d %q, want %d with text", line, got, msg, code)
	}
}

// raw sends bytes as they are and wants the replies codes, each with text.
func (f *rawFTP) raw(tb testing.TB, data string, codes ...int) {
	tb.Helper()
	if _, err := f.nc.Write([]byte(data)); err != nil {
		tb.Fatal(err)
	}
	for _, want := range codes {
		code, msg, err := f.tp.ReadResponse(0)
		if err != nil {
			if _, ok := err.(*textproto.Error); !ok {
				tb.Fatalf("reading replies to %q: %v", data, err)
			}
		}
		if code != want || strings.TrimSpace(msg) == "" {
			tb.Errorf("%q: %d %q, want %d with text", data, code, msg, want)
		}
	}
}

func (f *rawFTP) login(tb testing.TB, user, pass string) {
	tb.Helper()
	f.want(tb, "USER "+user, 331)
	f.want(tb, "PASS "+pass, 230)
}

var pasvRE = regexp.MustCompile(`\((\d+),(\d+),(\d+),(\d+),(\d+),(\d+)\)`)

// pasv asks for a passive data port.
func (f *rawFTP) pasv(tb testing.TB) int {
	tb.Helper()
	code, msg := f.cmd(tb, "PASV")
	m := pasvRE.FindStringSubmatch(msg)
	if code != 227 || m == nil {
		tb.Fatalf("PASV: %d %s", code, msg)
	}
	hi, _ := strconv.Atoi(m[5])
	lo, _ := strconv.Atoi(m[6])
	return hi*256 + lo
}

// readUntilFinal reads replies until one that is not 1xx.
func (f *rawFTP) readUntilFinal(tb testing.TB) (int, string) {
	tb.Helper()
	for {
		code, msg, err := f.tp.ReadResponse(0)
		if err != nil {
			if _, ok := err.(*textproto.Error); !ok {
				tb.Fatalf("reading a reply: %v", err)
			}
		}
		if code >= 200 {
			return code, msg
		}
	}
}

// stor uploads a few bytes under name over a passive data connection and
// wants the transfer refused with code (before or after 150).
func (f *rawFTP) stor(tb testing.TB, name string, code int) {
	tb.Helper()
	port := f.pasv(tb)
	data, err := net.DialTimeout("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)), 5*time.Second)
	if err != nil {
		tb.Fatal(err)
	}
	defer data.Close()
	f.send(tb, "STOR "+name)
	got, msg, err := f.tp.ReadResponse(0)
	if err != nil {
		if _, ok := err.(*textproto.Error); !ok {
			tb.Fatalf("STOR %.60q: %v", name, err)
		}
	}
	if got < 200 {
		data.SetDeadline(time.Now().Add(5 * time.Second))
		data.Write([]byte("hostile bytes"))
		data.Close()
		got, msg = f.readUntilFinal(tb)
	}
	if got < 400 || strings.TrimSpace(msg) == "" {
		tb.Errorf("STOR %.60q: %d %q, want a refusal (%d) with text", name, got, msg, code)
	} else if got != code {
		tb.Logf("STOR %.60q: %d %q (expected %d)", name, got, msg, code)
	}
}

func (f *rawFTP) close() {
	f.nc.Write([]byte("QUIT\r\n"))
	f.nc.Close()
}
