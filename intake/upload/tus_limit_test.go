package upload_test

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// chunked hides a reader's length, so that the client sends it with
// Transfer-Encoding: chunked (no Content-Length).
type chunked struct{ r io.Reader }

func (c chunked) Read(p []byte) (int, error) { return c.r.Read(p) }

// createDeferred starts a tus upload whose length is not known yet.
func (b *testBundle) createDeferred(t testing.TB, token, name string) string {
	t.Helper()
	r := b.tusRequest(t, "POST", "/api/v1/uploads/", token, map[string]string{
		"Upload-Defer-Length": "1",
		"Upload-Metadata":     metadata("filename", name, "recorder", fmt.Sprint(b.rec.ID)),
	}, nil)
	want(t, r, http.StatusCreated)
	return r.header.Get("Location")
}

// tusBytes is how many bytes TempDir's tus folder holds in upload data.
func (b *testBundle) tusBytes(t testing.TB) int64 {
	t.Helper()
	var n int64
	entries, err := os.ReadDir(filepath.Join(b.temp, "tus"))
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if !strings.Contains(e.Name(), ".") {
			fi, err := e.Info()
			if err != nil {
				t.Fatal(err)
			}
			n += fi.Size()
		}
	}
	return n
}

// TestTusMaxSizeDeferred: RECORDING_FILE_MAX_SIZE holds for uploads
// whose length is deferred, whatever the client sends: a chunk larger
// than the limit, with or without the resumable-uploads draft's headers
// (with which tusd takes the bytes received as the length), in the
// creation request or later. Nothing over the limit is written or
// deposited; a deferred upload within the limit still works.
func TestTusMaxSizeDeferred(t *testing.T) {
	t.Parallel()
	const limit = 3000
	b := setup(t, limit)
	big := randomBytes(t, 2*limit)
	draft := map[string]string{"Upload-Draft-Interop-Version": "6", "Upload-Complete": "?1"}
	for _, c := range []struct {
		name    string
		header  map[string]string
		chunked bool
	}{
		{"Content-Length", nil, false},
		{"draft headers", draft, false},
		{"draft headers, interop version 3", map[string]string{"Upload-Draft-Interop-Version": "3", "Upload-Incomplete": "?0"}, false},
		{"draft headers, chunked", draft, true},
		{"chunked", nil, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			url := b.createDeferred(t, b.staff, "big.mp4")
			h := map[string]string{"Content-Type": "application/offset+octet-stream", "Upload-Offset": "0"}
			for k, v := range c.header {
				h[k] = v
			}
			var body io.Reader = bytes.NewReader(big)
			if c.chunked {
				body = chunked{body}
			}
			r := b.tusRequest(t, "PATCH", url, b.staff, h, body)
			if r.status != http.StatusRequestEntityTooLarge {
				t.Errorf("PATCH of %d bytes: status %d, want 413: %s", len(big), r.status, r.body)
			}
			if n := b.tusBytes(t); n > limit {
				t.Errorf("%d bytes stored, over the limit of %d", n, limit)
			}
			// Declaring a length over the limit afterwards is refused too.
			r = b.tusRequest(t, "PATCH", url, b.staff, map[string]string{"Content-Type": "application/offset+octet-stream",
				"Upload-Offset": strconv.Itoa(b.offset(t, url, b.staff)), "Upload-Length": strconv.Itoa(len(big))}, strings.NewReader(""))
			if r.status < 400 {
				t.Errorf("declaring %d bytes: status %d", len(big), r.status)
			}
			want(t, b.tusRequest(t, "DELETE", url, b.staff, nil, nil), http.StatusNoContent)
		})
	}
	// In the creation request itself.
	r := b.tusRequest(t, "POST", "/api/v1/uploads/", b.staff, map[string]string{
		"Upload-Defer-Length": "1", "Content-Type": "application/offset+octet-stream",
		"Upload-Metadata": metadata("filename", "big.mp4", "recorder", fmt.Sprint(b.rec.ID)),
	}, bytes.NewReader(big))
	want(t, r, http.StatusRequestEntityTooLarge)
	if d, _ := r.object(t)["detail"].(string); !strings.Contains(d, "RECORDING_FILE_MAX_SIZE") {
		t.Errorf("detail %q", d)
	}
	if n := b.treatmentCount(t); n != 0 {
		t.Fatalf("%d treatments", n)
	}
	b.wantFiles(t)

	// Within the limit, a deferred upload completes: by declaring its
	// length, or with the draft's Upload-Complete.
	for i, complete := range []map[string]string{{"Upload-Length": strconv.Itoa(limit)}, draft} {
		url := b.createDeferred(t, b.staff, fmt.Sprintf("ok%d.mp4", i))
		want(t, b.patch(t, url, b.staff, 0, big[:limit-1000]), http.StatusNoContent)
		h := map[string]string{"Content-Type": "application/offset+octet-stream", "Upload-Offset": strconv.Itoa(limit - 1000)}
		for k, v := range complete {
			h[k] = v
		}
		r := b.tusRequest(t, "PATCH", url, b.staff, h, bytes.NewReader(big[limit-1000:limit]))
		if r.status != http.StatusNoContent || r.header.Get("Lectern-Treatment") == "" {
			t.Fatalf("completing upload %d: status %d %v %s", i, r.status, r.header, r.body)
		}
		got, err := os.ReadFile(filepath.Join(b.root, "room", fmt.Sprintf("ok%d.mp4", i)))
		if err != nil || !bytes.Equal(got, big[:limit]) {
			t.Errorf("upload %d deposited %d bytes, %v", i, len(got), err)
		}
	}
}
