package opencast_test

import (
	"archive/zip"
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"lectern"
	"lectern/opencast"
	"lectern/password"
	"lectern/sqldb"
)

// basicAuth is a tiny AgentAuth for the tests: HTTP Basic against the
// recorders' FTP logins and passwords (the real one, with Digest, is the
// agent side's).
type basicAuth struct{ recorders lectern.RecorderService }

func (a basicAuth) Recorder(w http.ResponseWriter, r *http.Request) (*lectern.Recorder, bool) {
	login, pw, ok := r.BasicAuth()
	if ok {
		rec, err := lectern.FindRecorder(r.Context(), a.recorders, lectern.RecorderFilter{CredentialsLogin: &login})
		if err == nil && password.Check(rec.CredentialsPasswordHash, pw) {
			return rec, true
		}
	}
	w.Header().Set("WWW-Authenticate", `Basic realm="Opencast"`)
	http.Error(w, "Unauthorized", http.StatusUnauthorized)
	return nil, false
}

// testBundle is an ingest service over a fresh database and
// DEFAULT_RECORDER_PATH with two recorders, a (login "agent-a", folder
// amphi-a) and b, each with an event now.
type testBundle struct {
	srv        *httptest.Server
	h          *opencast.Ingest
	later      *opencast.Ingest // the same, a day and an hour later
	root       string
	a, b       *lectern.Recorder
	evA, evB   *lectern.Event
	treatments lectern.TreatmentService
	ctx        context.Context
}

func setup(t *testing.T) *testBundle {
	t.Helper()
	ctx := context.Background()
	base := t.TempDir()
	b := &testBundle{root: filepath.Join(base, "recorders"), ctx: ctx}
	if err := os.MkdirAll(b.root, 0o750); err != nil {
		t.Fatal(err)
	}
	db, err := sqldb.Open(ctx, filepath.Join(base, "lectern.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	recorders := &lectern.RecorderDirectories{RecorderService: sqldb.NewRecorderService(db), Root: b.root}
	b.treatments = sqldb.NewTreatmentService(db, nil)
	vt := &lectern.VideoType{Title: "Course"}
	if err := sqldb.NewVideoTypeService(db).CreateVideoType(ctx, vt); err != nil {
		t.Fatal(err)
	}
	events := sqldb.NewEventService(db)
	now := time.Now().UTC()
	for i, p := range []**lectern.Recorder{&b.a, &b.b} {
		name := string(rune('a' + i))
		hash, err := password.Hash("secret-" + name)
		if err != nil {
			t.Fatal(err)
		}
		rec := lectern.NewRecorder()
		rec.Name, rec.AddressIP, rec.Directory, rec.TypeID = "Amphi "+name, fmt.Sprintf("10.0.0.%d", i+1), "amphi-"+name, vt.ID
		rec.CredentialsLogin, rec.CredentialsPasswordHash = "agent-"+name, hash
		if err := recorders.CreateRecorder(ctx, rec); err != nil {
			t.Fatal(err)
		}
		*p = rec
		ev := &lectern.Event{RecorderID: rec.ID, Title: "Lecture " + name, Start: now.Add(-time.Hour), End: now.Add(time.Hour)}
		if err := events.CreateEvent(ctx, ev); err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			b.evA = ev
		} else {
			b.evB = ev
		}
	}
	logger := slog.New(slog.NewTextHandler(t.Output(), nil))
	in := &lectern.Intake{Root: b.root, Extensions: []string{"mp4", "webm", "mov"}, AllowClaiming: true,
		Recorders: recorders, Treatments: b.treatments, Sightings: sqldb.NewSightingService(db), Logger: logger}
	cfg := opencast.IngestConfig{Root: b.root, BaseURL: "http://lectern.test", MaxSize: 1 << 20}
	deps := opencast.IngestDeps{Auth: basicAuth{recorders}, Events: events, Intake: in, Logger: logger}
	b.h = opencast.NewIngest(cfg, deps)
	cfg.NowFunc = func() time.Time { return time.Now().Add(25 * time.Hour) }
	b.later = opencast.NewIngest(cfg, deps)
	b.srv = httptest.NewServer(b.h.Handler())
	t.Cleanup(b.srv.Close)
	return b
}

// field is one multipart field; file names a file part.
type field struct{ name, value, file string }

// call posts fields as multipart/form-data (urlencoded when form) with the
// credentials of agent login, and returns the status and body.
func (b *testBundle) call(t *testing.T, login, method, path string, fields []field) (int, string) {
	t.Helper()
	var body bytes.Buffer
	ct := ""
	if fields != nil {
		mw := multipart.NewWriter(&body)
		for _, f := range fields {
			var w io.Writer
			var err error
			if f.file != "" {
				w, err = mw.CreateFormFile(f.name, f.file)
			} else {
				w, err = mw.CreateFormField(f.name)
			}
			if err != nil {
				t.Fatal(err)
			}
			io.WriteString(w, f.value)
		}
		mw.Close()
		ct = mw.FormDataContentType()
	}
	return b.do(t, login, method, path, ct, &body)
}

func (b *testBundle) do(t *testing.T, login, method, path, ct string, body io.Reader) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, b.srv.URL+path, body)
	if err != nil {
		t.Fatal(err)
	}
	if ct != "" {
		req.Header.Set("Content-Type", ct)
	}
	if login != "" {
		req.SetBasicAuth("agent-"+login, "secret-"+login)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(out)
}

