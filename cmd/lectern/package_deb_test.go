package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"lectern"
)

// TestPackageDeb builds the Debian package with scripts/package-deb,
// installs it on this machine with apt-get, checks what it installed
// (files, the user lectern, the units), runs the serve unit's ExecStart by
// hand as the user lectern (there is no systemd to start it here), makes a
// recorder with the packaged command line, uploads a clip to it with curl
// by FTP, waits for its treatment and its video, stops the service and
// removes, then purges, the package: data is kept by both, and the test
// deletes it itself, leaving the machine's packages, users and groups as
// it found them.
//
// It needs root and apt, and skips without them, when apt is locked, when
// Lectern is already installed here or its folders or user exist (a real
// installation, which it must not touch), or with -short.
func TestPackageDeb(t *testing.T) {
	t.Parallel()
	packageTestPreconditions(t)
	repo, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}

	// Build once.
	out := t.TempDir()
	build := exec.Command(filepath.Join(repo, "scripts", "package-deb"))
	build.Dir = repo
	build.Env = append(os.Environ(), "LECTERN_DEB_OUT="+out, "LECTERN_VERSION=0.0~test1")
	var buildErr bytes.Buffer
	build.Stderr = &buildErr
	stdout, err := build.Output()
	if err != nil {
		t.Fatalf("scripts/package-deb: %v\n%s", err, buildErr.String())
	}
	deb := strings.TrimSpace(string(stdout))
	if filepath.Base(deb) != "lectern_0.0~test1_"+debArch(t)+".deb" {
		t.Fatalf("scripts/package-deb printed %q", deb)
	}

	// Install once; from here on, the clean-up purges and deletes.
	t.Cleanup(func() { packageCleanUp(t) })
	res := apt(t, "install", "-y", deb)
	// Nothing but lectern: its dependencies (ffmpeg, adduser) are there
	// (scripts/deps), and it recommends nothing.
	if !strings.Contains(res, "Setting up lectern (0.0~test1)") || !strings.Contains(res, " 1 newly installed,") ||
		!strings.Contains(res, "systemctl enable --now lectern") {
		t.Errorf("apt-get install does not say it set lectern alone up, and how to start it:\n%s", res)
	}

	checkInstalledFiles(t, repo)
	// The version given to the build (main.version, by -ldflags -X), when
	// the program has a version command.
	if out, err := exec.Command("/usr/bin/lectern", "version").CombinedOutput(); err == nil && !strings.Contains(string(out), "0.0~test1") {
		t.Errorf("lectern version: %s; want the package's, 0.0~test1", out)
	}
	uid, gid := checkLecternUser(t)
	checkInstalledUnits(t)

	// The service as its unit runs it, on free loopback ports.
	unit := parseUnit(t, "/lib/systemd/system/lectern.service")
	httpAddr, ftpAddr := freeAddr(t), freeAddr(t)
	_, passive, _ := net.SplitHostPort(freeAddr(t))
	env := append([]string{"PATH=/usr/sbin:/usr/bin:/sbin:/bin"}, unit["Service.Environment"]...)
	env = append(env, "LECTERN_HTTP_ADDR="+httpAddr, "LECTERN_FTP_ADDR="+ftpAddr, "LECTERN_FTP_PASSIVE_PORTS="+passive)
	serve := asLectern(unit, strings.Fields(unit["Service.ExecStart"][0])...)
	serve.Env, serve.Dir = env, unit["Service.WorkingDirectory"][0]
	p := startCmd(t, serve)
	waitUntil(t, 60*time.Second, p, "the packaged serve does not answer", func() bool {
		resp, err := http.Get("http://" + httpAddr + "/healthz")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	})
	if fi, err := os.Stat("/var/lib/lectern/initial-admin-password"); err != nil || fi.Mode().Perm() != 0o600 ||
		fi.Sys().(*syscall.Stat_t).Uid != uid {
		t.Errorf("the initial admin password: %v", err)
	}

	// The packaged command line, as the README says to run it: as the
	// user lectern, with the packaged configuration and nothing else.
	lecternCLI := func(stdin string, args ...string) string {
		t.Helper()
		cmd := asLectern(unit, append([]string{"/usr/bin/lectern", "--config", "/etc/lectern/lectern.toml"}, args...)...)
		cmd.Env, cmd.Dir, cmd.Stdin = []string{"PATH=/usr/bin:/bin"}, "/", strings.NewReader(stdin)
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("lectern %s: %v\n%s", strings.Join(args, " "), err, stderrOf(err))
		}
		return string(out)
	}
	lecternCLI("", "type", "add", "--title", "Course")
	lecternCLI("pw-boss\n", "user", "add", "--username", "boss", "--email", "boss@univ.example", "--superuser", "--password-stdin")
	token := strings.TrimSpace(lecternCLI("", "token", "create", "--username", "boss"))
	lecternCLI("ftp-secret\n", "recorder", "add", "--name", "Amphi P", "--ip", "10.1.2.7", "--directory", "amphi-p",
		"--type-id", "1", "--manager", "boss", "--auto", "--login", "amphip", "--password-stdin")
	if fi, err := os.Stat("/srv/lectern/recorders/amphi-p"); err != nil || fi.Sys().(*syscall.Stat_t).Uid != uid {
		t.Fatalf("the recorder's folder is not lectern's: %v", err)
	}

	// A deposit by FTP with a real client.
	clip := makeClip(t, "testsrc2=size=320x240:rate=25:duration=2", "sine=frequency=440:sample_rate=48000:duration=2")
	if out, err := exec.Command("curl", "-sS", "--max-time", "60", "-T", clip,
		"ftp://amphip:ftp-secret@"+ftpAddr+"/lecture.mp4").CombinedOutput(); err != nil {
		t.Fatalf("curl FTP upload: %v\n%s\nlog:\n%s", err, out, p.log)
	}
	s := &server{url: "http://" + httpAddr, log: p.log}
	tr := waitTreatments(t, s, token, "?state=published", 1)[0]
	if tr.DetectedBy != lectern.SourceFTP || filepath.Base(tr.File) != "lecture.mp4" {
		t.Errorf("treatment %+v", tr)
	}
	var video lectern.Video
	waitUntil(t, 120*time.Second, p, "the deposit's video is not encoded", func() bool {
		_, body := s.get(t, "/api/v1/videos", token)
		var page struct {
			Results []lectern.Video `json:"results"`
		}
		if json.Unmarshal([]byte(body), &page) != nil || len(page.Results) != 1 {
			return false
		}
		video = page.Results[0]
		return video.EncodingState == lectern.EncodingDone || video.EncodingState == lectern.EncodingError
	})
	if video.EncodingState != lectern.EncodingDone {
		t.Fatalf("video %+v\nlog:\n%s", video, p.log)
	}
	source := filepath.Join("/srv/lectern/media/videos", fmt.Sprint(video.ID), "source.mp4")
	if fi, err := os.Stat(source); err != nil || fi.Sys().(*syscall.Stat_t).Uid != uid ||
		fi.Sys().(*syscall.Stat_t).Gid != gid || fi.Mode().Perm()&0o007 != 0 {
		t.Errorf("%s: %v, want lectern's and not world-readable (UMask=0027)", source, err)
	}
	p.stop(t)

	// Remove: the program goes, configuration and data stay.
	apt(t, "remove", "-y", "lectern")
	for _, gone := range []string{"/usr/bin/lectern", "/lib/systemd/system/lectern.service"} {
		if _, err := os.Lstat(gone); !os.IsNotExist(err) {
			t.Errorf("after apt-get remove, %s: %v", gone, err)
		}
	}
	for _, kept := range []string{"/etc/lectern/lectern.toml", "/var/lib/lectern/lectern.db", source, "/srv/lectern/recorders"} {
		if _, err := os.Stat(kept); err != nil {
			t.Errorf("apt-get remove deleted %s: %v", kept, err)
		}
	}
	// Purge: the configuration goes, data stays, and it says so.
	res = apt(t, "purge", "-y", "lectern")
	for _, want := range []string{"/var/lib/lectern /srv/lectern", "the system user lectern", "deluser --system lectern"} {
		if !strings.Contains(res, want) {
			t.Errorf("apt-get purge does not say %q:\n%s", want, res)
		}
	}
	if _, err := os.Stat("/etc/lectern"); !os.IsNotExist(err) {
		t.Errorf("after purge, /etc/lectern: %v", err)
	}
	for _, kept := range []string{"/var/lib/lectern/lectern.db", source} {
		if _, err := os.Stat(kept); err != nil {
			t.Errorf("apt-get purge deleted %s: %v", kept, err)
		}
	}
}

