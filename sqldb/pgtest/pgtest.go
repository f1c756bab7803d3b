// Package pgtest gives tests a fresh, empty PostgreSQL database on a
// throwaway server, for test code only.
//
// When LECTERN_TEST_POSTGRES_URL is set (by hand: scripts/test does not
// set it), every database is made on that server, whose URL must let its
// user CREATE DATABASE. Otherwise the first test that asks starts a server
// of its own for the test binary (one per package tested), from
// Debian's packages (/usr/lib/postgresql/*/bin): a new cluster in a
// temporary folder, listening on a free loopback port and on a unix socket
// in that folder, owned by the unprivileged user postgres when the tests
// run as root (PostgreSQL refuses to run as root). A watchdog process stops
// the server and removes its folder when the test binary exits, however it
// ends. Nothing assumes a server already running; a missing PostgreSQL
// fails the test, saying what to install, and never skips it.
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// EnvURL is the variable naming a running server to use instead of
// starting one.
const EnvURL = "LECTERN_TEST_POSTGRES_URL"

var (
	once     sync.Once
	adminURL string
	startErr error
)

// NewDatabase creates an empty database for tb, dropped when tb ends, and
// returns its URL.
func NewDatabase(tb testing.TB) string {
	tb.Helper()
	admin, err := Server()
	if err != nil {
		tb.Fatalf("PostgreSQL for the tests: %v", err)
	}
	b := make([]byte, 6)
	rand.Read(b)
	name := "lectern_test_" + hex.EncodeToString(b)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := adminExec(ctx, admin, "CREATE DATABASE "+name); err != nil {
		tb.Fatalf("create test database: %v", err)
	}
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if err := adminExec(ctx, admin, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			tb.Logf("drop test database %s: %v", name, err)
		}
	})
	u, err := url.Parse(admin)
	if err != nil {
		tb.Fatalf("test server URL: %v", err)
	}
	u.Path = "/" + name
	return u.String()
}

// Server returns the URL of the test server's administrative database,
// starting the server on first use when LECTERN_TEST_POSTGRES_URL is unset.
func Server() (string, error) {
	once.Do(func() {
		if u := os.Getenv(EnvURL); u != "" {
			adminURL = u
			return
		}
		adminURL, startErr = start()
	})
	return adminURL, startErr
}

func adminExec(ctx context.Context, admin, stmt string) error {
	c, err := pgx.Connect(ctx, admin)
	if err != nil {
		return err
	}
	defer c.Close(ctx)
	_, err = c.Exec(ctx, stmt)
	return err
}

// binDir returns the newest /usr/lib/postgresql/<version>/bin holding
// initdb and pg_ctl.
func binDir() (string, error) { return binDirIn("/usr/lib/postgresql/*/bin/initdb") }

// binDirIn returns the folder of the newest initdb matching pattern.
func binDirIn(pattern string) (string, error) {
	found, _ := filepath.Glob(pattern)
	sort.Slice(found, func(i, j int) bool {
		vi, _ := strconv.Atoi(filepath.Base(filepath.Dir(filepath.Dir(found[i]))))
		vj, _ := strconv.Atoi(filepath.Base(filepath.Dir(filepath.Dir(found[j]))))
		return vi < vj
	})
	if len(found) == 0 {
		return "", fmt.Errorf("PostgreSQL is not installed (no %s): "+
			"run `scripts/deps postgresql` (Debian's package) or set %s to a server's URL", pattern, EnvURL)
	}
	return filepath.Dir(found[len(found)-1]), nil
}

// start makes and starts a throwaway cluster and returns its URL.
func start() (string, error) {
	bin, err := binDir()
	if err != nil {
		return "", err
	}
	dir, err := os.MkdirTemp("", "lectern-pg-")
	if err != nil {
		return "", err
	}
	// As root, the cluster belongs to postgres, which Debian's package
	// creates; otherwise to the user running the tests.
	var asUser []string
	owner := "postgres"
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			return "", fmt.Errorf("running as root, PostgreSQL needs an unprivileged user: %w (install Debian's postgresql package: scripts/deps postgresql)", err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		if err := os.Chown(dir, uid, gid); err != nil {
			return "", err
		}
		asUser = []string{"runuser", "-u", "postgres", "--"}
	} else if u, err := user.Current(); err == nil {
		owner = u.Username
	}
	run := func(name string, args ...string) error {
		argv := append(append(append([]string{}, asUser...), filepath.Join(bin, name)), args...)
		out, err := exec.Command(argv[0], argv[1:]...).CombinedOutput()
		if err != nil {
			return fmt.Errorf("%s: %w\n%s", strings.Join(argv, " "), err, out)
		}
		return nil
	}
	data := filepath.Join(dir, "data")
	if err := run("initdb", "-D", data, "-U", owner, "--auth=trust", "-E", "UTF8", "--no-locale", "--no-sync"); err != nil {
		os.RemoveAll(dir)
		return "", err
	}
	port, err := freePort()
	if err != nil {
		os.RemoveAll(dir)
		return "", err
	}
	// Durability is of no use to a throwaway cluster: no fsync, no
	// waiting for the WAL on commit.
	opts := fmt.Sprintf("-c listen_addresses=127.0.0.1 -p %d -k %s -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200", port, dir)
	if err := run("pg_ctl", "-D", data, "-o", opts, "-l", filepath.Join(dir, "log"), "-w", "-t", "60", "start"); err != nil {
		log, _ := os.ReadFile(filepath.Join(dir, "log"))
		os.RemoveAll(dir)
		return "", fmt.Errorf("%w\n%s", err, log)
	}
	if err := watchdog(asUser, filepath.Join(bin, "pg_ctl"), data, dir); err != nil {
		run("pg_ctl", "-D", data, "-m", "immediate", "stop")
		os.RemoveAll(dir)
		return "", err
	}
	return fmt.Sprintf("postgres://%s@127.0.0.1:%d/postgres?sslmode=disable", owner, port), nil
}

// watchdog starts a process of its own session that waits for this one to
// end, then stops the cluster and removes its folder.
func watchdog(asUser []string, pgctl, data, dir string) error {
	stop := strings.Join(append(append([]string{}, asUser...), `"$2" -D "$3" -m immediate stop`), " ")
	script := `while kill -0 "$1" 2>/dev/null; do sleep 0.5; done; ` + stop + ` >/dev/null 2>&1; rm -rf "$4"`
	cmd := exec.Command("sh", "-c", script, "pgtest-watchdog", strconv.Itoa(os.Getpid()), pgctl, data, dir)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start the test server's watchdog: %w", err)
	}
	go cmd.Wait()
	return nil
}

// freePort returns a loopback TCP port nobody listens on now.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
