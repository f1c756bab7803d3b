package upload_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"hash"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strings"
	"sync"
	"testing"
	"time"

	"lectern"
)

// uploadAnswer is the 201 answer of an upload.
type uploadAnswer struct {
	ID         int64  `json:"id"`
	File       string `json:"file"`
	FileSize   int64  `json:"file_size"`
	Recorder   int64  `json:"recorder"`
	UploadedBy *int64 `json:"uploaded_by"`
	Treatment  *struct {
		ID             int64   `json:"id"`
		File           string  `json:"file"`
		Recorder       *int64  `json:"recorder"`
		State          string  `json:"state"`
		DetectedBy     string  `json:"detected_by"`
		LatencySeconds float64 `json:"latency_seconds"`
	} `json:"treatment"`
}

// decodeAnswer reads an upload's answer, its paths made absolute again:
// staff see them relative to the recorder's directory, here "room" (see
// TestUploadAnswerPaths).
func decodeAnswer(t testing.TB, r response) uploadAnswer {
	t.Helper()
	var a uploadAnswer
	if err := json.Unmarshal(r.body, &a); err != nil {
		t.Fatalf("decode %s: %v", r.body, err)
	}
	abs := func(p string) string {
		if p == "" || filepath.IsAbs(p) {
			return p
		}
		return filepath.Join(r.root, "room", filepath.FromSlash(p))
	}
	a.File = abs(a.File)
	if a.Treatment != nil {
		a.Treatment.File = abs(a.Treatment.File)
	}
	return a
}

func TestMultipartUpload(t *testing.T) {
	t.Parallel()
	b := setup(t, 0)
	content := randomBytes(t, 300<<10)
	r := b.postForm(t, b.staff, field("recorder", fmt.Sprint(b.rec.ID)), file("Lecture 1.MP4", bytes.NewReader(content)))
	want(t, r, http.StatusCreated)
	a := decodeAnswer(t, r)
	path := filepath.Join(b.root, "room", "Lecture 1.MP4")
	if a.ID == 0 || a.File != path || a.FileSize != int64(len(content)) || a.Recorder != b.rec.ID ||
		a.UploadedBy == nil || *a.UploadedBy != b.ids[b.staff] {
		t.Fatalf("answer %s", r.body)
	}
	if tr := a.Treatment; tr == nil || tr.File != path || tr.DetectedBy != lectern.SourceHTTP || tr.State != lectern.TreatmentToClaim ||
		tr.Recorder == nil || *tr.Recorder != b.rec.ID || tr.LatencySeconds < 0 {
		t.Fatalf("treatment in %s", r.body)
	}
	if got, err := os.ReadFile(path); err != nil || !bytes.Equal(got, content) {
		t.Fatalf("file on disk: %d bytes, %v", len(got), err)
	}
	// The rows behind the answer.
	stored, err := b.recordingFiles.FindRecordingFileByID(b.ctx, a.ID)
	if err != nil || stored.File != path || stored.TreatmentID == nil || *stored.TreatmentID != a.Treatment.ID {
		t.Fatalf("recording file row %+v, %v", stored, err)
	}
	tr, err := b.treatments.FindTreatmentByID(b.ctx, a.Treatment.ID)
	if err != nil || tr.DetectedBy != lectern.SourceHTTP || tr.FirstSeenAt.After(tr.CompletedAt) {
		t.Fatalf("treatment row %+v, %v", tr, err)
	}
	if loc := r.header.Get("Location"); loc != fmt.Sprintf("%s/api/v1/recording-files/%d", b.srv.URL, a.ID) {
		t.Errorf("Location %q", loc)
	}
	b.wantFiles(t, filepath.Join("recorders", "room", "Lecture 1.MP4"))

	// The same name again, the recorder sent last this time: a new name,
	// the first file untouched.
	other := randomBytes(t, 1000)
	r = b.postForm(t, b.super, file("Lecture 1.MP4", bytes.NewReader(other)), field("recorder", fmt.Sprint(b.rec.ID)))
	want(t, r, http.StatusCreated)
	if a := decodeAnswer(t, r); a.File != filepath.Join(b.root, "room", "Lecture 1-2.MP4") || a.FileSize != 1000 {
		t.Fatalf("second upload %s", r.body)
	}
	if got, _ := os.ReadFile(path); !bytes.Equal(got, content) {
		t.Fatal("the first file was overwritten")
	}
	if n := b.treatmentCount(t); n != 2 {
		t.Fatalf("%d treatments, want 2", n)
	}
	b.wantFiles(t, filepath.Join("recorders", "room", "Lecture 1-2.MP4"), filepath.Join("recorders", "room", "Lecture 1.MP4"))

	// Unknown fields are skipped.
	r = b.postForm(t, b.staff, field("title", "ignored"), field("recorder", fmt.Sprint(b.rec.ID)), file("b.mov", strings.NewReader("x")))
	want(t, r, http.StatusCreated)
}

