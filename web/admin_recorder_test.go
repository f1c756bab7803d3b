package web

import (
	"context"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"lectern"
	"lectern/password"
)

// recorderForm is a valid add form for a recorder of type typeID.
func recorderForm(name, ip, dir string, typeID int64) url.Values {
	return url.Values{
		"name": {name}, "address_ip": {ip}, "directory": {dir}, "type": {strconv.FormatInt(typeID, 10)},
		"recording_type": {"video"}, "cursus": {"0"}, "main_lang": {"fr"}, "is_draft": {"on"},
	}
}

// wantFieldError fails unless the page shows msg next to field.
func wantFieldError(tb testing.TB, res response, field, msg string) {
	tb.Helper()
	re := regexp.MustCompile(`<p class="field-error" id="error-` + regexp.QuoteMeta(field) + `">([^<]*)</p>`)
	m := re.FindStringSubmatch(res.body)
	if m == nil || html.UnescapeString(m[1]) != msg {
		tb.Errorf("no error %q next to %s (found %q)\n%s", msg, field, m, res.body)
	}
	if !strings.Contains(res.body, fmt.Sprintf(`id="id_%s"`, field)) && !strings.Contains(res.body, fmt.Sprintf(`name="%s"`, field)) {
		tb.Errorf("no field %s in the form", field)
	}
}

func TestRecorderFormValidation(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.user("root", true, true)
	course := b.videoType("Course")
	b.recorder("Room 1", "10.0.0.1", "room1", course.ID)
	if err := b.groups.CreateGroup(context.Background(), &lectern.Group{Name: "Staff"}); err != nil {
		t.Fatal(err)
	}
	c := b.client()
	c.login("root")

	cases := []struct {
		name, field, msg string
		edit             func(url.Values)
	}{
		{"BadIP", "address_ip", "Enter a valid IPv4 or IPv6 address.", func(f url.Values) { f.Set("address_ip", "10.0.0.300") }},
		{"DotDotDirectory", "directory", `Enter a single folder name: no slash, no "..", not starting with a dot, at most 50 characters.`,
			func(f url.Values) { f.Set("directory", "../x") }},
		{"SlashDirectory", "directory", `Enter a single folder name: no slash, no "..", not starting with a dot, at most 50 characters.`,
			func(f url.Values) { f.Set("directory", "a/b") }},
		{"DuplicateName", "name", "A recorder with this name already exists.", func(f url.Values) { f.Set("name", "Room 1") }},
		{"DuplicateIP", "address_ip", "A recorder with this IP address already exists.", func(f url.Values) { f.Set("address_ip", "10.0.0.1") }},
		{"DuplicateDirectory", "directory", "A recorder with this directory already exists.", func(f url.Values) { f.Set("directory", "room1") }},
		{"LoginWithoutPassword", "credentials_login", "Login and password must be set together.", func(f url.Values) { f.Set("credentials_login", "rec2") }},
		{"PasswordWithoutLogin", "credentials_password", "Login and password must be set together.", func(f url.Values) { f.Set("credentials_password", "pw") }},
		{"AgentNameSlash", "agent_name", "Enter an agent name without slashes or control characters, at most 128 characters.",
			func(f url.Values) { f.Set("agent_name", "../room") }},
		{"NoName", "name", "This field is required.", func(f url.Values) { f.Del("name") }},
		{"NoType", "type", "This field is required.", func(f url.Values) { f.Del("type") }},
		{"UnknownType", "type", "Select a valid video type.", func(f url.Values) { f.Set("type", "999") }},
		{"RecordingTypeNotOffered", "recording_type", "Select a valid recording type.", func(f url.Values) { f.Set("recording_type", "podcast") }},
		{"BadLicence", "licence", "Select a valid licence.", func(f url.Values) { f.Set("licence", "gpl") }},
		{"BadCursus", "cursus", "Select a valid university course.", func(f url.Values) { f.Set("cursus", "X") }},
		{"UnknownManager", "user", "Nobody is named “999”.", func(f url.Values) { f.Set("user", "999") }},
		{"UnknownManagerName", "user", "Nobody is named “nemo”.", func(f url.Values) { f.Set("user", "nemo") }},
		{"UnknownAdditionalUser", "additional_users", "Nobody is named “nemo”.", func(f url.Values) { f.Add("additional_users", "nemo") }},
		{"UnknownGroup", "restrict_access_to_groups", "Select valid groups.", func(f url.Values) { f.Add("restrict_access_to_groups", "999") }},
		{"LongPassword", "password", "Ensure this value has at most 72 characters.", func(f url.Values) { f.Set("password", strings.Repeat("x", 73)) }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			form := recorderForm("Room 2", "10.0.0.2", "room2", course.ID)
			tc.edit(form)
			res := c.post("/admin/recorders/add/", form)
			want(t, res, http.StatusBadRequest)
			wantFieldError(t, res, tc.field, tc.msg)
			wantBody(t, res, "Please correct the errors below.")
			if strings.Contains(res.body, "secret") {
				t.Error("a password is echoed back")
			}
		})
	}
	if _, n, _ := b.recorders.FindRecorders(context.Background(), lectern.RecorderFilter{}); n != 1 {
		t.Errorf("%d recorders after invalid posts, want 1", n)
	}
	if _, err := os.Stat(filepath.Join(b.root, "room2")); err == nil {
		t.Error("an invalid recorder left a directory")
	}
	// Values typed are kept when the form comes back.
	form := recorderForm("Room 2", "bad", "room2", course.ID)
	form.Set("description", "Amphi <B>")
	res := c.post("/admin/recorders/add/", form)
	wantBody(t, res, `value="Room 2"`, `value="room2"`, "Amphi &lt;B&gt;</textarea>")
}