// packageTestPreconditions skips TestPackageDeb where it cannot run, or
// must not: it installs a package and makes a user on the machine.
func packageTestPreconditions(t *testing.T) {
	t.Helper()
	if testing.Short() {
		t.Skip("-short: the package test builds and installs a .deb")
	}
	if os.Geteuid() != 0 {
		t.Skip("not root: the package test installs the .deb with apt-get (the CI runs it as root)")
	}
	for _, tool := range []string{"apt-get", "dpkg-query", "setpriv", "curl", "userdel"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("no %s: the package test installs the .deb on a Debian system", tool)
		}
	}
	if out, err := exec.Command("dpkg-query", "-W", "-f", "${Status}", "lectern").Output(); err == nil && len(out) > 0 &&
		!strings.Contains(string(out), "not-installed") {
		t.Skipf("the package lectern is on this machine (%s): the test would remove it", out)
	}
	for _, path := range []string{"/etc/lectern", "/var/lib/lectern", "/srv/lectern"} {
		if _, err := os.Lstat(path); err == nil {
			t.Skipf("%s exists (a Lectern installation, or a failed run's leftovers): the test would delete it", path)
		}
	}
	for _, db := range []string{"passwd", "group"} {
		if exec.Command("getent", db, "lectern").Run() == nil {
			t.Skipf("the %s database has lectern already: the test would delete it", db)
		}
	}
	// One run at a time on a machine: a second waits for nothing, it skips.
	lock, err := os.OpenFile("/run/lock/lectern-package-test.lock", os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		t.Skipf("no lock file: %v", err)
	}
	t.Cleanup(func() { lock.Close() })
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		t.Skip("another run of TestPackageDeb holds /run/lock/lectern-package-test.lock")
	}
}

