package avc_test

import (
	"archive/zip"
	"encoding/binary"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"lectern"
	"lectern/avc"
)

func TestOpenLayouts(t *testing.T) {
	t.Parallel()
	slides := func(folder string) []avc.Slide {
		return []avc.Slide{{folder + "screenshots/D1.jpg", 0}, {folder + "screenshots/D2.png", 12500 * time.Millisecond}}
	}
	tests := []struct {
		name    string
		zipName string
		entries []entry
		folder  string // of the SMIL, and so of every path
	}{
		{"named folder (Pod's layout)", "lecture.zip", lecture(t, "lecture/"), "lecture/"},
		{"root", "lecture.zip", lecture(t, ""), ""},
		{"only folder, named otherwise", "upload-17.zip", lecture(t, "lecture/"), "lecture/"},
		{"named folder among others", "lecture.zip", append(lecture(t, "lecture/"),
			entry{name: "other/readme.txt", body: []byte("hello")}), "lecture/"},
		{"macOS archiver", "renamed.zip", append(lecture(t, "lecture/"),
			entry{name: "__MACOSX/"},
			entry{name: "__MACOSX/lecture/._cours.smil", body: []byte("apple double")},
			entry{name: "__MACOSX/cours.smil", body: []byte("not this one")},
			entry{name: ".DS_Store", body: []byte("finder")},
			entry{name: "lecture/.DS_Store", body: []byte("finder")}), "lecture/"},
		{"folder entries and dot segments", "lecture.zip", append([]entry{
			{name: "./"}, {name: "lecture/"}, {name: "lecture/screenshots/"}},
			lecture(t, "./lecture/")...), "lecture/"},
		{"code page 437 names of other entries", "lecture.zip", append(lecture(t, "lecture/"),
			entry{name: "lecture/r\x82sum\x82.txt", body: []byte("résumé")}), "lecture/"},
		{"SMIL in capitals", "lecture.zip", with(lecture(t, "lecture/"), "lecture/cours.smil",
			entry{name: "lecture/COURS.SMIL", body: []byte(lectureSMIL)}), "lecture/"},
		{"SMIL deeper is not a candidate", "lecture.zip", append(lecture(t, "lecture/"),
			entry{name: "lecture/old/cours.smil", body: []byte("old")}), "lecture/"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			a, err := avc.Open(writeFile(t, dir, tc.zipName, zipBytes(t, tc.entries...)), avc.Limits{})
			if err != nil {
				t.Fatal(err)
			}
			defer a.Close()
			want := &avc.Presentation{Title: "MediaCours", Media: tc.folder + "enregistrement-video.mp4", Slides: slides(tc.folder)}
			if diff := cmp.Diff(want, a.Presentation()); diff != "" {
				t.Errorf("Presentation (-want +got):\n%s", diff)
			}
			if got := a.MediaSize(); got != lectureMediaSize {
				t.Errorf("MediaSize = %d, want %d", got, lectureMediaSize)
			}
			if !strings.EqualFold(a.SMIL(), tc.folder+"cours.smil") {
				t.Errorf("SMIL = %q, want %q", a.SMIL(), tc.folder+"cours.smil")
			}
			if err := a.Close(); err != nil {
				t.Errorf("Close: %v", err)
			}
			if err := a.Close(); err != nil {
				t.Errorf("second Close: %v", err)
			}
		})
	}
}