// must checks the status of a call and returns its body.
func must(t *testing.T, want int) func(int, string) string {
	return func(got int, body string) string {
		t.Helper()
		if got != want {
			t.Fatalf("status %d, want %d: %s", got, want, body)
		}
		return body
	}
}

var idRE = regexp.MustCompile(`<mediapackage[^>]* id="([^"]+)"`)

func mpID(t *testing.T, xml string) string {
	t.Helper()
	m := idRE.FindStringSubmatch(xml)
	if m == nil {
		t.Fatalf("no media package id in %s", xml)
	}
	return m[1]
}

const episode = `<?xml version="1.0" encoding="UTF-8"?>
<dublincore xmlns="http://www.opencastproject.org/xsd/1.0/dublincore/" xmlns:dcterms="http://purl.org/dc/terms/">
  <dcterms:title>Algebra 1</dcterms:title><dcterms:identifier>x</dcterms:identifier>
</dublincore>`

// treatments returns the recorder's treatments.
func (b *testBundle) treatmentsOf(t *testing.T, rec *lectern.Recorder) []*lectern.Treatment {
	t.Helper()
	ts, _, err := b.treatments.FindTreatments(b.ctx, lectern.TreatmentFilter{RecorderID: &rec.ID, Page: lectern.Page{Size: 100}})
	if err != nil {
		t.Fatal(err)
	}
	return ts
}

