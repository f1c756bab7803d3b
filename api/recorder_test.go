package api_test

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"lectern"
	"lectern/password"
)

// createRecorder creates a recorder through the API and returns its path.
func (b *testBundle) createRecorder(t *testing.T, name, ip, dir string) string {
	t.Helper()
	r := b.do(t, "POST", "/api/v1/recorders", as(b.super), map[string]any{
		"name": name, "address_ip": ip, "directory": dir, "type": b.typeID,
	})
	want(t, r, http.StatusCreated)
	return fmt.Sprintf("/api/v1/recorders/%v", r.object(t)["id"])
}

// recorderJSON is the shape the tests read back.
type recorderJSON struct {
	ID                     int64   `json:"id"`
	Name                   string  `json:"name"`
	Description            string  `json:"description"`
	AddressIP              string  `json:"address_ip"`
	Salt                   *string `json:"salt"`
	CredentialsLogin       string  `json:"credentials_login"`
	RecordingType          string  `json:"recording_type"`
	User                   *int64  `json:"user"`
	AdditionalUsers        []int64 `json:"additional_users"`
	Directory              string  `json:"directory"`
	PublicationAuto        bool    `json:"publication_auto"`
	Type                   int64   `json:"type"`
	IsDraft                bool    `json:"is_draft"`
	RestrictAccessToGroups []int64 `json:"restrict_access_to_groups"`
	Cursus                 string  `json:"cursus"`
	MainLang               string  `json:"main_lang"`
	Tags                   string  `json:"tags"`
	Licence                string  `json:"licence"`
	HasFTPPassword         bool    `json:"has_ftp_password"`
	HasPassword            bool    `json:"has_password"`
}

