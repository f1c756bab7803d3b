package lectern_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"lectern"
	"lectern/ffmpeg"
	"lectern/mail"
)

// TestNotifyMailsMedia: with ffmpeg, the manager's mail (the real
// renderer, in French and Europe/Paris) gives the recording's local date,
// its duration, its size and its still; a file ffmpeg cannot read is
// mailed all the same, without them. Pod's notify answer is "ok" either
// way, byte for byte.
func TestNotifyMailsMedia(t *testing.T) {
	t.Parallel()
	b := newRouting(t)
	ctx := context.Background()
	paris, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Fatal(err)
	}
	b.router.Thumbnails = &ffmpeg.Runner{}
	b.router.Mail = mail.NewRenderer(mail.RendererConfig{SiteTitle: "Pod", BaseURL: "https://pod.example/", From: "pod@pod.example",
		Language: "fr", Location: paris})
	mgr := b.manager.ID
	b.recorder("Amphi A", "amphi", func(r *lectern.Recorder) { r.UserID = &mgr; r.AddressIP = "192.168.1.20" })
	key := lectern.NotifyKey("192_168_1_20", "")

	clip := filepath.Join(b.root, "amphi", "lecture.mp4")
	if err := os.MkdirAll(filepath.Dir(clip), 0o750); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("ffmpeg", "-v", "error", "-nostdin", "-f", "lavfi", "-i", "testsrc2=size=320x180:rate=25:duration=2",
		"-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-y", clip).CombinedOutput(); err != nil {
		t.Fatalf("make clip: %v\n%s", err, out)
	}
	// A day in the past, so that the quiet period is over.
	old := time.Now().Add(-24 * time.Hour)
	if err := os.Chtimes(clip, old, old); err != nil {
		t.Fatal(err)
	}
	if got := b.notifier.Notify(ctx, "192_168_1_20", "lecture.mp4", key, ""); got != lectern.NotifyOK {
		t.Fatalf("notify = %q, want %q", got, lectern.NotifyOK)
	}
	junk := b.file(t, "amphi/junk.mp4", 5000)
	if err := os.Chtimes(junk, old, old); err != nil {
		t.Fatal(err)
	}
	if got := b.notifier.Notify(ctx, "192_168_1_20", "junk.mp4", key, ""); got != lectern.NotifyOK {
		t.Fatalf("notify of a file ffmpeg cannot read = %q, want %q", got, lectern.NotifyOK)
	}

	msgs := b.outbox(t)
	if len(msgs) != 2 {
		t.Fatalf("%d messages, want 2", len(msgs))
	}
	byFile := map[string]*lectern.Message{}
	for _, m := range msgs {
		for _, f := range []string{"lecture.mp4", "junk.mp4"} {
			if strings.Contains(m.Text, "Fichier : "+f) {
				byFile[f] = m
			}
		}
	}
	ts, _, err := b.in.Treatments.FindTreatments(ctx, lectern.TreatmentFilter{File: &clip})
	if err != nil || len(ts) != 1 {
		t.Fatalf("treatment of the clip: %v %v", ts, err)
	}
	m := byFile["lecture.mp4"]
	if m == nil {
		t.Fatalf("no mail for the clip: %+v", msgs)
	}
	for _, want := range []string{"Date : " + lectern.DateTime(ts[0].DateAdded, paris, "fr") + " (Europe/Paris)", "Durée : 2,0 s", "Taille : "} {
		if !strings.Contains(m.Text, want) {
			t.Errorf("the clip's mail lacks %q:\n%s", want, m.Text)
		}
	}
	if !strings.Contains(m.HTML, `<img src="data:image/jpeg;base64,/9j/`) {
		t.Errorf("the clip's mail has no still:\n%.1500s", m.HTML)
	}
	m = byFile["junk.mp4"]
	if m == nil || strings.Contains(m.HTML, "<img") || strings.Contains(m.Text, "Durée") || !strings.Contains(m.Text, "Taille : 5,0 ko") {
		t.Errorf("the junk file's mail: %+v", m)
	}
}
