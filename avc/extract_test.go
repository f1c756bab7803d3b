package avc_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"lectern"
	"lectern/avc"
)

// openLecture writes entries as root/lecture.zip and opens it.
func openLecture(tb testing.TB, root string, entries []entry) *avc.Archive {
	tb.Helper()
	return openZip(tb, root, zipBytes(tb, entries...))
}

// openZip writes data as root/lecture.zip and opens it.
func openZip(tb testing.TB, root string, data []byte) *avc.Archive {
	tb.Helper()
	a, err := avc.Open(writeFile(tb, root, "lecture.zip", data), avc.Limits{})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { a.Close() })
	return a
}

func TestExtract(t *testing.T) {
	t.Parallel()
	big := noise(3<<20+17, 3) // more than one chunk
	gifSlide := gifImage(t, 5, 7)
	tests := []struct {
		name  string
		media entry
	}{
		{"stored media", entry{body: lectureMedia}},
		{"stored media of several chunks", entry{body: big}},
		{"deflated media", entry{body: big, deflate: true}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			root := t.TempDir()
			entries := with(lecture(t, "lecture/"), "lecture/enregistrement-video.mp4", tc.media)
			entries = append(entries, entry{name: "lecture/screenshots/D3", body: gifSlide}) // no extension
			entries = with(entries, "lecture/cours.smil", entry{body: []byte(smilDoc(`
				<img src="screenshots/D2.png" begin="00:01:02.5"/>
				<img src="screenshots/D1.jpg" begin="0"/>
				<img src="screenshots/D3" begin="1.5min"/>
				<img src="screenshots/D1.jpg" begin="2h"/>
				<video src="enregistrement-video.mp4"/>`)), deflate: true})
			a := openLecture(t, root, entries)
			if err := os.Mkdir(filepath.Join(root, "out"), 0o750); err != nil {
				t.Fatal(err)
			}

			dst := filepath.Join(root, "out", "media.mp4")
			n, err := a.ExtractMedia(t.Context(), dst)
			if err != nil {
				t.Fatal(err)
			}
			got, err := os.ReadFile(dst)
			if err != nil {
				t.Fatal(err)
			}
			if n != int64(len(tc.media.body)) || !bytes.Equal(got, tc.media.body) {
				t.Errorf("ExtractMedia wrote %d bytes (returned %d), want the %d of the entry", len(got), n, len(tc.media.body))
			}
			if fi, _ := os.Stat(dst); fi.Mode().Perm() != 0o640 {
				t.Errorf("media mode %v, want 0640", fi.Mode().Perm())
			}

			dir := filepath.Join(root, "out", "slides")
			if err := os.Mkdir(dir, 0o750); err != nil {
				t.Fatal(err)
			}
			slides, err := a.ExtractSlides(t.Context(), dir)
			if err != nil {
				t.Fatal(err)
			}
			want := []avc.ExtractedSlide{
				{File: "slide-001.png", Entry: "lecture/screenshots/D2.png", Begin: 62500 * time.Millisecond, Width: 8, Height: 6},
				{File: "slide-002.jpg", Entry: "lecture/screenshots/D1.jpg", Begin: 0, Width: 16, Height: 12},
				{File: "slide-003.gif", Entry: "lecture/screenshots/D3", Begin: 90 * time.Second, Width: 5, Height: 7},
				{File: "slide-004.jpg", Entry: "lecture/screenshots/D1.jpg", Begin: 2 * time.Hour, Width: 16, Height: 12},
			}
			if diff := cmp.Diff(want, slides); diff != "" {
				t.Errorf("ExtractSlides (-want +got):\n%s", diff)
			}
			bodies := map[string][]byte{}
			for _, e := range entries {
				bodies[e.name] = e.body
			}
			for _, s := range slides {
				got, err := os.ReadFile(filepath.Join(dir, s.File))
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(got, bodies[s.Entry]) {
					t.Errorf("%s differs from %s", s.File, s.Entry)
				}
			}

			// Nothing but the media and the slides was written.
			wantTree := map[string]int64{
				"lecture.zip": -2, "out": -1, "out/media.mp4": int64(len(tc.media.body)), "out/slides": -1,
				"out/slides/slide-001.png": int64(len(bodies["lecture/screenshots/D2.png"])),
				"out/slides/slide-002.jpg": int64(len(bodies["lecture/screenshots/D1.jpg"])),
				"out/slides/slide-003.gif": int64(len(gifSlide)),
				"out/slides/slide-004.jpg": int64(len(bodies["lecture/screenshots/D1.jpg"])),
			}
			gotTree := tree(t, root)
			gotTree["lecture.zip"] = -2
			if diff := cmp.Diff(wantTree, gotTree); diff != "" {
				t.Errorf("files (-want +got):\n%s", diff)
			}
		})
	}
}