// TestIngestPyCA replays pyCA's calls: the package made, the episode
// added, a presenter track, ingest with the event's UID. One treatment,
// its file in the hidden staging folder, its event given.
func TestIngestPyCA(t *testing.T) {
	t.Parallel()
	b := setup(t)
	mp := must(t, 200)(b.call(t, "a", "GET", "/ingest/createMediaPackage", nil))
	if !strings.Contains(mp, `xmlns="http://mediapackage.opencastproject.org"`) || !strings.HasPrefix(mp, "<?xml") {
		t.Fatalf("media package as Opencast writes it expected: %s", mp)
	}
	id := mpID(t, mp)
	mp = must(t, 200)(b.call(t, "a", "POST", "/ingest/addDCCatalog",
		[]field{{"mediaPackage", mp, ""}, {"flavor", "dublincore/episode", ""}, {"dublinCore", episode, ""}}))
	if !strings.Contains(mp, `type="dublincore/episode"`) || !strings.Contains(mp, "<title>Algebra 1</title>") {
		t.Fatalf("catalog missing: %s", mp)
	}
	mp = must(t, 200)(b.call(t, "a", "POST", "/ingest/addTrack",
		[]field{{"mediaPackage", mp, ""}, {"flavor", "presenter/source", ""}, {"BODY1", "video bytes", "../../rec.WEBM"}}))
	if !strings.Contains(mp, `type="presenter/source"`) {
		t.Fatalf("track missing: %s", mp)
	}
	dir := filepath.Join(b.root, "amphi-a", ".opencast", id)
	if _, err := os.Stat(filepath.Join(dir, "presenter-1.webm")); err != nil {
		t.Fatalf("the track is not named by Lectern: %v", err)
	}
	if len(b.treatmentsOf(t, b.a)) != 0 {
		t.Fatal("a treatment before ingest")
	}
	fields := []field{{"mediaPackage", mp, ""}, {"workflowDefinitionId", "schedule-and-upload", ""},
		{"workflowInstanceId", b.evA.UID, ""}, {"straightToPublishing", "true", ""}}
	final := must(t, 200)(b.call(t, "a", "POST", "/ingest/ingest", fields))
	ts := b.treatmentsOf(t, b.a)
	if len(ts) != 1 {
		t.Fatalf("%d treatments, want 1", len(ts))
	}
	tr := ts[0]
	if tr.File != filepath.Join(dir, "presenter-1.webm") || tr.DetectedBy != lectern.SourceOpencast ||
		len(tr.Parts) != 1 || tr.Parts[0].Flavor != lectern.FlavorPresenter {
		t.Fatalf("treatment %+v", tr)
	}
	if got := opencast.IngestedTitle(tr.File); got != "Algebra 1" {
		t.Errorf("IngestedTitle = %q", got)
	}
	// Ingested twice: the same answer, one treatment.
	if again := must(t, 200)(b.call(t, "a", "POST", "/ingest/ingest", fields)); again != final {
		t.Fatalf("second ingest answered\n%s\nnot\n%s", again, final)
	}
	if n := len(b.treatmentsOf(t, b.a)); n != 1 {
		t.Fatalf("%d treatments after a second ingest", n)
	}
	// Nothing is added after ingest.
	must(t, 409)(b.call(t, "a", "POST", "/ingest/addTrack",
		[]field{{"mediaPackage", mp, ""}, {"flavor", "presenter/source", ""}, {"BODY", "more", "x.mp4"}}))
	// The same event ingested as another package: a conflict.
	other := must(t, 200)(b.call(t, "a", "GET", "/ingest/createMediaPackage", nil))
	other = must(t, 200)(b.call(t, "a", "POST", "/ingest/addTrack",
		[]field{{"mediaPackage", other, ""}, {"flavor", "presenter/source", ""}, {"BODY", "v2", "x.mp4"}}))
	must(t, 409)(b.call(t, "a", "POST", "/ingest/ingest", []field{{"mediaPackage", other, ""}, {"workflowInstanceId", b.evA.UID, ""}}))
	if n := len(b.treatmentsOf(t, b.a)); n != 1 {
		t.Fatalf("%d treatments after the conflict", n)
	}
}

// TestIngestSplitParts: the Extron SMP's presenter/source-2 sent before
// -1, and a presentation: parts ordered by their suffix.
func TestIngestSplitParts(t *testing.T) {
	t.Parallel()
	b := setup(t)
	mp := must(t, 200)(b.call(t, "a", "GET", "/ingest/createMediaPackage", nil))
	for _, f := range []struct{ flavor, body string }{
		{"presenter/source-2", "second"}, {"presentation/source", "slides"}, {"presenter/source-1", "first"},
	} {
		mp = must(t, 200)(b.call(t, "a", "POST", "/ingest/addTrack",
			[]field{{"mediaPackage", mp, ""}, {"flavor", f.flavor, ""}, {"BODY", f.body, "a.mp4"}}))
	}
	must(t, 200)(b.call(t, "a", "POST", "/ingest/ingest", []field{{"mediaPackage", mp, ""}}))
	ts := b.treatmentsOf(t, b.a)
	if len(ts) != 1 || len(ts[0].Parts) != 3 {
		t.Fatalf("treatments %+v", ts)
	}
	var got []string
	for _, p := range ts[0].Parts {
		body, _ := os.ReadFile(p.File)
		got = append(got, fmt.Sprintf("%s %d %s", p.Flavor, p.Position, body))
	}
	want := "presenter/source 1 first,presenter/source 2 second,presentation/source 1 slides"
	if strings.Join(got, ",") != want {
		t.Fatalf("parts %v, want %s", got, want)
	}
	if ts[0].File != ts[0].Parts[0].File {
		t.Fatalf("file %s is not the first presenter part", ts[0].File)
	}
}

