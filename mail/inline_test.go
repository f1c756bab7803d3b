package mail_test

import (
	"bytes"
	"context"
	"regexp"
	"strings"
	"testing"
	"time"

	"lectern/mail"
	"lectern/mail/smtptest"
)

// TestStillInline: the manager's mail shows the recording's still. The
// outbox keeps it in the HTML as a data URL (the outbox page shows it);
// the SMTP sender moves it into an inline image part of a
// multipart/related message, which the HTML names by Content-ID, as
// mail clients that refuse data URLs (Gmail, Outlook) show it.
func TestStillInline(t *testing.T) {
	t.Parallel()
	// Bytes whose base64 holds "+", "/" and "=", which html/template
	// writes as entities.
	still := append([]byte("\xff\xd8\xff"), bytes.Repeat([]byte{0xfb, 0xef, 0xbe}, 40)...)
	still = append(still, 0xff, 0xd9)
	nm := newRecordingMail()
	nm.Thumbnail = still
	m, err := renderer("fr", false).NewRecording(nm)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(m.HTML, `&#43;&#43;`) || !strings.Contains(m.HTML, `/9k=" width`) {
		t.Errorf("the test's still does not exercise escaped base64:\n%s", m.HTML)
	}
	if !strings.Contains(m.HTML, `<img src="data:image/jpeg;base64,`) || !strings.Contains(m.HTML, `alt="Une image de l’enregistrement"`) {
		t.Fatalf("the outbox's HTML has no still:\n%s", m.HTML)
	}
	for _, want := range []string{"Date : 6 déc. 2026, 09:45 (Europe/Paris)", "Durée : 1 h 2 min", "Taille : 1,2 Go"} {
		if !strings.Contains(m.Text, want) || !strings.Contains(m.HTML, want) {
			t.Errorf("the mail lacks %q:\n%s\n%s", want, m.Text, m.HTML)
		}
	}
	m.ID, m.CreatedAt = 9, time.Date(2026, 12, 6, 8, 46, 0, 0, time.UTC)

	srv := smtptest.Start(t, smtptest.Config{})
	if err := sender(t, mail.SMTPConfig{URL: srv.URL()}).Send(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	got := srv.Wait(t, 1, 5*time.Second)[0]
	parts, err := got.Parts()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal([]byte(parts["image/jpeg"]), still) {
		t.Errorf("image/jpeg part = %q, want the still", parts["image/jpeg"])
	}
	html := strings.ReplaceAll(parts["text/html"], "\r\n", "\n")
	cid := regexp.MustCompile(`<img src="cid:([^"]+)"`).FindStringSubmatch(html)
	if cid == nil || strings.Contains(html, "data:image") {
		t.Fatalf("the sent HTML does not name the still by its Content-ID:\n%s", html)
	}
	raw := string(got.Data)
	if !regexp.MustCompile(`(?i)Content-Id: <` + regexp.QuoteMeta(cid[1]) + `>`).MatchString(raw) {
		t.Errorf("no part has Content-ID <%s>:\n%s", cid[1], raw)
	}
	if !regexp.MustCompile(`(?i)Content-Type: multipart/related`).MatchString(raw) {
		t.Errorf("the message is not multipart/related:\n%.2000s", raw)
	}
	if text := strings.ReplaceAll(parts["text/plain"], "\r\n", "\n"); text != m.Text {
		t.Errorf("text part changed:\n%s", text)
	}
	// The rest of the HTML is the outbox's.
	if want := regexp.MustCompile(`src="data:[^"]*"`).ReplaceAllString(m.HTML, `src="cid:`+cid[1]+`"`); html != want {
		t.Errorf("sent HTML differs from the outbox's:\n%s\nwant\n%s", html, want)
	}
}

// TestMailWithoutMedia: a deposit ffmpeg could not read is mailed all the
// same, without duration nor still; the message stays
// multipart/alternative.
func TestMailWithoutMedia(t *testing.T) {
	t.Parallel()
	nm := newRecordingMail()
	nm.Duration, nm.Thumbnail = 0, nil
	m, err := renderer("en", false).NewRecording(nm)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(m.HTML, "<img") || strings.Contains(m.Text, "Duration") || !strings.Contains(m.Text, "Size: 1.2 GB") {
		t.Errorf("mail without media:\n%s\n%s", m.Text, m.HTML)
	}
}
