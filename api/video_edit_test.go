package api_test

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"lectern"
	"lectern/api"
	"lectern/password"
)

// setupVideoEdit is setupVideos with MEDIA_ROOT, which DELETE empties.
func setupVideoEdit(t *testing.T) (*videoBundle, string) {
	t.Helper()
	b := setupVideos(t)
	media := t.TempDir()
	mux := http.NewServeMux()
	b.srv = httptest.NewServer(mux)
	t.Cleanup(b.srv.Close)
	mux.Handle("/api/", checked(t, api.New(api.Deps{
		Users: b.users, Groups: b.groups, Types: b.types, Recorders: b.recorders, Tokens: b.tokens, Videos: b.videos,
		Enrichments: b.enrichments, BaseURL: b.srv.URL + "/", MediaRoot: media,
		Logger: slog.New(slog.NewTextHandler(io.MultiWriter(b.log, t.Output()), nil)),
	})))
	return b, media
}

// PATCH /api/v1/videos/{id}: the video's owner, co-owners and superusers
// change what they send, and nothing else; another staff member, a
// plain user who may watch it and an anonymous client may not.
func TestVideoPatchRules(t *testing.T) {
	t.Parallel()
	b, _ := setupVideoEdit(t)
	v := b.video(t, "Optique", done, func(v *lectern.Video) { v.Tags, v.IsDraft = "optics", true })
	path := "/api/v1/videos/" + strconv.FormatInt(v.ID, 10)
	for _, tc := range []struct {
		name, auth string
		status     int
	}{
		{"owner", as(b.ownerTok), http.StatusOK},
		{"co-owner", as(b.coownerTok), http.StatusOK},
		{"superuser", as(b.super), http.StatusOK},
		{"staff", as(b.staff), http.StatusForbidden},
		{"member", as(b.memberTk), http.StatusForbidden},
		{"anonymous", "", http.StatusUnauthorized},
		{"bad token", "Token nope", http.StatusUnauthorized},
	} {
		r := b.do(t, "PATCH", path, tc.auth, map[string]any{"title": "By " + tc.name})
		want(t, r, tc.status)
		got, err := b.videos.FindVideoByID(b.ctx, v.ID)
		if err != nil {
			t.Fatal(err)
		}
		if changed := got.Title == "By "+tc.name; changed != (tc.status == http.StatusOK) {
			t.Errorf("%s: status %d, title now %q", tc.name, r.status, got.Title)
		}
		if got.Tags != "optics" || !got.IsDraft || len(got.AdditionalOwners) != 1 {
			t.Errorf("%s: a field not sent changed: %+v", tc.name, got)
		}
	}
	want(t, b.do(t, "PATCH", "/api/v1/videos/99999", as(b.super), map[string]any{"title": "x"}), http.StatusNotFound)
	want(t, b.do(t, "PATCH", "/api/v1/videos/abc", as(b.super), map[string]any{"title": "x"}), http.StatusNotFound)
}