// TestIngestRetryAfterBrokenUpload: an upload that breaks off leaves
// nothing; the retry, with the media package the agent had, is the one
// track; a track whose answer was lost is replaced by its retry.
func TestIngestRetryAfterBrokenUpload(t *testing.T) {
	t.Parallel()
	b := setup(t)
	mp := must(t, 200)(b.call(t, "a", "GET", "/ingest/createMediaPackage", nil))
	id := mpID(t, mp)
	dir := filepath.Join(b.root, "amphi-a", ".opencast", id)
	// A body cut in the middle of the file.
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	mw.WriteField("mediaPackage", mp)
	mw.WriteField("flavor", "presenter/source")
	w, _ := mw.CreateFormFile("BODY", "a.mp4")
	w.Write(bytes.Repeat([]byte("x"), 10000))
	status, _ := b.do(t, "a", "POST", "/ingest/addTrack", mw.FormDataContentType(), bytes.NewReader(body.Bytes()[:body.Len()-10]))
	if status != 400 {
		t.Fatalf("broken upload: status %d", status)
	}
	if names := list(t, dir); names != ".lock,state.json" {
		t.Fatalf("a broken upload left %s", names)
	}
	// Its answer lost: the agent sends it again with the package it had.
	must(t, 200)(b.call(t, "a", "POST", "/ingest/addTrack",
		[]field{{"mediaPackage", mp, ""}, {"flavor", "presenter/source", ""}, {"BODY", "lost answer", "a.mp4"}}))
	mp = must(t, 200)(b.call(t, "a", "POST", "/ingest/addTrack",
		[]field{{"mediaPackage", mp, ""}, {"flavor", "presenter/source", ""}, {"BODY", "retried", "a.mp4"}}))
	if n := strings.Count(mp, "<track "); n != 1 {
		t.Fatalf("%d tracks after the retry: %s", n, mp)
	}
	must(t, 200)(b.call(t, "a", "POST", "/ingest/ingest", []field{{"mediaPackage", mp, ""}}))
	ts := b.treatmentsOf(t, b.a)
	if len(ts) != 1 || len(ts[0].Parts) != 1 {
		t.Fatalf("treatments %+v", ts)
	}
	if got, _ := os.ReadFile(ts[0].File); string(got) != "retried" {
		t.Fatalf("deposit holds %q", got)
	}
	if names := list(t, dir); names != ".lock,presenter-1.mp4,state.json" {
		t.Fatalf("staging folder holds %s", names)
	}
}

func list(t *testing.T, dir string) string {
	t.Helper()
	es, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range es {
		names = append(names, e.Name())
	}
	return strings.Join(names, ",")
}

// TestIngestZipped replays Galicaster: one ZIP, its manifest's id the
// event's UID, workflowInstanceId the same; sent twice, one treatment.
func TestIngestZipped(t *testing.T) {
	t.Parallel()
	b := setup(t)
	zipped := galicasterZip(t, b.evA.UID, map[string]string{"presenter.mp4": "camera", "presentation.mp4": "screen"})
	fields := []field{{"workflowDefinitionId", "full", ""}, {"workflowInstanceId", b.evA.UID, ""},
		{"trimHold", "true", ""}, {"track", zipped, "2024-05-01T10:00:00.zip"}}
	first := must(t, 200)(b.call(t, "a", "POST", "/ingest/addZippedMediaPackage", fields))
	if !strings.Contains(first, "<title>Algebra 1</title>") || strings.Count(first, "<track ") != 2 {
		t.Fatalf("answer %s", first)
	}
	must(t, 200)(b.call(t, "a", "POST", "/ingest/addZippedMediaPackage", fields))
	ts := b.treatmentsOf(t, b.a)
	if len(ts) != 1 || len(ts[0].Parts) != 2 || ts[0].Parts[1].Flavor != lectern.FlavorPresentation {
		t.Fatalf("treatments %+v", ts)
	}
	if got, _ := os.ReadFile(ts[0].File); string(got) != "camera" {
		t.Fatalf("presenter holds %q", got)
	}
	// The archive as the whole body, its event in ?id=.
	raw := galicasterZip(t, "raw-1", map[string]string{"presenter.mp4": "raw camera"})
	status, body := b.do(t, "a", "POST", "/ingest/addZippedMediaPackage/full?id=raw-1", "application/zip", strings.NewReader(raw))
	if status != 200 || !strings.Contains(body, `id="raw-1"`) || len(b.treatmentsOf(t, b.a)) != 2 {
		t.Fatalf("raw archive: %d %s", status, body)
	}
	// Recorder b may not send a package for a's event.
	other := galicasterZip(t, b.evA.UID, map[string]string{"presenter.mp4": "x"})
	must(t, 403)(b.call(t, "b", "POST", "/ingest/addZippedMediaPackage",
		[]field{{"workflowInstanceId", b.evA.UID, ""}, {"track", other, "a.zip"}}))
	if len(b.treatmentsOf(t, b.b)) != 0 {
		t.Fatal("b got a treatment")
	}
}

