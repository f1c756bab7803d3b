package upload_test

import (
	"fmt"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestTusFinishRechecksManager: a tus upload checks who manages the
// recorder when it is created, and again when its last byte arrives: a
// manager removed from the recorder meanwhile gets 403 for the last
// chunk, and the upload's file is removed (no deposit, nothing left in
// TempDir). A superuser's upload into a recorder they are not in still
// finishes.
func TestTusFinishRechecksManager(t *testing.T) {
	t.Parallel()
	b := setup(t, 1<<20)
	rec := b.managedRecorder(t, false)
	data := randomBytes(t, 4096)
	create := func(token string) string {
		t.Helper()
		r := b.tusRequest(t, "POST", "/api/v1/uploads/", token, map[string]string{
			"Upload-Length":   strconv.Itoa(len(data)),
			"Upload-Metadata": metadata("filename", "lecture.mp4", "recorder", fmt.Sprint(rec.ID)),
		}, nil)
		want(t, r, http.StatusCreated)
		return r.header.Get("Location")
	}

	url := create(b.staff2)
	want(t, b.patch(t, url, b.staff2, 0, data[:2048]), http.StatusNoContent)
	// A superuser starts one too, then the manager is removed.
	superURL := create(b.super)
	want(t, b.patch(t, superURL, b.super, 0, data[:2048]), http.StatusNoContent)
	rec.UserID = nil
	if err := b.recorders.UpdateRecorder(b.ctx, rec); err != nil {
		t.Fatal(err)
	}

	r := b.patch(t, url, b.staff2, 2048, data[2048:])
	want(t, r, http.StatusForbidden)
	if d, _ := r.object(t)["detail"].(string); !strings.Contains(d, "no longer manage") {
		t.Errorf("detail %q", d)
	}
	want(t, b.tusRequest(t, "HEAD", url, b.staff2, nil, nil), http.StatusNotFound)
	if n := b.treatmentCount(t); n != 0 {
		t.Fatalf("%d treatments after the refusal", n)
	}

	want(t, b.patch(t, superURL, b.super, 2048, data[2048:]), http.StatusNoContent)
	b.wantFiles(t, filepath.Join("recorders", "managed", "lecture.mp4"),
		filepath.Join("data", "uploads", "tus", strings.TrimPrefix(superURL, b.srv.URL+"/api/v1/uploads/")+".done"))
}