func TestRecorderCreate(t *testing.T) {
	t.Parallel()
	b := setup(t)
	root := b.user("root", true, true)
	helper := b.user("helper", true, false)
	course := b.videoType("Course")
	students := &lectern.Group{Name: "Students"}
	if err := b.groups.CreateGroup(context.Background(), students); err != nil {
		t.Fatal(err)
	}
	c := b.client()
	c.login("root")

	form := recorderForm("Amphi A", "192.168.1.20", "amphi-a", course.ID)
	form.Set("description", "Main lecture hall")
	form.Set("salt", "pepper")
	form.Set("credentials_login", "amphia")
	form.Set("credentials_password", "ftp-secret")
	form.Set("recording_type", "audiovideocast")
	form.Set("user", strconv.FormatInt(root.ID, 10))
	form.Add("additional_users", strconv.FormatInt(helper.ID, 10))
	form.Set("publication_auto", "on")
	form.Set("is_restricted", "on")
	form.Add("restrict_access_to_groups", strconv.FormatInt(students.ID, 10))
	form.Set("password", "video-secret")
	form.Set("cursus", "M")
	form.Set("main_lang", "en")
	form.Set("transcript", "en")
	form.Set("tags", "physics  optics")
	form.Set("licence", "by-sa")
	form.Set("allow_downloading", "on")
	form.Set("is_360", "on")
	form.Set("disable_comment", "on")
	form.Del("is_draft")
	res := c.post("/admin/recorders/add/", form)
	want(t, res, http.StatusSeeOther)
	if res.location != "/admin/recorders/" {
		t.Fatalf("Location = %q", res.location)
	}
	wantBody(t, c.get(res.location), "The recorder “Amphi A” was added successfully.", "amphi-a")

	rec, err := lectern.FindRecorder(context.Background(), b.recorders, lectern.RecorderFilter{Name: ptr("Amphi A")})
	if err != nil {
		t.Fatal(err)
	}
	got := *rec
	if got.Description != "Main lecture hall" || got.Salt != "pepper" || got.CredentialsLogin != "amphia" ||
		got.RecordingType != "audiovideocast" || got.UserID == nil || *got.UserID != root.ID ||
		len(got.AdditionalUsers) != 1 || got.AdditionalUsers[0] != helper.ID || !got.PublicationAuto ||
		got.TypeID != course.ID || got.IsDraft || !got.IsRestricted || len(got.RestrictAccessToGroups) != 1 ||
		got.Cursus != "M" || got.MainLang != "en" || got.Transcript != "en" || got.Tags != "physics  optics" ||
		got.Licence != "by-sa" || !got.AllowDownloading || !got.Is360 || !got.DisableComment {
		t.Errorf("saved recorder = %+v", got)
	}
	if !password.Check(got.CredentialsPasswordHash, "ftp-secret") || !password.Check(got.PasswordHash, "video-secret") {
		t.Error("passwords not stored as their hashes")
	}

	fi, err := os.Stat(filepath.Join(b.root, "amphi-a"))
	if err != nil {
		t.Fatal(err)
	}
	if !fi.IsDir() || fi.Mode().Perm() != 0o750 {
		t.Errorf("directory mode = %v, want a 0750 directory", fi.Mode())
	}

	// The change page shows where and how the recorder deposits.
	res = c.get(fmt.Sprintf("/admin/recorders/%d/change/", rec.ID))
	want(t, res, http.StatusOK)
	wantBody(t, res, filepath.Join(b.root, "amphi-a"), "<dd>FTP</dd>", "<code>lectern.example</code>", "<code>2121</code>",
		"<code>amphia</code>", "Leave empty to keep the current password.", "Remove FTP and SFTP access")
	if strings.Contains(res.body, rec.CredentialsPasswordHash) || strings.Contains(res.body, rec.PasswordHash) {
		t.Error("a password hash is shown")
	}
}