// apt runs apt-get non-interactively and returns its output; it skips the
// test when another apt or dpkg keeps the lock past a minute.
func apt(t *testing.T, args ...string) string {
	t.Helper()
	cmd := exec.Command("apt-get", append([]string{"-o", "DPkg::Lock::Timeout=60"}, args...)...)
	cmd.Env = append(os.Environ(), "DEBIAN_FRONTEND=noninteractive")
	out, err := cmd.CombinedOutput()
	if err != nil {
		if bytes.Contains(out, []byte("Could not get lock")) || bytes.Contains(out, []byte("Unable to acquire the dpkg frontend lock")) {
			t.Skipf("apt is locked by another process:\n%s", out)
		}
		t.Fatalf("apt-get %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// asLectern is the command args run as the unit's user and group, with its
// UMask, as systemd would (setpriv, then a shell for the umask).
func asLectern(unit map[string][]string, args ...string) *exec.Cmd {
	umask := "0022"
	if u := unit["Service.UMask"]; len(u) > 0 {
		umask = u[0]
	}
	user, group := unit["Service.User"][0], unit["Service.Group"][0]
	return exec.Command("setpriv", append([]string{"--reuid=" + user, "--regid=" + group, "--init-groups", "--no-new-privs", "--",
		"/bin/sh", "-c", `umask "$0" && exec "$@"`, umask}, args...)...)
}

// startCmd starts cmd, its output in a log, and kills it when the test
// ends if it still runs.
func startCmd(t *testing.T, cmd *exec.Cmd) *process {
	t.Helper()
	p := &process{cmd: cmd, log: &syncBuffer{}, done: make(chan struct{})}
	cmd.Stdout, cmd.Stderr = p.log, p.log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		cmd.Wait()
		close(p.done)
	}()
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-p.done
	})
	return p
}

