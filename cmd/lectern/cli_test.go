package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/crypto/bcrypt"

	"lectern"
	"lectern/password"
	"lectern/sqldb"
)

func TestMain(m *testing.M) {
	password.Cost = bcrypt.MinCost
	os.Exit(m.Run())
}

// cli runs lectern commands against its own DATA_DIR, through run, as the
// command line would; the process's own environment is never read.
type cli struct {
	dataDir string
	environ []string
}

func newCLI(tb testing.TB, environ ...string) *cli {
	tb.Helper()
	dir := filepath.Join(tb.TempDir(), "data")
	return &cli{dataDir: dir, environ: append([]string{"LECTERN_DATA_DIR=" + dir}, environ...)}
}

type result struct {
	code           int
	stdout, stderr string
}

// run runs one command with stdin as its standard input.
func (c *cli) run(tb testing.TB, stdin string, args ...string) result {
	tb.Helper()
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), args, strings.NewReader(stdin), &stdout, &stderr, c.environ)
	return result{code, stdout.String(), stderr.String()}
}

// mustRun runs a command that must succeed.
func (c *cli) mustRun(tb testing.TB, stdin string, args ...string) result {
	tb.Helper()
	res := c.run(tb, stdin, args...)
	if res.code != 0 {
		tb.Fatalf("lectern %s: exit %d\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), res.code, res.stdout, res.stderr)
	}
	return res
}

// wantExit checks the exit code and that stderr names each of want.
func (r result) wantExit(tb testing.TB, code int, want ...string) {
	tb.Helper()
	if r.code != code {
		tb.Errorf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", r.code, code, r.stdout, r.stderr)
	}
	for _, w := range want {
		if !strings.Contains(r.stderr, w) {
			tb.Errorf("stderr does not name %q:\n%s", w, r.stderr)
		}
	}
}

// open opens the CLI's database, as another process would.
func (c *cli) open(tb testing.TB) *sqldb.DB {
	tb.Helper()
	var db *sqldb.DB
	var err error
	if url := getenv(c.environ, "LECTERN_DATABASE_URL"); sqldb.IsPostgresURL(url) {
		db, err = sqldb.OpenPostgres(context.Background(), url, nil)
	} else {
		db, err = sqldb.Open(context.Background(), filepath.Join(c.dataDir, "lectern.db"), nil)
	}
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	return db
}

func (c *cli) addUser(tb testing.TB, username string, flags ...string) {
	tb.Helper()
	c.mustRun(tb, "pw-"+username+"\n", append([]string{"user", "add", "--username", username, "--email", username + "@univ.example", "--password-stdin"}, flags...)...)
}

// addType adds a video type and returns its id.
func (c *cli) addType(tb testing.TB, title string) int64 {
	tb.Helper()
	c.mustRun(tb, "", "type", "add", "--title", title)
	var types []lectern.VideoType
	c.mustJSON(tb, &types, "type", "list", "--json")
	for _, t := range types {
		if t.Title == title {
			return t.ID
		}
	}
	tb.Fatalf("type %q not listed", title)
	return 0
}

// mustJSON runs a command that must succeed and decodes its output into v.
func (c *cli) mustJSON(tb testing.TB, v any, args ...string) string {
	tb.Helper()
	out := c.mustRun(tb, "", args...).stdout
	if err := json.Unmarshal([]byte(out), v); err != nil {
		tb.Fatalf("lectern %s: output is not JSON: %v\n%s", strings.Join(args, " "), err, out)
	}
	return out
}

// assertNoHash fails when out holds a bcrypt hash or a password field.
func assertNoHash(tb testing.TB, out string) {
	tb.Helper()
	if strings.Contains(out, "$2a$") || strings.Contains(out, "$2b$") || strings.Contains(strings.ToLower(out), "password") {
		tb.Errorf("output shows a password hash:\n%s", out)
	}
}

func TestCLIMigrate(t *testing.T) {
	t.Parallel()
	c := newCLI(t)
	first := c.mustRun(t, "", "migrate")
	if !regexp.MustCompile(`^database is at version [1-9]\d*\n$`).MatchString(first.stdout) {
		t.Errorf("stdout = %q", first.stdout)
	}
	if _, err := os.Stat(filepath.Join(c.dataDir, "lectern.db")); err != nil {
		t.Errorf("database file: %v", err)
	}
	second := c.mustRun(t, "", "migrate")
	if second.stdout != first.stdout {
		t.Errorf("second migrate says %q, first said %q", second.stdout, first.stdout)
	}
	if strings.Contains(second.stderr, "migration applied") {
		t.Errorf("second migrate applied migrations again:\n%s", second.stderr)
	}
	c.run(t, "", "migrate", "extra").wantExit(t, 2, "no arguments")
}

func TestCLIConfigCheck(t *testing.T) {
	t.Parallel()
	t.Run("valid", func(t *testing.T) {
		t.Parallel()
		c := newCLI(t, "LECTERN_SMTP_URL=smtp://u:secret@mail.example")
		res := c.mustRun(t, "", "config", "check")
		for _, key := range []string{`DATA_DIR = "` + c.dataDir + `"`, `DEFAULT_RECORDER_PATH = "` + filepath.Join(c.dataDir, "recorders") + `"`,
			"BASE_URL = ", "USE_CAS = false", "SMTP_URL = "} {
			if !strings.Contains(res.stdout, key) {
				t.Errorf("stdout lacks %q:\n%s", key, res.stdout)
			}
		}
		if strings.Contains(res.stdout, "secret") {
			t.Errorf("stdout shows the SMTP password:\n%s", res.stdout)
		}
		if fi, err := os.Stat(c.dataDir); err != nil || !fi.IsDir() {
			t.Errorf("config check did not make DATA_DIR: %v", err)
		}
	})
	t.Run("file given by --config", func(t *testing.T) {
		t.Parallel()
		c := newCLI(t)
		path := writeConfig(t, "USE_CAS = true\nSITE_TITLE = \"Amphis\"\n")
		res := c.mustRun(t, "", "config", "check", "--config", path)
		if !strings.Contains(res.stdout, "USE_CAS = true") || !strings.Contains(res.stdout, `SITE_TITLE = "Amphis"`) {
			t.Errorf("the file's values are not shown:\n%s", res.stdout)
		}
		// The flag is global: before the command too.
		res = c.mustRun(t, "", "--config", path, "config", "check")
		if !strings.Contains(res.stdout, "USE_CAS = true") {
			t.Errorf("the file's values are not shown:\n%s", res.stdout)
		}
	})
	t.Run("file given by LECTERN_CONFIG", func(t *testing.T) {
		t.Parallel()
		path := writeConfig(t, "USE_CAS = true\n")
		c := newCLI(t, "LECTERN_CONFIG="+path)
		if res := c.mustRun(t, "", "config", "check"); !strings.Contains(res.stdout, "USE_CAS = true") {
			t.Errorf("the file's values are not shown:\n%s", res.stdout)
		}
	})
	t.Run("--config beats LECTERN_CONFIG", func(t *testing.T) {
		t.Parallel()
		bad := writeConfig(t, "LANGUAGE_CODE = \"de\"\n")
		good := writeConfig(t, "USE_CAS = true\n")
		c := newCLI(t, "LECTERN_CONFIG="+bad)
		if res := c.mustRun(t, "", "config", "check", "--config", good); !strings.Contains(res.stdout, "USE_CAS = true") {
			t.Errorf("the flag's file is not used:\n%s", res.stdout)
		}
	})
	for _, tt := range []struct {
		name    string
		file    string // TOML given with --config, if any
		envFile string // TOML given with LECTERN_CONFIG, if any
		environ []string
		want    string
	}{
		{name: "invalid key via --config", file: "LANGUAGE_CODE = \"de\"\n", want: "LANGUAGE_CODE"},
		{name: "unknown key via --config", file: "USE_CASS = true\n", want: "USE_CASS"},
		{name: "invalid key via LECTERN_CONFIG", envFile: "DEFAULT_RECORDER_PATH = \"relative\"\n", want: "DEFAULT_RECORDER_PATH"},
		{name: "invalid environment variable", environ: []string{"LECTERN_USE_CAS=maybe"}, want: "LECTERN_USE_CAS"},
		{name: "unknown environment variable", environ: []string{"LECTERN_NOPE=1"}, want: "LECTERN_NOPE"},
		{name: "postgres without a database", environ: []string{"LECTERN_DATABASE_URL=postgres://db"}, want: "DATABASE_URL"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			environ, args := tt.environ, []string{"config", "check"}
			if tt.file != "" {
				args = append(args, "--config", writeConfig(t, tt.file))
			}
			if tt.envFile != "" {
				environ = append(environ, "LECTERN_CONFIG="+writeConfig(t, tt.envFile))
			}
			c := newCLI(t, environ...)
			res := c.run(t, "", args...)
			res.wantExit(t, 2, tt.want)
			if res.stdout != "" {
				t.Errorf("stdout = %q, want nothing", res.stdout)
			}
		})
	}
	t.Run("missing --config file", func(t *testing.T) {
		t.Parallel()
		path := filepath.Join(t.TempDir(), "nope.toml")
		newCLI(t).run(t, "", "config", "check", "--config", path).wantExit(t, 2, path)
	})
	t.Run("unwritable DATA_DIR", func(t *testing.T) {
		t.Parallel()
		file := filepath.Join(t.TempDir(), "file")
		if err := os.WriteFile(file, nil, 0o600); err != nil {
			t.Fatal(err)
		}
		c := newCLI(t, "LECTERN_DATA_DIR="+filepath.Join(file, "data"))
		c.run(t, "", "config", "check").wantExit(t, 2, "DATA_DIR")
		c.run(t, "", "migrate").wantExit(t, 2, "DATA_DIR")
	})
}