func TestRecorderEdit(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.user("root", true, true)
	course := b.videoType("Course")
	c := b.client()
	c.login("root")
	form := recorderForm("Amphi B", "192.168.1.21", "amphi-b", course.ID)
	form.Set("credentials_login", "amphib")
	form.Set("credentials_password", "ftp-secret")
	form.Set("password", "video-secret")
	want(t, c.post("/admin/recorders/add/", form), http.StatusSeeOther)
	rec, _ := lectern.FindRecorder(context.Background(), b.recorders, lectern.RecorderFilter{Name: ptr("Amphi B")})
	path := fmt.Sprintf("/admin/recorders/%d/change/", rec.ID)
	find := func() *lectern.Recorder {
		r, err := b.recorders.FindRecorderByID(context.Background(), rec.ID)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}

	t.Run("EmptyPasswordsKeepHashes", func(t *testing.T) {
		f := recorderForm("Amphi B2", "192.168.1.21", "amphi-b", course.ID)
		f.Set("credentials_login", "amphib")
		res := c.post(path, f)
		want(t, res, http.StatusSeeOther)
		got := find()
		if got.Name != "Amphi B2" || got.CredentialsPasswordHash != rec.CredentialsPasswordHash || got.PasswordHash != rec.PasswordHash {
			t.Errorf("hashes changed on an edit with empty password fields")
		}
		wantBody(t, c.get("/admin/recorders/"), "The recorder “Amphi B2” was changed successfully.")
	})
	t.Run("NewPassword", func(t *testing.T) {
		f := recorderForm("Amphi B2", "192.168.1.21", "amphi-b", course.ID)
		f.Set("credentials_login", "amphib")
		f.Set("credentials_password", "new-ftp")
		want(t, c.post(path, f), http.StatusSeeOther)
		if !password.Check(find().CredentialsPasswordHash, "new-ftp") {
			t.Error("new FTP password not stored")
		}
		if find().CredentialsDigest != password.Digest("amphib", "new-ftp") {
			t.Error("the capture agents' Digest secrets are not those of the new password")
		}
		// The capture agent name: kept, and its page's field.
		f.Set("credentials_password", "")
		f.Set("agent_name", " smp-amphi-b ")
		want(t, c.post(path, f), http.StatusSeeOther)
		if got := find(); got.AgentName != "smp-amphi-b" || got.CredentialsDigest != password.Digest("amphib", "new-ftp") {
			t.Errorf("agent name %q, Digest secrets kept: %v", got.AgentName, got.CredentialsDigest == password.Digest("amphib", "new-ftp"))
		}
		wantBody(t, c.get(path), `name="agent_name" value="smp-amphi-b"`)
	})
	t.Run("ClearBoth", func(t *testing.T) {
		f := recorderForm("Amphi B2", "192.168.1.21", "amphi-b", course.ID)
		f.Set("credentials_login", "amphib")
		f.Set("credentials_clear", "on")
		f.Set("password_clear", "on")
		want(t, c.post(path, f), http.StatusSeeOther)
		got := find()
		if got.CredentialsLogin != "" || got.CredentialsPasswordHash != "" || got.PasswordHash != "" || got.HasFTP() || got.CredentialsDigest != "" {
			t.Errorf("FTP access and video password not removed: %+v", got)
		}
		res := c.get(path)
		wantBody(t, res, "this recorder has no FTP login yet")
	})
	t.Run("RenameEmptyDirectory", func(t *testing.T) {
		f := recorderForm("Amphi B2", "192.168.1.21", "amphi-b-new", course.ID)
		want(t, c.post(path, f), http.StatusSeeOther)
		if _, err := os.Stat(filepath.Join(b.root, "amphi-b-new")); err != nil {
			t.Error(err)
		}
	})
	t.Run("RenameRefusedWithFiles", func(t *testing.T) {
		if err := os.WriteFile(filepath.Join(b.root, "amphi-b-new", "lecture.mp4"), []byte("x"), 0o640); err != nil {
			t.Fatal(err)
		}
		f := recorderForm("Amphi B2", "192.168.1.21", "amphi-b-3", course.ID)
		res := c.post(path, f)
		want(t, res, http.StatusBadRequest)
		wantFieldError(t, res, "directory", "The directory cannot be renamed while files are waiting in it.")
		if got := find(); got.Directory != "amphi-b-new" {
			t.Errorf("directory = %q after a refused rename", got.Directory)
		}
	})
}

