package jobs_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"lectern"
	"lectern/jobs"
	"lectern/sqldb"
)

// screenClip is a two-second 1280x720 picture without sound, a screen
// capture, written to dir/name.
func screenClip(tb testing.TB, dir, name string) string {
	tb.Helper()
	path := filepath.Join(dir, name)
	out, err := exec.Command("ffmpeg", "-v", "error", "-nostdin", "-f", "lavfi", "-i", "testsrc=size=1280x720:rate=10:duration=2",
		"-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-y", path).CombinedOutput()
	if err != nil {
		tb.Fatalf("make screen clip: %v\n%s", err, out)
	}
	return path
}

// depositParts writes the test clip as each of names into the recorder's
// directory, a treatment made of them (presenter parts, then a
// presentation when screen is not ""), and publishes it.
func (m *media) depositParts(tb testing.TB, names []string, screen string) (*lectern.Recording, *lectern.Treatment) {
	tb.Helper()
	ctx := context.Background()
	data, err := os.ReadFile(clip(tb))
	if err != nil {
		tb.Fatal(err)
	}
	var parts []lectern.TreatmentPart
	for i, n := range names {
		p := filepath.Join(m.dir, n)
		if err := os.WriteFile(p, data, 0o640); err != nil {
			tb.Fatal(err)
		}
		parts = append(parts, lectern.TreatmentPart{Position: i + 1, Flavor: lectern.FlavorPresenter, File: p, Size: int64(len(data))})
	}
	if screen != "" {
		p := screenClip(tb, m.dir, screen)
		parts = append(parts, lectern.TreatmentPart{Position: 1, Flavor: lectern.FlavorPresentation, File: p})
	}
	t := &lectern.Treatment{File: parts[0].File, FileSize: parts[0].Size, RecorderID: &m.recorder.ID, Type: lectern.RecordingTypeVideo,
		State: lectern.TreatmentToPublish, DetectedBy: lectern.SourceFTP, Parts: parts}
	if _, err := sqldb.NewTreatmentService(m.db, m.enq).CreateTreatment(ctx, t); err != nil {
		tb.Fatal(err)
	}
	rec := &lectern.Recording{RecorderID: m.recorder.ID, UserID: m.owner.ID, Title: "Split lecture", TreatmentID: &t.ID,
		Type: lectern.RecordingTypeVideo, SourceFile: parts[0].File}
	if err := m.recordings.CreateRecording(ctx, rec); err != nil {
		tb.Fatal(err)
	}
	return rec, t
}

// withParts gives the client the store's treatments, which tell their
// parts.
func (m *media) withParts(*lectern.Treatment) func(*jobs.Config, *jobs.Deps) {
	return func(_ *jobs.Config, d *jobs.Deps) { d.Treatments = sqldb.NewTreatmentService(m.db, m.enq) }
}

// A presenter in three parts and a presentation in one become one video:
// the parts joined by stream copy into its source, the presentation kept
// beside it and encoded into the player's second picture; every part
// leaves the recorder's folder.
func TestProcessParts(t *testing.T) {
	t.Parallel()
	m := setupMedia(t, "")
	rec, tr := m.depositParts(t, []string{"cours S1R1.m4v", "cours S1R2.m4v", "cours S1R3.m4v"}, "screen.mp4")
	start(t, m.newClient(t, m.withParts(tr)))
	v := m.waitVideo(t, rec.ID, lectern.EncodingDone)
	t.Logf("recording log:\n%s", m.comment(t, rec.ID))
	if want := fmt.Sprintf("videos/%d/source.mkv", v.ID); v.SourceFile != want {
		t.Errorf("source %q, want %q", v.SourceFile, want)
	}
	if v.Duration < 5.8 || v.Duration > 6.3 {
		t.Errorf("duration %.2f, want about 6, the three parts' sum", v.Duration)
	}
	dir := filepath.Join(m.root, "videos", fmt.Sprint(v.ID))
	for _, f := range []string{"source.mkv", "presentation-source.mp4", lectern.VideoPresentationName} {
		if fi, err := os.Stat(filepath.Join(dir, f)); err != nil || fi.Size() == 0 {
			t.Errorf("%s: %v", f, err)
		}
	}
	var pres int
	for _, rd := range v.Renditions {
		if rd.Kind == lectern.RenditionPresentation {
			pres++
			if rd.Path != lectern.VideoPresentationName || rd.Height != 720 {
				t.Errorf("presentation rendition %+v", rd)
			}
		}
	}
	if pres != 1 {
		t.Errorf("%d presentation renditions, want 1: %+v", pres, v.Renditions)
	}
	for _, p := range tr.Parts {
		if _, err := os.Stat(p.File); !os.IsNotExist(err) {
			t.Errorf("part %s is still in the recorder's folder (%v)", p.File, err)
		}
	}
	m.checkLog(t, rec.ID, "Screen capture screen.mp4 moved to", fmt.Sprintf("3 camera parts joined by stream copy (same codecs) into videos/%d/source.mkv, duration 6", v.ID),
		"Encoding queued", "Screen capture encoded (1280x720), shown beside the camera", "Encoded: ")
	if n := len(m.videosOf(t, rec.ID)); n != 1 {
		t.Errorf("%d videos, want 1", n)
	}
	m.waitJobs(t, map[string]int{"encode_video completed": 1, "process_recording completed": 1})
}

