package upload_test

import (
	"bytes"
	"fmt"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"lectern"
)

// TestUploadOnlyIntoManagedRecorders: staff upload only into the recorders
// they manage or help with, by either path; a superuser into any. A
// refusal is 403 with a JSON detail, and leaves nothing behind: no file in
// the recorder's directory or in TempDir, no treatment.
func TestUploadOnlyIntoManagedRecorders(t *testing.T) {
	t.Parallel()
	b := setup(t, 1<<20)
	// "managed" has staff2 as its manager, publishing automatically: a file
	// slipped in by someone else would become staff2's public video.
	managed := b.managedRecorder(t, true)
	data := randomBytes(t, 4096)
	forbidden := func(t *testing.T, r response) {
		t.Helper()
		want(t, r, http.StatusForbidden)
		if d, _ := r.object(t)["detail"].(string); !strings.Contains(d, "recorders you manage") {
			t.Errorf("detail %q", d)
		}
	}

	t.Run("multipart, recorder first", func(t *testing.T) {
		forbidden(t, b.postForm(t, b.staff, field("recorder", fmt.Sprint(managed.ID)), file("stolen.mp4", bytes.NewReader(data))))
	})
	t.Run("multipart, file first", func(t *testing.T) {
		forbidden(t, b.postForm(t, b.staff, file("stolen.mp4", bytes.NewReader(data)), field("recorder", fmt.Sprint(managed.ID))))
	})
	t.Run("multipart, into a recorder nobody manages", func(t *testing.T) {
		forbidden(t, b.postForm(t, b.staff2, field("recorder", fmt.Sprint(b.rec.ID)), file("stolen.mp4", bytes.NewReader(data))))
	})
	t.Run("tus, in one request", func(t *testing.T) {
		forbidden(t, b.tusRequest(t, "POST", "/api/v1/uploads/", b.staff, map[string]string{
			"Upload-Length":   strconv.Itoa(len(data)),
			"Upload-Metadata": metadata("filename", "stolen.mp4", "recorder", fmt.Sprint(managed.ID)),
			"Content-Type":    "application/offset+octet-stream",
		}, bytes.NewReader(data)))
	})
	t.Run("tus, deferred length", func(t *testing.T) {
		forbidden(t, b.tusRequest(t, "POST", "/api/v1/uploads/", b.staff2, map[string]string{
			"Upload-Defer-Length": "1",
			"Upload-Metadata":     metadata("filename", "stolen.mp4", "recorder", fmt.Sprint(b.rec.ID)),
		}, nil))
	})
	if n := b.treatmentCount(t); n != 0 {
		t.Fatalf("%d treatments after refusals", n)
	}
	b.wantFiles(t) // nothing in either directory, nothing in TempDir

	// The manager uploads into their recorder by both paths, an
	// additional user into theirs, a superuser into any.
	want(t, b.postForm(t, b.staff2, field("recorder", fmt.Sprint(managed.ID)), file("mine.mp4", bytes.NewReader(data))), http.StatusCreated)
	want(t, b.postForm(t, b.staff, field("recorder", fmt.Sprint(b.rec.ID)), file("ours.mp4", bytes.NewReader(data))), http.StatusCreated)
	want(t, b.postForm(t, b.super, field("recorder", fmt.Sprint(managed.ID)), file("boss.mp4", bytes.NewReader(data))), http.StatusCreated)
	r := b.tusRequest(t, "POST", "/api/v1/uploads/", b.staff2, map[string]string{
		"Upload-Length":   strconv.Itoa(len(data)),
		"Upload-Metadata": metadata("filename", "resumed.mp4", "recorder", fmt.Sprint(managed.ID)),
		"Content-Type":    "application/offset+octet-stream",
	}, bytes.NewReader(data))
	want(t, r, http.StatusCreated)
	b.wantFiles(t, filepath.Join("recorders", "managed", "mine.mp4"), filepath.Join("recorders", "room", "ours.mp4"),
		filepath.Join("recorders", "managed", "boss.mp4"), filepath.Join("recorders", "managed", "resumed.mp4"),
		filepath.Join("data", "uploads", "tus", strings.TrimPrefix(r.header.Get("Location"), b.srv.URL+"/api/v1/uploads/")+".done"))
}

// TestUploadAnswerPaths: an upload's answer shows staff the file relative
// to the recorder's directory, as the API does; the host's folders are for
// superusers.
func TestUploadAnswerPaths(t *testing.T) {
	t.Parallel()
	b := setup(t, 1<<20)
	for _, c := range []struct {
		token, want string
	}{
		{b.staff, "staff.mp4"},
		{b.super, filepath.Join(b.root, "room", "super.mp4")},
	} {
		r := b.postForm(t, c.token, field("recorder", fmt.Sprint(b.rec.ID)), file(filepath.Base(c.want), strings.NewReader("data")))
		want(t, r, http.StatusCreated)
		o := r.object(t)
		if o["file"] != c.want || o["treatment"].(map[string]any)["file"] != c.want {
			t.Errorf("answer %s, want file %q", r.body, c.want)
		}
	}
}

// managedRecorder creates the recorder "Managed" (directory "managed"),
// whose manager is staff2 and no one else.
func (b *testBundle) managedRecorder(t *testing.T, auto bool) *lectern.Recorder {
	t.Helper()
	rec := lectern.NewRecorder()
	rec.Name, rec.AddressIP, rec.Directory, rec.TypeID = "Managed", "10.0.0.2", "managed", b.rec.TypeID
	rec.UserID, rec.PublicationAuto = new(b.ids[b.staff2]), auto
	if err := b.recorders.CreateRecorder(b.ctx, rec); err != nil {
		t.Fatal(err)
	}
	return rec
}