func TestRecorderCRUD(t *testing.T) {
	t.Parallel()
	b := setup(t)
	mgr, err := b.users.FindUserByUsername(b.ctx, "staffer")
	if err != nil {
		t.Fatal(err)
	}
	other, err := b.users.FindUserByUsername(b.ctx, "someone")
	if err != nil {
		t.Fatal(err)
	}

	// POST: 201, Pod's defaults for absent fields, the directory on disk.
	r := b.do(t, "POST", "/api/v1/recorders", as(b.super), map[string]any{
		"name": " Amphi A ", "description": "Main hall", "address_ip": "192.168.1.10", "salt": "pepper",
		"credentials_login": "amphia", "credentials_password": "ftp-secret",
		"user": mgr.ID, "additional_users": []int64{other.ID}, "directory": "amphia", "type": b.typeID,
		"password": "video-secret", "tags": "math", "licence": "by-sa", "main_lang": "FR",
	})
	want(t, r, http.StatusCreated)
	var created recorderJSON
	r.decode(t, &created)
	if created.ID == 0 || created.Name != "Amphi A" || created.RecordingType != "video" || !created.IsDraft ||
		created.Cursus != "0" || created.MainLang != "fr" || created.User == nil || *created.User != mgr.ID ||
		len(created.AdditionalUsers) != 1 || created.RestrictAccessToGroups == nil ||
		!created.HasFTPPassword || !created.HasPassword || created.Salt == nil || *created.Salt != "pepper" {
		t.Fatalf("created %+v from %s", created, r.body)
	}
	for _, secret := range []string{"ftp-secret", "video-secret", "credentials_password", `"password"`, "hash"} {
		if strings.Contains(string(r.body), secret) {
			t.Errorf("answer shows %s: %s", secret, r.body)
		}
	}
	path := fmt.Sprintf("/api/v1/recorders/%d", created.ID)
	if loc := r.header.Get("Location"); loc != b.srv.URL+path {
		t.Errorf("Location = %q", loc)
	}
	if fi, err := os.Stat(filepath.Join(b.root, "amphia")); err != nil || !fi.IsDir() {
		t.Fatalf("directory not created: %v", err)
	}
	stored, err := b.recorders.FindRecorderByID(b.ctx, created.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !password.Check(stored.CredentialsPasswordHash, "ftp-secret") || !password.Check(stored.PasswordHash, "video-secret") {
		t.Fatalf("passwords not hashed as sent: %+v", stored)
	}
	if stored.CredentialsDigest != password.Digest("amphia", "ftp-secret") {
		t.Errorf("the capture agents' Digest secrets are not those of the password: %q", stored.CredentialsDigest)
	}

	// GET: the same recorder; staff see it without the salt.
	r = b.do(t, "GET", path, as(b.super), nil)
	want(t, r, http.StatusOK)
	var got recorderJSON
	r.decode(t, &got)
	if got.Name != "Amphi A" || got.Directory != "amphia" || got.Tags != "math" || !got.HasFTPPassword {
		t.Fatalf("got %+v", got)
	}
	// Staff, one of its additional users, see it without what
	// authenticates the recorder.
	r = b.do(t, "GET", path, as(b.staff), nil)
	want(t, r, http.StatusOK)
	for _, k := range []string{"salt", "address_ip", "credentials_login"} {
		if _, ok := r.object(t)[k]; ok {
			t.Errorf("staff see %s: %s", k, r.body)
		}
	}

	// PATCH: a partial change keeps every other field and the FTP hash.
	r = b.do(t, "PATCH", path, as(b.super), map[string]any{"description": "Renovated", "publication_auto": true})
	want(t, r, http.StatusOK)
	var patched recorderJSON
	r.decode(t, &patched)
	if patched.Description != "Renovated" || !patched.PublicationAuto || patched.Name != "Amphi A" ||
		patched.AddressIP != "192.168.1.10" || patched.Tags != "math" || patched.Licence != "by-sa" ||
		patched.User == nil || *patched.User != mgr.ID || len(patched.AdditionalUsers) != 1 ||
		patched.CredentialsLogin != "amphia" || !patched.HasFTPPassword || !patched.HasPassword {
		t.Fatalf("patched %+v", patched)
	}
	after, err := b.recorders.FindRecorderByID(b.ctx, created.ID)
	if err != nil {
		t.Fatal(err)
	}
	if after.CredentialsPasswordHash != stored.CredentialsPasswordHash || after.PasswordHash != stored.PasswordHash {
		t.Fatal("PATCH changed a password hash")
	}

	// A GET answer sent back is accepted: read-only fields are ignored.
	full := b.do(t, "GET", path, as(b.super), nil).object(t)
	full["id"], full["tags"] = 999, "math physics"
	r = b.do(t, "PATCH", path, as(b.super), full)
	want(t, r, http.StatusOK)
	r.decode(t, &patched)
	if patched.ID != created.ID || patched.Tags != "math physics" || !patched.HasFTPPassword {
		t.Fatalf("round trip: %+v", patched)
	}

	// Write-only fields clear: "" removes the video password; an empty
	// login and password remove FTP access; null removes the manager.
	r = b.do(t, "PATCH", path, as(b.super), map[string]any{"password": "", "credentials_login": "", "credentials_password": "", "user": nil})
	want(t, r, http.StatusOK)
	r.decode(t, &patched)
	if patched.HasPassword || patched.HasFTPPassword || patched.CredentialsLogin != "" || patched.User != nil {
		t.Fatalf("cleared: %+v", patched)
	}

	// The list shows it.
	r = b.do(t, "GET", "/api/v1/recorders", as(b.super), nil)
	want(t, r, http.StatusOK)
	var list struct {
		Count   int            `json:"count"`
		Results []recorderJSON `json:"results"`
	}
	r.decode(t, &list)
	if list.Count != 1 || len(list.Results) != 1 || list.Results[0].ID != created.ID {
		t.Fatalf("list: %s", r.body)
	}
	r = b.do(t, "GET", "/api/v1/recorders?search=nothing-like-it", as(b.super), nil)
	r.decode(t, &list)
	if list.Count != 0 || list.Results == nil {
		t.Fatalf("search: %s", r.body)
	}

	// DELETE: 204, then 404; the directory stays on disk.
	r = b.do(t, "DELETE", path, as(b.super), nil)
	want(t, r, http.StatusNoContent)
	if len(r.body) != 0 {
		t.Errorf("204 with a body: %s", r.body)
	}
	want(t, b.do(t, "GET", path, as(b.super), nil), http.StatusNotFound)
	want(t, b.do(t, "DELETE", path, as(b.super), nil), http.StatusNotFound)
	want(t, b.do(t, "PATCH", path, as(b.super), map[string]any{"tags": "x"}), http.StatusNotFound)
	if _, err := os.Stat(filepath.Join(b.root, "amphia")); err != nil {
		t.Errorf("directory removed: %v", err)
	}
}

func TestRecorderValidation(t *testing.T) {
	t.Parallel()
	b := setup(t)
	valid := func(change map[string]any) map[string]any {
		body := map[string]any{"name": "Amphi A", "address_ip": "10.0.0.1", "directory": "amphia", "type": b.typeID}
		for k, v := range change {
			if v == nil {
				delete(body, k)
			} else {
				body[k] = v
			}
		}
		return body
	}
	for _, c := range []struct {
		name   string
		body   any
		status int
		fields []string
	}{
		{"bad IP", valid(map[string]any{"address_ip": "999.1.1.1"}), 400, []string{"address_ip"}},
		{"IP with zone", valid(map[string]any{"address_ip": "fe80::1%eth0"}), 400, []string{"address_ip"}},
		{"directory escapes", valid(map[string]any{"directory": "../x"}), 400, []string{"directory"}},
		{"absolute directory", valid(map[string]any{"directory": "/tmp"}), 400, []string{"directory"}},
		{"login without password", valid(map[string]any{"credentials_login": "amphia"}), 400, []string{"credentials_login", "credentials_password"}},
		{"password without login", valid(map[string]any{"credentials_password": "x"}), 400, []string{"credentials_login"}},
		{"blank password with login", valid(map[string]any{"credentials_login": "amphia", "credentials_password": "", "address_ip": "x"}), 400, []string{"credentials_password", "address_ip"}},
		{"password too long", valid(map[string]any{"password": strings.Repeat("x", 73)}), 400, []string{"password"}},
		{"missing fields", map[string]any{}, 400, []string{"name", "address_ip", "directory", "type"}},
		{"unknown type", valid(map[string]any{"type": 999}), 400, []string{"type"}},
		{"unknown manager", valid(map[string]any{"user": 999}), 400, []string{"user"}},
		{"bad licence", valid(map[string]any{"licence": "gpl"}), 400, []string{"licence"}},
		{"bad recording type", valid(map[string]any{"recording_type": "hologram"}), 400, []string{"recording_type"}},
		{"unknown field", valid(map[string]any{"nmae": "x"}), 400, []string{"nmae"}},
		{"hash field", valid(map[string]any{"CredentialsPasswordHash": "$2a$04$x"}), 400, []string{"CredentialsPasswordHash"}},
		{"wrong type", valid(map[string]any{"type": "Course"}), 400, []string{"type"}},
		{"wrong list", valid(map[string]any{"additional_users": "1,2"}), 400, []string{"additional_users"}},
		{"malformed", `{"name": "x",`, 400, nil},
		{"syntax", `{"name" "x"}`, 400, nil},
		{"empty body", "", 400, nil},
		{"array", `[]`, 400, nil},
		{"two objects", `{} {}`, 400, nil},
		{"too large", `{"description": "` + strings.Repeat("x", 1<<20) + `"}`, 413, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := b.do(t, "POST", "/api/v1/recorders", as(b.super), c.body)
			want(t, r, c.status)
			fields := r.fields(t)
			for _, f := range c.fields {
				if fields[f] == "" {
					t.Errorf("no message for %s: %s", f, r.body)
				}
			}
			if c.fields == nil && len(fields) > 0 {
				t.Errorf("unexpected fields: %s", r.body)
			}
		})
	}
	r := b.do(t, "GET", "/api/v1/recorders", as(b.super), nil)
	if n := r.object(t)["count"]; n != float64(0) {
		t.Errorf("a bad request created a recorder: %s", r.body)
	}
	entries, err := os.ReadDir(b.root)
	if err != nil || len(entries) != 0 {
		t.Errorf("directories left: %v %v", entries, err)
	}
	if _, err := os.Stat(filepath.Join(b.root, "..", "x")); err == nil {
		t.Error("created a directory outside DEFAULT_RECORDER_PATH")
	}

	// PATCH validates the same way and changes nothing.
	path := b.createRecorder(t, "Amphi A", "10.0.0.1", "amphia")
	r = b.do(t, "PATCH", path, as(b.super), map[string]any{"directory": "../x", "name": "B"})
	want(t, r, http.StatusBadRequest)
	if r.fields(t)["directory"] == "" {
		t.Errorf("no directory message: %s", r.body)
	}
	if name := b.do(t, "GET", path, as(b.super), nil).object(t)["name"]; name != "Amphi A" {
		t.Errorf("name = %v after a refused PATCH", name)
	}
}