// galicasterZip builds a ZIP as Galicaster's serializer does: manifest.xml
// first, every file flat, stored.
func galicasterZip(t *testing.T, id string, files map[string]string) string {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	manifest := fmt.Sprintf(`<?xml version="1.0" encoding="utf-8"?>
<mediapackage xmlns="http://mediapackage.opencastproject.org" id="%s" start="2024-05-01T10:00:00" duration="5000">
   <media>`, id)
	for _, name := range []string{"presenter.mp4", "presentation.mp4"} {
		if _, ok := files[name]; ok {
			manifest += fmt.Sprintf(`<track id="track-%s" type="%s/source"><mimetype>video/mp4</mimetype><url>%s</url><duration>5000</duration></track>`,
				strings.TrimSuffix(name, ".mp4"), strings.TrimSuffix(name, ".mp4"), name)
		}
	}
	manifest += `</media><metadata><catalog id="catalog-1" type="dublincore/episode"><mimetype>text/xml</mimetype><url>episode.xml</url><tags/></catalog></metadata><attachments/></mediapackage>`
	files["episode.xml"] = episode
	w, _ := zw.CreateHeader(&zip.FileHeader{Name: "manifest.xml", Method: zip.Store})
	io.WriteString(w, manifest)
	for name, body := range files {
		w, _ := zw.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Store})
		io.WriteString(w, body)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

// TestIngestAddMediaPackage: one request with everything.
func TestIngestAddMediaPackage(t *testing.T) {
	t.Parallel()
	b := setup(t)
	must(t, 200)(b.call(t, "a", "POST", "/ingest/addMediaPackage/fast", []field{
		{"title", "Whole", ""}, {"flavor", "presentation/source", ""}, {"BODY", "screen", "vga.mp4"},
		{"flavor", "presenter/source", ""}, {"BODY", "camera", "cam.mov"},
	}))
	ts := b.treatmentsOf(t, b.a)
	if len(ts) != 1 || len(ts[0].Parts) != 2 || !strings.HasSuffix(ts[0].File, "presenter-1.mov") {
		t.Fatalf("treatments %+v", ts)
	}
}

