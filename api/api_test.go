package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/crypto/bcrypt"

	"lectern"
	"lectern/api"
	"lectern/internal/syncbuf"
	"lectern/password"
	"lectern/sqldb"
)

func TestMain(m *testing.M) {
	password.Cost = bcrypt.MinCost
	os.Exit(m.Run())
}

// testBundle is a running API over a fresh database, with one token per
// kind of user.
type testBundle struct {
	srv       *httptest.Server
	db        *sqldb.DB
	users     lectern.UserService
	types     lectern.VideoTypeService
	recorders *lectern.RecorderDirectories
	tokens    lectern.TokenService
	root      string      // DEFAULT_RECORDER_PATH
	log       *syncBuffer // what the API logged
	super     string      // token of a superuser
	staff     string      // token of a staff user
	user      string      // token of a plain user
	typeID    int64       // a video type
	ctx       context.Context
}

func setup(t *testing.T) *testBundle {
	t.Helper()
	ctx := context.Background()
	db, err := sqldb.Open(ctx, filepath.Join(t.TempDir(), "lectern.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	b := &testBundle{
		db:    db,
		users: sqldb.NewUserService(db),
		types: sqldb.NewVideoTypeService(db),
		root:  t.TempDir(),
		log:   &syncBuffer{},
		ctx:   ctx,
	}
	b.recorders = &lectern.RecorderDirectories{RecorderService: sqldb.NewRecorderService(db), Root: b.root}
	b.tokens = sqldb.NewTokenService(db)

	mux := http.NewServeMux()
	b.srv = httptest.NewServer(mux)
	t.Cleanup(b.srv.Close)
	mux.Handle("/api/", checked(t, api.New(api.Deps{
		Users: b.users, Groups: sqldb.NewGroupService(db), Types: b.types, Recorders: b.recorders, Tokens: b.tokens,
		BaseURL: b.srv.URL + "/",
		Logger:  slog.New(slog.NewTextHandler(io.MultiWriter(b.log, t.Output()), nil)),
	})))

	for _, u := range []struct {
		token *string
		user  lectern.User
	}{
		{&b.super, lectern.User{Username: "boss", IsStaff: true, IsSuperuser: true}},
		{&b.staff, lectern.User{Username: "staffer", IsStaff: true}},
		{&b.user, lectern.User{Username: "someone"}},
	} {
		u.user.IsActive = true
		hash, err := password.Hash("secret")
		if err != nil {
			t.Fatal(err)
		}
		u.user.PasswordHash = hash
		if err := b.users.CreateUser(ctx, &u.user); err != nil {
			t.Fatal(err)
		}
		if *u.token, err = b.tokens.CreateToken(ctx, u.user.ID); err != nil {
			t.Fatal(err)
		}
	}
	vt := &lectern.VideoType{Title: "Course"}
	if err := b.types.CreateVideoType(ctx, vt); err != nil {
		t.Fatal(err)
	}
	b.typeID = vt.ID
	return b
}

// response is one API answer.
type response struct {
	status int
	header http.Header
	body   []byte
}

// decode unmarshals the body into v.
func (r response) decode(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal(r.body, v); err != nil {
		t.Fatalf("decode %s: %v", r.body, err)
	}
}

// object returns the body as a JSON object.
func (r response) object(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	r.decode(t, &m)
	return m
}

// fields returns the "fields" of an error answer.
func (r response) fields(t *testing.T) map[string]string {
	t.Helper()
	var e struct {
		Detail string            `json:"detail"`
		Fields map[string]string `json:"fields"`
	}
	r.decode(t, &e)
	if e.Detail == "" {
		t.Errorf("error without detail: %s", r.body)
	}
	return e.Fields
}

// do sends a request with the Authorization header auth (none when empty)
// and a JSON body (none when nil; a string is sent as is). Every answer is
// checked: JSON content type (except 204) and never a bcrypt hash.
func (b *testBundle) do(t *testing.T, method, path, auth string, body any) response {
	t.Helper()
	var rd io.Reader
	switch v := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(v)
	default:
		j, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(j)
	}
	req, err := http.NewRequestWithContext(b.ctx, method, b.srv.URL+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := b.srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusNoContent {
		if ct := resp.Header.Get("Content-Type"); ct != "application/json; charset=utf-8" {
			t.Errorf("%s %s: Content-Type %q", method, path, ct)
		}
	}
	for _, prefix := range []string{"$2a$", "$2b$", "$2y$"} {
		if bytes.Contains(data, []byte(prefix)) {
			t.Errorf("%s %s: answer holds a bcrypt hash: %s", method, path, data)
		}
	}
	return response{status: resp.StatusCode, header: resp.Header, body: data}
}

// as returns the Authorization header for token.
func as(token string) string { return "Token " + token }

// want fails the test unless r has status.
func want(t *testing.T, r response, status int) {
	t.Helper()
	if r.status != status {
		t.Fatalf("status %d, want %d: %s", r.status, status, r.body)
	}
}

// syncBuffer is the log sink the server writes to while the test reads.
type syncBuffer = syncbuf.Buffer

func TestNotFoundAndMethodNotAllowed(t *testing.T) {
	t.Parallel()
	b := setup(t)
	for _, path := range []string{"/api/", "/api/v1/nope", "/api/v1/recorders/abc", "/api/v1/recorders/0", "/api/v1/recorders/99"} {
		r := b.do(t, "GET", path, as(b.super), nil)
		want(t, r, http.StatusNotFound)
		if d := r.object(t)["detail"]; d == "" {
			t.Errorf("%s: no detail: %s", path, r.body)
		}
	}
	r := b.do(t, "PUT", "/api/v1/recorders", as(b.super), "{}")
	want(t, r, http.StatusMethodNotAllowed)
	if allow := r.header.Get("Allow"); !strings.Contains(allow, "GET") || !strings.Contains(allow, "POST") {
		t.Errorf("Allow = %q", allow)
	}
	if d := r.object(t)["detail"]; d != `Method "PUT" not allowed.` {
		t.Errorf("detail = %v", d)
	}
	r = b.do(t, "POST", "/api/v1/types", "", nil)
	want(t, r, http.StatusMethodNotAllowed)
}

func TestInternalErrorIsLoggedOnce(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.db.Close()
	r := b.do(t, "GET", "/api/v1/types", as(b.user), nil)
	want(t, r, http.StatusInternalServerError)
	if d := r.object(t)["detail"]; d != "Internal error." {
		t.Errorf("detail = %v", d)
	}
	if n := strings.Count(b.log.String(), "api request failed"); n != 1 {
		t.Errorf("logged %d times: %s", n, b.log.String())
	}
	if !strings.Contains(b.log.String(), "path=/api/v1/types") {
		t.Errorf("log lacks the path: %s", b.log.String())
	}
}