type jsonUser struct {
	Username    string `json:"username"`
	Email       string `json:"email"`
	FirstName   string `json:"first_name"`
	IsStaff     bool   `json:"is_staff"`
	IsSuperuser bool   `json:"is_superuser"`
	IsActive    bool   `json:"is_active"`
}

func TestCLIUserAdd(t *testing.T) {
	t.Parallel()
	t.Run("created", func(t *testing.T) {
		t.Parallel()
		c := newCLI(t)
		res := c.mustRun(t, "s3cret pw\n", "user", "add", "--username", "alice", "--email", "alice@univ.example",
			"--first-name", "Alice", "--last-name", "Martin", "--password-stdin")
		if !strings.HasPrefix(res.stdout, "created user alice (id ") {
			t.Errorf("stdout = %q", res.stdout)
		}
		u, err := sqldb.NewUserService(c.open(t)).FindUserByUsername(context.Background(), "alice")
		if err != nil {
			t.Fatal(err)
		}
		if !password.Check(u.PasswordHash, "s3cret pw") {
			t.Error("the stored hash does not match the password given on stdin")
		}
		if !u.IsActive || u.IsStaff || u.IsSuperuser || u.FullName() != "Alice Martin" {
			t.Errorf("user = %+v", u)
		}
	})
	t.Run("superuser implies staff", func(t *testing.T) {
		t.Parallel()
		c := newCLI(t)
		c.addUser(t, "root", "--superuser")
		c.addUser(t, "staff", "--staff")
		var users []jsonUser
		c.mustJSON(t, &users, "user", "list", "--json")
		want := []jsonUser{
			{Username: "root", Email: "root@univ.example", IsStaff: true, IsSuperuser: true, IsActive: true},
			{Username: "staff", Email: "staff@univ.example", IsStaff: true, IsActive: true},
		}
		if diff := cmp.Diff(want, users); diff != "" {
			t.Errorf("users (-want +got):\n%s", diff)
		}
	})
	t.Run("duplicate", func(t *testing.T) {
		t.Parallel()
		c := newCLI(t)
		c.addUser(t, "alice")
		res := c.run(t, "other\n", "user", "add", "--username", "alice", "--email", "a2@univ.example", "--password-stdin")
		res.wantExit(t, 4, "already exists")
	})
	for _, tt := range []struct {
		name  string
		stdin string
		args  []string
		want  string
	}{
		{"no --password-stdin", "pw\n", []string{"--username", "bob", "--email", "bob@univ.example"}, "--password-stdin"},
		{"no --username", "pw\n", []string{"--email", "bob@univ.example", "--password-stdin"}, "username"},
		{"no --email", "pw\n", []string{"--username", "bob", "--password-stdin"}, "email"},
		{"empty password", "\n", []string{"--username", "bob", "--email", "bob@univ.example", "--password-stdin"}, "no password"},
		{"no standard input", "", []string{"--username", "bob", "--email", "bob@univ.example", "--password-stdin"}, "no password"},
		{"password over 72 bytes", strings.Repeat("p", 73) + "\n", []string{"--username", "bob", "--email", "bob@univ.example", "--password-stdin"}, "72"},
		{"invalid username", "pw\n", []string{"--username", "bob smith", "--email", "bob@univ.example", "--password-stdin"}, "username"},
		{"invalid email", "pw\n", []string{"--username", "bob", "--email", "bob@", "--password-stdin"}, "email"},
		{"argument", "pw\n", []string{"--username", "bob", "--email", "bob@univ.example", "--password-stdin", "extra"}, "no arguments"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := newCLI(t)
			res := c.run(t, tt.stdin, append([]string{"user", "add"}, tt.args...)...)
			res.wantExit(t, 2, tt.want)
			if _, err := os.Stat(filepath.Join(c.dataDir, "lectern.db")); err == nil {
				if n, err := sqldb.NewUserService(c.open(t)).CountUsers(context.Background()); err != nil || n != 0 {
					t.Errorf("%d users after a failed add, %v; want none", n, err)
				}
			}
		})
	}
}

