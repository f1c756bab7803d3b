package main

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"lectern"
	"lectern/sqldb"
)

// TestHostileAuthz is issue 11's sweep of who manages what: staff upload
// only into the recorders they manage, by multipart and by tus; the API
// shows staff only their recorders' deposits, recordings and settings,
// without what authenticates a recorder; RECORDING_FILE_MAX_SIZE holds
// for tus uploads of deferred length, with or without the
// resumable-uploads draft's headers; and the add form answers the same
// for a path in another recorder whether a file is there or not. Every
// refusal leaves the files under DATA_DIR and the rows as they were.
func TestHostileAuthz(t *testing.T) {
	t.Parallel()
	const maxSize = 200_000
	c := newCLI(t, "LECTERN_RECORDING_FILE_MAX_SIZE="+strconv.Itoa(maxSize), "LECTERN_LANGUAGE_CODE=en",
		"LECTERN_RECORDER_WATCH=false")
	s := startServe(t, c)
	typeID := c.addType(t, "Course")
	c.addUser(t, "boss", "--superuser")
	c.addUser(t, "mgr", "--staff")   // manages A
	c.addUser(t, "other", "--staff") // manages B
	c.addUser(t, "staffy", "--staff")
	token := func(username string) string {
		return strings.TrimSpace(c.mustRun(t, "", "token", "create", "--username", username).stdout)
	}
	bossToken, mgrToken, staffyToken := token("boss"), token("mgr"), token("staffy")
	c.mustRun(t, "ftp-secret\n", "recorder", "add", "--name", "Amphi A", "--ip", "10.0.0.1", "--directory", "amphi-a",
		"--type-id", fmt.Sprint(typeID), "--manager", "mgr", "--salt", "s4lt", "--login", "amphia", "--password-stdin")
	c.mustRun(t, "", "recorder", "add", "--name", "Amphi B", "--ip", "10.0.0.2", "--directory", "amphi-b",
		"--type-id", fmt.Sprint(typeID), "--manager", "other", "--salt", "s4ltb")
	recIDs := map[string]int64{}
	var recs []recorderView
	c.mustJSON(t, &recs, "recorder", "list", "--json")
	for _, r := range recs {
		recIDs[r.Name] = r.ID
	}
	recA, recB := recIDs["Amphi A"], recIDs["Amphi B"]
	db := c.open(t)
	h := &hostile{t: t, s: s, c: c, db: db.SQL()}

	// B's deposit (by its superuser) and A's (by its manager), each made
	// its manager's recording (as the add form would, without starting
	// the processing: the state stays still for the rows to compare).
	if st, body := h.upload(bossToken, fmt.Sprint(recB), "theirs.mp4", 3000); st != http.StatusCreated {
		t.Fatalf("upload into B: %d %s", st, body)
	}
	if st, body := h.upload(mgrToken, fmt.Sprint(recA), "mine.mp4", 3000); st != http.StatusCreated {
		t.Fatalf("the manager's upload into A: %d %s", st, body)
	}
	waitTreatments(t, s, bossToken, "?state=notified", 2)
	recordingService := sqldb.NewRecordingService(db, nil)
	for _, d := range []struct {
		user, dir, file string
		recorder        int64
	}{{"other", "amphi-b", "theirs.mp4", recB}, {"mgr", "amphi-a", "mine.mp4", recA}} {
		path := filepath.Join(c.dataDir, "recorders", d.dir, d.file)
		tr := waitTreatments(t, s, bossToken, "?search="+d.file, 1)[0]
		rc := &lectern.Recording{RecorderID: d.recorder, UserID: userID(t, c, d.user), TreatmentID: &tr.ID, Title: d.file,
			Type: lectern.RecordingTypeVideo, SourceFile: path}
		if err := recordingService.CreateRecording(t.Context(), rc); err != nil {
			t.Fatal(err)
		}
		if err := recordingService.AppendRecordingLog(t.Context(), rc.ID, lectern.NewLogEntry("source_moved", path)); err != nil {
			t.Fatal(err)
		}
	}
	ids := func(path, token string) map[string]int64 { // file name -> id of each row listed
		t.Helper()
		st, body := s.get(t, path, token)
		var page struct {
			Results []map[string]any `json:"results"`
		}
		if st != http.StatusOK || json.Unmarshal([]byte(body), &page) != nil {
			t.Fatalf("GET %s: %d %s", path, st, body)
		}
		out := map[string]int64{}
		for _, r := range page.Results {
			name, _ := r["file"].(string)
			if name == "" {
				name, _ = r["source_file"].(string)
			}
			if name == "" {
				name, _ = r["name"].(string)
			}
			out[filepath.Base(name)] = int64(r["id"].(float64))
		}
		return out
	}
	recordings, treatments, files := ids("/api/v1/recordings", bossToken), ids("/api/v1/treatments", bossToken), ids("/api/v1/recording-files", bossToken)
	if len(recordings) != 2 || len(treatments) != 2 || len(files) != 2 {
		t.Fatalf("recordings %v, treatments %v, recording files %v", recordings, treatments, files)
	}

	t.Run("uploads into a recorder not managed", func(t *testing.T) {
		meta := func(name string, recorder int64) string {
			return "filename " + base64.StdEncoding.EncodeToString([]byte(name)) + ",recorder " +
				base64.StdEncoding.EncodeToString([]byte(fmt.Sprint(recorder)))
		}
		rows := []struct {
			name string
			send func() (int, string)
		}{
			{"staff multipart into another's recorder", func() (int, string) {
				return h.upload(staffyToken, fmt.Sprint(recA), "slipped.mp4", 3000)
			}},
			{"a manager's multipart into another recorder", func() (int, string) {
				return h.upload(mgrToken, fmt.Sprint(recB), "slipped.mp4", 3000)
			}},
			{"staff tus, the file in the creation request", func() (int, string) {
				st, body, _ := h.tus(http.MethodPost, "/api/v1/uploads/", staffyToken, map[string]string{"Upload-Length": "3000",
					"Upload-Metadata": meta("slipped.mp4", recA), "Content-Type": "application/offset+octet-stream"}, make([]byte, 3000))
				return st, body
			}},
			{"staff tus of deferred length", func() (int, string) {
				st, body, _ := h.tus(http.MethodPost, "/api/v1/uploads/", staffyToken, map[string]string{"Upload-Defer-Length": "1",
					"Upload-Metadata": meta("slipped.mp4", recA)}, nil)
				return st, body
			}},
		}
		for _, row := range rows {
			t.Run(row.name, func(t *testing.T) {
				before := h.snapshot()
				st, body := row.send()
				h.refused(t, row.name, st, body, http.StatusForbidden)
				if !strings.Contains(body, "recorders you manage") {
					t.Errorf("the refusal does not say why: %s", body)
				}
				h.unchanged(t, before)
			})
		}
	})

	t.Run("API shows staff only their recorders", func(t *testing.T) {
		for _, row := range []struct{ name, path string }{
			{"another's treatment", fmt.Sprintf("/api/v1/treatments/%d", treatments["theirs.mp4"])},
			{"another's recording", fmt.Sprintf("/api/v1/recordings/%d", recordings["theirs.mp4"])},
			{"another's recording file", fmt.Sprintf("/api/v1/recording-files/%d", files["theirs.mp4"])},
			{"another's recorder", fmt.Sprintf("/api/v1/recorders/%d", recB)},
		} {
			t.Run(row.name, func(t *testing.T) {
				if st, body := s.get(t, row.path, bossToken); st != http.StatusOK {
					t.Fatalf("superuser GET %s: %d %s", row.path, st, body)
				}
				before := h.snapshot()
				st, body := s.get(t, row.path, mgrToken)
				h.refused(t, "manager of A: GET "+row.path, st, body, http.StatusNotFound)
				st, body = s.get(t, row.path, staffyToken)
				h.refused(t, "staff: GET "+row.path, st, body, http.StatusNotFound)
				h.unchanged(t, before)
			})
		}
		t.Run("lists", func(t *testing.T) {
			for _, path := range []string{"/api/v1/treatments", "/api/v1/recordings", "/api/v1/recording-files", "/api/v1/recorders"} {
				mine := "mine.mp4"
				if path == "/api/v1/recorders" {
					mine = "Amphi A"
				}
				if got := ids(path, mgrToken); len(got) != 1 || got[mine] == 0 {
					t.Errorf("manager of A: %s lists %v, want only %s", path, got, mine)
				}
				if got := ids(path, staffyToken); len(got) != 0 {
					t.Errorf("staff: %s lists %v, want nothing", path, got)
				}
			}
		})
		t.Run("recorder fields and host paths hidden", func(t *testing.T) {
			st, body := s.get(t, fmt.Sprintf("/api/v1/recorders/%d", recA), mgrToken)
			var rec map[string]any
			if st != http.StatusOK || json.Unmarshal([]byte(body), &rec) != nil {
				t.Fatalf("manager GET their recorder: %d %s", st, body)
			}
			for _, k := range []string{"address_ip", "credentials_login", "salt"} {
				if _, ok := rec[k]; ok {
					t.Errorf("the manager sees %s: %s", k, body)
				}
			}
			for _, path := range []string{"/api/v1/treatments", "/api/v1/recordings", "/api/v1/recording-files"} {
				if _, body := s.get(t, path, mgrToken); strings.Contains(body, c.dataDir) {
					t.Errorf("%s shows the manager the host's folders: %s", path, body)
				}
			}
			if _, body := s.get(t, "/api/v1/recordings", mgrToken); strings.Contains(body, `"comment":"2`) {
				t.Errorf("the manager sees the recording's log: %s", body)
			}
		})
	})

	t.Run("tus over RECORDING_FILE_MAX_SIZE with a deferred length", func(t *testing.T) {
		meta := "filename " + base64.StdEncoding.EncodeToString([]byte("big.mp4")) + ",recorder " +
			base64.StdEncoding.EncodeToString([]byte(fmt.Sprint(recA)))
		for _, row := range []struct {
			name   string
			header map[string]string
		}{
			{"Upload-Defer-Length", nil},
			{"draft interop headers", map[string]string{"Upload-Draft-Interop-Version": "6", "Upload-Complete": "?1"}},
		} {
			t.Run(row.name, func(t *testing.T) {
				st, body, hdr := h.tus(http.MethodPost, "/api/v1/uploads/", mgrToken,
					map[string]string{"Upload-Defer-Length": "1", "Upload-Metadata": meta}, nil)
				if st != http.StatusCreated {
					t.Fatalf("tus create: %d %s", st, body)
				}
				loc, _ := url.Parse(hdr.Get("Location"))
				before := h.snapshot()
				patch := map[string]string{"Upload-Offset": "0", "Content-Type": "application/offset+octet-stream"}
				for k, v := range row.header {
					patch[k] = v
				}
				st, body, _ = h.tus(http.MethodPatch, loc.Path, mgrToken, patch, make([]byte, 2*maxSize))
				h.refused(t, "tus PATCH over the limit", st, body, http.StatusRequestEntityTooLarge)
				h.unchanged(t, before)
				if st, body, _ := h.tus(http.MethodDelete, loc.Path, mgrToken, nil, nil); st != http.StatusNoContent {
					t.Errorf("tus DELETE: %d %s", st, body)
				}
			})
		}
	})

	t.Run("add form: not yours answers as does not exist", func(t *testing.T) {
		dirB := filepath.Join(c.dataDir, "recorders", "amphi-b")
		if err := os.WriteFile(filepath.Join(dirB, "plain.mp4"), make([]byte, 100), 0o640); err != nil {
			t.Fatal(err)
		}
		mgr := h.login("mgr")
		addURL := func(mediapath string, recorder int64) string {
			return s.url + "/record/add_recording/?" + url.Values{"mediapath": {mediapath}, "recorder": {fmt.Sprint(recorder)}}.Encode()
		}
		norm := func(page, path string) string {
			for _, p := range []string{url.QueryEscape(path), url.PathEscape(path), path, filepath.Base(path)} {
				page = strings.ReplaceAll(page, p, "PATH")
			}
			return csrfRE.ReplaceAllString(page, "TOKEN")
		}
		for _, row := range []struct{ name, exists, missing string }{
			{"absolute path of a file in B", filepath.Join(dirB, "plain.mp4"), filepath.Join(dirB, "nothere.mp4")},
			{"absolute path of B's deposit", filepath.Join(dirB, "theirs.mp4"), filepath.Join(dirB, "nothere.mp4")},
			{"path relative to the root", "amphi-b/plain.mp4", "amphi-b/nothere.mp4"},
		} {
			for _, method := range []string{http.MethodGet, http.MethodPost} {
				t.Run(row.name+" "+method, func(t *testing.T) {
					before := h.snapshot()
					answer := func(mediapath string) (int, string) {
						target := addURL(mediapath, recA)
						if method == http.MethodGet {
							resp, page := mgr.do(method, target, nil)
							return resp.StatusCode, norm(page, mediapath)
						}
						_, page := mgr.do(http.MethodGet, addURL("mine.mp4", recA), nil)
						resp, page := mgr.do(method, target, url.Values{"csrf_token": {csrfToken(t, page)}, "title": {"x"}, "source_file": {mediapath}})
						return resp.StatusCode, norm(page, mediapath)
					}
					st1, page1 := answer(row.exists)
					st2, page2 := answer(row.missing)
					if st1 != st2 || page1 != page2 {
						i := 0
						for i < len(page1) && i < len(page2) && page1[i] == page2[i] {
							i++
						}
						t.Errorf("%s tells a file from none: %d and %d, answers differ at byte %d:\n  exists:  %.200q\n  missing: %.200q",
							method, st1, st2, i, page1[max(0, i-60):], page2[max(0, i-60):])
					}
					h.unchanged(t, before)
				})
			}
		}
	})

	for _, line := range strings.Split(s.log.String(), "\n") {
		if strings.Contains(strings.ToLower(line), "panic") {
			t.Errorf("server log: %s", line)
		}
	}
}

// tus sends one tus request with the API token, and the headers hdr.
func (h *hostile) tus(method, path, token string, hdr map[string]string, body []byte) (int, string, http.Header) {
	req, _ := http.NewRequest(method, h.s.url+path, bytes.NewReader(body))
	req.Header.Set("Tus-Resumable", "1.0.0")
	req.Header.Set("Authorization", "Token "+token)
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	return h.send(req)
}