// extractCase is an archive Open accepts but whose extraction must fail.
type extractCase struct {
	name   string
	data   []byte
	slides bool   // ExtractSlides fails, else ExtractMedia
	msg    string // in the message
}

func extractCases(tb testing.TB) []extractCase {
	L := lecture(tb, "lecture/")
	le := binary.LittleEndian
	const mediaName = "lecture/enregistrement-video.mp4"
	patched := func(entries []entry, name string, f func(h []byte)) []byte {
		data := zipBytes(tb, entries...)
		f(central(tb, data, name))
		return data
	}
	slide := func(name string, body []byte) []byte { return zipBytes(tb, with(L, name, entry{body: body})...) }
	hugePNG := pngImage(tb, 2, 2)
	// IHDR: its data (width, height: big-endian) at 16, its CRC at 29,
	// over the chunk's type and data.
	binary.BigEndian.PutUint32(hugePNG[16:], 100000)
	binary.BigEndian.PutUint32(hugePNG[20:], 100000)
	binary.BigEndian.PutUint32(hugePNG[29:], crc32.ChecksumIEEE(hugePNG[12:29]))

	return []extractCase{
		{name: "media CRC mismatch", data: patched(L, mediaName, func(h []byte) { h[16] ^= 0xff }),
			msg: `Entry "lecture/enregistrement-video.mp4" fails its CRC-32 check`},
		{name: "media longer than declared", data: patched(L, mediaName, func(h []byte) {
			le.PutUint32(h[24:], le.Uint32(h[24:])-10)
		}), msg: `Entry "lecture/enregistrement-video.mp4" is damaged: its data or its header does not match`},
		{name: "media shorter than declared", data: patched(L, mediaName, func(h []byte) {
			le.PutUint32(h[24:], le.Uint32(h[24:])+10)
		}), msg: `Entry "lecture/enregistrement-video.mp4" is truncated`},
		{name: "media deflate stream damaged", data: func() []byte {
			entries := with(L, mediaName, entry{body: bytes.Repeat([]byte("lecture "), 100<<10), deflate: true})
			data := zipBytes(tb, entries...)
			off, n := dataRange(tb, data, mediaName)
			for i := off + n/2; i < off+n/2+64; i++ {
				data[i] ^= 0x5a
			}
			return data
		}(), msg: `Entry "lecture/enregistrement-video.mp4"`},
		{name: "slide not an image", data: slide("lecture/screenshots/D2.png", []byte("this is not a picture")),
			slides: true, msg: `Slide 2 ("lecture/screenshots/D2.png") is not a JPEG, PNG or GIF image`},
		{name: "slide HTML named .jpg", data: slide("lecture/screenshots/D1.jpg", []byte("<html><script>alert(1)</script></html>")),
			slides: true, msg: `Slide 1 ("lecture/screenshots/D1.jpg") is not a JPEG, PNG or GIF image`},
		{name: "slide BMP", data: slide("lecture/screenshots/D1.jpg", append([]byte("BM"), make([]byte, 60)...)),
			slides: true, msg: `is not a JPEG, PNG or GIF image`},
		{name: "slide WebP", data: slide("lecture/screenshots/D1.jpg", []byte("RIFF\x10\x00\x00\x00WEBPVP8 ")),
			slides: true, msg: `is not a JPEG, PNG or GIF image`},
		{name: "slide JPEG header only", data: slide("lecture/screenshots/D1.jpg", []byte("\xff\xd8\xff\xe0garbage")),
			slides: true, msg: `Slide 1 ("lecture/screenshots/D1.jpg") is not a valid JPEG image`},
		{name: "slide PNG signature only", data: slide("lecture/screenshots/D2.png", []byte("\x89PNG\r\n\x1a\n")),
			slides: true, msg: `Slide 2 ("lecture/screenshots/D2.png") is not a valid PNG image`},
		{name: "slide too large a picture", data: slide("lecture/screenshots/D2.png", hugePNG),
			slides: true, msg: `Slide 2 ("lecture/screenshots/D2.png") is 100000x100000 pixels`},
		{name: "second slide CRC mismatch", data: patched(L, "lecture/screenshots/D2.png", func(h []byte) { h[16] ^= 0xff }),
			slides: true, msg: `Entry "lecture/screenshots/D2.png" fails its CRC-32 check`},
		{name: "slide longer than declared", data: patched(L, "lecture/screenshots/D1.jpg", func(h []byte) {
			le.PutUint32(h[24:], le.Uint32(h[24:])-1)
		}), slides: true, msg: `Entry "lecture/screenshots/D1.jpg" is damaged`},
	}
}

