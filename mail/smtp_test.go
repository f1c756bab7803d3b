package mail_test

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"lectern"
	"lectern/mail"
	"lectern/mail/smtptest"
)

func testMessage() *lectern.Message {
	return &lectern.Message{
		ID:        5,
		Kind:      lectern.MessageNewRecording,
		From:      "pod@univ.example",
		To:        []string{"manager@univ.example", "other@univ.example"},
		Subject:   "[Pod Université] Nouvel enregistrement ajouté",
		Text:      "Bonjour,\n\nUn nouvel enregistrement est arrivé : « Été ».\nhttps://pod.univ.example/mediacourses_add/?mediapath=a+b&course_title=%C3%89t%C3%A9&recorder=1\n",
		HTML:      "<!DOCTYPE html>\n<p>Bonjour,</p>\n<p>&lt;script&gt; « Été »</p>\n",
		CreatedAt: time.Date(2025, 3, 4, 5, 6, 7, 0, time.UTC),
	}
}

func sender(tb testing.TB, cfg mail.SMTPConfig) *mail.SMTPSender {
	tb.Helper()
	if cfg.Timeout == 0 {
		cfg.Timeout = 10 * time.Second
	}
	s, err := mail.NewSMTPSender(cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		tb.Fatal(err)
	}
	return s
}

// checkDelivered parses what the server received: both parts, decoded,
// and the headers.
func checkDelivered(t *testing.T, got smtptest.Message, m *lectern.Message) {
	t.Helper()
	if got.From != m.From || strings.Join(got.To, ",") != strings.Join(m.To, ",") {
		t.Errorf("envelope %s -> %v, want %s -> %v", got.From, got.To, m.From, m.To)
	}
	h, err := got.Header()
	if err != nil {
		t.Fatal(err)
	}
	if s := got.Subject(); s != m.Subject {
		t.Errorf("Subject = %q, want %q", s, m.Subject)
	}
	if !strings.HasPrefix(h.Get("Content-Type"), "multipart/alternative") {
		t.Errorf("Content-Type = %q, want multipart/alternative", h.Get("Content-Type"))
	}
	if d, err := h.Date(); err != nil || time.Since(d) > time.Minute {
		t.Errorf("Date = %q (%v)", h.Get("Date"), err)
	}
	if id := h.Get("Message-Id"); id != "<lectern.5.1741064767000000000@univ.example>" {
		t.Errorf("Message-ID = %q", id)
	}
	if h.Get("From") != "<pod@univ.example>" || !strings.Contains(h.Get("To"), "manager@univ.example") {
		t.Errorf("From = %q, To = %q", h.Get("From"), h.Get("To"))
	}
	if h.Get("Auto-Submitted") != "auto-generated" {
		t.Errorf("Auto-Submitted = %q", h.Get("Auto-Submitted"))
	}
	parts, err := got.Parts()
	if err != nil {
		t.Fatal(err)
	}
	crlf := strings.NewReplacer("\r\n", "\n")
	if p := crlf.Replace(parts["text/plain"]); p != m.Text {
		t.Errorf("text/plain part = %q, want %q", p, m.Text)
	}
	if p := crlf.Replace(parts["text/html"]); p != m.HTML {
		t.Errorf("text/html part = %q, want %q", p, m.HTML)
	}
}

