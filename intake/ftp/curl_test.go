package ftp_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// curl is what many recorders run (or link, as libcurl) to export.
func TestCurl(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("curl"); err != nil {
		t.Fatal("curl is needed by this test: apt-get install curl")
	}
	b := newServer(t, nil)
	b.recorder(t, "room", "rec", "p@ss", nil)
	dir := t.TempDir()
	curl := func(t *testing.T, args ...string) {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		out, err := exec.CommandContext(ctx, "curl", append([]string{"-sS", "--show-error"}, args...)...).CombinedOutput()
		if err != nil {
			t.Fatalf("curl %v: %v\n%s", args, err, out)
		}
	}
	url := fmt.Sprintf("ftp://rec:p%%40ss@%s/", b.srv.Addr())
	file := func(name string, data []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}

	t.Run("plain", func(t *testing.T) {
		t.Parallel()
		curl(t, "-T", file("curl.mp4", content(250_000)), url)
		if tr := b.waitTreatment(t, "room/curl.mp4"); tr.FileSize != 250_000 || tr.DetectedBy != "ftp" {
			t.Fatalf("%+v", tr)
		}
	})
	t.Run("explicit TLS", func(t *testing.T) {
		t.Parallel()
		curl(t, "--ssl-reqd", "-k", "-T", file("curl-tls.mp4", content(250_000)), url)
		b.waitTreatment(t, "room/curl-tls.mp4")
	})
	t.Run("resume", func(t *testing.T) {
		t.Parallel()
		full := content(600_000)
		r := b.raw(t, "rec", "p@ss")
		d := r.storPart("curl-resume.mp4", full[:200_000])
		d.Close()
		r.c.Close()
		b.waitLog(t, "ftp upload broken off", "/room/curl-resume.mp4")
		curl(t, "-C", "-", "-T", file("curl-resume.mp4", full), url)
		if tr := b.waitTreatment(t, "room/curl-resume.mp4"); tr.FileSize != int64(len(full)) {
			t.Fatalf("%+v", tr)
		}
		if got, _ := os.ReadFile(b.path("room/curl-resume.mp4")); !bytes.Equal(got, full) {
			t.Fatal("resumed file differs")
		}
	})
}