func TestExtractRefused(t *testing.T) {
	t.Parallel()
	for _, tc := range extractCases(t) {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			root := t.TempDir()
			a := openZip(t, root, tc.data)
			out := filepath.Join(root, "out")
			if err := os.Mkdir(out, 0o750); err != nil {
				t.Fatal(err)
			}
			before := tree(t, root)
			var err error
			if tc.slides {
				var slides []avc.ExtractedSlide
				slides, err = a.ExtractSlides(t.Context(), out)
				if slides != nil {
					t.Errorf("ExtractSlides returned %v with an error", slides)
				}
			} else {
				_, err = a.ExtractMedia(t.Context(), filepath.Join(out, "media.mp4"))
			}
			wantInvalid(t, err, tc.msg)
			t.Log(err)
			if diff := cmp.Diff(before, tree(t, root)); diff != "" {
				t.Errorf("files left (-before +after):\n%s", diff)
			}
		})
	}
}

func TestExtractCancelled(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	a := openLecture(t, root, lecture(t, "lecture/"))
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	before := tree(t, root)
	if _, err := a.ExtractMedia(ctx, filepath.Join(root, "media.mp4")); !errors.Is(err, context.Canceled) {
		t.Errorf("ExtractMedia: %v, want context.Canceled", err)
	}
	if _, err := a.ExtractSlides(ctx, root); !errors.Is(err, context.Canceled) {
		t.Errorf("ExtractSlides: %v, want context.Canceled", err)
	}
	if diff := cmp.Diff(before, tree(t, root)); diff != "" {
		t.Errorf("files left (-before +after):\n%s", diff)
	}
}

