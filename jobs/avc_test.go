package jobs_test

import (
	"archive/zip"
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"lectern"
	"lectern/jobs"
)

// audioClip returns a two-second AAC file, made by ffmpeg.
func audioClip(tb testing.TB) string {
	tb.Helper()
	path := filepath.Join(tb.TempDir(), "audio.m4a")
	out, err := exec.Command("ffmpeg", "-v", "error", "-nostdin", "-f", "lavfi",
		"-i", "sine=frequency=330:sample_rate=48000:duration=2", "-c:a", "aac", "-y", path).CombinedOutput()
	if err != nil {
		tb.Fatalf("make audio clip: %v\n%s", err, out)
	}
	return path
}

// slideJPEG is a small JPEG of one colour.
func slideJPEG(tb testing.TB, shade uint8) []byte {
	tb.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 64, 48))
	for i := range img.Pix {
		img.Pix[i] = shade
	}
	img.Set(0, 0, color.RGBA{255, 0, 0, 255})
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, nil); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

// avcZip is an audiovideocast ZIP as recorders send it: <name>/cours.smil,
// the media stored uncompressed, the slides.
type avcZip struct {
	name   string            // the ZIP's base name, without .zip
	smil   string            // cours.smil's text
	files  map[string][]byte // other entries, under <name>/
	stored map[string]string // entries copied from files on disk, under <name>/
}