func TestCLIUserList(t *testing.T) {
	t.Parallel()
	c := newCLI(t)
	// An empty list is still a JSON array.
	if out := c.mustRun(t, "", "user", "list", "--json").stdout; strings.TrimSpace(out) != "[]" {
		t.Errorf("empty user list --json = %q, want []", out)
	}
	c.addUser(t, "bob")
	c.addUser(t, "alice", "--superuser")

	text := c.mustRun(t, "", "user", "list").stdout
	lines := strings.Split(strings.TrimSpace(text), "\n")
	if len(lines) != 3 || !strings.HasPrefix(lines[0], "ID") || !strings.Contains(lines[1], "alice") || !strings.Contains(lines[2], "bob") {
		t.Errorf("user list =\n%s\nwant a header, then alice and bob", text)
	}
	assertNoHash(t, text)

	var users []map[string]any
	out := c.mustJSON(t, &users, "user", "list", "--json")
	assertNoHash(t, out)
	if len(users) != 2 || users[0]["username"] != "alice" || users[1]["username"] != "bob" {
		t.Errorf("user list --json = %v", users)
	}
	for _, u := range users {
		for _, key := range []string{"id", "email", "is_staff", "is_superuser", "is_active", "date_joined"} {
			if _, ok := u[key]; !ok {
				t.Errorf("user %v lacks %q", u["username"], key)
			}
		}
	}
}