// patternReader yields n bytes of a fixed pattern without holding them,
// hashing what it gives.
type patternReader struct {
	n, off int64
	sum    hash.Hash
}

func (p *patternReader) Read(b []byte) (int, error) {
	if p.off >= p.n {
		return 0, io.EOF
	}
	if int64(len(b)) > p.n-p.off {
		b = b[:p.n-p.off]
	}
	for i := range b {
		x := p.off + int64(i)
		b[i] = byte(x*131 + x>>11)
	}
	p.off += int64(len(b))
	p.sum.Write(b)
	return len(b), nil
}

// TestMultipartStreamsLargeFile uploads 96 MiB and checks that the heap
// never grows by more than a few MiB meanwhile: the body is streamed, not
// parsed into memory. Not parallel: it measures the whole process.
func TestMultipartStreamsLargeFile(t *testing.T) {
	b := setup(t, 0)
	const size = 96 << 20
	defer debug.SetGCPercent(debug.SetGCPercent(10)) // garbage goes at once: HeapInuse is close to what is live
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	before, peak := ms.HeapInuse, ms.HeapInuse
	stop, stopped := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(stopped)
		tick := time.NewTicker(2 * time.Millisecond)
		defer tick.Stop()
		var m runtime.MemStats
		for {
			select {
			case <-stop:
				return
			case <-tick.C:
				runtime.ReadMemStats(&m)
				peak = max(peak, m.HeapInuse)
			}
		}
	}()
	src := &patternReader{n: size, sum: sha256.New()}
	r := b.postForm(t, b.staff, field("recorder", fmt.Sprint(b.rec.ID)), file("big.mp4", src))
	close(stop)
	<-stopped
	growth := int64(peak) - int64(before)
	t.Logf("heap in use grew by at most %.1f MiB for a %d MiB upload", float64(growth)/(1<<20), size>>20)
	if growth > 6<<20 {
		t.Errorf("heap in use grew by %.1f MiB during a %d MiB upload: the body is held in memory", float64(growth)/(1<<20), size>>20)
	}
	want(t, r, http.StatusCreated)
	path := filepath.Join(b.root, "room", "big.mp4")
	if fi, err := os.Stat(path); err != nil || fi.Size() != size {
		t.Fatalf("stored file: %v %v", fi, err)
	}
	if fileSHA(t, path) != [32]byte(src.sum.Sum(nil)) {
		t.Fatal("stored file differs from the upload")
	}
}

// TestNoParseMultipartForm keeps every code path of the package off the
// helpers that read a whole form into memory.
func TestNoParseMultipartForm(t *testing.T) {
	t.Parallel()
	files, _ := filepath.Glob("*.go")
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, call := range []string{".ParseMultipartForm(", ".ParseForm(", ".FormFile(", ".FormValue(", ".PostFormValue(", ".ReadForm(", "io.ReadAll(r.Body"} {
			if bytes.Contains(src, []byte(call)) {
				t.Errorf("%s calls %s", f, call)
			}
		}
	}
}

func TestMultipartTooLarge(t *testing.T) {
	t.Parallel()
	const limit = 1 << 20
	b := setup(t, limit)
	r := b.postForm(t, b.staff, field("recorder", fmt.Sprint(b.rec.ID)), file("big.mp4", bytes.NewReader(randomBytes(t, limit+100<<10))))
	want(t, r, http.StatusRequestEntityTooLarge)
	if d := r.object(t)["detail"]; !strings.Contains(fmt.Sprint(d), "RECORDING_FILE_MAX_SIZE") {
		t.Errorf("detail = %v", d)
	}
	b.wantFiles(t) // nothing kept, in the recorder's directory or TempDir
	if n := b.treatmentCount(t); n != 0 {
		t.Fatalf("%d treatments after a refused upload", n)
	}
	// Exactly the limit is fine.
	r = b.postForm(t, b.staff, field("recorder", fmt.Sprint(b.rec.ID)), file("fits.mp4", bytes.NewReader(randomBytes(t, limit))))
	want(t, r, http.StatusCreated)
}