func stderrOf(err error) string {
	if ee, ok := err.(*exec.ExitError); ok {
		return string(ee.Stderr)
	}
	return ""
}

func debArch(t *testing.T) string {
	t.Helper()
	out, err := exec.Command("dpkg", "--print-architecture").Output()
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(out))
}

// checkInstalledFiles checks the installed files' places, owners and
// modes, and that the units installed are the repository's.
func checkInstalledFiles(t *testing.T, repo string) {
	t.Helper()
	for path, want := range map[string]string{
		"/usr/bin/lectern":                           "-rwxr-xr-x root root",
		"/lib/systemd/system/lectern.service":        "-rw-r--r-- root root",
		"/lib/systemd/system/lectern-worker.service": "-rw-r--r-- root root",
		"/etc/lectern/lectern.toml":                  "-rw-r----- root lectern",
		"/usr/share/doc/lectern/copyright":           "-rw-r--r-- root root",
		"/usr/share/doc/lectern/changelog.gz":        "-rw-r--r-- root root",
		"/usr/share/man/man1/lectern.1.gz":           "-rw-r--r-- root root",
		"/var/lib/lectern":                           "drwxr-x--- lectern lectern",
		"/srv/lectern":                               "drwxr-xr-x root root",
		"/srv/lectern/media":                         "drwxr-x--- lectern lectern",
		"/srv/lectern/recorders":                     "drwxr-x--- lectern lectern",
	} {
		out, err := exec.Command("stat", "-c", "%A %U %G", path).Output()
		if got := strings.TrimSpace(string(out)); err != nil || got != want {
			t.Errorf("%s: %q (%v), want %q", path, got, err, want)
		}
	}
	for _, unit := range []string{"lectern.service", "lectern-worker.service"} {
		installed, err1 := os.ReadFile("/lib/systemd/system/" + unit)
		ours, err2 := os.ReadFile(filepath.Join(repo, "packaging", "systemd", unit))
		if err1 != nil || err2 != nil || !bytes.Equal(installed, ours) {
			t.Errorf("the installed %s is not packaging/systemd/%s (%v, %v)", unit, unit, err1, err2)
		}
	}
	status, err := exec.Command("dpkg-query", "-W", "-f", "${Depends}\n${Conffiles}\n", "lectern").Output()
	if err != nil || !strings.Contains(string(status), "ffmpeg") || !strings.Contains(string(status), "/etc/lectern/lectern.toml ") {
		t.Errorf("dpkg-query: Depends and Conffiles %q (%v); want ffmpeg and the configuration", status, err)
	}
	conf, err := os.ReadFile("/etc/lectern/lectern.toml")
	for _, line := range []string{"\nDATA_DIR = \"/var/lib/lectern\"\n", "\nMEDIA_ROOT = \"/srv/lectern/media\"\n",
		"\nDEFAULT_RECORDER_PATH = \"/srv/lectern/recorders\"\n"} {
		if err != nil || !strings.Contains(string(conf), line) {
			t.Errorf("/etc/lectern/lectern.toml does not set %q (%v)", strings.TrimSpace(line), err)
		}
	}
}