func TestOpenPaths(t *testing.T) {
	t.Parallel()
	// How the SMIL may name its files: relative, with "./", a Windows
	// separator, escaped as in a URI, or "../" that stays in the folder.
	entries := append(lecture(t, "lecture/"), entry{name: "lecture/my slide.png", body: pngImage(t, 4, 4)})
	entries = with(entries, "lecture/cours.smil", entry{body: []byte(smilDoc(`
		<img src="./screenshots/D1.jpg" begin="1"/>
		<img src="screenshots\D2.png" begin="2"/>
		<img src="my%20slide.png" begin="3"/>
		<img src="screenshots/../my slide.png" begin="4"/>
		<video src="enregistrement-video.mp4"/>`))})
	a, err := avc.Open(writeFile(t, t.TempDir(), "lecture.zip", zipBytes(t, entries...)), avc.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	var got []string
	for _, s := range a.Presentation().Slides {
		got = append(got, s.Image)
	}
	want := []string{"lecture/screenshots/D1.jpg", "lecture/screenshots/D2.png", "lecture/my slide.png", "lecture/my slide.png"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("slides (-want +got):\n%s", diff)
	}
}

// refusedCase is an archive Open must refuse.
type refusedCase struct {
	name    string
	zipName string // "lecture.zip" when empty
	data    []byte
	lim     avc.Limits
	msg     string // in the message
}

func refusedCases(tb testing.TB) []refusedCase {
	L := lecture(tb, "lecture/")
	valid := zipBytes(tb, L...)
	smil := func(body string) []byte {
		return zipBytes(tb, with(L, "lecture/cours.smil", entry{body: []byte(smilDoc(body))})...)
	}
	media := func(e entry) []byte { return zipBytes(tb, with(L, "lecture/enregistrement-video.mp4", e)...) }
	const mediaName = "lecture/enregistrement-video.mp4"
	extra := func(e ...entry) []byte { return zipBytes(tb, append(L, e...)...) }
	patched := func(data []byte, f func([]byte)) []byte { f(data); return data }
	le := binary.LittleEndian

	return []refusedCase{
		// Not a ZIP archive.
		{name: "not a zip", data: []byte("this is not a zip archive"), msg: "lecture.zip is not a ZIP archive"},
		{name: "empty file", data: nil, msg: "lecture.zip is not a ZIP archive"},
		{name: "truncated", data: valid[:len(valid)/2], msg: "lecture.zip is not a ZIP archive, or it is truncated"},
		{name: "truncated end record", data: valid[:len(valid)-5], msg: "lecture.zip is not a ZIP archive, or it is truncated"},

		// Names.
		{name: "dot-dot component", data: extra(entry{name: "lecture/../../evil.txt", body: []byte("x")}),
			msg: `Entry "lecture/../../evil.txt" has a ".." component`},
		{name: "dot-dot first", data: extra(entry{name: "../evil.txt", body: []byte("x")}),
			msg: `Entry "../evil.txt" has a ".." component`},
		{name: "dot-dot folder", data: extra(entry{name: "lecture/../"}), msg: `Entry "lecture/../" has a ".." component`},
		{name: "absolute", data: extra(entry{name: "/etc/cron.d/evil", body: []byte("x")}),
			msg: `Entry "/etc/cron.d/evil" is an absolute path`},
		{name: "Windows drive", data: extra(entry{name: "C:/Windows/evil.exe", body: []byte("x")}),
			msg: `Entry "C:/Windows/evil.exe" is an absolute Windows path`},
		{name: "Windows drive relative", data: extra(entry{name: "c:evil.exe", body: []byte("x")}),
			msg: `Entry "c:evil.exe" is an absolute Windows path`},
		{name: "backslash", data: extra(entry{name: `lecture\..\evil.txt`, body: []byte("x")}),
			msg: `Entry "lecture\\..\\evil.txt" has a backslash`},
		{name: "NUL", data: extra(entry{name: "lecture/evil\x00.jpg", body: []byte("x")}),
			msg: `Entry "lecture/evil\x00.jpg" has a control character`},
		{name: "newline", data: extra(entry{name: "lecture/evil\n.jpg", body: []byte("x")}),
			msg: `Entry "lecture/evil\n.jpg" has a control character`},
		{name: "DEL", data: extra(entry{name: "lecture/evil\x7f.jpg", body: []byte("x")}),
			msg: `Entry "lecture/evil\x7f.jpg" has a control character`},
		{name: "invalid UTF-8 marked UTF-8", data: extra(entry{name: "lecture/\xff\xfe.txt", flags: 0x800, body: []byte("x")}),
			msg: `Entry "lecture/\xff\xfe.txt" is marked as UTF-8 but its name is not valid UTF-8`},

		// Types.
		{name: "symbolic link", data: extra(entry{name: "lecture/screenshots/D3.jpg", mode: fs.ModeSymlink | 0o777, body: []byte("/etc/passwd")}),
			msg: `Entry "lecture/screenshots/D3.jpg" is a symbolic link`},
		{name: "named pipe", data: extra(entry{name: "lecture/fifo", mode: fs.ModeNamedPipe | 0o644}),
			msg: `Entry "lecture/fifo" is not a regular file or a folder`},
		{name: "device", data: extra(entry{name: "lecture/sda", mode: fs.ModeDevice | 0o644}),
			msg: `Entry "lecture/sda" is not a regular file or a folder`},

		// Names that collide.
		{name: "duplicate", data: extra(entry{name: "lecture/screenshots/D1.jpg", body: []byte("second")}),
			msg: `Entries "lecture/screenshots/D1.jpg" and "lecture/screenshots/D1.jpg" have the same name`},
		{name: "duplicate after cleaning", data: extra(entry{name: "lecture/./screenshots//D1.jpg", body: []byte("second")}),
			msg: `Entries "lecture/screenshots/D1.jpg" and "lecture/./screenshots//D1.jpg" have the same name`},
		{name: "file and folder of the same name", data: extra(entry{name: "lecture/notes", body: []byte("x")}, entry{name: "lecture/notes/"}),
			msg: `Entries "lecture/notes" and "lecture/notes/" have the same name`},
		{name: "file inside a file", data: extra(entry{name: "lecture/notes.txt", body: []byte("x")}, entry{name: "lecture/notes.txt/evil.jpg", body: []byte("x")}),
			msg: `Entry "lecture/notes.txt/evil.jpg" is inside "lecture/notes.txt", which is a file`},

		// Limits and bombs.
		{name: "too many entries", data: valid, lim: avc.Limits{MaxEntries: 3},
			msg: "lecture.zip holds 4 entries, more than the limit of 3"},
		{name: "directory larger than it declares", data: forgedDirectory(tb), lim: avc.Limits{MaxEntries: 100},
			msg: "lecture.zip has a central directory larger than 100 entries need"},
		{name: "too large once extracted", data: valid, lim: avc.Limits{MaxUncompressed: 50 << 10},
			msg: `lecture.zip declares more than 51200 bytes once extracted, the limit (reached at entry "lecture/enregistrement-video.mp4")`},
		{name: "declared size over the limit", data: extra(entry{name: "lecture/huge.bin", raw: &zip.FileHeader{
			Method: zip.Store, CompressedSize64: 10, UncompressedSize64: 1 << 62}, body: make([]byte, 10)}),
			msg: `declares more than 68719476736 bytes once extracted, the limit (reached at entry "lecture/huge.bin")`},
		{name: "entry ratio", data: extra(entry{name: "lecture/padding.bin", body: make([]byte, 4<<20), deflate: true}),
			msg: `Entry "lecture/padding.bin" would expand from`},
		{name: "entry ratio, declared", data: extra(entry{name: "lecture/bomb.bin", raw: &zip.FileHeader{
			Method: zip.Deflate, CompressedSize64: 100, UncompressedSize64: 1 << 30}, body: make([]byte, 100)}),
			msg: `Entry "lecture/bomb.bin" would expand from 100 to 1073741824 bytes, more than 100 times`},
		{name: "whole archive ratio", data: extra(manyZeros(20, 1000<<10)...),
			msg: "lecture.zip would expand from"},
		{name: "compressed size past the end", data: extra(entry{name: "lecture/x.bin", raw: &zip.FileHeader{
			Method: zip.Store, CompressedSize64: 1 << 30, UncompressedSize64: 1 << 30}, body: make([]byte, 10)}),
			msg: `Entry "lecture/x.bin" declares 1073741824 compressed bytes, more than the`},
		{name: "overlapping entries", data: overlapping(tb, L), msg: "they overlap"},

		// The SMIL file.
		{name: "no SMIL", data: zipBytes(tb, without(L, "lecture/cours.smil")...),
			msg: `lecture.zip holds no cours.smil: expected "lecture/cours.smil"`},
		{name: "several SMIL files", data: extra(entry{name: "cours.smil", body: []byte(lectureSMIL)}),
			msg: `lecture.zip holds several SMIL files ("lecture/cours.smil", "cours.smil")`},
		{name: "SMIL in an unrelated folder", data: zipBytes(tb, append(lecture(tb, "other/"), entry{name: "more/readme.txt", body: []byte("x")})...),
			msg: `lecture.zip has its SMIL file in "other/", a folder named neither after the archive ("lecture/") nor its only folder`},
		{name: "SMIL in a folder beside root files", zipName: "upload.zip", data: extra(entry{name: "readme.txt", body: []byte("x")}),
			msg: `upload.zip has its SMIL file in "lecture/"`},
		{name: "SMIL not XML", data: zipBytes(tb, with(L, "lecture/cours.smil", entry{body: []byte("<smil><video src=")})...),
			msg: `The SMIL file "lecture/cours.smil" is not well-formed XML`},
		{name: "SMIL entity", data: zipBytes(tb, with(L, "lecture/cours.smil", entry{body: []byte(
			`<!DOCTYPE smil [<!ENTITY v "enregistrement-video.mp4">]><smil><video src="&v;"/></smil>`)})...),
			msg: `The SMIL file "lecture/cours.smil" declares an XML entity`},
		{name: "SMIL too large", data: zipBytes(tb, with(L, "lecture/cours.smil", entry{body: []byte(
			strings.Replace(lectureSMIL, "<par>", "<par>"+strings.Repeat(" ", avc.MaxSMILSize), 1))})...),
			msg: `The SMIL file "lecture/cours.smil" is larger than 4 MiB`},
		{name: "SMIL without media", data: smil(`<img src="screenshots/D1.jpg" begin="0"/>`),
			msg: `The SMIL file "lecture/cours.smil" names no media`},
		{name: "negative begin", data: smil(`<img src="screenshots/D1.jpg" begin="-3"/><video src="enregistrement-video.mp4"/>`),
			msg: `gives slide 1 ("screenshots/D1.jpg") a begin that is not a time: "-3" is negative`},
		{name: "wallclock begin", data: smil(`<img src="screenshots/D1.jpg" begin="wallclock(2024-03-12T14:00Z)"/><video src="enregistrement-video.mp4"/>`),
			msg: `a begin that is not a time: "wallclock(2024-03-12T14:00Z)" is not a time`},
		{name: "too many slides", data: smil(strings.Repeat(`<img src="screenshots/D1.jpg" begin="1"/>`, 11) + `<video src="enregistrement-video.mp4"/>`),
			lim: avc.Limits{MaxEntries: 10}, msg: `The SMIL file "lecture/cours.smil" lists 11 slides, more than the limit of 10`},

		// What the SMIL names.
		{name: "media leaves the folder", data: zipBytes(tb, append(with(L, "lecture/cours.smil", entry{body: []byte(smilDoc(`<video src="../evil.mp4"/>`))}),
			entry{name: "evil.mp4", body: []byte("x")})...),
			msg: `The SMIL file "lecture/cours.smil" gives the media as "../evil.mp4", which leaves its folder`},
		{name: "slide leaves the archive", data: smil(`<img src="../../etc/passwd" begin="0"/><video src="enregistrement-video.mp4"/>`),
			msg: `gives slide 1 as "../../etc/passwd", which leaves its folder`},
		{name: "slide leaves by a Windows path", data: smil(`<img src="..\..\evil.jpg" begin="0"/><video src="enregistrement-video.mp4"/>`),
			msg: `gives slide 1 as "..\\..\\evil.jpg", which leaves its folder`},
		{name: "media absolute", data: smil(`<video src="/etc/passwd"/>`),
			msg: `gives the media as "/etc/passwd", an absolute path`},
		{name: "media URL", data: smil(`<video src="http://example.org/video.mp4"/>`),
			msg: `gives the media as "http://example.org/video.mp4", a URL or a Windows path`},
		{name: "media file URL", data: smil(`<video src="file:///etc/passwd"/>`),
			msg: `gives the media as "file:///etc/passwd", a URL`},
		{name: "media Windows path", data: smil(`<video src="C:\Users\prof\video.mp4"/>`),
			msg: `gives the media as "C:\\Users\\prof\\video.mp4", a URL or a Windows path`},
		{name: "media missing", data: smil(`<video src="missing.mp4"/>`),
			msg: `gives the media as "missing.mp4", but the archive has no "lecture/missing.mp4"`},
		{name: "media is a folder", data: smil(`<video src="screenshots"/>`),
			msg: `gives the media as "screenshots", but the archive has no "lecture/screenshots"`},
		{name: "slide missing", data: smil(`<img src="screenshots/D1.jpg" begin="0"/><img src="screenshots/D9.jpg" begin="5"/><video src="enregistrement-video.mp4"/>`),
			msg: `gives slide 2 as "screenshots/D9.jpg", but the archive has no "lecture/screenshots/D9.jpg"`},
		{name: "media in __MACOSX", data: zipBytes(tb, append(with(L, "lecture/cours.smil", entry{body: []byte(smilDoc(`<video src="../__MACOSX/v.mp4"/>`))}),
			entry{name: "__MACOSX/v.mp4", body: []byte("x")})...),
			msg: `gives the media as "../__MACOSX/v.mp4", which leaves its folder`},
		{name: "media empty", data: media(entry{body: nil}), msg: `The media "lecture/enregistrement-video.mp4" is empty`},
		{name: "slide empty", data: zipBytes(tb, with(L, "lecture/screenshots/D2.png", entry{body: nil})...),
			msg: `Slide 2 ("lecture/screenshots/D2.png") is empty`},
		{name: "media encrypted", data: media(entry{body: lectureMedia, flags: 0x1}),
			msg: `The media "lecture/enregistrement-video.mp4" is encrypted`},
		{name: "media compressed with bzip2", data: media(entry{raw: &zip.FileHeader{
			Method: 12, CompressedSize64: 100, UncompressedSize64: 200}, body: make([]byte, 100)}),
			msg: `The media "lecture/enregistrement-video.mp4" is compressed with method 12: Lectern reads stored and deflated entries only`},
		{name: "media past the end of the file", data: patched(zipBytes(tb, L...), func(data []byte) {
			off, _ := dataRange(tb, data, mediaName)
			h := central(tb, data, mediaName)
			n := uint32(int64(len(data)) - off + 1)
			le.PutUint32(h[20:], n)
			le.PutUint32(h[24:], n)
		}), msg: `The media "lecture/enregistrement-video.mp4" ends past the end of lecture.zip: the archive is truncated`},
		{name: "media local header damaged", data: patched(zipBytes(tb, L...), func(data []byte) {
			off := le.Uint32(central(tb, data, mediaName)[42:])
			copy(data[off:], "XXXX")
		}), msg: `Entry "lecture/enregistrement-video.mp4" is damaged`},
		{name: "media local header past the end", data: patched(zipBytes(tb, L...), func(data []byte) {
			le.PutUint32(central(tb, data, mediaName)[42:], uint32(len(data)+100))
		}), msg: `Entry "lecture/enregistrement-video.mp4" is truncated`},
	}
}

func TestOpenRefused(t *testing.T) {
	t.Parallel()
	for _, tc := range refusedCases(t) {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			root := t.TempDir()
			name := tc.zipName
			if name == "" {
				name = "lecture.zip"
			}
			path := writeFile(t, root, name, tc.data)
			before := tree(t, root)
			a, err := avc.Open(path, tc.lim)
			if err == nil {
				a.Close()
				t.Fatalf("Open succeeded, want %q", tc.msg)
			}
			wantInvalid(t, err, tc.msg)
			t.Log(err)
			if !strings.HasPrefix(err.Error(), "open "+name+": ") {
				t.Errorf("error %q, want it to start with the operation", err)
			}
			if diff := cmp.Diff(before, tree(t, root)); diff != "" {
				t.Errorf("files changed (-before +after):\n%s", diff)
			}
		})
	}
}

