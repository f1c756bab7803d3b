// Package browsertest starts the headless Chromium that Lectern's browser
// tests drive with chromedp: it finds the browser (skipping the test when
// there is none, unless CI is set: scripts/test installs it, and a
// missing browser must not pass for a success there) and gives the flags
// every run uses, with a fresh profile removed when the test ends.
package browsertest

import (
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// Path finds the browser, or skips the test (fails it when CI is set).
func Path(tb testing.TB) string {
	tb.Helper()
	for _, name := range []string{"/usr/bin/chromium", "chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if path, err := exec.LookPath(name); err == nil {
			return path
		}
	}
	if os.Getenv("CI") != "" {
		tb.Fatal("chromium not found, and CI is set: install it (scripts/deps chromium; the browser tests never skip in CI)")
	}
	tb.Skip("chromium not found (scripts/deps chromium installs it; set CI to make this a failure)")
	return ""
}

// Options are the allocator options of a headless run of the browser at
// path in a window of width×height: no sandbox (tests run as root), no
// GPU, no network but the test's (this machine's closed network refuses
// Chromium's own connections), a fresh profile.
func Options(tb testing.TB, path string, width, height int) []chromedp.ExecAllocatorOption {
	tb.Helper()
	return []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.UserDataDir(Profile(tb)),
		chromedp.WindowSize(width, height),
	}
}

// Profile is a fresh profile directory, removed when the test ends. The
// browser's helper processes may still write in it for a moment after
// the browser is stopped, so its removal is tried again for a few
// seconds (t.TempDir's cleanup would fail the test on "directory not
// empty").
func Profile(tb testing.TB) string {
	tb.Helper()
	dir, err := os.MkdirTemp("", "lectern-chromium-")
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		var err error
		for range 50 {
			if err = os.RemoveAll(dir); err == nil || errors.Is(err, fs.ErrNotExist) {
				return
			}
			time.Sleep(100 * time.Millisecond)
		}
		tb.Logf("browser profile %s not removed: %v", dir, err)
	})
	return dir
}
