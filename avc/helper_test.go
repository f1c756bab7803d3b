package avc_test

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"errors"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"lectern"
)

// entry is one entry of a test archive.
type entry struct {
	name    string
	body    []byte
	deflate bool            // else stored, as recorders store media
	mode    fs.FileMode     // set on the header when non-zero
	flags   uint16          // added to the header's flags (0x1 encrypted, 0x800 UTF-8)
	raw     *zip.FileHeader // written with CreateRaw: body as is, sizes and CRC from raw
}

// zipBytes returns an archive of entries, in that order.
func zipBytes(tb testing.TB, entries ...entry) []byte {
	tb.Helper()
	var buf bytes.Buffer
	w := zip.NewWriter(&buf)
	for _, e := range entries {
		if e.raw != nil {
			h := *e.raw
			h.Name = e.name
			wr, err := w.CreateRaw(&h)
			if err != nil {
				tb.Fatal(err)
			}
			if _, err := wr.Write(e.body); err != nil {
				tb.Fatal(err)
			}
			continue
		}
		h := &zip.FileHeader{Name: e.name, Method: zip.Store, Flags: e.flags}
		if e.deflate {
			h.Method = zip.Deflate
		}
		if e.mode != 0 {
			h.SetMode(e.mode)
		}
		wr, err := w.CreateHeader(h)
		if err != nil {
			tb.Fatal(err)
		}
		if _, err := wr.Write(e.body); err != nil {
			tb.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

// writeFile writes data to dir/name and returns its path.
func writeFile(tb testing.TB, dir, name string, data []byte) string {
	tb.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, data, 0o640); err != nil {
		tb.Fatal(err)
	}
	return p
}

// picture is a small picture with something drawn on it.
func picture(w, h int) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.Set(x, y, color.RGBA{uint8(x * 16), uint8(y * 16), 128, 255})
		}
	}
	return img
}

func jpegImage(tb testing.TB, w, h int) []byte {
	tb.Helper()
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, picture(w, h), nil); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

