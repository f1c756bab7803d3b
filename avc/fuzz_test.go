package avc_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"lectern"
	"lectern/avc"
)

func FuzzParseSMIL(f *testing.F) {
	f.Add([]byte(lectureSMIL))
	f.Add([]byte(smilDoc(`<img src="a.jpg" begin="00:01:02.5"/><img src="b.jpg" begin="1.5min"/><audio src="s.mp3"/>`)))
	f.Add([]byte(`<s:smil xmlns:s="http://www.w3.org/ns/SMIL"><s:img src="a" begin="500ms"/><s:video src="v"/></s:smil>`))
	f.Add([]byte("<?xml version=\"1.0\" encoding=\"windows-1252\"?><smil><head><title>\x92</title></head><video src=\"v\"/></smil>"))
	f.Add([]byte(`<!DOCTYPE smil [<!ENTITY x "y">]><smil><video src="&x;"/></smil>`))
	f.Add([]byte(`<smil><img src="a" begin="-1"/><video src="v"/></smil>`))
	f.Add([]byte(`<smil><img begin="1"/></smil>`))
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := avc.ParseSMIL(bytes.NewReader(data))
		if err != nil {
			if lectern.ErrorCode(err) != lectern.EINVALID {
				t.Fatalf("error %v, want EINVALID", err)
			}
			return
		}
		if p.Media == "" {
			t.Fatalf("no media and no error: %+v", p)
		}
		for _, s := range p.Slides {
			if s.Image == "" || s.Begin < 0 || s.Begin > avc.MaxClock {
				t.Fatalf("slide %+v", s)
			}
		}
	})
}

// slideName is the name of a file ExtractSlides may write.
var slideName = regexp.MustCompile(`^out/slides/slide-\d{3,}\.(jpg|png|gif)$`)

func FuzzOpen(f *testing.F) {
	// Small seeds: the fuzzer minimizes every interesting input, running
	// the target once per attempt.
	media := noise(512, 4)
	L := lectureWith(f, "lecture/", media)
	const mediaName = "lecture/enregistrement-video.mp4"
	seeds := [][]entry{
		L,
		lectureWith(f, "", media),
		with(L, mediaName, entry{body: media, deflate: true}),
		append(L, entry{name: "lecture/../../evil.jpg", body: jpegImage(f, 2, 2)}),
		append(L, entry{name: "lecture/notes.txt/x", body: []byte("x")}),
		with(L, "lecture/screenshots/D1.jpg", entry{body: []byte("x"), mode: os.ModeSymlink | 0o777}),
		with(L, "lecture/cours.smil", entry{body: []byte(smilDoc(`<img src="../../x.jpg"/><video src="enregistrement-video.mp4"/>`))}),
		with(L, "lecture/cours.smil", entry{body: []byte(`<!DOCTYPE smil [<!ENTITY v "x">]><smil><video src="&v;"/></smil>`)}),
		with(L, "lecture/screenshots/D2.png", entry{body: []byte("not a picture")}),
		with(L, "lecture/screenshots/D2.png", entry{body: gifImage(f, 3, 3), deflate: true}),
	}
	for _, entries := range seeds {
		f.Add(zipBytes(f, entries...))
	}
	crc := zipBytes(f, L...)
	central(f, crc, mediaName)[16] ^= 0xff
	f.Add(crc)
	f.Add([]byte("PK\x05\x06\x00\x00\x00\x00\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\x00\x00"))

	lim := avc.Limits{MaxEntries: 64, MaxUncompressed: 4 << 20, MaxRatio: 100}
	f.Fuzz(func(t *testing.T, data []byte) {
		root := t.TempDir()
		for _, d := range []string{"in", "out", "out/slides"} {
			if err := os.Mkdir(filepath.Join(root, d), 0o750); err != nil {
				t.Fatal(err)
			}
		}
		path := writeFile(t, filepath.Join(root, "in"), "lecture.zip", data)
		a, err := avc.Open(path, lim)
		if err != nil {
			if lectern.ErrorCode(err) != lectern.EINVALID {
				t.Fatalf("Open: %v, want EINVALID", err)
			}
			return
		}
		defer a.Close()
		_, mediaErr := a.ExtractMedia(t.Context(), filepath.Join(root, "out", "media"))
		slides, slidesErr := a.ExtractSlides(t.Context(), filepath.Join(root, "out", "slides"))
		for _, err := range []error{mediaErr, slidesErr} {
			if err != nil && lectern.ErrorCode(err) != lectern.EINVALID {
				t.Fatalf("extract: %v, want EINVALID", err)
			}
		}
		if slidesErr == nil && len(slides) != len(a.Presentation().Slides) {
			t.Fatalf("%d slides extracted, the presentation has %d", len(slides), len(a.Presentation().Slides))
		}
		// Nothing but the archive, the media and the slides.
		for name := range tree(t, root) {
			switch {
			case name == "in" || name == "in/lecture.zip" || name == "out" || name == "out/slides":
			case name == "out/media":
				if mediaErr != nil {
					t.Fatalf("media left after %v", mediaErr)
				}
			case slideName.MatchString(name):
				if slidesErr != nil {
					t.Fatalf("%s left after %v", name, slidesErr)
				}
			default:
				t.Fatalf("unexpected file %s", name)
			}
		}
		if errors.Is(mediaErr, os.ErrExist) || errors.Is(slidesErr, os.ErrExist) {
			t.Fatal("a name was taken")
		}
	})
}