func TestRecorderDelete(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.user("root", true, true)
	course := b.videoType("Course")
	rec := b.recorder("Amphi C", "10.1.1.1", "amphi-c", course.ID)
	c := b.client()
	c.login("root")
	path := fmt.Sprintf("/admin/recorders/%d/delete/", rec.ID)
	res := c.get(path)
	want(t, res, http.StatusOK)
	wantBody(t, res, "Are you sure you want to delete the recorder “Amphi C”?", filepath.Join(b.root, "amphi-c"))
	res = c.post(path, nil)
	want(t, res, http.StatusSeeOther)
	wantBody(t, c.get("/admin/recorders/"), "The recorder “Amphi C” was deleted successfully.")
	want(t, c.get(path), http.StatusNotFound)
	if _, err := os.Stat(filepath.Join(b.root, "amphi-c")); err != nil {
		t.Errorf("directory removed with the recorder: %v", err)
	}
}

func TestRecorderListPaginationAndSearch(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.user("root", true, true)
	course := b.videoType("Course")
	for i := 1; i <= 25; i++ {
		b.recorder(fmt.Sprintf("Room %02d", i), fmt.Sprintf("10.2.0.%d", i), fmt.Sprintf("room-%02d", i), course.ID,
			func(r *lectern.Recorder) {
				r.Description = map[bool]string{true: "north wing", false: "south wing"}[i%5 == 0]
			})
	}
	c := b.client()
	c.login("root")
	rows := func(res response) int { return strings.Count(res.body, `<th scope="row">`) }

	res := c.get("/admin/recorders/")
	want(t, res, http.StatusOK)
	if n := rows(res); n != 20 {
		t.Errorf("page 1 shows %d rows, want 20", n)
	}
	wantBody(t, res, "25 recorders", "Room 01", "Room 20", `href="/admin/recorders/?page=2"`, `rel="next"`, `aria-current="page" class="current">1<`)
	if strings.Contains(res.body, "Room 21") {
		t.Error("page 1 shows Room 21")
	}
	res = c.get("/admin/recorders/?page=2")
	if n := rows(res); n != 5 {
		t.Errorf("page 2 shows %d rows, want 5", n)
	}
	wantBody(t, res, "Room 21", "Room 25", `rel="prev"`)

	res = c.get("/admin/recorders/?q=north")
	if n := rows(res); n != 5 {
		t.Errorf("search north shows %d rows, want 5", n)
	}
	wantBody(t, res, "5 recorders", "Room 05", "Room 25", `value="north"`)
	res = c.get("/admin/recorders/?q=10.2.0.17")
	if n := rows(res); n != 1 {
		t.Errorf("search by IP shows %d rows, want 1", n)
	}
	res = c.get("/admin/recorders/?q=room-1")
	if n := rows(res); n != 10 {
		t.Errorf("search by directory shows %d rows, want 10 (room-10..19)", n)
	}
	res = c.get("/admin/recorders/?q=nothing-like-this")
	wantBody(t, res, "Nothing matches your search.")
	// The search survives paging.
	res = c.get("/admin/recorders/?q=Room")
	wantBody(t, res, `href="/admin/recorders/?page=2&amp;q=Room"`)
}