func TestCLIUserPasswd(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c := newCLI(t)
	c.addUser(t, "alice")
	users := sqldb.NewUserService(c.open(t))
	before, err := users.FindUserByUsername(ctx, "alice")
	if err != nil {
		t.Fatal(err)
	}

	res := c.mustRun(t, "n3w password\r\n", "user", "passwd", "--username", "alice", "--password-stdin")
	if res.stdout != "password changed for alice\n" {
		t.Errorf("stdout = %q", res.stdout)
	}
	after, err := users.FindUserByUsername(ctx, "alice")
	if err != nil {
		t.Fatal(err)
	}
	if after.PasswordHash == before.PasswordHash {
		t.Error("the hash did not change")
	}
	if !password.Check(after.PasswordHash, "n3w password") || password.Check(after.PasswordHash, "pw-alice") {
		t.Error("the new hash does not check the new password only")
	}

	c.run(t, "x\n", "user", "passwd", "--username", "nobody", "--password-stdin").wantExit(t, 3, "not found")
	c.run(t, "x\n", "user", "passwd", "--username", "alice").wantExit(t, 2, "--password-stdin")
	c.run(t, "x\n", "user", "passwd", "--password-stdin").wantExit(t, 2, "username")
	if got, _ := users.FindUserByUsername(ctx, "alice"); got.PasswordHash != after.PasswordHash {
		t.Error("a failed passwd changed the hash")
	}
}

