package upload_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"lectern"
)

// tusRequest sends one tus request with the token (none when empty).
func (b *testBundle) tusRequest(t testing.TB, method, url, token string, header map[string]string, body io.Reader) response {
	t.Helper()
	if strings.HasPrefix(url, "/") {
		url = b.srv.URL + url
	}
	req, err := http.NewRequestWithContext(b.ctx, method, url, body)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Tus-Resumable", "1.0.0")
	for k, v := range header {
		req.Header.Set(k, v)
	}
	return b.send(t, req, token)
}

// metadata encodes an Upload-Metadata header.
func metadata(kv ...string) string {
	var parts []string
	for i := 0; i+1 < len(kv); i += 2 {
		parts = append(parts, kv[i]+" "+base64.StdEncoding.EncodeToString([]byte(kv[i+1])))
	}
	return strings.Join(parts, ",")
}

// create starts a tus upload of size bytes and returns its URL.
func (b *testBundle) create(t testing.TB, token, name string, size int) string {
	t.Helper()
	r := b.tusRequest(t, "POST", "/api/v1/uploads/", token, map[string]string{
		"Upload-Length":   strconv.Itoa(size),
		"Upload-Metadata": metadata("filename", name, "recorder", fmt.Sprint(b.rec.ID), "filetype", "video/mp4"),
	}, nil)
	want(t, r, http.StatusCreated)
	loc := r.header.Get("Location")
	if !strings.HasPrefix(loc, b.srv.URL+"/api/v1/uploads/") {
		t.Fatalf("Location %q", loc)
	}
	return loc
}

// patch sends data at offset.
func (b *testBundle) patch(t testing.TB, url, token string, offset int, data []byte) response {
	t.Helper()
	return b.tusRequest(t, "PATCH", url, token, map[string]string{
		"Content-Type":  "application/offset+octet-stream",
		"Upload-Offset": strconv.Itoa(offset),
	}, bytes.NewReader(data))
}

// offset asks the server how much of the upload arrived.
func (b *testBundle) offset(t testing.TB, url, token string) int {
	t.Helper()
	r := b.tusRequest(t, "HEAD", url, token, nil, nil)
	want(t, r, http.StatusOK)
	n, err := strconv.Atoi(r.header.Get("Upload-Offset"))
	if err != nil {
		t.Fatalf("Upload-Offset %q", r.header.Get("Upload-Offset"))
	}
	return n
}

// brokenReader gives data, then fails as a connection that drops.
type brokenReader struct{ data []byte }

func (r *brokenReader) Read(p []byte) (int, error) {
	if len(r.data) == 0 {
		return 0, errors.New("network down")
	}
	n := copy(p, r.data)
	r.data = r.data[n:]
	return n, nil
}

