package upload_test

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"lectern/intake/upload"
)

// uploadFiles are the data and .info files of the tus upload at url.
func (b *testBundle) uploadFiles(url string) []string {
	id := url[strings.LastIndex(url, "/")+1:]
	return []string{filepath.Join(b.temp, "tus", id), filepath.Join(b.temp, "tus", id+".info")}
}

// age makes the tus upload at url look idle since d ago, as it would be
// after d without a byte (or after a restart d later).
func (b *testBundle) age(t testing.TB, url string, d time.Duration) {
	t.Helper()
	at := time.Now().Add(-d)
	for _, p := range b.uploadFiles(url) {
		if err := os.Chtimes(p, at, at); err != nil {
			t.Fatal(err)
		}
	}
}

// exists reports which of paths exist.
func exists(t testing.TB, paths []string) (n int) {
	t.Helper()
	for _, p := range paths {
		if _, err := os.Stat(p); err == nil {
			n++
		} else if !errors.Is(err, fs.ErrNotExist) {
			t.Fatal(err)
		}
	}
	return n
}

// TestTusExpiry: an unfinished upload tells when it expires
// (Upload-Expires, the tus Expiration extension); once idle for longer
// than Config.Expiry it answers 410 and its files are gone. Uploads idle
// that long are removed by the periodic sweep of a handler started later
// on the same TempDir (a restart); live ones stay and resume.
func TestTusExpiry(t *testing.T) {
	t.Parallel()
	b := setup(t, 1<<20)
	data := randomBytes(t, 20)
	expires := func(r response) time.Time {
		t.Helper()
		at, err := http.ParseTime(r.header.Get("Upload-Expires"))
		if err != nil {
			t.Fatalf("Upload-Expires %q: %v", r.header.Get("Upload-Expires"), err)
		}
		if d := time.Until(at); d < upload.DefaultExpiry-time.Minute || d > upload.DefaultExpiry+time.Minute {
			t.Errorf("expires in %s, want %s", d, upload.DefaultExpiry)
		}
		return at
	}

	r := b.tusRequest(t, "POST", "/api/v1/uploads/", b.staff, map[string]string{
		"Upload-Length": "20", "Upload-Metadata": metadata("filename", "idle.mp4", "recorder", fmt.Sprint(b.rec.ID))}, nil)
	want(t, r, http.StatusCreated)
	expires(r)
	url := r.header.Get("Location")
	r = b.patch(t, url, b.staff, 0, data[:10])
	want(t, r, http.StatusNoContent)
	expires(r)
	r = b.tusRequest(t, "HEAD", url, b.staff, nil, nil)
	want(t, r, http.StatusOK)
	expires(r)

	// Idle for a day and an hour: gone, on the next request.
	b.age(t, url, upload.DefaultExpiry+time.Hour)
	r = b.patch(t, url, b.staff, 10, data[10:])
	want(t, r, http.StatusGone)
	if d, _ := r.object(t)["detail"].(string); !strings.Contains(d, "expired") {
		t.Errorf("detail %q", d)
	}
	if n := exists(t, b.uploadFiles(url)); n != 0 {
		t.Errorf("%d files of the expired upload left", n)
	}
	want(t, b.tusRequest(t, "HEAD", url, b.staff, nil, nil), http.StatusNotFound)

	// Without any request: the sweep of the next start removes it.
	stale, live := b.create(t, b.staff, "stale.mp4", 20), b.create(t, b.staff, "live.mp4", 20)
	want(t, b.patch(t, stale, b.staff, 0, data[:10]), http.StatusNoContent)
	want(t, b.patch(t, live, b.staff, 0, data[:10]), http.StatusNoContent)
	b.age(t, stale, upload.DefaultExpiry+time.Minute)
	b.age(t, live, upload.DefaultExpiry-time.Hour)
	restarted, err := upload.New(upload.Config{Root: b.root, TempDir: b.temp, MaxSize: 1 << 20, BaseURL: b.srv.URL + "/",
		SweepInterval: 10 * time.Millisecond},
		upload.Deps{Recorders: b.recorders, RecordingFiles: b.recordingFiles, Tokens: b.tokens, Intake: b.intake,
			Logger: slog.New(slog.NewTextHandler(t.Output(), nil))})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(b.ctx)
	defer cancel()
	restarted.Start(ctx)
	defer restarted.Stop()
	for deadline := time.Now().Add(30 * time.Second); exists(t, b.uploadFiles(stale)) > 0; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the sweep did not remove the expired upload")
		}
	}
	restarted.Stop()
	restarted.Stop() // idempotent
	if n := exists(t, b.uploadFiles(live)); n != 2 {
		t.Fatalf("the sweep removed a live upload (%d files left)", n)
	}
	want(t, b.patch(t, live, b.staff, 10, data[10:]), http.StatusNoContent)
	if got, err := os.ReadFile(filepath.Join(b.root, "room", "live.mp4")); err != nil || string(got) != string(data) {
		t.Errorf("live upload deposited %q, %v", got, err)
	}
}

// TestUploadExpiryConfig: a short Expiry applies to tus uploads and to
// multipart leftovers alike.
func TestUploadExpiryConfig(t *testing.T) {
	t.Parallel()
	b := setup(t, 1<<20)
	url := b.create(t, b.staff, "a.mp4", 20)
	leftover := filepath.Join(b.temp, "multipart-123.part")
	if err := os.WriteFile(leftover, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	b.age(t, url, 2*time.Hour)
	old := time.Now().Add(-2 * time.Hour)
	if err := os.Chtimes(leftover, old, old); err != nil {
		t.Fatal(err)
	}
	h, err := upload.New(upload.Config{Root: b.root, TempDir: b.temp, BaseURL: b.srv.URL + "/", Expiry: time.Hour},
		upload.Deps{Recorders: b.recorders, RecordingFiles: b.recordingFiles, Tokens: b.tokens, Intake: b.intake})
	if err != nil {
		t.Fatal(err)
	}
	if err := h.Recover(b.ctx); err != nil {
		t.Fatal(err)
	}
	if n := exists(t, append(b.uploadFiles(url), leftover)); n != 0 {
		t.Errorf("%d files left after an hour's expiry", n)
	}
}