func TestCLIType(t *testing.T) {
	t.Parallel()
	c := newCLI(t)
	if out := c.mustRun(t, "", "type", "list", "--json").stdout; strings.TrimSpace(out) != "[]" {
		t.Errorf("empty type list --json = %q, want []", out)
	}
	res := c.mustRun(t, "", "type", "add", "--title", "Course", "--description", "Lectures")
	if !strings.HasPrefix(res.stdout, `created video type "Course" (id `) {
		t.Errorf("stdout = %q", res.stdout)
	}
	c.mustRun(t, "", "type", "add", "--title", "Conference")

	var types []lectern.VideoType
	c.mustJSON(t, &types, "type", "list", "--json")
	var titles []string
	for _, vt := range types {
		titles = append(titles, vt.Title)
		if vt.ID == 0 {
			t.Errorf("type %q has no id", vt.Title)
		}
	}
	if diff := cmp.Diff([]string{"Conference", "Course"}, titles); diff != "" {
		t.Errorf("titles (-want +got):\n%s", diff)
	}
	if text := c.mustRun(t, "", "type", "list").stdout; !strings.Contains(text, "Course") || !strings.HasPrefix(text, "ID") {
		t.Errorf("type list =\n%s", text)
	}

	c.run(t, "", "type", "add", "--title", "Course").wantExit(t, 4)
	c.run(t, "", "type", "add").wantExit(t, 2, "title")
	c.run(t, "", "type", "add", "--title", " ").wantExit(t, 2, "title")
}

// jsonRecorder is what `recorder show --json` prints, decoded.
type jsonRecorder struct {
	ID              int64  `json:"id"`
	Name            string `json:"name"`
	Description     string `json:"description"`
	AddressIP       string `json:"address_ip"`
	Salt            string `json:"salt"`
	Login           string `json:"credentials_login"`
	RecordingType   string `json:"recording_type"`
	User            *int64 `json:"user"`
	Directory       string `json:"directory"`
	PublicationAuto bool   `json:"publication_auto"`
	Type            int64  `json:"type"`
	IsDraft         bool   `json:"is_draft"`
	Cursus          string `json:"cursus"`
	Manager         string `json:"manager"`
	Path            string `json:"path"`
	HasFTP          bool   `json:"has_ftp"`
}