func TestTusResumedUpload(t *testing.T) {
	t.Parallel()
	b := setup(t, 64<<20)
	content := randomBytes(t, 5<<20+17)
	url := b.create(t, b.staff, "amphi/../Cours 3.mp4", len(content))
	if got := b.offset(t, url, b.staff); got != 0 {
		t.Fatalf("offset of a new upload = %d", got)
	}

	// The first chunk breaks off half-way: the request announces 3 MiB
	// and the connection drops after 2 MiB.
	req, err := http.NewRequestWithContext(b.ctx, "PATCH", url, &brokenReader{data: content[:2<<20]})
	if err != nil {
		t.Fatal(err)
	}
	req.ContentLength = 3 << 20
	req.Header.Set("Tus-Resumable", "1.0.0")
	req.Header.Set("Content-Type", "application/offset+octet-stream")
	req.Header.Set("Upload-Offset", "0")
	req.Header.Set("Authorization", "Token "+b.staff)
	if resp, err := b.srv.Client().Do(req); err == nil {
		resp.Body.Close()
		t.Fatalf("interrupted PATCH answered %d", resp.StatusCode)
	}
	if n := b.treatmentCount(t); n != 0 {
		t.Fatalf("%d treatments for half an upload", n)
	}
	// Nothing in the recorder's directory while the upload is incomplete.
	if entries, _ := os.ReadDir(filepath.Join(b.root, "room")); len(entries) != 0 {
		t.Fatalf("partial upload visible in the recorder's directory: %v", entries)
	}

	// The server handles the broken request on its own time: wait until
	// it has kept the 2 MiB that arrived (the upload's data file in
	// TempDir), then resume where it says, in one go.
	data := filepath.Join(b.temp, "tus", filepath.Base(url))
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(5 * time.Millisecond) {
		if fi, err := os.Stat(data); err == nil && fi.Size() == 2<<20 {
			break
		} else if time.Now().After(deadline) {
			t.Fatalf("the server kept %v bytes of the broken request (%v)", fi, err)
		}
	}
	off := b.offset(t, url, b.staff)
	if off != 2<<20 {
		t.Fatalf("offset after the break = %d", off)
	}
	r := b.patch(t, url, b.staff, off, content[off:])
	want(t, r, http.StatusNoContent)
	if r.header.Get("Upload-Offset") != strconv.Itoa(len(content)) || r.header.Get("Lectern-Recording-File") == "" {
		t.Fatalf("last PATCH headers %v", r.header)
	}

	// Exactly one treatment, detected by http, and the file intact.
	list, n, err := b.treatments.FindTreatments(b.ctx, lectern.TreatmentFilter{})
	if err != nil || n != 1 {
		t.Fatalf("%d treatments, %v", n, err)
	}
	path := filepath.Join(b.root, "room", "Cours 3.mp4")
	if tr := list[0]; tr.File != path || tr.DetectedBy != lectern.SourceHTTP || tr.FileSize != int64(len(content)) ||
		r.header.Get("Lectern-Treatment") != strconv.FormatInt(tr.ID, 10) || tr.Latency() <= 0 {
		t.Fatalf("treatment %+v", tr)
	}
	if fileSHA(t, path) != sha256.Sum256(content) {
		t.Fatal("the stored file differs from the upload")
	}
	rfs, _, err := b.recordingFiles.FindRecordingFiles(b.ctx, lectern.RecordingFileFilter{})
	if err != nil || len(rfs) != 1 || rfs[0].File != path || *rfs[0].UploadedBy != b.ids[b.staff] ||
		r.header.Get("Lectern-Recording-File") != strconv.FormatInt(rfs[0].ID, 10) {
		t.Fatalf("recording files %v, %v", rfs, err)
	}

	// The upload's files are gone from TempDir; a tombstone answers a
	// client whose last answer was lost.
	id := filepath.Base(url)
	b.wantFiles(t, filepath.Join("data", "uploads", "tus", id+".done"), filepath.Join("recorders", "room", "Cours 3.mp4"))
	if got := b.offset(t, url, b.staff); got != len(content) {
		t.Fatalf("offset after the end = %d", got)
	}
	want(t, b.patch(t, url, b.staff, len(content), nil), http.StatusNoContent)
	if n := b.treatmentCount(t); n != 1 {
		t.Fatalf("%d treatments after asking again", n)
	}
}

// TestTusSingleRequest sends a whole file in the creation request, as
// tus's creation-with-upload extension allows.
func TestTusSingleRequest(t *testing.T) {
	t.Parallel()
	b := setup(t, 0)
	content := randomBytes(t, 70<<10)
	r := b.tusRequest(t, "POST", "/api/v1/uploads/", b.super, map[string]string{
		"Upload-Length":   strconv.Itoa(len(content)),
		"Upload-Metadata": metadata("filename", "one.MOV", "recorder", fmt.Sprint(b.rec.ID)),
		"Content-Type":    "application/offset+octet-stream",
	}, bytes.NewReader(content))
	want(t, r, http.StatusCreated)
	if fileSHA(t, filepath.Join(b.root, "room", "one.MOV")) != sha256.Sum256(content) || b.treatmentCount(t) != 1 {
		t.Fatal("not deposited")
	}
}

