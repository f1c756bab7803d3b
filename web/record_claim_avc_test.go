package web

import (
	"archive/zip"
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"lectern"
)

// slidePicture is a w×h slide, JPEG or PNG.
func slidePicture(tb testing.TB, w, h int, asPNG bool) []byte {
	tb.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.Set(x, y, color.RGBA{uint8(x), uint8(y), 160, 255})
		}
	}
	var buf bytes.Buffer
	var err error
	if asPNG {
		err = png.Encode(&buf, img)
	} else {
		err = jpeg.Encode(&buf, img, nil)
	}
	if err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

// avcDeposit writes an audiovideocast ZIP at rel under the recorders'
// root, as recorders make them: <name>/cours.smil, with entries files
// (under <name>/), and completes it as a deposit.
func (b *testBundle) avcDeposit(rel, smil string, files map[string][]byte) *lectern.Treatment {
	b.tb.Helper()
	var buf bytes.Buffer
	w := zip.NewWriter(&buf)
	name := strings.TrimSuffix(filepath.Base(rel), ".zip")
	add := func(entry string, data []byte) {
		fw, err := w.CreateHeader(&zip.FileHeader{Name: name + "/" + entry, Method: zip.Store})
		if err != nil {
			b.tb.Fatal(err)
		}
		if _, err := fw.Write(data); err != nil {
			b.tb.Fatal(err)
		}
	}
	add("cours.smil", []byte(smil))
	keys := make([]string, 0, len(files))
	for k := range files {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		add(k, files[k])
	}
	if err := w.Close(); err != nil {
		b.tb.Fatal(err)
	}
	return b.complete(rel, buf.String())
}

// avcSMIL is a recorder's SMIL with body in its <par>.
func avcSMIL(body string) string {
	return `<?xml version="1.0"?>
<smil xmlns="http://www.w3.org/2001/SMIL20/Language"><head><meta name="title" content="MediaCours"/></head>
<body><par>` + body + `</par></body></smil>
`
}

// fileTree lists the files under root with their sizes.
func fileTree(tb testing.TB, root string) map[string]int64 {
	tb.Helper()
	m := map[string]int64{}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		m[rel] = fi.Size()
		return nil
	})
	if err != nil && !os.IsNotExist(err) {
		tb.Fatal(err)
	}
	return m
}

