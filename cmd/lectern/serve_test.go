package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"lectern"
	"lectern/internal/syncbuf"
	"lectern/password"
	"lectern/sqldb"
)

// syncBuffer is the log sink the server writes to while the test reads.
type syncBuffer = syncbuf.Buffer

// server is a running `lectern serve` (or `lectern worker`) in this process.
type server struct {
	url    string // http://127.0.0.1:port
	app    *app
	log    *syncBuffer
	cancel context.CancelFunc
	done   chan error
	once   sync.Once
	err    error
}

// startServe runs serve for c's DATA_DIR on a free port and waits until it
// listens. It is stopped when the test ends, if the test did not stop it.
func startServe(tb testing.TB, c *cli) *server {
	tb.Helper()
	return startServeEnv(tb, c, "LECTERN_HTTP_ADDR=127.0.0.1:0", "LECTERN_FTP_ADDR=127.0.0.1:0")
}

// startServeEnv runs serve for c's DATA_DIR with env added to c's
// environment (the addresses to listen on), and waits until it listens.
func startServeEnv(tb testing.TB, c *cli, env ...string) *server {
	tb.Helper()
	return startServeApp(tb, c, nil, env...)
}

// startServeApp is startServeEnv with setup, when not nil, called on the
// app before it serves (test hooks such as app.pendingEvery).
func startServeApp(tb testing.TB, c *cli, setup func(*app), env ...string) *server {
	tb.Helper()
	s, addr := startApp(tb, c, "serve", setup, env, (*app).serve)
	s.url = "http://" + addr
	return s
}

// startApp runs the command run (serve, worker) of an app for c with env
// added, after setup when not nil, in this process, and waits until it
// is ready: it returns what run sent on ready. It is stopped when the
// test ends, if the test did not stop it.
func startApp[R any](tb testing.TB, c *cli, name string, setup func(*app), env []string,
	run func(*app, context.Context, chan<- R) error) (*server, R) {
	tb.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	s := &server{log: &syncBuffer{}, cancel: cancel, done: make(chan error, 1)}
	// Free loopback ports unless env says otherwise (the last value of a
	// key wins): a Lectern running on this machine on the default ports
	// must not fail a test.
	a := &app{stdin: strings.NewReader(""), stdout: io.Discard, stderr: s.log,
		environ: append(append(append([]string{}, c.environ...), "LECTERN_HTTP_ADDR=127.0.0.1:0", "LECTERN_FTP_ADDR=127.0.0.1:0"), env...)}
	ready := make(chan R, 1)
	s.app = a
	if setup != nil {
		setup(a)
	}
	go func() { s.done <- run(a, ctx, ready) }()
	var r R
	select {
	case r = <-ready:
	case err := <-s.done:
		cancel()
		tb.Fatalf("%s ended before it was ready: %v\nlog:\n%s", name, err, s.log)
	case <-time.After(20 * time.Second):
		cancel()
		tb.Fatalf("%s was not ready within 20s\nlog:\n%s", name, s.log)
	}
	tb.Cleanup(func() {
		if err := s.stop(); err != nil {
			tb.Errorf("%s: %v\nlog:\n%s", name, err, s.log)
		}
	})
	return s, r
}

// stop cancels serve's context and returns what serve returned.
func (s *server) stop() error {
	s.once.Do(func() {
		s.cancel()
		select {
		case s.err = <-s.done:
		case <-time.After(20 * time.Second):
			s.err = context.DeadlineExceeded
		}
	})
	return s.err
}

// get fetches path with an optional API token and returns status and body.
func (s *server) get(tb testing.TB, path, token string) (int, string) {
	tb.Helper()
	req, err := http.NewRequest(http.MethodGet, s.url+path, nil)
	if err != nil {
		tb.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Token "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		tb.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		tb.Fatal(err)
	}
	return resp.StatusCode, string(body)
}

