package main

import (
	"archive/zip"
	"bytes"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestHostileOpencastIngest sends the Opencast ingest service what a
// broken or hostile capture agent could: no credentials, XML declaring
// entities (the billion laughs, an external entity), oversized fields,
// path tricks in ids, flavors and file names, another recorder's media
// package or event, ZIPs that escape or explode. Each is refused with a
// clear 4xx and changes nothing: no file under DATA_DIR, no row.
func TestHostileOpencastIngest(t *testing.T) {
	t.Parallel()
	o := newOCSite(t)
	h := &hostile{t: t, s: o.s, c: o.c, db: o.db.SQL()}
	a, b := o.a, o.b
	// A's packages: empty, with a track, ingested.
	empty := a.ok("GET", "/ingest/createMediaPackage", nil)
	withTrack := a.ok("POST", "/ingest/addTrack", []ocField{{"mediaPackage", a.ok("GET", "/ingest/createMediaPackage", nil), ""},
		{"flavor", "presenter/source", ""}, {"BODY", "video", "a.mp4"}})
	ingested := a.ok("POST", "/ingest/addTrack", []ocField{{"mediaPackage", a.ok("GET", "/ingest/createMediaPackage", nil), ""},
		{"flavor", "presenter/source", ""}, {"BODY", "video", "a.mp4"}})
	a.ok("POST", "/ingest/ingest", []ocField{{"mediaPackage", ingested, ""}})

	laughs := `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">` +
		`<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>` +
		`<dublincore xmlns:dcterms="http://purl.org/dc/terms/"><dcterms:title>Lecture</dcterms:title></dublincore>`
	external := `<!DOCTYPE mediapackage [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>`
	track := func(mp, flavor, name string) []ocField {
		return []ocField{{"mediaPackage", mp, ""}, {"flavor", flavor, ""}, {"BODY", "video", name}}
	}
	zipOf := func(entries ...*zip.FileHeader) string {
		var buf bytes.Buffer
		zw := zip.NewWriter(&buf)
		for _, e := range entries {
			w, err := zw.CreateHeader(e)
			if err != nil {
				t.Fatal(err)
			}
			io.WriteString(w, e.Comment)
			e.Comment = ""
		}
		zw.Close()
		return buf.String()
	}
	manifest := func(id, url string) *zip.FileHeader {
		return &zip.FileHeader{Name: "manifest.xml", Comment: `<mediapackage xmlns="http://mediapackage.opencastproject.org" id="` + id +
			`"><media><track id="t" type="presenter/source"><url>` + url + `</url></track></media></mediapackage>`}
	}
	symlink := &zip.FileHeader{Name: "presenter.mp4", Comment: "../../../../etc/passwd"}
	symlink.SetMode(os.ModeSymlink | 0o777)
	zipped := func(z string) []ocField {
		return []ocField{{"workflowInstanceId", "", ""}, {"track", z, "mp.zip"}}
	}

	for _, row := range []struct {
		name   string
		agent  *ocAgent
		method string
		path   string
		fields []ocField
		want   int
	}{
		{"no credentials", &ocAgent{t: t, url: o.s.url}, "GET", "/ingest/createMediaPackage", nil, 401},
		{"wrong password", &ocAgent{t: t, url: o.s.url, login: "agent-a", pwd: "pw-b"}, "POST", "/ingest/addTrack", track(empty, "presenter/source", "a.mp4"), 401},
		{"billion laughs declared in a Dublin Core", a, "POST", "/ingest/addDCCatalog",
			[]ocField{{"mediaPackage", empty, ""}, {"flavor", "dublincore/episode", ""}, {"dublinCore", laughs, ""}}, 400},
		{"external entity declared in a media package", a, "POST", "/ingest/addTrack", track(external+empty[strings.Index(empty, "<mediapackage"):], "presenter/source", "a.mp4"), 400},
		{"oversized media package", a, "POST", "/ingest/ingest", []ocField{{"mediaPackage", empty + strings.Repeat(" ", 1<<20), ""}}, 413},
		{"oversized flavor", a, "POST", "/ingest/addTrack", track(empty, "presenter/"+strings.Repeat("s", 5000), "a.mp4"), 413},
		{"path in a media package id", a, "PUT", "/ingest/createMediaPackageWithID/..%2F..%2Famphi-b", nil, 400},
		{"path in the media package's id", a, "POST", "/ingest/addTrack",
			track(strings.Replace(empty, `id="`, `id="../../amphi-b/`, 1), "presenter/source", "a.mp4"), 400},
		{"path in a flavor", a, "POST", "/ingest/addTrack", track(empty, "../../amphi-b/source", "a.mp4"), 400},
		{"track for another recorder's media package", b, "POST", "/ingest/addTrack", track(withTrack, "presenter/source", "b.mp4"), 403},
		{"ingest of another recorder's media package", b, "POST", "/ingest/ingest", []ocField{{"mediaPackage", withTrack, ""}}, 403},
		{"media package made for another recorder's event", b, "PUT", "/ingest/createMediaPackageWithID/" + o.evA.UID, nil, 403},
		{"ingest in another recorder's event", a, "POST", "/ingest/ingest",
			[]ocField{{"mediaPackage", withTrack, ""}, {"workflowInstanceId", o.evB.UID, ""}}, 403},
		{"track after ingest", a, "POST", "/ingest/addTrack", track(ingested, "presenter/source", "late.mp4"), 409},
		{"zip-slip", a, "POST", "/ingest/addZippedMediaPackage",
			zipped(zipOf(manifest("zs-1", "../../../amphi-b/evil.mp4"), &zip.FileHeader{Name: "../../../amphi-b/evil.mp4", Comment: "x"})), 400},
		{"zip bomb", a, "POST", "/ingest/addZippedMediaPackage",
			zipped(zipOf(manifest("zb-1", "presenter.mp4"), &zip.FileHeader{Name: "presenter.mp4", Method: zip.Deflate, Comment: strings.Repeat("\x00", 20<<20)})), 400},
		{"symbolic link in a zip", a, "POST", "/ingest/addZippedMediaPackage", zipped(zipOf(manifest("sl-1", "presenter.mp4"), symlink)), 400},
		{"zip for another recorder's event", b, "POST", "/ingest/addZippedMediaPackage",
			zipped(zipOf(manifest(o.evA.UID, "presenter.mp4"), &zip.FileHeader{Name: "presenter.mp4", Comment: "x"})), 403},
		{"entity declared in a zip's manifest", a, "POST", "/ingest/addZippedMediaPackage",
			zipped(zipOf(&zip.FileHeader{Name: "manifest.xml", Comment: external + `<mediapackage id="ze-1"/>`})), 400},
	} {
		t.Run(row.name, func(t *testing.T) {
			before := h.snapshot()
			status, body := row.agent.call(row.method, row.path, row.fields, nil)
			h.refused(t, row.name, status, body, row.want)
			h.unchanged(t, before)
		})
	}

	// A client's file name never names a file: the track is presenter-N
	// in the package's staging folder, whatever the name says.
	mp := a.ok("POST", "/ingest/addTrack", track(empty, "presenter/source", "../../../../amphi-b/evil.mp4"))
	dir := filepath.Join(o.c.dataDir, "recorders", "amphi-a", ".opencast", ocPackageID(t, mp))
	if names := ocList(t, dir); names != ".lock,presenter-1.mp4,state.json" {
		t.Errorf("staging folder holds %s", names)
	}
	if names := ocList(t, filepath.Join(o.c.dataDir, "recorders", "amphi-b")); names != "" {
		t.Errorf("amphi-b holds %s", names)
	}
	if status, _ := a.call("GET", "/ingest/addTrack", nil, nil); status != http.StatusMethodNotAllowed {
		t.Errorf("GET addTrack: %d", status)
	}
}