func TestClaimArchive(t *testing.T) {
	t.Parallel()
	b := newClaimBundle(t)
	media := []byte("not probed: ffprobe cannot read inside a ZIP")
	// The first slide by begin is the second in the SMIL.
	lecture := b.avcDeposit("amphi/lecture.zip", avcSMIL(`
		<img src="screenshots/D2.png" begin="12.5"/>
		<img src="screenshots/D1.jpg" begin="0"/>
		<img src="screenshots/D3.jpg" begin="1:00"/>
		<video src="enregistrement-video.mp4"/>`), map[string][]byte{
		"screenshots/D1.jpg":       slidePicture(t, 960, 720, false),
		"screenshots/D2.png":       slidePicture(t, 64, 48, true),
		"screenshots/D3.jpg":       slidePicture(t, 64, 48, false),
		"enregistrement-video.mp4": media,
	})
	broken := b.complete("amphi/broken.zip", "PK\x03\x04 and then nothing of an archive")
	hostile := b.avcDeposit("amphi/hostile.zip", avcSMIL(`<img src="../../../etc/passwd"/><video src="v.mp4"/>`),
		map[string][]byte{"v.mp4": media})
	notPicture := b.avcDeposit("amphi/notpicture.zip", avcSMIL(`<img src="s.jpg"/><audio src="a.mp3"/>`),
		map[string][]byte{"s.jpg": []byte("<html>not a picture</html>"), "a.mp3": media})
	b.ffmpegClip("amphi/clip.mp4", false)
	clip, _, err := b.intake.Complete(t.Context(), lectern.Deposit{Path: filepath.Join(b.root, "amphi/clip.mp4"), Source: lectern.SourceFTP})
	if err != nil {
		t.Fatal(err)
	}
	deposits := fileTree(t, b.root)

	c := b.client()
	c.login("staff")
	res := c.get("/record/claim_record/")
	want(t, res, http.StatusOK)
	wantBody(t, res, fmt.Sprintf(`src="/record/thumbnail/%d.jpg"`, lecture.ID),
		`<span class="record-duration" title="Presentation">3 slides</span>`, "<dt>Presentation</dt><dd>3 slides</dd>",
		`href="/records/amphi/clip.mp4"`) // the video keeps its preview
	for _, zip := range []string{"lecture.zip", "broken.zip", "hostile.zip", "notpicture.zip"} {
		if strings.Contains(res.body, `href="/records/amphi/`+zip+`"`) {
			t.Errorf("the claim list offers to preview %s", zip)
		}
	}
	if n := strings.Count(res.body, "data-preview-title"); n != 1 {
		t.Errorf("%d preview buttons, want 1 (the MP4's)", n)
	}
	if b.media.probes.Load() != 1 {
		t.Errorf("ffprobe ran %d times, want once (the MP4; never a ZIP)", b.media.probes.Load())
	}

	// The thumbnail is the first slide, scaled by ffmpeg, cached.
	thumb := fmt.Sprintf("/record/thumbnail/%d.jpg", lecture.ID)
	res = c.get(thumb)
	want(t, res, http.StatusOK)
	if res.header.Get("Content-Type") != "image/jpeg" {
		t.Fatalf("thumbnail: %s, %d bytes", res.header.Get("Content-Type"), len(res.body))
	}
	cfg, err := jpeg.DecodeConfig(strings.NewReader(res.body))
	if err != nil || cfg.Width != thumbnailWidth || cfg.Height != 360 {
		t.Errorf("thumbnail: %dx%d, %v; want the 960x720 first slide at %d pixels wide", cfg.Width, cfg.Height, err, thumbnailWidth)
	}
	runs := b.media.thumbnails.Load()
	want(t, c.get(thumb), http.StatusOK)
	if n := b.media.thumbnails.Load(); n != runs {
		t.Errorf("ffmpeg ran again for a cached slide (%d, then %d)", runs, n)
	}

	// Broken, hostile, no picture: the placeholder, never an error page.
	placeholder, _ := staticFS.ReadFile("static/thumb-video.svg")
	for _, d := range []*lectern.Treatment{broken, hostile, notPicture} {
		res := c.get(fmt.Sprintf("/record/thumbnail/%d.jpg", d.ID))
		want(t, res, http.StatusOK)
		if res.header.Get("Content-Type") != "image/svg+xml" || res.body != string(placeholder) {
			t.Errorf("%s: %s, want the placeholder", filepath.Base(d.File), res.header.Get("Content-Type"))
		}
	}
	res = c.get("/record/claim_record/")
	want(t, res, http.StatusOK)
	if n := strings.Count(res.body, "slides</"); n != 2 { // the badge and the fact of lecture.zip only
		t.Errorf("%d slide counts shown, want 2", n)
	}
	wantBody(t, res, "<dt>Presentation</dt><dd>1 slide</dd>") // notpicture.zip: its SMIL is sound

	// Nothing written but DATA_DIR/thumbnails/<id>.jpg and .json.
	if diff := fileTree(t, b.root); fmt.Sprint(diff) != fmt.Sprint(deposits) {
		t.Errorf("the recorders' folder changed: %v, was %v", diff, deposits)
	}
	for name := range fileTree(t, b.dataDir) {
		dir, file := filepath.Split(name)
		if dir != "thumbnails"+string(filepath.Separator) || !(strings.HasSuffix(file, ".jpg") || strings.HasSuffix(file, ".json")) {
			t.Errorf("DATA_DIR holds %s", name)
		}
	}
	for _, d := range []*lectern.Treatment{broken, hostile, notPicture} {
		if _, err := os.Stat(filepath.Join(b.dataDir, "thumbnails", fmt.Sprintf("%d.jpg", d.ID))); err == nil {
			t.Errorf("a thumbnail was kept for %s", filepath.Base(d.File))
		}
	}

	// The claim form offers no preview of a ZIP either.
	res = c.get(addURL(lecture, ""))
	want(t, res, http.StatusOK)
	wantBody(t, res, fmt.Sprintf(`src="/record/thumbnail/%d.jpg"`, lecture.ID))
	if strings.Contains(res.body, "data-preview-title") {
		t.Error("the claim form offers to preview a ZIP")
	}
	res = c.get(addURL(clip, ""))
	wantBody(t, res, `href="/records/amphi/clip.mp4" data-preview`)

	// French.
	c.language = "fr"
	res = c.get("/record/claim_record/")
	wantBody(t, res, "<dt>Présentation</dt><dd>3 diapositives</dd>", "<dt>Présentation</dt><dd>1 diapositive</dd>")
	wantNoKeys(t, "/record/claim_record/", res)
}

// A slide ffmpeg cannot scale is served as it is.
func TestClaimArchiveSlideAsIs(t *testing.T) {
	t.Parallel()
	b := newClaimBundle(t)
	b.media.failThumbnails.Store(true)
	d := b.avcDeposit("amphi/lecture.zip", avcSMIL(`<img src="s.png"/><audio src="a.mp3"/>`),
		map[string][]byte{"s.png": slidePicture(t, 64, 48, true), "a.mp3": []byte("sound")})
	c := b.client()
	c.login("staff")
	res := c.get(fmt.Sprintf("/record/thumbnail/%d.jpg", d.ID))
	want(t, res, http.StatusOK)
	if res.header.Get("Content-Type") != "image/png" || res.body != string(slidePicture(t, 64, 48, true)) {
		t.Errorf("thumbnail: %s, %d bytes; want the slide as is", res.header.Get("Content-Type"), len(res.body))
	}
	if names := fileTree(t, filepath.Join(b.dataDir, "thumbnails")); len(names) != 2 {
		t.Errorf("thumbnails: %v, want the picture and its entry", names)
	}
}