func TestServe(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c := newCLI(t)
	s := startServe(t, c)

	for _, path := range []string{"/healthz", "/readyz"} {
		if status, body := s.get(t, path, ""); status != http.StatusOK || body != "ok\n" {
			t.Errorf("GET %s = %d %q, want 200 ok", path, status, body)
		}
	}
	for _, dir := range []string{"recorders", "media"} {
		if fi, err := os.Stat(filepath.Join(c.dataDir, dir)); err != nil || !fi.IsDir() {
			t.Errorf("DATA_DIR/%s: %v, want a directory", dir, err)
		}
	}

	// The first run made the superuser admin, its password in a 0600
	// file and in the log.
	pwFile := filepath.Join(c.dataDir, initialAdminFile)
	fi, err := os.Stat(pwFile)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("%s mode = %v, want 0600", pwFile, fi.Mode().Perm())
	}
	data, err := os.ReadFile(pwFile)
	if err != nil {
		t.Fatal(err)
	}
	pw := strings.TrimSuffix(string(data), "\n")
	if len(pw) < 16 || strings.ContainsAny(pw, " \n") {
		t.Fatalf("initial password = %q, want one long word on one line", data)
	}
	if !strings.Contains(s.log.String(), "password="+pw) {
		t.Errorf("the log does not show the initial password:\n%s", s.log)
	}
	db := c.open(t)
	users := sqldb.NewUserService(db)
	admin, err := users.FindUserByUsername(ctx, "admin")
	if err != nil {
		t.Fatal(err)
	}
	if !admin.IsSuperuser || !admin.IsStaff || !admin.IsActive || !password.Check(admin.PasswordHash, pw) {
		t.Errorf("admin = %+v; want an active superuser whose password is in the file", admin)
	}
	if n, err := users.CountUsers(ctx); err != nil || n != 1 {
		t.Errorf("%d users, %v; want 1", n, err)
	}

	// The command line works on the same DATA_DIR while serve runs, and
	// the running server sees its changes at once.
	tok := strings.TrimSpace(c.mustRun(t, "", "token", "create", "--username", "admin").stdout)
	if n := apiRecorderCount(t, s, tok); n != 0 {
		t.Errorf("API lists %d recorders before any was added", n)
	}
	typeID := c.addType(t, "Course")
	c.mustRun(t, "", "recorder", "add", "--name", "Amphi A", "--ip", "10.0.0.1", "--directory", "amphi-a", "--type-id", itoa(typeID))
	if n := apiRecorderCount(t, s, tok); n != 1 {
		t.Errorf("API lists %d recorders after recorder add, want 1", n)
	}
	rs, _, err := sqldb.NewRecorderService(db).FindRecorders(ctx, lectern.RecorderFilter{})
	if err != nil || len(rs) != 1 || rs[0].Name != "Amphi A" {
		t.Errorf("recorders read from the database: %v, %v; want Amphi A", rs, err)
	}
	if fi, err := os.Stat(filepath.Join(c.dataDir, "recorders", "amphi-a")); err != nil || !fi.IsDir() {
		t.Errorf("deposit directory: %v", err)
	}
	if status, _ := s.get(t, "/readyz", ""); status != http.StatusOK {
		t.Errorf("GET /readyz after CLI writes = %d", status)
	}

	// Cancelling the context stops serve cleanly.
	if err := s.stop(); err != nil {
		t.Fatalf("serve returned %v after its context ended, want nil", err)
	}
	if _, err := http.Get(s.url + "/healthz"); err == nil {
		t.Error("the server still answers after serve returned")
	}
	if !strings.Contains(s.log.String(), "shutting down") {
		t.Errorf("no shutdown in the log:\n%s", s.log)
	}
}