func TestMultipartHostileNames(t *testing.T) {
	t.Parallel()
	b := setup(t, 0)
	long := strings.Repeat("é", 200) + ".mp4" // 404 bytes
	for _, c := range []struct {
		name, header, want string
	}{
		{name: "../../escape.mp4", want: "escape.mp4"},
		{name: "/etc/passwd.mp4", want: "passwd.mp4"},
		{name: `..\..\windows.mp4`, want: "windows.mp4"},
		{name: `C:\Users\prof\cours.mp4`, want: "cours.mp4"},
		{name: ".hidden.mp4", want: "hidden.mp4"},
		{name: " ..  spaced.mp4 ", want: "spaced.mp4"},
		{header: `form-data; name="file"; filename*=UTF-8''..%2F..%2Fnul%00ctl%01%7F.mp4`, want: "nulctl.mp4"},
		{header: `form-data; name="file"; filename*=UTF-8''caf%C3%A9%C2%85.mov`, want: "café.mov"},
		{name: long, want: strings.Repeat("é", 125) + ".mp4"}, // 254 bytes: cut on a character boundary
	} {
		p := file(c.name, strings.NewReader("data"))
		p.header = c.header
		r := b.postForm(t, b.staff, field("recorder", fmt.Sprint(b.rec.ID)), p)
		want(t, r, http.StatusCreated)
		if got := decodeAnswer(t, r).File; got != filepath.Join(b.root, "room", c.want) {
			t.Errorf("%q%s stored as %q, want %q", c.name, c.header, got, c.want)
		}
	}
	// Names with nothing usable left.
	for _, name := range []string{"..", "/", "...", "a/..", " . "} {
		r := b.postForm(t, b.staff, field("recorder", fmt.Sprint(b.rec.ID)), file(name, strings.NewReader("data")))
		want(t, r, http.StatusBadRequest)
		if r.fields(t)["file"] == "" {
			t.Errorf("%q: %s", name, r.body)
		}
	}
	// Everything landed in the recorder's directory; TempDir is empty.
	for _, f := range b.files(t) {
		if filepath.Dir(f) != filepath.Join("recorders", "room") {
			t.Errorf("file written outside the recorder's directory: %s", f)
		}
	}
	if _, err := os.Stat(filepath.Join(b.base, "escape.mp4")); err == nil {
		t.Error("escaped to the base directory")
	}
}

func TestMultipartRefusals(t *testing.T) {
	t.Parallel()
	b := setup(t, 0)
	rec := fmt.Sprint(b.rec.ID)
	mp4 := func() part { return file("ok.mp4", strings.NewReader("data")) }
	for _, c := range []struct {
		name   string
		parts  []part
		field  string
		detail string
	}{
		{"wrong extension", []part{field("recorder", rec), file("notes.txt", strings.NewReader("data"))}, "file", "extension not accepted"},
		{"wrong extension, recorder last", []part{file("slides.pdf", strings.NewReader("data")), field("recorder", rec)}, "file", "extension not accepted"},
		{"no extension", []part{field("recorder", rec), file("README", strings.NewReader("data"))}, "file", "extension not accepted"},
		{"partial name", []part{field("recorder", rec), file("x.mp4.part", strings.NewReader("data"))}, "file", "extension not accepted"},
		{"treated name", []part{field("recorder", rec), file("x.mp4_treated", strings.NewReader("data"))}, "file", "extension not accepted"},
		{"unknown recorder", []part{field("recorder", "999"), mp4()}, "recorder", ""},
		{"unknown recorder, sent last", []part{mp4(), field("recorder", "999")}, "recorder", ""},
		{"bad recorder", []part{field("recorder", "room"), mp4()}, "recorder", ""},
		{"no recorder", []part{mp4()}, "recorder", ""},
		{"no file", []part{field("recorder", rec)}, "file", ""},
		{"empty file", []part{field("recorder", rec), file("empty.mp4", strings.NewReader(""))}, "file", ""},
		{"two files", []part{field("recorder", rec), mp4(), file("two.mp4", strings.NewReader("data"))}, "file", ""},
	} {
		r := b.postForm(t, b.staff, c.parts...)
		want(t, r, http.StatusBadRequest)
		if msg := r.fields(t)[c.field]; msg == "" || !strings.Contains(msg, c.detail) {
			t.Errorf("%s: fields %s", c.name, r.body)
		}
	}
	b.wantFiles(t) // nothing kept
	if n := b.treatmentCount(t); n != 0 {
		t.Fatalf("%d treatments after refused uploads", n)
	}

	// Not a form.
	req, _ := http.NewRequest("POST", b.srv.URL+"/api/v1/recording-files", strings.NewReader(`{"recorder": 1}`))
	req.Header.Set("Content-Type", "application/json")
	want(t, b.send(t, req, b.staff), http.StatusBadRequest)

	// Tokens: none, unknown, a user who is not staff.
	r := b.postForm(t, "", field("recorder", rec), mp4())
	want(t, r, http.StatusUnauthorized)
	if r.header.Get("WWW-Authenticate") != "Token" || r.header.Get("Content-Type") != "application/json; charset=utf-8" {
		t.Errorf("401 headers %v", r.header)
	}
	want(t, b.postForm(t, "0123456789abcdef", field("recorder", rec), mp4()), http.StatusUnauthorized)
	r = b.postForm(t, b.user, field("recorder", rec), mp4())
	want(t, r, http.StatusForbidden)
	if d := r.object(t)["detail"]; d == "" {
		t.Errorf("403 without detail: %s", r.body)
	}
	req, _ = http.NewRequest("POST", b.srv.URL+"/api/v1/recording-files", strings.NewReader("x"))
	req.Header.Set("Authorization", "Bearer "+b.user)
	want(t, b.send(t, req, ""), http.StatusForbidden)
	b.wantFiles(t)

	// Bearer works as well as Token.
	req, _ = http.NewRequest("GET", b.srv.URL+"/api/v1/uploads/", nil)
	req.Header.Set("Authorization", "Bearer "+b.staff)
	want(t, b.send(t, req, ""), http.StatusMethodNotAllowed)
}