func TestCLIRecorder(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c := newCLI(t)
	c.addUser(t, "alice", "--staff")
	typeID := c.addType(t, "Course")
	root := filepath.Join(c.dataDir, "recorders")

	if out := c.mustRun(t, "", "recorder", "list", "--json").stdout; strings.TrimSpace(out) != "[]" {
		t.Errorf("empty recorder list --json = %q, want []", out)
	}

	res := c.mustRun(t, "ftp-pass\n", "recorder", "add",
		"--name", "Amphi A", "--description", "Ground floor", "--ip", "::ffff:192.0.2.10",
		"--directory", "amphi-a", "--type-id", itoa(typeID), "--salt", "pepper",
		"--manager", "alice", "--recording-type", "audiovideocast", "--auto",
		"--login", "amphi-a", "--password-stdin")
	if !strings.Contains(res.stdout, "created recorder Amphi A") || !strings.Contains(res.stdout, filepath.Join(root, "amphi-a")) {
		t.Errorf("stdout = %q", res.stdout)
	}
	fi, err := os.Stat(filepath.Join(root, "amphi-a"))
	if err != nil || !fi.IsDir() || fi.Mode().Perm() != 0o750 {
		t.Errorf("deposit directory: %v, %v; want a 0750 directory", fi, err)
	}

	// Without --type-id, DEFAULT_RECORDER_TYPE_ID applies.
	withDefault := &cli{dataDir: c.dataDir, environ: append(c.environ, "LECTERN_DEFAULT_RECORDER_TYPE_ID="+itoa(typeID))}
	withDefault.mustRun(t, "", "recorder", "add", "--name", "Amphi B", "--ip", "2001:DB8::B", "--directory", "amphi-b")

	var shown jsonRecorder
	out := c.mustJSON(t, &shown, "recorder", "show", "Amphi A", "--json")
	assertNoHash(t, out)
	aliceID := userID(t, c, "alice")
	want := jsonRecorder{ID: shown.ID, Name: "Amphi A", Description: "Ground floor", AddressIP: "192.0.2.10", Salt: "pepper",
		Login: "amphi-a", RecordingType: "audiovideocast", User: &aliceID, Directory: "amphi-a", PublicationAuto: true,
		Type: typeID, IsDraft: true, Cursus: "0", Manager: "alice", Path: filepath.Join(root, "amphi-a"), HasFTP: true}
	if diff := cmp.Diff(want, shown); diff != "" {
		t.Errorf("recorder show --json (-want +got):\n%s", diff)
	}
	r, err := sqldb.NewRecorderService(c.open(t)).FindRecorderByID(ctx, shown.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !password.Check(r.CredentialsPasswordHash, "ftp-pass") {
		t.Error("the stored FTP hash does not match the password given on stdin")
	}

	text := c.mustRun(t, "", "recorder", "show", "Amphi A").stdout
	for _, w := range []string{"Amphi A", "192.0.2.10", "audiovideocast", "alice", filepath.Join(root, "amphi-a")} {
		if !strings.Contains(text, w) {
			t.Errorf("recorder show lacks %q:\n%s", w, text)
		}
	}
	assertNoHash(t, text)

	var list []jsonRecorder
	out = c.mustJSON(t, &list, "recorder", "list", "--json")
	assertNoHash(t, out)
	if len(list) != 2 || list[0].Name != "Amphi A" || list[1].Name != "Amphi B" || list[1].AddressIP != "2001:db8::b" || list[1].Type != typeID || list[1].Manager != "" {
		t.Errorf("recorder list --json = %+v", list)
	}
	text = c.mustRun(t, "", "recorder", "list").stdout
	if lines := strings.Split(strings.TrimSpace(text), "\n"); len(lines) != 3 || !strings.HasPrefix(lines[0], "ID") {
		t.Errorf("recorder list =\n%s", text)
	}
	assertNoHash(t, text)

	c.run(t, "", "recorder", "show", "Amphi Z").wantExit(t, 3, "not found")
	c.run(t, "", "recorder", "show", "Amphi Z", "--json").wantExit(t, 3, "not found")
	c.run(t, "", "recorder", "show").wantExit(t, 2)
	c.run(t, "", "recorder", "remove", "Amphi Z").wantExit(t, 3, "not found")

	res = c.mustRun(t, "", "recorder", "remove", "Amphi B")
	if res.stdout != "removed recorder Amphi B\n" {
		t.Errorf("stdout = %q", res.stdout)
	}
	c.run(t, "", "recorder", "show", "Amphi B").wantExit(t, 3)
	if _, err := os.Stat(filepath.Join(root, "amphi-b")); err != nil {
		t.Errorf("remove deleted the deposit directory: %v", err)
	}
}

func TestCLIRecorderAddErrors(t *testing.T) {
	t.Parallel()
	c := newCLI(t)
	c.addUser(t, "alice")
	typeID := itoa(c.addType(t, "Course"))
	c.mustRun(t, "", "recorder", "add", "--name", "Amphi A", "--ip", "10.0.0.1", "--directory", "amphi-a", "--type-id", typeID)

	for _, tt := range []struct {
		name  string
		stdin string
		args  []string
		code  int
		want  []string
	}{
		{"bad IP", "", []string{"--name", "X", "--ip", "10.0.0.256", "--directory", "x", "--type-id", typeID}, 2, []string{"address_ip"}},
		{"IPv6 zone", "", []string{"--name", "X", "--ip", "fe80::1%eth0", "--directory", "x", "--type-id", typeID}, 2, []string{"address_ip"}},
		{"bad directory", "", []string{"--name", "X", "--ip", "10.0.0.2", "--directory", "../x", "--type-id", typeID}, 2, []string{"directory"}},
		{"bad recording type", "", []string{"--name", "X", "--ip", "10.0.0.2", "--directory", "x", "--type-id", typeID, "--recording-type", "podcast"}, 2, []string{"recording_type"}},
		{"no type", "", []string{"--name", "X", "--ip", "10.0.0.2", "--directory", "x"}, 2, []string{"type"}},
		{"unknown type", "", []string{"--name", "X", "--ip", "10.0.0.2", "--directory", "x", "--type-id", "999"}, 2, []string{"type"}},
		{"unknown manager", "", []string{"--name", "X", "--ip", "10.0.0.2", "--directory", "x", "--type-id", typeID, "--manager", "nobody"}, 2, []string{"nobody"}},
		{"--login without --password-stdin", "pw\n", []string{"--name", "X", "--ip", "10.0.0.2", "--directory", "x", "--type-id", typeID, "--login", "x"}, 2, []string{"--login", "--password-stdin"}},
		{"--password-stdin without --login", "pw\n", []string{"--name", "X", "--ip", "10.0.0.2", "--directory", "x", "--type-id", typeID, "--password-stdin"}, 2, []string{"--login"}},
		{"--login with an empty password", "\n", []string{"--name", "X", "--ip", "10.0.0.2", "--directory", "x", "--type-id", typeID, "--login", "x", "--password-stdin"}, 2, []string{"no password"}},
		{"no --name", "", []string{"--ip", "10.0.0.2", "--directory", "x", "--type-id", typeID}, 2, []string{"name"}},
		{"no --ip", "", []string{"--name", "X", "--directory", "x", "--type-id", typeID}, 2, []string{"ip"}},
		{"no --directory", "", []string{"--name", "X", "--ip", "10.0.0.2", "--type-id", typeID}, 2, []string{"directory"}},
		{"bad --type-id", "", []string{"--name", "X", "--ip", "10.0.0.2", "--directory", "x", "--type-id", "one"}, 2, []string{"type-id"}},
		{"duplicate name", "", []string{"--name", "Amphi A", "--ip", "10.0.0.2", "--directory", "x", "--type-id", typeID}, 4, []string{"name"}},
		{"duplicate IP", "", []string{"--name", "X", "--ip", "10.0.0.1", "--directory", "x", "--type-id", typeID}, 4, []string{"IP"}},
		{"duplicate directory", "", []string{"--name", "X", "--ip", "10.0.0.2", "--directory", "amphi-a", "--type-id", typeID}, 4, []string{"directory"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			// Not parallel: the subtests share one database, and check
			// that each failure leaves it and the disk as they were.
			res := c.run(t, tt.stdin, append([]string{"recorder", "add"}, tt.args...)...)
			res.wantExit(t, tt.code, tt.want...)
			var list []jsonRecorder
			c.mustJSON(t, &list, "recorder", "list", "--json")
			if len(list) != 1 {
				t.Errorf("%d recorders after a failed add, want 1", len(list))
			}
			entries, _ := os.ReadDir(filepath.Join(c.dataDir, "recorders"))
			if len(entries) != 1 || entries[0].Name() != "amphi-a" {
				t.Errorf("deposit directories after a failed add: %v, want amphi-a only", entries)
			}
		})
	}
}

func TestCLIToken(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c := newCLI(t)
	c.addUser(t, "alice")
	res := c.mustRun(t, "", "token", "create", "--username", "alice")
	if !regexp.MustCompile(`^[0-9a-f]{40}\n$`).MatchString(res.stdout) {
		t.Fatalf("stdout = %q, want one line with a 40-hex token and nothing else", res.stdout)
	}
	tok := strings.TrimSpace(res.stdout)
	u, err := sqldb.NewTokenService(c.open(t)).FindUserByToken(ctx, tok)
	if err != nil || u.Username != "alice" {
		t.Errorf("FindUserByToken(printed token) = %v, %v; want alice", u, err)
	}
	if again := c.mustRun(t, "", "token", "create", "--username", "alice"); again.stdout == res.stdout {
		t.Error("two tokens are the same")
	}
	c.run(t, "", "token", "create", "--username", "nobody").wantExit(t, 3, "not found")
	c.run(t, "", "token", "create").wantExit(t, 2, "username")
}

func TestCLIUsage(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name string
		args []string
		code int
		want string // in stderr, or in stdout when code is 0
	}{
		{"no command prints help", nil, 0, "Available Commands"},
		{"help", []string{"help"}, 0, "Available Commands"},
		{"--help", []string{"recorder", "add", "--help"}, 0, "--directory"},
		{"group alone prints help", []string{"recorder"}, 0, "Available Commands"},
		{"unknown command", []string{"bogus"}, 2, "unknown command"},
		{"unknown subcommand", []string{"user", "bogus"}, 2, "unknown command"},
		{"unknown sub-subcommand of config", []string{"config", "bogus"}, 2, "unknown command"},
		{"unknown flag", []string{"migrate", "--bogus"}, 2, "unknown flag"},
		{"unknown shorthand flag", []string{"migrate", "-z"}, 2, "unknown shorthand flag"},
		{"flag without its value", []string{"user", "add", "--username"}, 2, "needs an argument"},
		{"bad bool flag", []string{"recorder", "list", "--json=maybe"}, 2, "json"},
		{"required flag missing", []string{"token", "create"}, 2, "required flag"},
		{"unexpected argument", []string{"user", "list", "extra"}, 2, "no arguments"},
		{"too many arguments", []string{"recorder", "show", "a", "b"}, 2, "exactly one argument"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := newCLI(t)
			res := c.run(t, "", tt.args...)
			if res.code != tt.code {
				t.Errorf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", res.code, tt.code, res.stdout, res.stderr)
			}
			out := res.stderr
			if tt.code == 0 {
				out = res.stdout
			}
			if !strings.Contains(out, tt.want) {
				t.Errorf("output lacks %q\nstdout:\n%s\nstderr:\n%s", tt.want, res.stdout, res.stderr)
			}
			if tt.code != 0 {
				if _, err := os.Stat(c.dataDir); err == nil {
					t.Errorf("a usage error made DATA_DIR")
				}
			}
		})
	}
}