func TestOpenMissingFile(t *testing.T) {
	t.Parallel()
	_, err := avc.Open(filepath.Join(t.TempDir(), "missing.zip"), avc.Limits{})
	if !errors.Is(err, fs.ErrNotExist) || lectern.ErrorCode(err) == lectern.EINVALID {
		t.Errorf("Open of a missing file: %v, want a not-exist error, not a verdict on the archive", err)
	}
	_, err = avc.Open(t.TempDir(), avc.Limits{})
	wantInvalid(t, err, "is not a regular file")
}

// forgedDirectory returns an archive whose directory holds 65,537
// entries while its end records declare 1: archive/zip compares counts
// modulo 65,536 only, so it would load them all.
func forgedDirectory(tb testing.TB) []byte {
	tb.Helper()
	entries := lecture(tb, "lecture/")
	for i := range 65537 - len(entries) {
		entries = append(entries, entry{name: fmt.Sprintf("lecture/f%05d", i)})
	}
	data := zipBytes(tb, entries...)
	// The zip64 end record, which the writer added for so many entries.
	i := strings.LastIndex(string(data), "PK\x06\x06")
	if i < 0 {
		tb.Fatal("no zip64 end record")
	}
	binary.LittleEndian.PutUint64(data[i+24:], 1)
	binary.LittleEndian.PutUint64(data[i+32:], 1)
	return data
}

// manyZeros returns n deflated entries of size zeros each: each below
// avc.RatioMinSize, together far above the ratio.
func manyZeros(n, size int) []entry {
	var out []entry
	for i := range n {
		out = append(out, entry{name: fmt.Sprintf("lecture/pad-%d.bin", i), body: make([]byte, size), deflate: true})
	}
	return out
}

// overlapping returns an archive with two entries whose declared data
// would each take most of the file: together they declare more data than
// the file holds.
func overlapping(tb testing.TB, entries []entry) []byte {
	tb.Helper()
	big := entry{name: "lecture/big.bin", body: noise(1<<20, 2)}
	claim := func(name string) entry {
		return entry{name: name, raw: &zip.FileHeader{Method: zip.Store, CompressedSize64: 700 << 10, UncompressedSize64: 700 << 10}, body: make([]byte, 10)}
	}
	return zipBytes(tb, append(entries, big, claim("lecture/a.bin"), claim("lecture/b.bin"))...)
}