// A PATCH that makes a video public, with new owners, groups and a
// password; bad input is a 400 naming each field, and saves nothing.
func TestVideoPatchFields(t *testing.T) {
	t.Parallel()
	b, _ := setupVideoEdit(t)
	v := b.video(t, "Optique", func(v *lectern.Video) { v.IsDraft = true })
	path := "/api/v1/videos/" + strconv.FormatInt(v.ID, 10)

	r := b.do(t, "PATCH", path, as(b.ownerTok), map[string]any{
		"title": " Optique géométrique ", "description": "Lenses", "date_evt": "2026-12-01", "is_draft": false,
		"restrict_access_to_groups": []int64{b.group.ID}, "additional_owners": []int64{b.member.ID, b.owner.ID},
		"password": "open-sesame", "main_lang": "FR", "licence": "by", "tags": "optics", "allow_downloading": true,
		"disable_comment": true, "cursus": "M", "type": b.typeID, "is_360": false, "is_restricted": false,
	})
	want(t, r, http.StatusOK)
	var body videoJSON
	r.decode(t, &body)
	if body.Title != "Optique géométrique" || body.Slug != "optique-geometrique" || body.IsDraft || !body.IsPasswordProtected ||
		len(body.AdditionalOwners) != 1 || body.AdditionalOwners[0] != b.member.ID || len(body.Groups) != 1 ||
		!strings.HasSuffix(body.URL, "-optique-geometrique/") || strings.Contains(string(r.body), "$2") {
		t.Errorf("answer %s", r.body)
	}
	got, _ := b.videos.FindVideoByID(b.ctx, v.ID)
	if got.DateEvt != "2026-12-01" || !got.IsRestricted || got.MainLang != "fr" || got.Cursus != "M" ||
		!password.Check(got.PasswordHash, "open-sesame") || !got.AllowDownloading || !got.DisableComment {
		t.Errorf("stored %+v", got)
	}
	// The co-owner made by the PATCH may edit now; "" removes the password.
	want(t, b.do(t, "PATCH", path, as(b.memberTk), map[string]any{"password": ""}), http.StatusOK)
	if got, _ := b.videos.FindVideoByID(b.ctx, v.ID); got.PasswordHash != "" {
		t.Errorf("the password is still set")
	}

	before, _ := b.videos.FindVideoByID(b.ctx, v.ID)
	for _, tc := range []struct {
		body  any
		field string
	}{
		{map[string]any{"title": ""}, "title"},
		{map[string]any{"title": strings.Repeat("a", 251)}, "title"},
		{map[string]any{"date_evt": "01/12/2026"}, "date_evt"},
		{map[string]any{"type": 9999}, "type"},
		{map[string]any{"type": 0}, "type"},
		{map[string]any{"licence": "gpl"}, "licence"},
		{map[string]any{"main_lang": "french"}, "main_lang"},
		{map[string]any{"additional_owners": []int64{9999}}, "additional_owners"},
		{map[string]any{"restrict_access_to_groups": []int64{9999}}, "restrict_access_to_groups"},
		{map[string]any{"password": strings.Repeat("p", 100)}, "password"},
		{map[string]any{"is_draft": "no"}, "is_draft"},
		{map[string]any{"owner": b.coowner.ID}, "owner"},
		{map[string]any{"encoding_state": "done"}, "encoding_state"},
		{map[string]any{"title": "ok", "tags": strings.Repeat("t", 256)}, "tags"},
	} {
		r := b.do(t, "PATCH", path, as(b.ownerTok), tc.body)
		want(t, r, http.StatusBadRequest)
		if r.fields(t)[tc.field] == "" {
			t.Errorf("%v: no error on %s: %s", tc.body, tc.field, r.body)
		}
		after, _ := b.videos.FindVideoByID(b.ctx, v.ID)
		if after.Title != before.Title || after.Tags != before.Tags || after.TypeID != before.TypeID ||
			len(after.AdditionalOwners) != len(before.AdditionalOwners) || len(after.Groups) != len(before.Groups) {
			t.Errorf("%v: a refused PATCH changed the video: %+v", tc.body, after)
		}
	}
	want(t, b.do(t, "PATCH", path, as(b.ownerTok), "{"), http.StatusBadRequest)
	want(t, b.do(t, "PATCH", path, as(b.ownerTok), "[]"), http.StatusBadRequest)
}

// DELETE /api/v1/videos/{id}: its managers only; its row and files go.
func TestVideoDeleteAPI(t *testing.T) {
	t.Parallel()
	b, media := setupVideoEdit(t)
	v := b.video(t, "Thermo", done)
	keep := b.video(t, "Keep", done)
	dir := filepath.Join(media, "videos", strconv.FormatInt(v.ID, 10))
	keepFile := filepath.Join(media, "videos", strconv.FormatInt(keep.ID, 10), "360p.mp4")
	for _, f := range []string{filepath.Join(dir, "hls", "master.m3u8"), filepath.Join(dir, "360p.mp4"), keepFile} {
		if err := os.MkdirAll(filepath.Dir(f), 0o750); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(f, []byte("x"), 0o640); err != nil {
			t.Fatal(err)
		}
	}
	path := "/api/v1/videos/" + strconv.FormatInt(v.ID, 10)
	for _, auth := range []string{as(b.staff), as(b.memberTk), as(b.user), ""} {
		if r := b.do(t, "DELETE", path, auth, nil); r.status != http.StatusForbidden && r.status != http.StatusUnauthorized {
			t.Errorf("DELETE as %q: %d", auth, r.status)
		}
	}
	if _, err := b.videos.FindVideoByID(b.ctx, v.ID); err != nil {
		t.Fatalf("a refused DELETE deleted: %v", err)
	}
	want(t, b.do(t, "DELETE", path, as(b.coownerTok), nil), http.StatusNoContent)
	if _, err := b.videos.FindVideoByID(b.ctx, v.ID); lectern.ErrorCode(err) != lectern.ENOTFOUND {
		t.Errorf("after DELETE: %v", err)
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("its files are still there: %v", err)
	}
	if _, err := os.Stat(keepFile); err != nil {
		t.Errorf("another video's files went: %v", err)
	}
	want(t, b.do(t, "DELETE", path, as(b.super), nil), http.StatusNotFound)
	want(t, b.do(t, "DELETE", "/api/v1/videos/"+strconv.FormatInt(keep.ID, 10), as(b.super), nil), http.StatusNoContent)
}