func pngImage(tb testing.TB, w, h int) []byte {
	tb.Helper()
	var buf bytes.Buffer
	if err := png.Encode(&buf, picture(w, h)); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

func gifImage(tb testing.TB, w, h int) []byte {
	tb.Helper()
	var buf bytes.Buffer
	if err := gif.Encode(&buf, picture(w, h), nil); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

// noise returns n pseudo-random bytes: media that does not compress.
func noise(n int, seed uint64) []byte {
	r := rand.New(rand.NewPCG(seed, seed))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

// smilDoc is a SMIL file as AudioVideoCours writes it, with body inside
// its <par>.
func smilDoc(body string) string {
	return `<?xml version="1.0"?>
<!DOCTYPE smil PUBLIC "-//W3C//DTD SMIL 2.0//EN" "http://www.w3.org/2001/SMIL20/SMIL20.dtd">
<smil xmlns="http://www.w3.org/2001/SMIL20/Language">
<head>
<meta name="title" content="MediaCours"/>
<meta name="author" content="ULP Multimedia"/>
<layout>
<root-layout width="800" height="600"/>
<region id="Images" left="0" width="800" height="600" fit="meet" />
</layout>
</head>
<body>
<par>
` + body + `</par>
</body>
</smil>
`
}

// lectureSMIL is the SMIL of lecture(): two slides, then the video.
var lectureSMIL = smilDoc(`<a href="screenshots/D1.jpg" external="true">
<img begin="0.00" region="Images" src="screenshots/D1.jpg"/> </a>
<a href="screenshots/D2.png" external="true">
<img begin="12.5" region="Images" src="screenshots/D2.png"/> </a>
<video region="Video" src="enregistrement-video.mp4" />
`)

// Media of lecture(): the entry, its size and content.
const lectureMediaSize = 100 << 10

var lectureMedia = noise(lectureMediaSize, 1)

// lecture returns the entries of a deposit under folder (e.g. "lecture/",
// or "" for the root): its SMIL, two slides, then the media, stored.
func lecture(tb testing.TB, folder string) []entry {
	tb.Helper()
	return lectureWith(tb, folder, lectureMedia)
}

// lectureWith is lecture with that media.
func lectureWith(tb testing.TB, folder string, media []byte) []entry {
	tb.Helper()
	return []entry{
		{name: folder + "cours.smil", body: []byte(lectureSMIL), deflate: true},
		{name: folder + "screenshots/D1.jpg", body: jpegImage(tb, 16, 12)},
		{name: folder + "screenshots/D2.png", body: pngImage(tb, 8, 6)},
		{name: folder + "enregistrement-video.mp4", body: media},
	}
}

// with returns entries with the entry of that name replaced by e (its
// name kept unless e has one), or e added at the end when none has it.
func with(entries []entry, name string, e entry) []entry {
	out := make([]entry, 0, len(entries)+1)
	found := false
	for _, x := range entries {
		if x.name == name {
			if e.name == "" {
				e.name = name
			}
			out = append(out, e)
			found = true
			continue
		}
		out = append(out, x)
	}
	if !found {
		if e.name == "" {
			e.name = name
		}
		out = append(out, e)
	}
	return out
}

// without returns entries without the one of that name.
func without(entries []entry, name string) []entry {
	var out []entry
	for _, x := range entries {
		if x.name != name {
			out = append(out, x)
		}
	}
	return out
}

// central returns the 46-byte central directory header of the entry of
// that name in data, to patch in place: CRC-32 at 16, compressed size at
// 20, uncompressed size at 24.
func central(tb testing.TB, data []byte, name string) []byte {
	tb.Helper()
	for i := 0; i+46 <= len(data); i++ {
		if string(data[i:i+4]) != "PK\x01\x02" {
			continue
		}
		n := int(binary.LittleEndian.Uint16(data[i+28:]))
		if i+46+n <= len(data) && string(data[i+46:i+46+n]) == name {
			return data[i : i+46]
		}
	}
	tb.Fatalf("no central header for %q", name)
	return nil
}

// dataRange returns where the data of the entry of that name lies in data.
func dataRange(tb testing.TB, data []byte, name string) (off, n int64) {
	tb.Helper()
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil && !errors.Is(err, zip.ErrInsecurePath) {
		tb.Fatal(err)
	}
	for _, f := range zr.File {
		if f.Name == name {
			off, err := f.DataOffset()
			if err != nil {
				tb.Fatal(err)
			}
			return off, int64(f.CompressedSize64)
		}
	}
	tb.Fatalf("no entry %q", name)
	return 0, 0
}

// tree lists the files and folders under root with their sizes (-1 for
// a folder), by slash-separated relative path.
func tree(tb testing.TB, root string) map[string]int64 {
	tb.Helper()
	m := make(map[string]int64)
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		if rel == "." {
			return nil
		}
		size := int64(-1)
		if !d.IsDir() {
			fi, err := d.Info()
			if err != nil {
				return err
			}
			size = fi.Size()
		}
		m[filepath.ToSlash(rel)] = size
		return nil
	})
	if err != nil {
		tb.Fatal(err)
	}
	return m
}

// wantInvalid fails unless err is an EINVALID *lectern.Error whose
// message holds msg.
func wantInvalid(tb testing.TB, err error, msg string) {
	tb.Helper()
	if err == nil {
		tb.Fatalf("no error, want EINVALID %q", msg)
	}
	var e *lectern.Error
	if !errors.As(err, &e) || e.Code != lectern.EINVALID {
		tb.Fatalf("error %q (%T), want an EINVALID *lectern.Error", err, err)
	}
	if !strings.Contains(e.Message, msg) {
		tb.Fatalf("message %q, want it to hold %q", e.Message, msg)
	}
}