// TestMultipartIntoMissingDirectory: a recorder whose directory was
// removed gets it back; one replaced by a symlink is refused, and nothing
// is written where the link points.
func TestMultipartIntoMissingDirectory(t *testing.T) {
	t.Parallel()
	b := setup(t, 0)
	dir := filepath.Join(b.root, "room")
	if err := os.Remove(dir); err != nil {
		t.Fatal(err)
	}
	r := b.postForm(t, b.staff, field("recorder", fmt.Sprint(b.rec.ID)), file("a.mp4", strings.NewReader("data")))
	want(t, r, http.StatusCreated)
	if fi, err := os.Stat(dir); err != nil || fi.Mode().Perm() != 0o750 {
		t.Fatalf("recreated directory: %v %v", fi, err)
	}

	outside := filepath.Join(b.base, "outside")
	if err := os.Mkdir(outside, 0o750); err != nil {
		t.Fatal(err)
	}
	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(outside, dir); err != nil {
		t.Fatal(err)
	}
	r = b.postForm(t, b.staff, field("recorder", fmt.Sprint(b.rec.ID)), file("b.mp4", strings.NewReader("data")))
	want(t, r, http.StatusConflict)
	if entries, _ := os.ReadDir(outside); len(entries) != 0 {
		t.Fatalf("written through the symlink: %v", entries)
	}
	if n := b.treatmentCount(t); n != 1 {
		t.Fatalf("%d treatments, want 1", n)
	}
}

// TestMultipartSameNameAtOnce: uploads of one name at the same time each
// get their own file; none is overwritten.
func TestMultipartSameNameAtOnce(t *testing.T) {
	t.Parallel()
	b := setup(t, 0)
	const n = 8
	contents := make([][]byte, n)
	names := make(chan string, n)
	var wg sync.WaitGroup
	for i := range contents {
		contents[i] = randomBytes(t, 64<<10+i)
		wg.Go(func() {
			r := b.postForm(t, b.staff, field("recorder", fmt.Sprint(b.rec.ID)), file("same.mp4", bytes.NewReader(contents[i])))
			if r.status != http.StatusCreated {
				t.Errorf("upload %d: %d %s", i, r.status, r.body)
				return
			}
			a := decodeAnswer(t, r)
			if got, err := os.ReadFile(a.File); err != nil || !bytes.Equal(got, contents[i]) {
				t.Errorf("upload %d stored as %s with other content (%v)", i, a.File, err)
			}
			names <- a.File
		})
	}
	wg.Wait()
	close(names)
	seen := map[string]bool{}
	for name := range names {
		seen[name] = true
	}
	if len(seen) != n || b.treatmentCount(t) != n {
		t.Fatalf("%d distinct files, %d treatments; want %d", len(seen), b.treatmentCount(t), n)
	}
}

// TestMultipartAcrossFileSystems puts TempDir on another file system
// (/dev/shm, a tmpfs) than DEFAULT_RECORDER_PATH: the file is copied into
// the recorder's directory under a hidden name, synced, then named.
func TestMultipartAcrossFileSystems(t *testing.T) {
	t.Parallel()
	shm, err := os.MkdirTemp("/dev/shm", "lectern-upload-test-")
	if err != nil {
		t.Skipf("no /dev/shm to hold TempDir on another file system: %v", err)
	}
	t.Cleanup(func() { os.RemoveAll(shm) })
	b := setupTemp(t, 0, shm)
	content := randomBytes(t, 200<<10)
	r := b.postForm(t, b.staff, field("recorder", fmt.Sprint(b.rec.ID)), file("far.mp4", bytes.NewReader(content)))
	want(t, r, http.StatusCreated)
	path := filepath.Join(b.root, "room", "far.mp4")
	if got, err := os.ReadFile(path); err != nil || !bytes.Equal(got, content) {
		t.Fatalf("stored file: %d bytes, %v", len(got), err)
	}
	b.wantFiles(t, filepath.Join("recorders", "room", "far.mp4")) // no hidden copy left
	if entries, _ := os.ReadDir(shm); len(entries) != 1 || entries[0].Name() != "tus" {
		t.Fatalf("TempDir holds %v", entries)
	}
}