func TestExitCode(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name string
		err  error
		want int
	}{
		{"nil", nil, 0},
		{"plain", os.ErrPermission, 1},
		{"usage", usageError{os.ErrInvalid}, 2},
		{"invalid", lectern.Errorf(lectern.EINVALID, "bad"), 2},
		{"not found", lectern.Errorf(lectern.ENOTFOUND, "none"), 3},
		{"conflict", lectern.Errorf(lectern.ECONFLICT, "taken"), 4},
		{"unauthorized", lectern.Errorf(lectern.EUNAUTHORIZED, "who"), 1},
		{"internal", lectern.Errorf(lectern.EINTERNAL, "oops"), 1},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := exitCode(tt.err); got != tt.want {
				t.Errorf("exitCode(%v) = %d, want %d", tt.err, got, tt.want)
			}
		})
	}
}

func itoa(n int64) string {
	b, _ := json.Marshal(n)
	return string(b)
}

// userID returns the id of a user, read from `user list --json`.
func userID(tb testing.TB, c *cli, username string) int64 {
	tb.Helper()
	var users []struct {
		ID       int64  `json:"id"`
		Username string `json:"username"`
	}
	c.mustJSON(tb, &users, "user", "list", "--json")
	for _, u := range users {
		if u.Username == username {
			return u.ID
		}
	}
	tb.Fatalf("no user %q", username)
	return 0
}