func TestRecorderConflict(t *testing.T) {
	t.Parallel()
	b := setup(t)
	path := b.createRecorder(t, "Amphi A", "10.0.0.1", "amphia")
	for field, body := range map[string]map[string]any{
		"name":       {"name": "Amphi A", "address_ip": "10.0.0.2", "directory": "amphib", "type": b.typeID},
		"address_ip": {"name": "Amphi B", "address_ip": "10.0.0.1", "directory": "amphib", "type": b.typeID},
		"directory":  {"name": "Amphi B", "address_ip": "10.0.0.2", "directory": "amphia", "type": b.typeID},
	} {
		r := b.do(t, "POST", "/api/v1/recorders", as(b.super), body)
		want(t, r, http.StatusConflict)
		if r.fields(t)[field] == "" {
			t.Errorf("%s: no field message: %s", field, r.body)
		}
	}
	if _, err := os.Stat(filepath.Join(b.root, "amphib")); err == nil {
		t.Error("a refused recorder left its directory")
	}

	// A directory holding files cannot be renamed.
	if err := os.WriteFile(filepath.Join(b.root, "amphia", "lecture.mp4"), []byte("video"), 0o640); err != nil {
		t.Fatal(err)
	}
	r := b.do(t, "PATCH", path, as(b.super), map[string]any{"directory": "amphi-a"})
	want(t, r, http.StatusConflict)
	if r.fields(t)["directory"] == "" {
		t.Errorf("no directory message: %s", r.body)
	}
	if _, err := os.Stat(filepath.Join(b.root, "amphia", "lecture.mp4")); err != nil {
		t.Errorf("file moved: %v", err)
	}
}

