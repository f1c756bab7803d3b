package upload_test

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/textproto"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"lectern"
	"lectern/intake/upload"
	"lectern/sqldb"
)

// testBundle is a running upload handler over a fresh database, a
// DEFAULT_RECORDER_PATH holding the directory of recorder "room" (an
// additional user: the staff user), and tokens for each kind of user.
type testBundle struct {
	srv            *httptest.Server
	h              *upload.Handler
	base           string // every file of the test lives below
	root           string // DEFAULT_RECORDER_PATH
	temp           string // TempDir
	rec            *lectern.Recorder
	recorders      *lectern.RecorderDirectories
	treatments     lectern.TreatmentService
	recordingFiles lectern.RecordingFileService
	tokens         lectern.TokenService
	intake         *lectern.Intake
	log            *syncBuffer
	ids            map[string]int64 // user ids by token
	staff          string           // token of a staff user
	staff2         string           // token of another staff user
	super          string           // token of a superuser
	user           string           // token of a plain user
	ctx            context.Context
}

func setup(t testing.TB, maxSize int64) *testBundle {
	t.Helper()
	return setupTemp(t, maxSize, "")
}

// setupTemp is setup with TempDir at temp (under the base directory when
// empty).
func setupTemp(t testing.TB, maxSize int64, temp string) *testBundle {
	t.Helper()
	ctx := context.Background()
	b := &testBundle{base: t.TempDir(), log: &syncBuffer{}, ids: map[string]int64{}, ctx: ctx, temp: temp}
	b.root = filepath.Join(b.base, "recorders")
	if b.temp == "" {
		b.temp = filepath.Join(b.base, "data", "uploads")
	}
	for _, d := range []string{b.root, filepath.Join(b.base, "data")} {
		if err := os.MkdirAll(d, 0o750); err != nil {
			t.Fatal(err)
		}
	}
	db, err := sqldb.Open(ctx, filepath.Join(b.base, "data", "lectern.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	b.recorders = &lectern.RecorderDirectories{RecorderService: sqldb.NewRecorderService(db), Root: b.root}
	b.treatments = sqldb.NewTreatmentService(db, nil)
	b.recordingFiles = sqldb.NewRecordingFileService(db)
	users, tokens := sqldb.NewUserService(db), sqldb.NewTokenService(db)
	b.tokens = tokens
	for _, u := range []struct {
		token *string
		user  lectern.User
	}{
		{&b.staff, lectern.User{Username: "recorder-account", IsStaff: true}},
		{&b.staff2, lectern.User{Username: "other-staff", IsStaff: true}},
		{&b.super, lectern.User{Username: "boss", IsSuperuser: true}},
		{&b.user, lectern.User{Username: "someone"}},
	} {
		u.user.IsActive = true
		if err := users.CreateUser(ctx, &u.user); err != nil {
			t.Fatal(err)
		}
		if *u.token, err = tokens.CreateToken(ctx, u.user.ID); err != nil {
			t.Fatal(err)
		}
		b.ids[*u.token] = u.user.ID
	}
	vt := &lectern.VideoType{Title: "Course"}
	if err := sqldb.NewVideoTypeService(db).CreateVideoType(ctx, vt); err != nil {
		t.Fatal(err)
	}
	b.rec = lectern.NewRecorder()
	b.rec.Name, b.rec.AddressIP, b.rec.Directory, b.rec.TypeID = "Room", "10.0.0.1", "room", vt.ID
	// staff helps with "room" (no manager: deposits wait to be claimed);
	// staff2 manages nothing.
	b.rec.AdditionalUsers = []int64{b.ids[b.staff]}
	if err := b.recorders.CreateRecorder(ctx, b.rec); err != nil {
		t.Fatal(err)
	}
	logger := slog.New(slog.NewTextHandler(io.MultiWriter(b.log, t.Output()), nil))
	b.intake = &lectern.Intake{Root: b.root, Extensions: []string{"mp4", "mov"}, AllowClaiming: true,
		Recorders: b.recorders, Treatments: b.treatments, Sightings: sqldb.NewSightingService(db), Logger: logger}

	mux := http.NewServeMux()
	b.srv = httptest.NewServer(mux)
	t.Cleanup(b.srv.Close)
	b.h, err = upload.New(upload.Config{Root: b.root, TempDir: b.temp, MaxSize: maxSize, BaseURL: b.srv.URL + "/"},
		upload.Deps{Recorders: b.recorders, RecordingFiles: b.recordingFiles, Tokens: tokens, Intake: b.intake, Logger: logger})
	if err != nil {
		t.Fatal(err)
	}
	// As cmd/lectern mounts it, beside the API on "/api/".
	mux.Handle("POST /api/v1/recording-files", b.h)
	mux.Handle("/api/v1/uploads/", b.h)
	return b
}

// response is one answer.
type response struct {
	status int
	header http.Header
	body   []byte
	root   string // DEFAULT_RECORDER_PATH, to read back the paths staff see
}

func (r response) object(t testing.TB) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.body, &m); err != nil {
		t.Fatalf("decode %q: %v", r.body, err)
	}
	return m
}

