package main

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"lectern"
	"lectern/sqldb"
)

// ocAgent is a capture agent as pyCA and Galicaster speak to Opencast's
// ingest service: HTTP Basic with its recorder's credentials, fields as
// multipart/form-data, each call's media package sent back on the next.
type ocAgent struct {
	t          *testing.T
	url        string
	login, pwd string
}

// ocField is one multipart field; file, when set, names a file part
// whose content is value.
type ocField struct{ name, value, file string }

// call sends fields (none: no body) with method to path and returns the
// status and body; body, when not nil, replaces the form.
func (a *ocAgent) call(method, path string, fields []ocField, body io.Reader) (int, string) {
	a.t.Helper()
	ct := ""
	if fields != nil {
		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		for _, f := range fields {
			var w io.Writer
			var err error
			if f.file != "" {
				w, err = mw.CreateFormFile(f.name, f.file)
			} else {
				w, err = mw.CreateFormField(f.name)
			}
			if err != nil {
				a.t.Fatal(err)
			}
			io.WriteString(w, f.value)
		}
		mw.Close()
		ct, body = mw.FormDataContentType(), &buf
	}
	req, err := http.NewRequest(method, a.url+path, body)
	if err != nil {
		a.t.Fatal(err)
	}
	if ct != "" {
		req.Header.Set("Content-Type", ct)
	}
	if a.login != "" {
		req.SetBasicAuth(a.login, a.pwd)
	}
	resp, err := (&http.Client{Timeout: 60 * time.Second}).Do(req)
	if err != nil {
		return 0, err.Error()
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(out)
}

// ok is call for a call that must answer 200 with a media package.
func (a *ocAgent) ok(method, path string, fields []ocField) string {
	a.t.Helper()
	status, body := a.call(method, path, fields, nil)
	if status != http.StatusOK || !strings.Contains(body, "http://mediapackage.opencastproject.org") {
		a.t.Fatalf("%s %s: %d\n%s", method, path, status, body)
	}
	return body
}

var ocIDRE = regexp.MustCompile(`<mediapackage[^>]* id="([^"]+)"`)

func ocPackageID(t *testing.T, mp string) string {
	t.Helper()
	m := ocIDRE.FindStringSubmatch(mp)
	if m == nil {
		t.Fatalf("no id in %s", mp)
	}
	return m[1]
}

// ocSite is a running serve with two recorders speaking Opencast, A
// (login agent-a) and B, each with an event now, and a small real clip.
type ocSite struct {
	c        *cli
	s        *server
	a, b     *ocAgent
	evA, evB *lectern.Event
	clip     []byte
	db       *sqldb.DB
}

func newOCSite(t *testing.T, env ...string) *ocSite {
	t.Helper()
	c := newCLI(t, append([]string{"LECTERN_LANGUAGE_CODE=en"}, env...)...)
	c.addUser(t, "mgr", "--staff")
	typeID := c.addType(t, "Course")
	for i, n := range []string{"a", "b"} {
		c.mustRun(t, "pw-"+n+"\n", "recorder", "add", "--name", "Amphi "+n, "--ip", fmt.Sprintf("10.0.0.%d", i+1),
			"--directory", "amphi-"+n, "--type-id", itoa(typeID), "--manager", "mgr", "--login", "agent-"+n, "--password-stdin")
	}
	s := startServe(t, c)
	site := &ocSite{c: c, s: s, db: c.open(t),
		a: &ocAgent{t: t, url: s.url, login: "agent-a", pwd: "pw-a"}, b: &ocAgent{t: t, url: s.url, login: "agent-b", pwd: "pw-b"}}
	recs, _, err := sqldb.NewRecorderService(site.db).FindRecorders(context.Background(), lectern.RecorderFilter{Page: lectern.Page{Size: 10}})
	if err != nil || len(recs) != 2 {
		t.Fatalf("recorders %v %v", recs, err)
	}
	now := time.Now().UTC()
	for _, rec := range recs {
		ev := &lectern.Event{RecorderID: rec.ID, Title: "Algebra in " + rec.Name, Start: now.Add(-time.Hour), End: now.Add(time.Hour)}
		if err := sqldb.NewEventService(site.db).CreateEvent(context.Background(), ev); err != nil {
			t.Fatal(err)
		}
		if rec.Directory == "amphi-a" {
			site.evA = ev
		} else {
			site.evB = ev
		}
	}
	clip, err := os.ReadFile(makeClip(t, "testsrc2=size=160x120:rate=10:duration=1", "sine=frequency=440:duration=1"))
	if err != nil {
		t.Fatal(err)
	}
	site.clip = clip
	return site
}

// treatments returns the site's treatments with their parts, oldest first.
func (o *ocSite) treatments(t *testing.T) []*lectern.Treatment {
	t.Helper()
	ts, _, err := sqldb.NewTreatmentService(o.db, nil).FindTreatments(context.Background(), lectern.TreatmentFilter{Page: lectern.Page{Size: 100}})
	if err != nil {
		t.Fatal(err)
	}
	for i, j := 0, len(ts)-1; i < j; i, j = i+1, j-1 {
		ts[i], ts[j] = ts[j], ts[i]
	}
	return ts
}

const ocEpisode = `<?xml version="1.0" encoding="UTF-8" standalone="no"?>
<dublincore xmlns="http://www.opencastproject.org/xsd/1.0/dublincore/" xmlns:dcterms="http://purl.org/dc/terms/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
  <dcterms:title>Algebra 1 – lecture 3</dcterms:title>
  <dcterms:temporal xsi:type="dcterms:Period">start=2026-12-06T09:00:00Z; end=2026-12-06T11:00:00Z; scheme=W3C-DTF;</dcterms:temporal>
  <dcterms:spatial>agent-a</dcterms:spatial>
</dublincore>`

// TestE2EOpencastIngestPyCA replays exactly pyCA's ingest (pyca/ingest.py)
// against a real serve: createMediaPackage (GET), addDCCatalog of the
// episode (multipart: mediaPackage, flavor, dublinCore), addTrack
// presenter/source (mediaPackage, flavor, then the file as BODY1), ingest
// (mediaPackage, workflowDefinitionId, workflowInstanceId = the event's
// UID, then the workflow's configuration). One treatment, its file the
// track in the hidden staging folder; ingested again, the same answer and
// still one; two cron passes find nothing in the staging folder.
func TestE2EOpencastIngestPyCA(t *testing.T) {
	t.Parallel()
	o := newOCSite(t)
	a := o.a
	mp := a.ok("GET", "/ingest/createMediaPackage", nil)
	id := ocPackageID(t, mp)
	mp = a.ok("POST", "/ingest/addDCCatalog", []ocField{{"mediaPackage", mp, ""}, {"flavor", "dublincore/episode", ""},
		{"dublinCore", ocEpisode, ""}})
	mp = a.ok("POST", "/ingest/addTrack", []ocField{{"mediaPackage", mp, ""}, {"flavor", "presenter/source", ""},
		{"BODY1", string(o.clip), "recording-1733475600-" + o.evA.UID + ".mp4"}})
	fields := []ocField{{"mediaPackage", mp, ""}, {"workflowDefinitionId", "schedule-and-upload", ""},
		{"workflowInstanceId", o.evA.UID, ""}, {"straightToPublishing", "true", ""}}
	final := a.ok("POST", "/ingest/ingest", fields)

	ts := o.treatments(t)
	track := filepath.Join(o.c.dataDir, "recorders", "amphi-a", ".opencast", id, "presenter-1.mp4")
	if len(ts) != 1 || ts[0].File != track || ts[0].DetectedBy != lectern.SourceOpencast || len(ts[0].Parts) != 1 ||
		ts[0].Parts[0].Flavor != lectern.FlavorPresenter || ts[0].Parts[0].Size != int64(len(o.clip)) {
		t.Fatalf("treatments %+v", ts)
	}
	if log := o.s.log.String(); !strings.Contains(log, "event_uid="+o.evA.UID) || !strings.Contains(log, `title="Algebra 1 – lecture 3"`) {
		t.Errorf("the ingest's log names neither the event nor the title:\n%s", log)
	}
	if again := a.ok("POST", "/ingest/ingest", fields); again != final {
		t.Errorf("ingested again:\n%s\nnot\n%s", again, final)
	}
	for range 2 {
		o.c.mustRun(t, "", "recorder", "checkDirectory")
	}
	if ts := o.treatments(t); len(ts) != 1 {
		t.Fatalf("%d treatments after a second ingest and two cron passes", len(ts))
	}
	if status, body := a.call("POST", "/ingest/addTrack", []ocField{{"mediaPackage", mp, ""}, {"flavor", "presenter/source", ""},
		{"BODY1", "late", "late.mp4"}}, nil); status != http.StatusConflict {
		t.Errorf("addTrack after ingest: %d %s", status, body)
	}
}

// TestE2EOpencastIngestGalicaster replays Galicaster's ingest
// (galicaster/opencast/client.py): one addZippedMediaPackage, multipart
// workflowDefinitionId, workflowInstanceId (the media package's id, the
// event's UID), the workflow settings, then the ZIP as "track":
// manifest.xml and every file flat, stored. One treatment of two parts.
func TestE2EOpencastIngestGalicaster(t *testing.T) {
	t.Parallel()
	o := newOCSite(t)
	zipped := ocZip(t, o.evA.UID, map[string]string{"presenter.mp4": string(o.clip), "presentation.mp4": string(o.clip[:len(o.clip)/2])})
	fields := []ocField{{"workflowDefinitionId", "full", ""}, {"workflowInstanceId", o.evA.UID, ""}, {"trimHold", "true", ""},
		{"track", zipped, "2026-12-06T09:00:00.zip"}}
	o.a.ok("POST", "/ingest/addZippedMediaPackage", fields)
	o.a.ok("POST", "/ingest/addZippedMediaPackage", fields) // its answer lost: sent again
	ts := o.treatments(t)
	if len(ts) != 1 || len(ts[0].Parts) != 2 || ts[0].Parts[0].Size != int64(len(o.clip)) ||
		ts[0].Parts[1].Flavor != lectern.FlavorPresentation || !strings.Contains(ts[0].File, "/.opencast/"+o.evA.UID+"/presenter-1.mp4") {
		t.Fatalf("treatments %+v", ts)
	}
}

// ocZip builds a media package ZIP as Galicaster's serializer does.
func ocZip(t *testing.T, id string, files map[string]string) string {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	manifest := `<?xml version="1.0" encoding="utf-8"?>` + "\n" +
		`<mediapackage xmlns="http://mediapackage.opencastproject.org" id="` + id + `" start="2026-12-06T09:00:00" duration="1000">` + "\n   <media>"
	for _, name := range []string{"presenter.mp4", "presentation.mp4"} {
		if _, ok := files[name]; ok {
			flavor := strings.TrimSuffix(name, ".mp4") + "/source"
			manifest += `<track id="` + name + `" type="` + flavor + `"><mimetype>video/mp4</mimetype><url>` + name + `</url><duration>1000</duration></track>`
		}
	}
	manifest += `</media><metadata><catalog id="episode" type="dublincore/episode"><mimetype>text/xml</mimetype><url>episode.xml</url><tags/></catalog></metadata><attachments/></mediapackage>`
	w, _ := zw.CreateHeader(&zip.FileHeader{Name: "manifest.xml", Method: zip.Store})
	io.WriteString(w, manifest)
	files["episode.xml"] = ocEpisode
	for name, body := range files {
		w, _ := zw.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Store})
		io.WriteString(w, body)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

// pausingReader gives its data in two halves with a pause between them,
// longer than HTTP_READ_TIMEOUT.
type pausingReader struct {
	data  []byte
	pause time.Duration
	done  int
}

func (p *pausingReader) Read(b []byte) (int, error) {
	if p.done == len(p.data) {
		return 0, io.EOF
	}
	half := len(p.data) / 2
	if p.done == half {
		time.Sleep(p.pause)
	}
	end := len(p.data)
	if p.done < half {
		end = half
	}
	n := copy(b, p.data[p.done:end])
	p.done += n
	return n, nil
}

// TestE2EOpencastIngestSplit: a split recording as the Extron SMP sends
// it, presenter/source-2 before -1, one of them slower than
// HTTP_READ_TIMEOUT (a track upload has no time limit while it moves):
// one treatment, its parts in the suffixes' order.
func TestE2EOpencastIngestSplit(t *testing.T) {
	t.Parallel()
	o := newOCSite(t, "LECTERN_HTTP_READ_TIMEOUT=1s")
	a := o.a
	mp := a.ok("GET", "/ingest/createMediaPackage", nil)
	mp = a.ok("POST", "/ingest/addTrack", []ocField{{"mediaPackage", mp, ""}, {"flavor", "presenter/source-2", ""},
		{"file", "second part", "S1R2.m4v"}})
	// Part 1, its body pausing 1.5 s.
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	mw.WriteField("mediaPackage", mp)
	mw.WriteField("flavor", "presenter/source-1")
	w, _ := mw.CreateFormFile("file", "S1R1.m4v")
	w.Write(o.clip)
	mw.Close()
	req, _ := http.NewRequest("POST", a.url+"/ingest/addTrack", &pausingReader{data: buf.Bytes(), pause: 1500 * time.Millisecond})
	req.ContentLength = int64(buf.Len())
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.SetBasicAuth(a.login, a.pwd)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("slow track: %v", err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("slow track: %d %s", resp.StatusCode, body)
	}
	mp = string(body)
	a.ok("POST", "/ingest/ingest", []ocField{{"mediaPackage", mp, ""}, {"workflowInstanceId", o.evA.UID, ""}})
	ts := o.treatments(t)
	if len(ts) != 1 || len(ts[0].Parts) != 2 {
		t.Fatalf("treatments %+v", ts)
	}
	first, _ := os.ReadFile(ts[0].Parts[0].File)
	second, _ := os.ReadFile(ts[0].Parts[1].File)
	if !bytes.Equal(first, o.clip) || string(second) != "second part" || ts[0].Parts[1].Position != 2 {
		t.Fatalf("parts out of order: %+v", ts[0].Parts)
	}
}

// brokenReader gives n bytes of data, then fails: the client gives up
// mid-body and closes its connection.
type brokenReader struct {
	r io.Reader
}

func (b *brokenReader) Read(p []byte) (int, error) {
	n, err := b.r.Read(p)
	if err == io.EOF {
		return n, errors.New("cable pulled")
	}
	return n, err
}

// TestE2EOpencastIngestBrokenUpload: an addTrack whose connection breaks
// mid-file leaves nothing in the staging folder; its retry and the ingest
// make one treatment of the retried file.
func TestE2EOpencastIngestBrokenUpload(t *testing.T) {
	t.Parallel()
	o := newOCSite(t)
	a := o.a
	mp := a.ok("GET", "/ingest/createMediaPackage", nil)
	dir := filepath.Join(o.c.dataDir, "recorders", "amphi-a", ".opencast", ocPackageID(t, mp))
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	mw.WriteField("mediaPackage", mp)
	mw.WriteField("flavor", "presenter/source")
	w, _ := mw.CreateFormFile("BODY1", "rec.mp4")
	w.Write(o.clip)
	mw.Close()
	req, _ := http.NewRequest("POST", a.url+"/ingest/addTrack", &brokenReader{bytes.NewReader(buf.Bytes()[:buf.Len()/2])})
	req.ContentLength = int64(buf.Len())
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.SetBasicAuth(a.login, a.pwd)
	if resp, err := http.DefaultClient.Do(req); err == nil {
		resp.Body.Close()
		t.Fatalf("the broken upload was answered %d", resp.StatusCode)
	}
	// The server sees the connection end and removes what it received.
	deadline := time.Now().Add(20 * time.Second)
	for ocList(t, dir) != ".lock,state.json" && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if names := ocList(t, dir); names != ".lock,state.json" {
		t.Fatalf("the broken upload left %s", names)
	}
	mp = a.ok("POST", "/ingest/addTrack", []ocField{{"mediaPackage", mp, ""}, {"flavor", "presenter/source", ""},
		{"BODY1", string(o.clip), "rec.mp4"}})
	a.ok("POST", "/ingest/ingest", []ocField{{"mediaPackage", mp, ""}, {"workflowInstanceId", o.evA.UID, ""}})
	ts := o.treatments(t)
	if len(ts) != 1 || len(ts[0].Parts) != 1 || ts[0].FileSize != int64(len(o.clip)) {
		t.Fatalf("treatments %+v", ts)
	}
}

func ocList(t *testing.T, dir string) string {
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