func TestExtractNeverOverwrites(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	a := openLecture(t, root, lecture(t, "lecture/"))
	existing := writeFile(t, root, "media.mp4", []byte("keep me"))
	if _, err := a.ExtractMedia(t.Context(), existing); !errors.Is(err, fs.ErrExist) {
		t.Errorf("ExtractMedia over a file: %v, want fs.ErrExist", err)
	}
	// The second slide's name is taken: the first one written is removed,
	// the existing file left alone.
	dir := filepath.Join(root, "slides")
	if err := os.Mkdir(dir, 0o750); err != nil {
		t.Fatal(err)
	}
	writeFile(t, dir, "slide-002.png", []byte("keep me too"))
	before := tree(t, root)
	if _, err := a.ExtractSlides(t.Context(), dir); !errors.Is(err, fs.ErrExist) {
		t.Errorf("ExtractSlides over a file: %v, want fs.ErrExist", err)
	}
	if diff := cmp.Diff(before, tree(t, root)); diff != "" {
		t.Errorf("files changed (-before +after):\n%s", diff)
	}
	for name, want := range map[string]string{existing: "keep me", filepath.Join(dir, "slide-002.png"): "keep me too"} {
		if got, _ := os.ReadFile(name); string(got) != want {
			t.Errorf("%s holds %q, want %q", name, got, want)
		}
	}
	if _, err := a.ExtractMedia(t.Context(), filepath.Join(root, "missing", "media.mp4")); err == nil || lectern.ErrorCode(err) == lectern.EINVALID {
		t.Errorf("ExtractMedia into a missing folder: %v, want an error of the disk", err)
	}
}

func TestFirstSlide(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	entries := with(lecture(t, "lecture/"), "lecture/cours.smil", entry{body: []byte(smilDoc(`
		<img src="screenshots/D1.jpg" begin="30"/>
		<img src="screenshots/D2.png" begin="0:05"/>
		<img src="screenshots/D1.jpg" begin="5"/>
		<video src="enregistrement-video.mp4"/>
	`)), deflate: true})
	a := openLecture(t, root, entries)
	dst := filepath.Join(root, "first.jpg") // a PNG whatever the name
	s, err := a.FirstSlide(t.Context(), dst)
	if err != nil {
		t.Fatal(err)
	}
	want := avc.ExtractedSlide{File: "first.jpg", Entry: "lecture/screenshots/D2.png", Begin: 5 * time.Second, Width: 8, Height: 6}
	if diff := cmp.Diff(want, s); diff != "" {
		t.Errorf("FirstSlide (-want +got):\n%s", diff)
	}
	if got, _ := os.ReadFile(dst); !bytes.Equal(got, pngImage(t, 8, 6)) {
		t.Errorf("%s does not hold the slide", dst)
	}
	if fi, err := os.Stat(dst); err != nil || fi.Mode().Perm() != 0o640 {
		t.Errorf("stat %s: %v, %v", dst, fi.Mode(), err)
	}
	// Never over a file.
	if _, err := a.FirstSlide(t.Context(), dst); !errors.Is(err, fs.ErrExist) {
		t.Errorf("FirstSlide over a file: %v, want fs.ErrExist", err)
	}

	// No slides: ENOTFOUND; a slide that is no picture: EINVALID, nothing left.
	bare := openZip(t, t.TempDir(), zipBytes(t,
		entry{name: "cours.smil", body: []byte(smilDoc(`<audio src="a.mp3"/>`))},
		entry{name: "a.mp3", body: noise(100, 2)}))
	if _, err := bare.FirstSlide(t.Context(), filepath.Join(root, "none.jpg")); lectern.ErrorCode(err) != lectern.ENOTFOUND {
		t.Errorf("FirstSlide without slides: %v, want ENOTFOUND", err)
	}
	dir := t.TempDir()
	bad := openZip(t, dir, zipBytes(t,
		entry{name: "cours.smil", body: []byte(smilDoc(`<img src="s.jpg"/><audio src="a.mp3"/>`))},
		entry{name: "s.jpg", body: []byte("\xff\xd8\xff not really a JPEG")},
		entry{name: "a.mp3", body: noise(100, 2)}))
	before := tree(t, dir)
	_, err = bad.FirstSlide(t.Context(), filepath.Join(dir, "first.jpg"))
	wantInvalid(t, err, "is not a valid JPEG image")
	if diff := cmp.Diff(before, tree(t, dir)); diff != "" {
		t.Errorf("files left (-before +after):\n%s", diff)
	}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := a.FirstSlide(ctx, filepath.Join(root, "cancelled.jpg")); !errors.Is(err, context.Canceled) {
		t.Errorf("FirstSlide cancelled: %v, want context.Canceled", err)
	}
}