// fields returns the "fields" of a JSON error answer.
func (r response) fields(t testing.TB) map[string]string {
	t.Helper()
	var e struct {
		Detail string            `json:"detail"`
		Fields map[string]string `json:"fields"`
	}
	if err := json.Unmarshal(r.body, &e); err != nil || e.Detail == "" {
		t.Fatalf("not a JSON error: %q (%v)", r.body, err)
	}
	return e.Fields
}

func want(t testing.TB, r response, status int) {
	t.Helper()
	if r.status != status {
		t.Fatalf("status %d, want %d: %s", r.status, status, r.body)
	}
}

// send runs req with the token (none when empty).
func (b *testBundle) send(t testing.TB, req *http.Request, token string) response {
	t.Helper()
	if token != "" {
		req.Header.Set("Authorization", "Token "+token)
	}
	resp, err := b.srv.Client().Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL.Path, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return response{status: resp.StatusCode, header: resp.Header, body: body, root: b.root}
}

// part is one field of a multipart form; a file when file is set.
type part struct {
	field    string
	file     bool
	filename string
	header   string // a raw Content-Disposition, when set
	body     io.Reader
}

func field(name, value string) part { return part{field: name, body: strings.NewReader(value)} }

func file(name string, body io.Reader) part {
	return part{field: "file", file: true, filename: name, body: body}
}

// postForm streams a multipart form to POST /api/v1/recording-files
// through a pipe: the client never holds the body either.
func (b *testBundle) postForm(t testing.TB, token string, parts ...part) response {
	t.Helper()
	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	go func() {
		for _, p := range parts {
			var w io.Writer
			var err error
			switch {
			case p.header != "":
				w, err = mw.CreatePart(textproto.MIMEHeader{"Content-Disposition": {p.header},
					"Content-Type": {"application/octet-stream"}})
			case p.file:
				w, err = mw.CreateFormFile(p.field, p.filename)
			default:
				w, err = mw.CreateFormField(p.field)
			}
			if err == nil {
				_, err = io.Copy(w, p.body)
			}
			if err != nil {
				pw.CloseWithError(err)
				return
			}
		}
		pw.CloseWithError(mw.Close())
	}()
	req, err := http.NewRequestWithContext(b.ctx, "POST", b.srv.URL+"/api/v1/recording-files", pr)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return b.send(t, req, token)
}

// files lists every regular file below the test's base directory, by path
// relative to it, except the database's.
func (b *testBundle) files(t testing.TB) []string {
	t.Helper()
	var list []string
	err := filepath.WalkDir(b.base, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if rel, _ := filepath.Rel(b.base, p); !d.IsDir() && !strings.HasPrefix(rel, filepath.Join("data", "lectern.db")) {
			list = append(list, rel)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return list
}

// wantFiles fails unless exactly the files rels (relative to the base
// directory) exist.
func (b *testBundle) wantFiles(t testing.TB, rels ...string) {
	t.Helper()
	got := b.files(t)
	slices.Sort(rels)
	if fmt.Sprint(got) != fmt.Sprint(rels) {
		t.Fatalf("files on disk: %q, want %q", got, rels)
	}
}

// treatmentCount is the number of treatments stored.
func (b *testBundle) treatmentCount(t testing.TB) int {
	t.Helper()
	_, n, err := b.treatments.FindTreatments(b.ctx, lectern.TreatmentFilter{})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func randomBytes(t testing.TB, n int) []byte {
	t.Helper()
	p := make([]byte, n)
	if _, err := rand.Read(p); err != nil {
		t.Fatal(err)
	}
	return p
}

func fileSHA(t testing.TB, path string) [32]byte {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		t.Fatal(err)
	}
	return [32]byte(h.Sum(nil))
}
