package web

import (
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"lectern"
)

// The recording page shows its log in the reader's language: the entries
// with keys translated, and the lines the jobs wrote before the keys too;
// ffmpeg's words as they are under the line that introduces them; a line
// of no job as it was.
func TestRecordingLogTranslated(t *testing.T) {
	t.Parallel()
	b := setup(t)
	root := b.user("root", true, true)
	rec := b.recorder("Amphi", "10.8.0.1", "amphi", b.videoType("Cours").ID)
	rc := b.recording(rec, root, "Thermodynamique", "2026-11-30 09:59:59 moved by hand <see ticket 42>",
		"2026-11-30 10:00:00 video 1 created", "2026-11-30 10:00:01 source moved to videos/1/source.mp4")
	at := time.Date(2026, 12, 6, 9, 45, 12, 0, time.UTC)
	for i, e := range []lectern.RecordingLogEntry{
		lectern.NewLogEntry("video_created", 2),
		lectern.NewLogEntry("source_moved", "videos/2/source.mp4"),
		lectern.NewLogEntry("encoding_failed_last", 3, 3).WithDetail("[mov,mp4 @ 0x55] moov atom not found\n<b>source.mp4</b>: Invalid data"),
		lectern.NewLogEntry("slides_imported", 2).WithCount(2),
		lectern.NewLogEntry("video_refused", "Select a valid recorder."),
	} {
		e.At = at.Add(time.Duration(i) * time.Second)
		if err := b.recordings.AppendRecordingLog(t.Context(), rc.ID, e); err != nil {
			t.Fatal(err)
		}
	}
	page := "/admin/recordings/" + id64(rc.ID) + "/"
	ffmpeg := `<pre class="log log-detail">[mov,mp4 @ 0x55] moov atom not found` + "\n" + `&lt;b&gt;source.mp4&lt;/b&gt;: Invalid data</pre>`
	for lang, subs := range map[string][]string{
		"fr": {"<h2>Journal</h2>",
			`<li class="log-raw"><time datetime="2026-11-30T09:59:59Z" title="UTC">30 nov. 2026, 09:59:59</time> <span class="log-text">moved by hand &lt;see ticket 42&gt;</span>`,
			`<time datetime="2026-11-30T10:00:00Z" title="UTC">30 nov. 2026, 10:00:00</time> <span class="log-text">Vidéo 1 créée</span>`,
			`<span class="log-text">Source déplacée vers videos/1/source.mp4</span>`,
			`<time datetime="2026-12-06T09:45:12Z" title="UTC">6 déc. 2026, 09:45:12</time> <span class="log-text">Vidéo 2 créée</span>`,
			"Source déplacée vers videos/2/source.mp4",
			"Échec de l’encodage (tentative 3 sur 3, plus de nouvel essai : un administrateur peut le relancer). L’encodeur a dit :", ffmpeg,
			"2 diapositives importées", "Aucune vidéo créée : Sélectionnez un enregistreur valide."},
		"en": {"<h2>Log</h2>", `<span class="log-text">moved by hand &lt;see ticket 42&gt;</span>`, `<span class="log-text">Video 1 created</span>`, "Video 2 created</span>", "Source moved to videos/2/source.mp4",
			"Encoding failed (attempt 3 of 3, no more retries: an admin may retry it). The encoder said:", ffmpeg,
			"2 slides imported", "No video made: Select a valid recorder."},
	} {
		c := b.visitor("root")
		c.language = lang
		res := c.get(page)
		want(t, res, http.StatusOK)
		wantBody(t, res, subs...)
		wantNoKeys(t, lang+" "+page, res)
		for _, english := range []string{"Video 2 created", "Source moved to videos/2", "video 1 created", "source moved to", `"key"`} {
			if lang == "fr" && strings.Contains(res.body, english) {
				t.Errorf("the French page shows %q", english)
			}
		}
	}
}

// The recording page says where the source is now: in its video's
// directory once processed (and where it was received), where it was
// deposited before; an audiovideocast's ZIP renamed once used.
func TestRecordingSourceNow(t *testing.T) {
	t.Parallel()
	b := setup(t)
	root := b.user("root", true, true)
	rec := b.recorder("Amphi", "10.8.0.1", "amphi", b.videoType("Cours").ID)
	moved := b.recording(rec, root, "Moved")
	b.video(root, "Moved", func(v *lectern.Video) { v.RecordingID, v.SourceFile = &moved.ID, "videos/41/source.mp4" })
	waiting := b.recording(rec, root, "Waiting")
	avc := b.recording(rec, root, "Cast")
	b.video(root, "Cast", func(v *lectern.Video) { v.RecordingID, v.SourceFile = &avc.ID, "videos/42/cours.mp4" })
	e := lectern.NewLogEntry("archive_renamed", "cast.zip_treated")
	e.At = time.Now()
	if err := b.recordings.AppendRecordingLog(t.Context(), avc.ID, e); err != nil {
		t.Fatal(err)
	}
	for _, lang := range []string{"en", "fr"} {
		c := b.visitor("root")
		c.language = lang
		received, archive := "Received as", "The archive, renamed once used:"
		if lang == "fr" {
			received, archive = "Reçu sous", "L’archive, renommée une fois utilisée :"
		}
		res := c.get("/admin/recordings/" + id64(moved.ID) + "/")
		wantBody(t, res, "<code>"+filepath.Join(b.mediaRoot, "videos", "41", "source.mp4")+"</code>",
			`<span class="muted">`+received+`</span> <code>`+moved.SourceFile+`</code>`)
		res = c.get("/admin/recordings/" + id64(waiting.ID) + "/")
		wantBody(t, res, "<code>"+waiting.SourceFile+"</code></dd>")
		if strings.Contains(res.body, received) {
			t.Errorf("a recording not processed yet says it was moved")
		}
		res = c.get("/admin/recordings/" + id64(avc.ID) + "/")
		wantBody(t, res, "<code>"+filepath.Join(b.mediaRoot, "videos", "42", "cours.mp4")+"</code>",
			`<span class="muted">`+archive+`</span> <code>`+avc.SourceFile+`_treated</code>`)
		if strings.Count(res.body, received) != 0 {
			t.Errorf("an archive used says where it was received besides where it is")
		}
	}
}

// The log's times read in TIME_ZONE, old lines' and new entries' alike.
func TestRecordingLogInTimeZone(t *testing.T) {
	t.Parallel()
	paris, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Fatal(err)
	}
	b := setup(t, func(c *Config) { c.Location = paris })
	root := b.user("root", true, true)
	rec := b.recorder("Amphi", "10.8.0.1", "amphi", b.videoType("Cours").ID)
	rc := b.recording(rec, root, "Optique", "2026-11-30 10:00:00 video 1 created")
	e := lectern.NewLogEntry("encoding_queued")
	e.At = time.Date(2026, 7, 14, 7, 5, 0, 0, time.UTC)
	if err := b.recordings.AppendRecordingLog(t.Context(), rc.ID, e); err != nil {
		t.Fatal(err)
	}
	c := b.visitor("root")
	c.language = "fr"
	wantBody(t, c.get("/admin/recordings/"+id64(rc.ID)+"/"),
		`<time datetime="2026-11-30T11:00:00&#43;01:00" title="Europe/Paris, UTC&#43;01:00">30 nov. 2026, 11:00:00</time> <span class="log-text">Vidéo 1 créée</span>`,
		`<time datetime="2026-07-14T09:05:00&#43;02:00" title="Europe/Paris, UTC&#43;02:00">14 juil. 2026, 09:05:00</time> <span class="log-text">Encodage mis en file d’attente</span>`)
}