// TestIngestRefusals: what must change nothing.
func TestIngestRefusals(t *testing.T) {
	t.Parallel()
	b := setup(t)
	mpA := must(t, 200)(b.call(t, "a", "GET", "/ingest/createMediaPackage", nil))
	idA := mpID(t, mpA)
	laughs := `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;">]><dublincore><title>&lol2;</title></dublincore>`
	external := `<?xml version="1.0"?><!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><dublincore><title>&xxe;</title></dublincore>`
	for _, c := range []struct {
		name   string
		login  string
		method string
		path   string
		fields []field
		want   int
	}{
		{"no auth", "", "GET", "/ingest/createMediaPackage", nil, 401},
		{"billion laughs in Dublin Core", "a", "POST", "/ingest/addDCCatalog",
			[]field{{"mediaPackage", mpA, ""}, {"dublinCore", laughs, ""}}, 400},
		{"external entity in Dublin Core", "a", "POST", "/ingest/addDCCatalog",
			[]field{{"mediaPackage", mpA, ""}, {"dublinCore", external, ""}}, 400},
		{"entity in media package", "a", "POST", "/ingest/addTrack",
			[]field{{"mediaPackage", `<!DOCTYPE m [<!ENTITY e "x">]>` + mpA, ""}, {"flavor", "presenter/source", ""}, {"BODY", "v", "a.mp4"}}, 400},
		{"oversized media package", "a", "POST", "/ingest/ingest",
			[]field{{"mediaPackage", strings.Repeat(" ", opencast.MaxXMLSize+1), ""}}, 413},
		{"fields over their total", "a", "POST", "/ingest/ingest", []field{{"mediaPackage", strings.Repeat(" ", opencast.MaxXMLSize), ""},
			{"dublinCore", strings.Repeat(" ", opencast.MaxXMLSize), ""}, {"mediaPackage", strings.Repeat(" ", opencast.MaxXMLSize), ""}}, 413},
		{"path in the id", "a", "PUT", "/ingest/createMediaPackageWithID/..%2F..%2Fetc", nil, 400},
		{"path in the flavor", "a", "POST", "/ingest/addTrack",
			[]field{{"mediaPackage", mpA, ""}, {"flavor", "../../x/source", ""}, {"BODY", "v", "a.mp4"}}, 400},
		{"id of another recorder's package", "b", "POST", "/ingest/addTrack",
			[]field{{"mediaPackage", mpA, ""}, {"flavor", "presenter/source", ""}, {"BODY", "v", "a.mp4"}}, 403},
		{"ingest of another recorder's package", "b", "POST", "/ingest/ingest", []field{{"mediaPackage", mpA, ""}}, 403},
		{"package made for another recorder's event", "b", "PUT", "/ingest/createMediaPackageWithID/" + b.evA.UID, nil, 403},
		{"file before the flavor", "a", "POST", "/ingest/addTrack",
			[]field{{"mediaPackage", mpA, ""}, {"BODY", "v", "a.mp4"}, {"flavor", "presenter/source", ""}}, 400},
		{"track over the limit", "a", "POST", "/ingest/addTrack",
			[]field{{"mediaPackage", mpA, ""}, {"flavor", "presenter/source", ""}, {"BODY", strings.Repeat("x", 1<<20+1), "a.mp4"}}, 413},
	} {
		t.Run(c.name, func(t *testing.T) {
			status, body := b.call(t, c.login, c.method, c.path, c.fields)
			if status != c.want {
				t.Fatalf("status %d, want %d: %s", status, c.want, body)
			}
		})
	}
	if names := list(t, filepath.Join(b.root, "amphi-a", ".opencast", idA)); names != ".lock,state.json" {
		t.Fatalf("a's package holds %s", names)
	}
	if _, err := os.Stat(filepath.Join(b.root, "amphi-b", ".opencast", idA)); !os.IsNotExist(err) {
		t.Fatalf("b has a's package: %v", err)
	}
	// An event of another recorder named at ingest.
	mp := must(t, 200)(b.call(t, "a", "POST", "/ingest/addTrack",
		[]field{{"mediaPackage", mpA, ""}, {"flavor", "presenter/source", ""}, {"BODY", "v", "a.mp4"}}))
	must(t, 403)(b.call(t, "a", "POST", "/ingest/ingest", []field{{"mediaPackage", mp, ""}, {"workflowInstanceId", b.evB.UID, ""}}))
	if len(b.treatmentsOf(t, b.a)) != 0 {
		t.Fatal("a treatment for another recorder's event")
	}
	// Urlencoded ingest, as Galicaster posts its states.
	status, body := b.do(t, "a", "POST", "/ingest/ingest", "application/x-www-form-urlencoded",
		strings.NewReader(url.Values{"mediaPackage": {mp}, "workflowInstanceId": {b.evA.UID}}.Encode()))
	if status != 200 || len(b.treatmentsOf(t, b.a)) != 1 {
		t.Fatalf("urlencoded ingest: %d %s", status, body)
	}
}