func TestRecorderListPagination(t *testing.T) {
	t.Parallel()
	b := setup(t)
	for i := range 3 {
		b.createRecorder(t, fmt.Sprintf("Amphi %d", i), fmt.Sprintf("10.0.0.%d", i+1), fmt.Sprintf("amphi%d", i))
	}
	b.createRecorder(t, "Studio", "10.0.1.1", "studio")
	r := b.do(t, "GET", "/api/v1/recorders?search=amphi&page_size=2", as(b.super), nil)
	want(t, r, http.StatusOK)
	m := r.object(t)
	if m["count"] != float64(3) || m["next"] != b.srv.URL+"/api/v1/recorders?page=2&page_size=2&search=amphi" || m["previous"] != nil {
		t.Fatalf("page 1: %s", r.body)
	}
	r = b.do(t, "GET", "/api/v1/recorders?search=amphi&page_size=2&page=2", as(b.super), nil)
	m = r.object(t)
	if len(m["results"].([]any)) != 1 || m["next"] != nil || m["previous"] != b.srv.URL+"/api/v1/recorders?page_size=2&search=amphi" {
		t.Fatalf("page 2: %s", r.body)
	}
}

// TestNoPasswordHashInAnswers reads everything that holds a hash (users,
// a recorder with both passwords); do fails on any bcrypt hash in an
// answer.
func TestNoPasswordHashInAnswers(t *testing.T) {
	t.Parallel()
	b := setup(t)
	r := b.do(t, "POST", "/api/v1/recorders", as(b.super), map[string]any{
		"name": "Amphi A", "address_ip": "10.0.0.1", "directory": "amphia", "type": b.typeID,
		"credentials_login": "amphia", "credentials_password": "ftp-secret", "password": "video-secret",
	})
	want(t, r, http.StatusCreated)
	path := fmt.Sprintf("/api/v1/recorders/%v", r.object(t)["id"])
	stored, _, err := b.recorders.FindRecorders(b.ctx, lectern.RecorderFilter{})
	if err != nil || len(stored) != 1 || !strings.HasPrefix(stored[0].CredentialsPasswordHash, "$2") || !strings.HasPrefix(stored[0].PasswordHash, "$2") {
		t.Fatalf("stored %+v %v", stored, err)
	}
	for _, token := range []string{b.super, b.staff} {
		for _, p := range []string{path, "/api/v1/recorders", "/api/v1/users", "/api/v1/types"} {
			b.do(t, "GET", p, as(token), nil)
		}
	}
	b.do(t, "PATCH", path, as(b.super), map[string]any{"tags": "x"})
}