// One part that is not media refuses the whole recording: the reason in
// its log, no joined file, every part left in the recorder's folder.
func TestProcessPartsNotMediaRefused(t *testing.T) {
	t.Parallel()
	m := setupMedia(t, "")
	rec, tr := m.depositParts(t, []string{"c R1.mp4", "c R2.mp4"}, "")
	if err := os.WriteFile(tr.Parts[1].File, []byte("#EXTM3U\n#EXT-X-ENDLIST\n"), 0o640); err != nil {
		t.Fatal(err)
	}
	start(t, m.newClient(t, m.withParts(tr)))
	v := m.waitVideo(t, rec.ID, lectern.EncodingError)
	m.checkLog(t, rec.ID, "Not processed: part 2 of 2: c R2.mp4 is not")
	if v.SourceFile != "" {
		t.Errorf("a refused recording has source %q", v.SourceFile)
	}
	entries, _ := os.ReadDir(filepath.Join(m.root, "videos", fmt.Sprint(v.ID)))
	for _, e := range entries {
		t.Errorf("a refused recording left %s in its video's folder", e.Name())
	}
	for _, p := range tr.Parts {
		if _, err := os.Stat(p.File); err != nil {
			t.Errorf("part %s: %v", p.File, err)
		}
	}
	m.waitJobs(t, map[string]int{"process_recording cancelled": 1})
}

// A job killed after the join (the joined file renamed into place, the
// parts not yet removed, no source recorded) finds its work done when run
// again: no second join.
func TestProcessPartsResumes(t *testing.T) {
	t.Parallel()
	m := setupMedia(t, "")
	rec, tr := m.depositParts(t, []string{"k R1.mp4", "k R2.mp4"}, "")
	v := m.createVideo(t, rec)
	dir := filepath.Join(m.root, "videos", fmt.Sprint(v.ID))
	if err := os.MkdirAll(dir, 0o750); err != nil {
		t.Fatal(err)
	}
	// What the killed attempt joined: one part's worth, so that a second
	// join would show in the duration.
	b, _ := os.ReadFile(clip(t))
	if err := os.WriteFile(filepath.Join(dir, "source.mkv"), b, 0o640); err != nil {
		t.Fatal(err)
	}
	m.orphanJobs(t)
	start(t, m.newClient(t, m.withParts(tr)))
	v = m.waitVideo(t, rec.ID, lectern.EncodingDone)
	if v.Duration > 2.5 {
		t.Errorf("duration %.2f: the parts were joined again", v.Duration)
	}
	if log := m.comment(t, rec.ID); strings.Contains(log, "joined") {
		t.Errorf("joined again:\n%s", log)
	}
	for _, p := range tr.Parts {
		if _, err := os.Stat(p.File); !os.IsNotExist(err) {
			t.Errorf("part %s left in the recorder's folder (%v)", p.File, err)
		}
	}
}

// A deposit with a screen capture and no camera: the screen capture is
// the video, with no second picture.
func TestProcessPresentationOnly(t *testing.T) {
	t.Parallel()
	m := setupMedia(t, "")
	rec, tr := m.depositParts(t, nil, "screen only.mp4")
	start(t, m.newClient(t, m.withParts(tr)))
	v := m.waitVideo(t, rec.ID, lectern.EncodingDone)
	if want := fmt.Sprintf("videos/%d/source.mp4", v.ID); v.SourceFile != want {
		t.Errorf("source %q, want %q", v.SourceFile, want)
	}
	for _, rd := range v.Renditions {
		if rd.Kind == lectern.RenditionPresentation {
			t.Errorf("a screen capture alone got a second picture: %+v", rd)
		}
	}
	m.checkLog(t, rec.ID, "No camera part: the screen capture is the video", "Screen capture screen only.mp4 moved to")
}