// TestIngestSweep: a package never ingested and idle for UPLOAD_EXPIRY is
// removed, with a cut-off archive and a package without state; an
// ingested one, or a fresh one, stays.
func TestIngestSweep(t *testing.T) {
	t.Parallel()
	b := setup(t)
	track := func(mp string) string {
		return must(t, 200)(b.call(t, "a", "POST", "/ingest/addTrack",
			[]field{{"mediaPackage", mp, ""}, {"flavor", "presenter/source", ""}, {"BODY", "v", "a.mp4"}}))
	}
	abandoned := track(must(t, 200)(b.call(t, "a", "GET", "/ingest/createMediaPackage", nil)))
	ingested := track(must(t, 200)(b.call(t, "a", "GET", "/ingest/createMediaPackage", nil)))
	must(t, 200)(b.call(t, "a", "POST", "/ingest/ingest", []field{{"mediaPackage", ingested, ""}}))
	staging := filepath.Join(b.root, "amphi-a", ".opencast")
	if err := os.WriteFile(filepath.Join(staging, ".incoming-x.zip"), []byte("cut"), 0o600); err != nil {
		t.Fatal(err)
	}
	// A package whose state was never written (a crash as it was made).
	if err := os.MkdirAll(filepath.Join(staging, "no-state"), 0o755); err != nil {
		t.Fatal(err)
	}
	if n, err := b.h.Sweep(b.ctx); n != 0 || err != nil {
		t.Fatalf("fresh packages swept: %d %v", n, err)
	}
	if n, err := b.later.Sweep(b.ctx); n != 3 || err != nil {
		t.Fatalf("swept %d, want 3: %v", n, err)
	}
	if _, err := os.Stat(filepath.Join(staging, mpID(t, abandoned))); !os.IsNotExist(err) {
		t.Errorf("the abandoned package stays: %v", err)
	}
	if _, err := os.Stat(filepath.Join(staging, mpID(t, ingested), "presenter-1.mp4")); err != nil {
		t.Errorf("the ingested package was swept: %v", err)
	}
}

// TestIngestCatalogAndAttachment: addCatalog (a Dublin Core file, its
// title kept) and addAttachment, then a track and ingest: the catalog
// and attachment are in the package, not parts.
func TestIngestCatalogAndAttachment(t *testing.T) {
	t.Parallel()
	b := setup(t)
	mp := must(t, 200)(b.call(t, "a", "GET", "/ingest/createMediaPackage", nil))
	mp = must(t, 200)(b.call(t, "a", "POST", "/ingest/addCatalog",
		[]field{{"mediaPackage", mp, ""}, {"flavor", "dublincore/episode", ""}, {"BODY", episode, "episode.xml"}}))
	mp = must(t, 200)(b.call(t, "a", "POST", "/ingest/addAttachment",
		[]field{{"mediaPackage", mp, ""}, {"flavor", "security/xacml+episode", ""}, {"BODY", "<Policy/>", "../xacml.xml"}}))
	mp = must(t, 200)(b.call(t, "a", "POST", "/ingest/addTrack",
		[]field{{"mediaPackage", mp, ""}, {"flavor", "presenter/source", ""}, {"BODY", "v", "a.mp4"}}))
	if !strings.Contains(mp, "<title>Algebra 1</title>") || !strings.Contains(mp, `<attachment id="`) ||
		!strings.Contains(mp, "security-xacml+episode-1.xml") {
		t.Fatalf("package %s", mp)
	}
	must(t, 200)(b.call(t, "a", "POST", "/ingest/ingest", []field{{"mediaPackage", mp, ""}}))
	if ts := b.treatmentsOf(t, b.a); len(ts) != 1 || len(ts[0].Parts) != 1 {
		t.Fatalf("treatments %+v", ts)
	}
	// A Dublin Core file declaring entities is refused as the field is.
	mp2 := must(t, 200)(b.call(t, "a", "GET", "/ingest/createMediaPackage", nil))
	must(t, 400)(b.call(t, "a", "POST", "/ingest/addCatalog", []field{{"mediaPackage", mp2, ""}, {"flavor", "dublincore/series", ""},
		{"BODY", `<!DOCTYPE d [<!ENTITY e "e">]><d/>`, "series.xml"}}))
}