// checkLecternUser checks the system user lectern and returns its ids.
func checkLecternUser(t *testing.T) (uid, gid uint32) {
	t.Helper()
	out, err := exec.Command("getent", "passwd", "lectern").Output()
	f := strings.Split(strings.TrimSpace(string(out)), ":")
	if err != nil || len(f) != 7 {
		t.Fatalf("no user lectern: %v %q", err, out)
	}
	var u, g uint32
	fmt.Sscan(f[2], &u)
	fmt.Sscan(f[3], &g)
	if u == 0 || u >= 1000 || f[5] != "/var/lib/lectern" || !strings.HasSuffix(f[6], "nologin") {
		t.Errorf("user lectern %q: want a system user (uid below 1000), home /var/lib/lectern, no shell", out)
	}
	if out, err := exec.Command("getent", "group", "lectern").Output(); err != nil || !strings.HasPrefix(string(out), fmt.Sprintf("lectern:x:%d:", g)) {
		t.Errorf("group lectern %q (%v), want the user's group %d", out, err, g)
	}
	return u, g
}

// checkInstalledUnits has systemd check the installed units: no unknown or
// bad key, the binary found, and an exposure level below 2 ("OK").
func checkInstalledUnits(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("systemd-analyze"); err != nil {
		t.Log("no systemd-analyze: the units' keys are checked by TestSystemdUnits only")
		return
	}
	for _, unit := range []string{"lectern.service", "lectern-worker.service"} {
		path := "/lib/systemd/system/" + unit
		out, err := exec.Command("systemd-analyze", "verify", path).CombinedOutput()
		if err != nil || len(bytes.TrimSpace(out)) > 0 {
			t.Errorf("systemd-analyze verify %s: %v\n%s", unit, err, out)
		}
		out, err = exec.Command("systemd-analyze", "security", "--offline=true", "--threshold=20", path).CombinedOutput()
		if err != nil {
			t.Errorf("systemd-analyze security %s: %v, want an exposure level below 2.0:\n%s", unit, err, out)
		}
	}
}

// packageCleanUp purges the package if it is still there, deletes what
// purge keeps by design (the test made it: the preconditions saw none),
// and checks nothing of Lectern's is left. (Other packages and users may
// come and go meanwhile: the machine is shared.)
func packageCleanUp(t *testing.T) {
	if out, err := exec.Command("dpkg-query", "-W", "-f", "${Status}", "lectern").Output(); err == nil &&
		!strings.Contains(string(out), "not-installed") {
		cmd := exec.Command("apt-get", "-o", "DPkg::Lock::Timeout=120", "purge", "-y", "lectern")
		cmd.Env = append(os.Environ(), "DEBIAN_FRONTEND=noninteractive")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Errorf("clean-up: apt-get purge: %v\n%s", err, out)
		}
	}
	for _, path := range []string{"/etc/lectern", "/var/lib/lectern", "/srv/lectern"} {
		if err := os.RemoveAll(path); err != nil {
			t.Errorf("clean-up: %v", err)
		}
	}
	if exec.Command("getent", "passwd", "lectern").Run() == nil {
		if out, err := exec.Command("userdel", "lectern").CombinedOutput(); err != nil {
			t.Errorf("clean-up: userdel lectern: %v\n%s", err, out)
		}
	}
	if exec.Command("getent", "group", "lectern").Run() == nil {
		if out, err := exec.Command("groupdel", "lectern").CombinedOutput(); err != nil {
			t.Errorf("clean-up: groupdel lectern: %v\n%s", err, out)
		}
	}
	for _, db := range []string{"passwd", "group"} {
		if exec.Command("getent", db, "lectern").Run() == nil {
			t.Errorf("left behind: lectern in the %s database", db)
		}
	}
	for _, glob := range []string{"/etc/systemd/system/*lectern*", "/etc/systemd/system/*/lectern*",
		"/var/lib/systemd/deb-systemd-helper-*/lectern*", "/var/lib/systemd/deb-systemd-helper-*/*/lectern*"} {
		if m, _ := filepath.Glob(glob); len(m) > 0 {
			t.Errorf("left behind: %v", m)
		}
	}
}
