package opencast

import (
	"archive/zip"
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"lectern"
)

func TestDecodeXMLRefusesDeclarations(t *testing.T) {
	t.Parallel()
	var dc dcCatalog
	for _, doc := range []string{
		`<!DOCTYPE d [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;&a;">]><d><title>&b;</title></d>`,
		`<!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]><d><title>&x;</title></d>`,
		`<d><title>&undefined;</title></d>`,
		"<d><title>\xff</title></d>",
		`<d><title>` + strings.Repeat("a", MaxXMLSize) + `</title></d>`,
	} {
		if err := decodeXML([]byte(doc), &dc); err == nil {
			t.Errorf("accepted %.60q", doc)
		}
	}
	if err := decodeXML([]byte(`<d xmlns:dcterms="http://purl.org/dc/terms/"><dcterms:title>A &amp; B</dcterms:title></d>`), &dc); err != nil || dc.Title != "A & B" {
		t.Fatalf("title %q, err %v", dc.Title, err)
	}
}

func TestPartFlavor(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		in   string
		part string
		n    int
		ok   bool
	}{
		{"presenter/source", lectern.FlavorPresenter, 0, true},
		{"Presenter/Source-2", lectern.FlavorPresenter, 2, true},
		{"presentation/source-10", lectern.FlavorPresentation, 10, true},
		{"presenter/preview", "", 0, false},
		{"presenter/source-0", "", 0, false},
		{"presenter/source-x", "", 0, false},
		{"composite/source", "", 0, false},
	} {
		part, n, ok := partFlavor(c.in)
		if part != c.part || n != c.n || ok != c.ok {
			t.Errorf("%s: %q %d %v", c.in, part, n, ok)
		}
	}
}

func TestParseStartAndNames(t *testing.T) {
	t.Parallel()
	def := time.Unix(0, 0).UTC()
	if got := parseStart("2024-05-01T10:00:00Z", def); !got.Equal(time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC)) {
		t.Errorf("Opencast start: %v", got)
	}
	if got := parseStart("2024-05-01T10:00:00", def); got.Hour() != 10 {
		t.Errorf("Galicaster start: %v", got)
	}
	if got := parseStart("yesterday", def); !got.Equal(def) {
		t.Errorf("bad start: %v", got)
	}
	for _, c := range []struct{ name, ct, kind, want string }{
		{"rec.MP4", "", kindTrack, ".mp4"},
		{`..\..\evil.webm`, "", kindTrack, ".webm"},
		{"x.mp4/../../y", "", kindTrack, ""},
		{"noext", "video/mp4", kindTrack, ".mp4"},
		{"a.verylongext", "", kindCatalog, ".xml"},
		{"a.m p4", "", kindTrack, ""},
	} {
		if got := fileExt(c.name, c.ct, c.kind); got != c.want {
			t.Errorf("fileExt(%q) = %q, want %q", c.name, got, c.want)
		}
	}
	for _, f := range []string{"../x", "a/b/c", "a", "a/", "/a", "a/b c", "a/" + strings.Repeat("b", 65)} {
		if _, err := parseFlavor(f); err == nil {
			t.Errorf("flavor %q accepted", f)
		}
	}
	for _, id := range []string{"", ".", "..", "../x", "a/b", ".hidden", strings.Repeat("a", 129), "a b"} {
		if ValidID(id) {
			t.Errorf("id %q accepted", id)
		}
	}
}

// writeZip writes entries (name to content; a header to tune) to a file.
func writeZip(t *testing.T, headers ...*zip.FileHeader) *os.File {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, h := range headers {
		w, err := zw.CreateHeader(h)
		if err != nil {
			t.Fatal(err)
		}
		if h.Comment != "" {
			w.Write([]byte(h.Comment))
		}
	}
	zw.Close()
	path := filepath.Join(t.TempDir(), "a.zip")
	if err := os.WriteFile(path, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

func TestOpenZipRefusals(t *testing.T) {
	t.Parallel()
	link := &zip.FileHeader{Name: "manifest.xml", Comment: "/etc/passwd"}
	link.SetMode(os.ModeSymlink | 0o777)
	bomb := &zip.FileHeader{Name: "presenter.mp4", Method: zip.Deflate, Comment: strings.Repeat("\x00", 50<<20)}
	for name, h := range map[string]*zip.FileHeader{
		"zip-slip":       {Name: "../../evil.mp4", Comment: "x"},
		"absolute":       {Name: "/etc/evil", Comment: "x"},
		"backslash":      {Name: `..\evil`, Comment: "x"},
		"control":        {Name: "a\x01b", Comment: "x"},
		"symbolic link":  link,
		"ratio bomb":     bomb,
		"windows volume": {Name: "C:evil", Comment: "x"},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			if _, err := openZip(writeZip(t, h), DefaultZipLimits); lectern.ErrorCode(err) != lectern.EINVALID {
				t.Fatalf("err %v", err)
			}
		})
	}
	t.Run("declared size over the limit", func(t *testing.T) {
		t.Parallel()
		f := writeZip(t, &zip.FileHeader{Name: "a", Comment: strings.Repeat("a", 2000)}, &zip.FileHeader{Name: "b", Comment: "b"})
		if _, err := openZip(f, ZipLimits{MaxEntries: 10, MaxUncompressed: 1000, MaxRatio: 100}); lectern.ErrorCode(err) != lectern.EINVALID {
			t.Fatalf("err %v", err)
		}
	})
	t.Run("too many entries", func(t *testing.T) {
		t.Parallel()
		var hs []*zip.FileHeader
		for i := range 20 {
			hs = append(hs, &zip.FileHeader{Name: strings.Repeat("n", i+1)})
		}
		if _, err := openZip(writeZip(t, hs...), ZipLimits{MaxEntries: 5}.withDefaults()); lectern.ErrorCode(err) != lectern.EINVALID {
			t.Fatalf("err %v", err)
		}
	})
	t.Run("a sound archive", func(t *testing.T) {
		t.Parallel()
		if _, err := openZip(writeZip(t, &zip.FileHeader{Name: "manifest.xml", Comment: "<mediapackage/>"}), DefaultZipLimits); err != nil {
			t.Fatal(err)
		}
	})
}