func TestSMTPSenderDelivers(t *testing.T) {
	t.Parallel()
	srv := smtptest.Start(t, smtptest.Config{})
	m := testMessage()
	if err := sender(t, mail.SMTPConfig{URL: srv.URL(), From: "unused@univ.example"}).Send(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	got := srv.Wait(t, 1, 5*time.Second)
	if len(got) != 1 {
		t.Fatalf("%d messages received", len(got))
	}
	checkDelivered(t, got[0], m)
	if got[0].TLS || got[0].AuthUser != "" {
		t.Errorf("TLS %v, user %q: want neither", got[0].TLS, got[0].AuthUser)
	}

	// A message without From takes the configured one.
	m2 := testMessage()
	m2.From = ""
	if err := sender(t, mail.SMTPConfig{URL: srv.URL(), From: "default@univ.example"}).Send(context.Background(), m2); err != nil {
		t.Fatal(err)
	}
	if got := srv.Wait(t, 2, 5*time.Second); got[1].From != "default@univ.example" {
		t.Errorf("envelope from = %q, want the default", got[1].From)
	}
}

func TestSMTPSenderAuth(t *testing.T) {
	t.Parallel()
	srv := smtptest.Start(t, smtptest.Config{Username: "lectern", Password: "p@ss word"})
	ctx := context.Background()
	m := testMessage()

	if err := sender(t, mail.SMTPConfig{URL: srv.URL()}).Send(ctx, m); err != nil {
		t.Fatalf("with credentials: %v", err)
	}
	got := srv.Wait(t, 1, 5*time.Second)
	if got[0].AuthUser != "lectern" {
		t.Errorf("authenticated as %q, want lectern", got[0].AuthUser)
	}
	checkDelivered(t, got[0], m)

	bad := strings.Replace(srv.URL(), "word@", "wrong@", 1)
	if err := sender(t, mail.SMTPConfig{URL: bad}).Send(ctx, m); err == nil {
		t.Error("wrong password: no error")
	}
	none := "smtp://" + srv.Addr()
	if err := sender(t, mail.SMTPConfig{URL: none}).Send(ctx, m); err == nil {
		t.Error("no credentials for a server that requires them: no error")
	} else if lectern.IsPermanentMailError(err) {
		t.Errorf("a refusal the configuration can fix is permanent: %v", err)
	}
	if n := len(srv.Messages()); n != 1 {
		t.Errorf("%d messages received, want 1", n)
	}
}

func TestSMTPSenderSTARTTLS(t *testing.T) {
	t.Parallel()
	serverTLS, clientTLS := smtptest.NewTLS(t)
	srv := smtptest.Start(t, smtptest.Config{TLS: serverTLS, Username: "lectern", Password: "secret"})
	ctx := context.Background()
	m := testMessage()
	if err := sender(t, mail.SMTPConfig{URL: srv.URL(), TLSConfig: clientTLS}).Send(ctx, m); err != nil {
		t.Fatal(err)
	}
	got := srv.Wait(t, 1, 5*time.Second)
	if !got[0].TLS || got[0].AuthUser != "lectern" {
		t.Errorf("TLS %v, user %q: want STARTTLS then AUTH", got[0].TLS, got[0].AuthUser)
	}
	checkDelivered(t, got[0], m)
	// A certificate the sender does not trust stops the delivery.
	if err := sender(t, mail.SMTPConfig{URL: srv.URL()}).Send(ctx, m); err == nil {
		t.Error("untrusted certificate: no error")
	}
}

func TestSMTPSenderSMTPS(t *testing.T) {
	t.Parallel()
	serverTLS, clientTLS := smtptest.NewTLS(t)
	srv := smtptest.Start(t, smtptest.Config{TLS: serverTLS, Implicit: true, Username: "lectern", Password: "secret"})
	if !strings.HasPrefix(srv.URL(), "smtps://lectern:secret@127.0.0.1:") {
		t.Fatalf("URL = %q", srv.URL())
	}
	m := testMessage()
	if err := sender(t, mail.SMTPConfig{URL: srv.URL(), TLSConfig: clientTLS}).Send(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	got := srv.Wait(t, 1, 5*time.Second)
	if !got[0].TLS || got[0].AuthUser != "lectern" {
		t.Errorf("TLS %v, user %q", got[0].TLS, got[0].AuthUser)
	}
	checkDelivered(t, got[0], m)
	if err := sender(t, mail.SMTPConfig{URL: srv.URL()}).Send(context.Background(), m); err == nil {
		t.Error("untrusted certificate: no error")
	}
}

func TestSMTPSenderServerDown(t *testing.T) {
	t.Parallel()
	addr := smtptest.Reserve(t)
	s := sender(t, mail.SMTPConfig{URL: "smtp://" + addr})
	err := s.Send(context.Background(), testMessage())
	if err == nil || lectern.IsPermanentMailError(err) {
		t.Fatalf("server down: err = %v, want a temporary error", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	srv := smtptest.Start(t, smtptest.Config{Addr: addr})
	if err := s.Send(ctx, testMessage()); err == nil {
		t.Error("cancelled context: no error")
	}
	if err := s.Send(context.Background(), testMessage()); err != nil {
		t.Fatalf("server up: %v", err)
	}
	srv.Wait(t, 1, 5*time.Second)
}

func TestSMTPSenderBadMessage(t *testing.T) {
	t.Parallel()
	srv := smtptest.Start(t, smtptest.Config{})
	s := sender(t, mail.SMTPConfig{URL: srv.URL()})
	for name, change := range map[string]func(*lectern.Message){
		"no recipient": func(m *lectern.Message) { m.To = nil },
		"bad address":  func(m *lectern.Message) { m.To = []string{"not an address"} },
	} {
		m := testMessage()
		change(m)
		if err := s.Send(context.Background(), m); !lectern.IsPermanentMailError(err) {
			t.Errorf("%s: err = %v, want a permanent error", name, err)
		}
	}
}

func TestNewSender(t *testing.T) {
	t.Parallel()
	logger := slog.New(slog.DiscardHandler)
	if s, err := mail.NewSender("", "a@b.example", logger); s != nil || err != nil {
		t.Errorf("no SMTP_URL: %v, %v; want nil, nil", s, err)
	}
	for url, addr := range map[string]string{
		"smtp://mail.example":               "mail.example:587",
		"smtps://mail.example":              "mail.example:465",
		"smtp://u:p%40ss@mail.example:2525": "mail.example:2525",
		"smtps://[::1]":                     "[::1]:465",
	} {
		s, err := mail.NewSender(url, "a@b.example", logger)
		if err != nil {
			t.Errorf("%s: %v", url, err)
			continue
		}
		if got := s.(*mail.SMTPSender).Addr(); got != addr {
			t.Errorf("%s: Addr = %s, want %s", url, got, addr)
		}
	}
	for _, url := range []string{"http://mail.example", "smtp://", "smtp://mail.example:0", "smtp://mail.example:99999", "::"} {
		if _, err := mail.NewSender(url, "a@b.example", logger); err == nil {
			t.Errorf("%s: no error", url)
		}
	}
}

func TestLogSender(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	s := mail.NewLogSender(slog.New(slog.NewTextHandler(&buf, nil)))
	if err := s.Send(context.Background(), testMessage()); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), "manager@univ.example") || !strings.Contains(buf.String(), "Nouvel enregistrement") {
		t.Errorf("log = %q", buf.String())
	}
}