func TestServeSecondStart(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c := newCLI(t)
	first := startServe(t, c)
	if err := first.stop(); err != nil {
		t.Fatal(err)
	}
	pwFile := filepath.Join(c.dataDir, initialAdminFile)
	before, err := os.ReadFile(pwFile)
	if err != nil {
		t.Fatal(err)
	}
	fiBefore, err := os.Stat(pwFile)
	if err != nil {
		t.Fatal(err)
	}

	second := startServe(t, c)
	if status, _ := second.get(t, "/healthz", ""); status != http.StatusOK {
		t.Errorf("GET /healthz = %d", status)
	}
	if err := second.stop(); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(second.log.String(), "first superuser") || strings.Contains(second.log.String(), "password=") {
		t.Errorf("the second start made an admin again:\n%s", second.log)
	}
	after, err := os.ReadFile(pwFile)
	if err != nil {
		t.Fatal(err)
	}
	fiAfter, err := os.Stat(pwFile)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(before, after) || !fiAfter.ModTime().Equal(fiBefore.ModTime()) {
		t.Errorf("the second start rewrote %s", pwFile)
	}
	users := sqldb.NewUserService(c.open(t))
	if n, err := users.CountUsers(ctx); err != nil || n != 1 {
		t.Errorf("%d users after two starts, %v; want 1", n, err)
	}
	admin, err := users.FindUserByUsername(ctx, "admin")
	if err != nil || !password.Check(admin.PasswordHash, strings.TrimSpace(string(before))) {
		t.Errorf("admin's password no longer matches the file: %v", err)
	}
}

// A database that already has a user gets no admin, even on its first
// serve.
func TestServeExistingUsers(t *testing.T) {
	t.Parallel()
	c := newCLI(t)
	c.addUser(t, "alice", "--superuser")
	s := startServe(t, c)
	if err := s.stop(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(c.dataDir, initialAdminFile)); !os.IsNotExist(err) {
		t.Errorf("%s: %v; want no file", initialAdminFile, err)
	}
	if _, err := sqldb.NewUserService(c.open(t)).FindUserByUsername(context.Background(), "admin"); lectern.ErrorCode(err) != lectern.ENOTFOUND {
		t.Errorf("find admin: %v; want not found", err)
	}
}

// A password file left by an earlier database is replaced with a private
// one: the new password never lands in a file others may read.
func TestServeStalePasswordFile(t *testing.T) {
	t.Parallel()
	c := newCLI(t)
	if err := os.MkdirAll(c.dataDir, 0o750); err != nil {
		t.Fatal(err)
	}
	pwFile := filepath.Join(c.dataDir, initialAdminFile)
	if err := os.WriteFile(pwFile, []byte("old password from another database, longer than the new one\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	s := startServe(t, c)
	if err := s.stop(); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(pwFile)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("%s mode = %v, want 0600", pwFile, fi.Mode().Perm())
	}
	data, _ := os.ReadFile(pwFile)
	if strings.Contains(string(data), "old") || strings.Count(string(data), "\n") != 1 {
		t.Errorf("%s = %q, want the new password alone", pwFile, data)
	}
}

func TestServeBadConfig(t *testing.T) {
	t.Parallel()
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name    string
		environ []string
		want    string
	}{
		{"unwritable DATA_DIR", []string{"LECTERN_DATA_DIR=" + filepath.Join(file, "data")}, "DATA_DIR"},
		{"bad HTTP_ADDR", []string{"LECTERN_HTTP_ADDR=nowhere"}, "HTTP_ADDR"},
		{"bad LANGUAGE_CODE", []string{"LECTERN_LANGUAGE_CODE=de"}, "LANGUAGE_CODE"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := newCLI(t, tt.environ...)
			res := c.run(t, "", "serve")
			res.wantExit(t, 2, tt.want)
		})
	}
}

// apiRecorderCount returns the count of GET /api/v1/recorders.
func apiRecorderCount(tb testing.TB, s *server, token string) int {
	tb.Helper()
	status, body := s.get(tb, "/api/v1/recorders", token)
	if status != http.StatusOK {
		tb.Fatalf("GET /api/v1/recorders = %d %s", status, body)
	}
	var page struct {
		Count int `json:"count"`
	}
	if err := json.Unmarshal([]byte(body), &page); err != nil {
		tb.Fatalf("GET /api/v1/recorders: %v\n%s", err, body)
	}
	return page.Count
}