func TestTusRefusals(t *testing.T) {
	t.Parallel()
	b := setup(t, 1<<20)
	rec := fmt.Sprint(b.rec.ID)
	create := func(token string, size int, kv ...string) response {
		return b.tusRequest(t, "POST", "/api/v1/uploads/", token, map[string]string{
			"Upload-Length": strconv.Itoa(size), "Upload-Metadata": metadata(kv...)}, nil)
	}

	// Tokens on every request.
	r := create("", 10, "filename", "a.mp4", "recorder", rec)
	want(t, r, http.StatusUnauthorized)
	if r.header.Get("WWW-Authenticate") != "Token" {
		t.Errorf("401 headers %v", r.header)
	}
	want(t, create(b.user, 10, "filename", "a.mp4", "recorder", rec), http.StatusForbidden)
	url := b.create(t, b.staff, "a.mp4", 10)
	for _, method := range []string{"HEAD", "PATCH", "DELETE", "OPTIONS"} {
		r := b.tusRequest(t, method, url, "", map[string]string{
			"Content-Type": "application/offset+octet-stream", "Upload-Offset": "0"}, strings.NewReader("0123456789"))
		want(t, r, http.StatusUnauthorized)
		want(t, b.tusRequest(t, method, url, b.user, nil, nil), http.StatusForbidden)
	}
	// Another staff user cannot see or touch it; a superuser can.
	want(t, b.tusRequest(t, "HEAD", url, b.staff2, nil, nil), http.StatusNotFound)
	want(t, b.patch(t, url, b.staff2, 0, []byte("0123456789")), http.StatusNotFound)
	if got := b.offset(t, url, b.super); got != 0 {
		t.Fatalf("offset %d", got)
	}

	// Bad metadata: 400 naming the field, nothing created.
	for _, c := range []struct {
		kv    []string
		field string
	}{
		{[]string{"filename", "notes.txt", "recorder", rec}, "filename"},
		{[]string{"filename", "..", "recorder", rec}, "filename"},
		{[]string{"recorder", rec}, "filename"},
		{[]string{"filename", "a.mp4", "recorder", "999"}, "recorder"},
		{[]string{"filename", "a.mp4", "recorder", "x"}, "recorder"},
		{[]string{"filename", "a.mp4"}, "recorder"},
	} {
		r := create(b.staff, 10, c.kv...)
		want(t, r, http.StatusBadRequest)
		if r.fields(t)[c.field] == "" {
			t.Errorf("%v: %s", c.kv, r.body)
		}
	}
	r = create(b.staff, 0, "filename", "a.mp4", "recorder", rec)
	want(t, r, http.StatusBadRequest)
	if !strings.Contains(r.fields(t)["filename"], "extension not accepted") &&
		!strings.Contains(r.fields(t)["filename"], "empty") {
		t.Errorf("empty upload: %s", r.body)
	}
	// Over RECORDING_FILE_MAX_SIZE.
	want(t, create(b.staff, 1<<20+1, "filename", "a.mp4", "recorder", rec), http.StatusRequestEntityTooLarge)
	// Ids that name nothing never reach the store.
	for _, p := range []string{"/api/v1/uploads/..%2F..%2Fx", "/api/v1/uploads/ZZZ", "/api/v1/uploads/0123456789abcdef0123456789abcdef"} {
		want(t, b.tusRequest(t, "HEAD", p, b.staff, nil, nil), http.StatusNotFound)
	}
	// Sending past the announced length is refused.
	want(t, b.patch(t, url, b.staff, 0, []byte("0123456789AB")), http.StatusRequestEntityTooLarge)
	if b.treatmentCount(t) != 0 {
		t.Fatal("a refused upload made a treatment")
	}
	// The client may give up: DELETE removes the upload.
	want(t, b.tusRequest(t, "DELETE", url, b.staff, nil, nil), http.StatusNoContent)
	want(t, b.tusRequest(t, "HEAD", url, b.staff, nil, nil), http.StatusNotFound)
	b.wantFiles(t)
}

// TestTusFinishedLater: when the deposit fails after the last byte (here
// the recorder's directory is replaced by a file), the upload stays whole
// in TempDir; the client's next HEAD finishes it, and Recover finishes
// those nobody asks about.
func TestTusFinishedLater(t *testing.T) {
	t.Parallel()
	b := setup(t, 0)
	content := randomBytes(t, 1000)
	first, second := b.create(t, b.staff, "first.mp4", len(content)), b.create(t, b.staff, "second.mp4", len(content))
	dir := filepath.Join(b.root, "room")
	if err := os.Remove(dir); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dir, nil, 0o640); err != nil {
		t.Fatal(err)
	}
	for _, url := range []string{first, second} {
		want(t, b.patch(t, url, b.staff, 0, content), http.StatusConflict)
	}
	if b.treatmentCount(t) != 0 {
		t.Fatal("treatment without a file")
	}
	if err := os.Remove(dir); err != nil {
		t.Fatal(err)
	}

	// HEAD finishes the first.
	if got := b.offset(t, first, b.staff); got != len(content) {
		t.Fatalf("offset %d", got)
	}
	if fileSHA(t, filepath.Join(dir, "first.mp4")) != sha256.Sum256(content) || b.treatmentCount(t) != 1 {
		t.Fatal("first upload not finished by HEAD")
	}
	// Recover finishes the second, and running it again changes nothing.
	for range 2 {
		if err := b.h.Recover(b.ctx); err != nil {
			t.Fatal(err)
		}
	}
	if fileSHA(t, filepath.Join(dir, "second.mp4")) != sha256.Sum256(content) || b.treatmentCount(t) != 2 {
		t.Fatal("second upload not finished by Recover")
	}
	tus := filepath.Join("data", "uploads", "tus")
	b.wantFiles(t, filepath.Join(tus, filepath.Base(first)+".done"), filepath.Join(tus, filepath.Base(second)+".done"),
		filepath.Join("recorders", "room", "first.mp4"), filepath.Join("recorders", "room", "second.mp4"))
}
