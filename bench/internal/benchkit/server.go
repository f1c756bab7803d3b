package benchkit

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// Addrs are the loopback addresses a benchmark gives the server it starts.
type Addrs struct {
	HTTP, FTP string
	Passive   string // FTP_PASSIVE_PORTS, "first-last"
}

// ServerAddrs picks free loopback addresses for a server's HTTP and FTP,
// and passive free ports for its FTP data connections.
func ServerAddrs(passive int) (Addrs, error) {
	var a Addrs
	var err error
	if a.HTTP, err = FreeAddr(); err != nil {
		return a, err
	}
	if a.FTP, err = FreeAddr(); err != nil {
		return a, err
	}
	a.Passive, err = FreePortRange(passive)
	return a, err
}

// CLI runs `bin args…` with env and stdin, and returns its standard
// output; a failure carries its standard error.
func CLI(ctx context.Context, bin string, env []string, stdin string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env, cmd.Stdin = env, strings.NewReader(stdin)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("lectern %s: %w\n%s", strings.Join(args, " "), err, stderr.String())
	}
	return string(out), nil
}

// NewPostgresDatabase creates a fresh database, named prefix and random
// hex, on the PostgreSQL server admin names, and returns its URL.
func NewPostgresDatabase(ctx context.Context, admin, prefix string) (string, error) {
	b := make([]byte, 6)
	rand.Read(b)
	name := prefix + hex.EncodeToString(b)
	c, err := pgx.Connect(ctx, admin)
	if err != nil {
		return "", fmt.Errorf("connect to PostgreSQL: %w", err)
	}
	defer c.Close(ctx)
	if _, err := c.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		return "", fmt.Errorf("create database %s: %w", name, err)
	}
	u, err := url.Parse(admin)
	if err != nil {
		return "", err
	}
	u.Path = "/" + name
	return u.String(), nil
}

// Env is the environment of a server or command a benchmark starts: its
// own LECTERN_ settings, then this process's environment without any
// LECTERN_ variable (so a developer's shell changes nothing).
func Env(settings ...string) []string {
	env := append([]string(nil), settings...)
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "LECTERN_") {
			env = append(env, kv)
		}
	}
	return env
}

// Healthy reports whether the server at addr answers /healthz.
func Healthy(addr string) bool {
	resp, err := http.Get("http://" + addr + "/healthz")
	if err != nil {
		return false
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}

// Build compiles lectern/cmd/lectern into bin and says how long it took.
func Build(ctx context.Context, bin string) error {
	start := time.Now()
	if out, err := exec.CommandContext(ctx, "go", "build", "-o", bin, "lectern/cmd/lectern").CombinedOutput(); err != nil {
		return fmt.Errorf("go build lectern/cmd/lectern: %w\n%s", err, out)
	}
	fmt.Printf("built %s in %.1f s\n", bin, time.Since(start).Seconds())
	return nil
}

// LogTail is the last n bytes of the log file at path (all of it when
// shorter; nothing when it cannot be read).
func LogTail(path string, n int) string {
	b, _ := os.ReadFile(path)
	return string(b[max(0, len(b)-n):])
}

// SetUpRecorder makes, with bin's command line on env, a video type, a
// superuser "boss", and a recorder (name, in directory) that boss
// manages, which publishes automatically and logs in by FTP as login
// with password.
func SetUpRecorder(ctx context.Context, bin string, env []string, name, directory, login, password string) error {
	cli := func(stdin string, args ...string) (string, error) { return CLI(ctx, bin, env, stdin, args...) }
	if _, err := cli("", "type", "add", "--title", "Course"); err != nil {
		return err
	}
	if _, err := cli("bench-user-pass\n", "user", "add", "--username", "boss", "--email", "boss@univ.example",
		"--staff", "--superuser", "--password-stdin"); err != nil {
		return err
	}
	out, err := cli("", "type", "list", "--json")
	if err != nil {
		return err
	}
	var types []struct {
		ID int64 `json:"id"`
	}
	if err := json.Unmarshal([]byte(out), &types); err != nil || len(types) != 1 {
		return fmt.Errorf("lectern type list --json: %v: %s", err, out)
	}
	_, err = cli(password+"\n", "recorder", "add", "--name", name, "--ip", "127.0.0.1",
		"--directory", directory, "--type-id", strconv.FormatInt(types[0].ID, 10), "--manager", "boss", "--auto",
		"--login", login, "--password-stdin")
	return err
}