// defaultSMIL lists media and slides at begins.
func defaultSMIL(mediaTag, media string, begins map[string]string, order []string) string {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE smil PUBLIC "-//W3C//DTD SMIL 2.0//EN" "http://www.w3.org/2001/SMIL20/SMIL20.dtd">
<smil xmlns="http://www.w3.org/2001/SMIL20/Language"><head><meta name="title" content="Optique ondulatoire"/><meta name="date" content="2024-03-12T14:00:00+01:00"/></head><body><par>
`)
	fmt.Fprintf(&b, "<%s src=%q/>\n<seq>\n", mediaTag, media)
	for _, img := range order {
		fmt.Fprintf(&b, "<img src=%q begin=%q/>\n", img, begins[img])
	}
	b.WriteString("</seq></par></body></smil>\n")
	return b.String()
}

// write makes the ZIP in dir and returns its path.
func (z avcZip) write(tb testing.TB, dir string) string {
	tb.Helper()
	path := filepath.Join(dir, z.name+".zip")
	f, err := os.Create(path)
	if err != nil {
		tb.Fatal(err)
	}
	w := zip.NewWriter(f)
	add := func(name string, method uint16, r io.Reader) {
		fw, err := w.CreateHeader(&zip.FileHeader{Name: z.name + "/" + name, Method: method})
		if err != nil {
			tb.Fatal(err)
		}
		if _, err := io.Copy(fw, r); err != nil {
			tb.Fatal(err)
		}
	}
	add("cours.smil", zip.Deflate, strings.NewReader(z.smil))
	for name, data := range z.files {
		add(name, zip.Deflate, bytes.NewReader(data))
	}
	for name, src := range z.stored {
		in, err := os.Open(src)
		if err != nil {
			tb.Fatal(err)
		}
		add(name, zip.Store, in)
		in.Close()
	}
	if err := w.Close(); err != nil {
		tb.Fatal(err)
	}
	if err := f.Close(); err != nil {
		tb.Fatal(err)
	}
	return path
}

// lectureZip is a ZIP with the test clip and three slides, out of order
// in the SMIL, with clock values Pod could not read.
func lectureZip(tb testing.TB) avcZip {
	begins := map[string]string{"slides/s1.jpg": "0", "slides/s2.jpg": "0.75s", "slides/s3.jpg": "00:00:01.5"}
	return avcZip{name: "cours-42",
		smil:   defaultSMIL("video", "video/cours.mp4", begins, []string{"slides/s2.jpg", "slides/s1.jpg", "slides/s3.jpg"}),
		files:  map[string][]byte{"slides/s1.jpg": slideJPEG(tb, 40), "slides/s2.jpg": slideJPEG(tb, 120), "slides/s3.jpg": slideJPEG(tb, 200)},
		stored: map[string]string{"video/cours.mp4": clip(tb)}}
}

// publishZip publishes the ZIP at path as an audiovideocast recording.
func (m *media) publishZip(tb testing.TB, c *jobs.Client, path, title string) *lectern.Recording {
	tb.Helper()
	rec := &lectern.Recording{RecorderID: m.recorder.ID, UserID: m.owner.ID, Title: title, Type: lectern.RecordingTypeAudioVideoCast,
		SourceFile: path}
	if err := m.recordings.CreateRecording(context.Background(), rec); err != nil {
		tb.Fatal(err)
	}
	return rec
}

// slides describes video id's enrichments and checks their files exist.
func (m *media) slides(tb testing.TB, id int64) string {
	tb.Helper()
	list, err := m.enrichments.FindEnrichments(context.Background(), id)
	if err != nil {
		tb.Fatal(err)
	}
	var b strings.Builder
	for _, e := range list {
		fmt.Fprintf(&b, "%d %v-%v %dx%d; ", e.Position, e.Start, e.End, e.Width, e.Height)
		if fi, err := os.Stat(filepath.Join(m.root, "videos", fmt.Sprint(id), filepath.FromSlash(e.Image))); err != nil || fi.Size() == 0 {
			tb.Errorf("slide %d's image %s: %v", e.Position, e.Image, err)
		}
	}
	return b.String()
}

// An audiovideocast ZIP becomes one video: the media streamed out of the
// ZIP and encoded, the slides stored in time order with their times
// (fractions and clock values kept), the ZIP renamed <file>_treated; the
// SMIL's title replaces the default one (the file's name).
func TestProcessAudioVideoCast(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		skipFirst bool
		want      string
	}{
		{false, "1 0-0.75 64x48; 2 0.75-1.5 64x48; 3 1.5-0 64x48; "},
		{true, "1 0.75-1.5 64x48; 2 1.5-0 64x48; "},
	} {
		t.Run(fmt.Sprintf("skip first %v", tc.skipFirst), func(t *testing.T) {
			t.Parallel()
			m := setupMedia(t, "")
			c := m.newClient(t, func(cfg *jobs.Config, _ *jobs.Deps) { cfg.SkipFirstImage = tc.skipFirst })
			start(t, c)
			path := lectureZip(t).write(t, m.dir)
			rec := m.publishZip(t, c, path, "cours-42.zip")
			v := m.waitVideo(t, rec.ID, lectern.EncodingDone)
			t.Logf("recording log:\n%s", m.comment(t, rec.ID))
			if got := m.slides(t, v.ID); got != tc.want {
				t.Errorf("slides = %q, want %q", got, tc.want)
			}
			if v.Title != "Optique ondulatoire" || v.DateEvt != "2024-03-12" || v.OwnerID != m.owner.ID || !v.IsRestricted {
				t.Errorf("video %q of %q owner %d restricted %v", v.Title, v.DateEvt, v.OwnerID, v.IsRestricted)
			}
			if v.Duration < 1.9 || v.Duration > 2.1 || len(v.Renditions) == 0 || v.SourceFile != fmt.Sprintf("videos/%d/source.mp4", v.ID) {
				t.Errorf("encoded video: duration %v, %d renditions, source %q", v.Duration, len(v.Renditions), v.SourceFile)
			}
			if _, err := os.Stat(path); !os.IsNotExist(err) {
				t.Errorf("the ZIP is still there: %v", err)
			}
			if _, err := os.Stat(path + "_treated"); err != nil {
				t.Errorf("the ZIP was not renamed _treated: %v", err)
			}
			m.checkLog(t, rec.ID, "Archive checked: media cours-42/video/cours.mp4, 3 slides", "The archive's title: “Optique ondulatoire”",
				"The archive's recording date: “2024-03-12T14:00:00+01:00”", "extracted to", "slides imported",
				"Archive renamed cours-42.zip_treated", "Encoded: ")
			m.checkNoOrphanDirs(t)
		})
	}
}

// An audio-only SMIL: the <audio> is the media (preferred to a <video>
// also listed), encoded to M4A, with its slides.
func TestProcessAudioVideoCastAudioOnly(t *testing.T) {
	t.Parallel()
	m := setupMedia(t, "")
	c := m.newClient(t, nil)
	start(t, c)
	z := avcZip{name: "radio",
		smil: strings.Replace(defaultSMIL("audio", "audio.m4a", map[string]string{"a.jpg": "0", "b.jpg": "1"}, []string{"a.jpg", "b.jpg"}),
			"<seq>", `<video src="missing-but-unused.mp4"/><seq>`, 1),
		files:  map[string][]byte{"a.jpg": slideJPEG(t, 10), "b.jpg": slideJPEG(t, 250)},
		stored: map[string]string{"audio.m4a": audioClip(t)}}
	rec := m.publishZip(t, c, z.write(t, m.dir), "Radio lecture")
	v := m.waitVideo(t, rec.ID, lectern.EncodingDone)
	if got, want := m.slides(t, v.ID), "1 0-1 64x48; 2 1-0 64x48; "; got != want {
		t.Errorf("slides = %q, want %q", got, want)
	}
	if v.Title != "Radio lecture" {
		t.Errorf("title %q: a title given by a person is kept", v.Title)
	}
	kinds := ""
	for _, r := range v.Renditions {
		kinds += r.Kind + " "
	}
	if kinds != lectern.RenditionM4A+" " || v.SourceFile != fmt.Sprintf("videos/%d/source.m4a", v.ID) {
		t.Errorf("audio-only renditions %q, source %q", kinds, v.SourceFile)
	}
}

// A broken archive (a slide that is not an image) is refused with the
// reason in the recording's log; the ZIP stays where it was; once it is
// fixed, an admin's retry of the job makes the video.
func TestProcessAudioVideoCastRefusedThenRetried(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	m := setupMedia(t, "")
	c := m.newClient(t, nil)
	start(t, c)
	z := lectureZip(t)
	z.files["slides/s2.jpg"] = []byte("<html>not an image</html>")
	path := z.write(t, m.dir)
	rec := m.publishZip(t, c, path, "Cours 42")
	m.waitJobs(t, map[string]int{"process_recording cancelled": 1})
	m.checkLog(t, rec.ID, "Not processed: ", "s2.jpg", "the file is kept where it was")
	if _, err := os.Stat(path); err != nil {
		t.Errorf("the refused ZIP moved: %v", err)
	}
	v := m.waitVideo(t, rec.ID, lectern.EncodingError)
	if !strings.Contains(v.EncodingLog, "s2.jpg") {
		t.Errorf("video's log %q does not say which slide", v.EncodingLog)
	}
	if list, _ := m.enrichments.FindEnrichments(ctx, v.ID); len(list) != 0 {
		t.Errorf("slides stored from a refused archive: %d", len(list))
	}
	if _, err := os.Stat(filepath.Join(m.root, "videos", fmt.Sprint(v.ID), "slides")); !os.IsNotExist(err) {
		t.Errorf("slides directory left by a refused archive: %v", err)
	}

	// The admin fixes the ZIP and retries the job.
	lectureZip(t).write(t, m.dir)
	kind := lectern.JobProcessRecording
	list, _, err := c.FindJobs(ctx, lectern.JobFilter{Kind: &kind, RecordingID: &rec.ID})
	if err != nil || len(list) != 1 {
		t.Fatalf("process job of recording %d: %v, %v", rec.ID, list, err)
	}
	if _, err := c.RetryJob(ctx, list[0].ID); err != nil {
		t.Fatal(err)
	}
	v = m.waitVideo(t, rec.ID, lectern.EncodingDone)
	if got := m.slides(t, v.ID); got != "1 0-0.75 64x48; 2 0.75-1.5 64x48; 3 1.5-0 64x48; " {
		t.Errorf("slides after the retry = %q", got)
	}
	if _, err := os.Stat(path + "_treated"); err != nil {
		t.Errorf("the ZIP was not renamed _treated: %v", err)
	}
}

// An archive whose media is an HLS playlist naming another video (ffmpeg
// would encode that video into this one) is refused: the video in state
// error, no renditions, the ZIP kept, its media not left in MEDIA_ROOT.
func TestProcessAudioVideoCastPlaylistMedia(t *testing.T) {
	t.Parallel()
	m := setupMedia(t, "")
	c := m.newClient(t, nil)
	start(t, c)
	z := lectureZip(t)
	delete(z.stored, "video/cours.mp4")
	z.files["video/cours.mp4"] = []byte("#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXTINF:2,\n" + clip(t) + "\n#EXT-X-ENDLIST\n")
	path := z.write(t, m.dir)
	rec := m.publishZip(t, c, path, "Cours 42")
	m.waitJobs(t, map[string]int{"process_recording cancelled": 1})
	why := "the archive's media cours-42/video/cours.mp4 is not a media container Lectern accepts: ffprobe reads it as hls (a playlist, which names other files)"
	m.checkLog(t, rec.ID, "Not processed: "+why, "the file is kept where it was")
	v := m.waitVideo(t, rec.ID, lectern.EncodingError)
	if v.EncodingLog != why || len(v.Renditions) != 0 || v.SourceFile != "" {
		t.Errorf("video: log %q, %d renditions, source %q", v.EncodingLog, len(v.Renditions), v.SourceFile)
	}
	if _, err := os.Stat(path); err != nil {
		t.Errorf("the refused ZIP moved: %v", err)
	}
	if got := listTree(t, filepath.Join(m.root, "videos")); got != fmt.Sprintf(" /%d", v.ID) {
		t.Errorf("MEDIA_ROOT/videos holds %s, want the video's empty directory", got)
	}
}

// A hostile archive (an entry escaping its folder) is refused before any
// video is made; nothing is written outside MEDIA_ROOT's video
// directories, nothing at all for it.
func TestProcessAudioVideoCastHostile(t *testing.T) {
	t.Parallel()
	m := setupMedia(t, "")
	c := m.newClient(t, nil)
	start(t, c)
	z := lectureZip(t)
	z.files["../../evil.jpg"] = slideJPEG(t, 1)
	path := z.write(t, m.dir)
	before := listTree(t, m.dir)
	rec := m.publishZip(t, c, path, "Cours 42")
	m.waitJobs(t, map[string]int{"process_recording cancelled": 1})
	m.checkLog(t, rec.ID, "Not processed: ", "evil.jpg")
	if list := m.videosOf(t, rec.ID); len(list) != 0 {
		t.Errorf("a hostile archive made a video: %+v", list)
	}
	if after := listTree(t, m.dir); after != before {
		t.Errorf("files changed in the recorder's directory:\nbefore %s\nafter  %s", before, after)
	}
	if _, err := os.Stat(filepath.Join(m.root, "videos")); !os.IsNotExist(err) {
		t.Errorf("MEDIA_ROOT/videos made for a hostile archive: %v", err)
	}
}

// listTree names every file under dir.
func listTree(tb testing.TB, dir string) string {
	tb.Helper()
	var names []string
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil {
			names = append(names, strings.TrimPrefix(p, dir))
		}
		return nil
	})
	return strings.Join(names, " ")
}

// A crash after the media and some slides were written, before the video
// recorded its source: the process job, enqueued with the recording and
// left running, is rescued at the next start, extracts again over what is
// there and finishes, one video with its three slides.
func TestProcessAudioVideoCastResumed(t *testing.T) {
	t.Parallel()
	m := setupMedia(t, "")
	path := lectureZip(t).write(t, m.dir)
	rec := &lectern.Recording{RecorderID: m.recorder.ID, UserID: m.owner.ID, Title: "Cours", Type: lectern.RecordingTypeAudioVideoCast,
		SourceFile: path}
	if err := m.recordings.CreateRecording(context.Background(), rec); err != nil {
		t.Fatal(err)
	}
	v := m.createVideo(t, rec)
	dir := filepath.Join(m.root, "videos", fmt.Sprint(v.ID))
	for name, data := range map[string]string{"source.mp4": "half a video", ".source.mp4.part": "half", "slides/slide-001.jpg": "x",
		"slides/slide-009.jpg": "stale"} {
		os.MkdirAll(filepath.Dir(filepath.Join(dir, name)), 0o750)
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o640); err != nil {
			t.Fatal(err)
		}
	}
	m.orphanJobs(t)
	c := m.newClient(t, nil)
	start(t, c)
	v = m.waitVideo(t, rec.ID, lectern.EncodingDone)
	if got := m.slides(t, v.ID); got != "1 0-0.75 64x48; 2 0.75-1.5 64x48; 3 1.5-0 64x48; " {
		t.Errorf("slides = %q", got)
	}
	entries, _ := os.ReadDir(filepath.Join(dir, "slides"))
	if len(entries) != 3 {
		t.Errorf("%d files in slides/, want 3 (stale ones removed)", len(entries))
	}
	if _, err := os.Stat(filepath.Join(dir, ".source.mp4.part")); !os.IsNotExist(err) {
		t.Errorf("partial extraction left: %v", err)
	}
	if _, err := os.Stat(path + "_treated"); err != nil {
		t.Errorf("the ZIP was not renamed _treated: %v", err)
	}
}