func TestStaffRecorderList(t *testing.T) {
	t.Parallel()
	b := setup(t)
	manager := b.user("manager", true, false)
	helper := b.user("helper", true, false)
	b.user("other", true, false)
	b.user("root", true, true)
	course := b.videoType("Course")
	hash, _ := password.Hash("x")
	b.recorder("Managed", "10.3.0.1", "managed", course.ID, func(r *lectern.Recorder) {
		r.UserID = &manager.ID
		r.AdditionalUsers = []int64{helper.ID}
		r.CredentialsLogin, r.CredentialsPasswordHash = "managedftp", hash
	})
	b.recorder("Elsewhere", "10.3.0.2", "elsewhere", course.ID)

	check := func(user string, see, hide []string) {
		t.Helper()
		c := b.client()
		c.login(user)
		res := c.get("/recorders/")
		want(t, res, http.StatusOK)
		wantBody(t, res, see...)
		for _, h := range hide {
			if strings.Contains(res.body, h) {
				t.Errorf("%s sees %q", user, h)
			}
		}
	}
	// The deposit folder relative to DEFAULT_RECORDER_PATH, but the FTP
	// login and the IP as they are: the managers configure the recorder.
	check("manager", []string{"Managed", "<code>managed/</code>", "<code>managedftp</code>", "<code>2121</code>",
		"<code>lectern.example</code>", "<code>/</code>", "<code>10.3.0.1</code>"}, []string{"Elsewhere", b.root})
	check("helper", []string{"Managed", "<code>managed/</code>"}, []string{"Elsewhere", b.root})
	check("other", []string{"No recorder is linked to your account yet."}, []string{"Managed", "Elsewhere"})
	check("root", []string{"Managed", "Elsewhere", "<code>" + filepath.Join(b.root, "managed") + "</code>"}, nil)
}

func ptr[T any](v T) *T { return &v }

// TestRecorderAddPreselectsType checks the new recorder form preselects
// DEFAULT_RECORDER_TYPE_ID, or the only video type there is.
func TestRecorderAddPreselectsType(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.user("root", true, true)
	course := b.videoType("Course")
	c := b.client()
	c.login("root")
	want := fmt.Sprintf(`<option value="%d" selected>Course</option>`, course.ID)
	if body := c.get("/admin/recorders/add/").body; !strings.Contains(body, want) {
		t.Errorf("the only type is not preselected: no %q", want)
	}
	b.videoType("Conference")
	if body := c.get("/admin/recorders/add/").body; strings.Contains(body, " selected>Course<") || strings.Contains(body, " selected>Conference<") {
		t.Error("with two types and no default, one is preselected")
	}

	b2 := setup(t, func(cfg *Config) { cfg.DefaultTypeID = 2 })
	b2.user("root", true, true)
	b2.videoType("Course")
	b2.videoType("Conference")
	c2 := b2.client()
	c2.login("root")
	if body := c2.get("/admin/recorders/add/").body; !strings.Contains(body, `<option value="2" selected>Conference</option>`) {
		t.Error("DEFAULT_RECORDER_TYPE_ID is not preselected")
	}
}
