package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"lectern"
	"lectern/sqldb"
)

// TestHostileVideos is issue 14's sweep of editing and deleting videos,
// on the web and through the API, against a real serve: only a video's
// managers (owner, co-owners, superusers: lectern.Video.ManagedBy) change
// or delete it; the forms need their CSRF token; bad input is a clear 400
// naming the field. Every refusal leaves the video's row, its links, its
// files and every other row as they were.
func TestHostileVideos(t *testing.T) {
	t.Parallel()
	c := newCLI(t, "LECTERN_LANGUAGE_CODE=en", "LECTERN_RECORDER_WATCH=false")
	s := startServe(t, c)
	typeID := c.addType(t, "Course")
	for _, u := range []struct{ name, flag string }{{"boss", "--superuser"}, {"owner", ""}, {"coowner", ""},
		{"staffy", "--staff"}, {"pleb", ""}} {
		if u.flag == "" {
			c.addUser(t, u.name)
		} else {
			c.addUser(t, u.name, u.flag)
		}
	}
	token := func(username string) string {
		return strings.TrimSpace(c.mustRun(t, "", "token", "create", "--username", username).stdout)
	}
	ownerTok, staffyTok, plebTok := token("owner"), token("staffy"), token("pleb")
	db := c.open(t)
	h := &hostile{t: t, s: s, c: c, db: db.SQL()}
	videos := sqldb.NewVideoService(db, nil)
	v := &lectern.Video{Title: "Optique", Slug: "optique", OwnerID: userID(t, c, "owner"), TypeID: typeID,
		AdditionalOwners: []int64{userID(t, c, "coowner")}, IsDraft: false, EncodingState: lectern.EncodingDone}
	if err := videos.CreateVideo(t.Context(), v); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(c.dataDir, "media", "videos", fmt.Sprint(v.ID))
	if err := os.MkdirAll(filepath.Join(dir, "hls"), 0o750); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"360p.mp4", "hls/master.m3u8", "source.mp4"} {
		if err := os.WriteFile(filepath.Join(dir, f), []byte("media"), 0o640); err != nil {
			t.Fatal(err)
		}
	}
	// row is the video as stored, links included: a refused change
	// leaves it as it was, which the row counts of unchanged miss.
	row := func() string {
		got, err := videos.FindVideoByID(t.Context(), v.ID)
		if err != nil {
			return "gone: " + err.Error()
		}
		got.DateUpdated = got.DateAdded
		b, _ := json.Marshal(got)
		return string(b) + got.PasswordHash
	}
	edit, del := fmt.Sprintf("%s/video/%d/edit/", s.url, v.ID), fmt.Sprintf("%s/video/%d/delete/", s.url, v.ID)
	api := fmt.Sprintf("%s/api/v1/videos/%d", s.url, v.ID)
	form := func(b *browser, title string) url.Values {
		_, page := b.do(http.MethodGet, s.url+"/video/my/", nil)
		return url.Values{"csrf_token": {csrfToken(t, page)}, "title": {title}, "type": {fmt.Sprint(typeID)}, "cursus": {"0"}}
	}
	apiCall := func(method, tok string, body any) (int, string) {
		var rd *bytes.Reader
		if s, ok := body.(string); ok {
			rd = bytes.NewReader([]byte(s))
		} else {
			data, _ := json.Marshal(body)
			rd = bytes.NewReader(data)
		}
		req, _ := http.NewRequest(method, api, rd)
		req.Header.Set("Content-Type", "application/json")
		if tok != "" {
			req.Header.Set("Authorization", "Token "+tok)
		}
		st, text, _ := h.send(req)
		return st, text
	}
	owner, staffy, pleb := h.login("owner"), h.login("staffy"), h.login("pleb")

	rows := []struct {
		name string
		do   func() (int, string)
		want []int
	}{
		{"staff who does not manage it posts the edit form", func() (int, string) {
			resp, body := staffy.do(http.MethodPost, edit, form(staffy, "Taken over"))
			return resp.StatusCode, body
		}, []int{http.StatusForbidden}},
		{"a user who may watch it posts the delete form", func() (int, string) {
			resp, body := pleb.do(http.MethodPost, del, form(pleb, ""))
			return resp.StatusCode, body
		}, []int{http.StatusForbidden}},
		{"the owner's edit form without its CSRF token", func() (int, string) {
			f := form(owner, "Forged")
			f.Del("csrf_token")
			resp, body := owner.do(http.MethodPost, edit, f)
			return resp.StatusCode, body
		}, []int{http.StatusForbidden}},
		{"the owner's delete form with another session's CSRF token", func() (int, string) {
			f := form(pleb, "")
			resp, body := owner.do(http.MethodPost, del, f)
			return resp.StatusCode, body
		}, []int{http.StatusForbidden}},
		{"the owner's edit form with an empty title and a bad date", func() (int, string) {
			f := form(owner, " ")
			f.Set("date_evt", "2026-13-45")
			resp, body := owner.do(http.MethodPost, edit, f)
			if !strings.Contains(body, `id="error-title"`) || !strings.Contains(body, `id="error-date_evt"`) {
				t.Errorf("the form does not name the wrong fields")
			}
			return resp.StatusCode, body
		}, []int{http.StatusBadRequest}},
		{"the owner's edit form with 300 KiB of description", func() (int, string) {
			f := form(owner, "Optique")
			f.Set("description", strings.Repeat("é", 150<<10))
			resp, body := owner.do(http.MethodPost, edit, f)
			return resp.StatusCode, body
		}, []int{http.StatusRequestEntityTooLarge}},
		{"the people search for the video's co-owners by someone else", func() (int, string) {
			resp, body := pleb.do(http.MethodGet, fmt.Sprintf("%s/people/search.json?video=%d&q=ow", s.url, v.ID), nil)
			return resp.StatusCode, body
		}, []int{http.StatusForbidden}},
		{"API PATCH by staff who does not manage it", func() (int, string) {
			return apiCall(http.MethodPatch, staffyTok, map[string]any{"additional_owners": []int64{userID(t, c, "staffy")}})
		}, []int{http.StatusForbidden}},
		{"API DELETE by a user who may watch it", func() (int, string) { return apiCall(http.MethodDelete, plebTok, nil) },
			[]int{http.StatusForbidden}},
		{"API PATCH without a token", func() (int, string) { return apiCall(http.MethodPatch, "", map[string]any{"title": "x"}) },
			[]int{http.StatusUnauthorized}},
		{"API PATCH by the owner: an empty title", func() (int, string) {
			return apiCall(http.MethodPatch, ownerTok, map[string]any{"title": "", "tags": "kept?"})
		}, []int{http.StatusBadRequest}},
		{"API PATCH by the owner: a type that does not exist", func() (int, string) {
			return apiCall(http.MethodPatch, ownerTok, map[string]any{"type": 99999, "title": "Renamed"})
		}, []int{http.StatusBadRequest}},
		{"API PATCH by the owner: a co-owner who does not exist", func() (int, string) {
			return apiCall(http.MethodPatch, ownerTok, map[string]any{"additional_owners": []int64{99999}, "title": "Renamed"})
		}, []int{http.StatusBadRequest}},
		{"API PATCH by the owner: the owner itself (read-only)", func() (int, string) {
			return apiCall(http.MethodPatch, ownerTok, map[string]any{"owner": userID(t, c, "pleb"), "title": "Renamed"})
		}, []int{http.StatusBadRequest}},
		{"API PATCH by the owner: a description over 20000 characters", func() (int, string) {
			return apiCall(http.MethodPatch, ownerTok, map[string]any{"description": strings.Repeat("a", 20001)})
		}, []int{http.StatusBadRequest}},
		{"API PATCH by the owner: a title with a NUL byte", func() (int, string) {
			return apiCall(http.MethodPatch, ownerTok, map[string]any{"title": "a\x00b"})
		}, []int{http.StatusBadRequest}},
		{"API DELETE of a path that escapes", func() (int, string) {
			req, _ := http.NewRequest(http.MethodDelete, s.url+"/api/v1/videos/..%2f1", nil)
			req.Header.Set("Authorization", "Token "+ownerTok)
			st, body, _ := h.send(req)
			return st, body
		}, []int{http.StatusNotFound}},
	}
	for _, r := range rows {
		t.Run(r.name, func(t *testing.T) {
			before, stored := h.snapshot(), row()
			st, body := r.do()
			h.refused(t, r.name, st, body, r.want...)
			h.unchanged(t, before)
			if after := row(); after != stored {
				t.Errorf("the video changed:\n%s\nwas\n%s", after, stored)
			}
		})
	}

	// The owner's title is shown escaped; a co-owner deletes it: its row
	// and its files go.
	f := form(owner, "<script>alert(1)</script>")
	f.Set("additional_owners", "coowner")
	if resp, _ := owner.do(http.MethodPost, edit, f); resp.StatusCode != http.StatusOK {
		t.Fatalf("the owner's edit: %d", resp.StatusCode)
	}
	noScript(t, "My videos", h.page(owner, "/video/my/"))
	noScript(t, "the edit page", h.page(owner, fmt.Sprintf("/video/%d/edit/", v.ID)))
	coowner := h.login("coowner")
	_, page := coowner.do(http.MethodGet, del, nil)
	noScript(t, "the delete page", page)
	if resp, _ := coowner.do(http.MethodPost, del, url.Values{"csrf_token": {csrfToken(t, page)}}); resp.Request.URL.Path != "/video/my/" {
		t.Errorf("the co-owner's delete ends on %s", resp.Request.URL.Path)
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("the video's files are still there: %v", err)
	}
	if r := row(); !strings.HasPrefix(r, "gone") {
		t.Errorf("the video is still there: %s", r)
	}
}
