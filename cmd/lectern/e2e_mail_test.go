package main

import (
	"context"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"lectern"
	"lectern/mail/smtptest"
	"lectern/sqldb"
)

// browser is an HTTP client with cookies that sends the Origin a browser
// would, so that forms pass the CSRF check as in real use.
type browser struct {
	tb   testing.TB
	base string
	hc   *http.Client
}

func newBrowser(tb testing.TB, base string) *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{tb: tb, base: base, hc: &http.Client{Jar: jar, Timeout: 20 * time.Second}}
}

func (b *browser) do(method, target string, form url.Values) (*http.Response, string) {
	b.tb.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, target, body)
	if err != nil {
		b.tb.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Origin", b.base)
	}
	resp, err := b.hc.Do(req)
	if err != nil {
		b.tb.Fatalf("%s %s: %v", method, target, err)
	}
	defer resp.Body.Close()
	text, _ := io.ReadAll(resp.Body)
	return resp, string(text)
}

var csrfRE = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)

func csrfToken(tb testing.TB, page string) string {
	tb.Helper()
	m := csrfRE.FindStringSubmatch(page)
	if m == nil {
		tb.Fatalf("no CSRF token in page:\n%s", page)
	}
	return html.UnescapeString(m[1])
}

var linkRE = regexp.MustCompile(`https?://\S+/mediacourses_add/\?\S+`)

// TestServeMailJourney is the seed's first journey through the real
// program: a recorder deposits by FTP, its manager's email arrives at a
// real SMTP server, the manager follows the link, logs in, finds the add
// form filled in, and publishes.
func TestServeMailJourney(t *testing.T) {
	t.Parallel()
	smtpd := smtptest.Start(t, smtptest.Config{})
	c := newCLI(t, "LECTERN_SMTP_URL="+smtpd.URL(), "LECTERN_SITE_TITLE=Pod UM", "LECTERN_LANGUAGE_CODE=en")
	s := startServe(t, c)
	typeID := c.addType(t, "Course")
	c.addUser(t, "jdupont", "--staff")
	c.mustRun(t, "ftp-secret\n", "recorder", "add", "--name", "MultiCAM de Polytech", "--ip", "10.1.2.6", "--directory", "polytech",
		"--type-id", fmt.Sprint(typeID), "--manager", "jdupont", "--login", "polytech", "--password-stdin")

	conn := ftpLogin(t, s.app.ftpAddr, "polytech", "ftp-secret")
	if err := conn.Stor("e60e464d-d096.mp4", strings.NewReader(strings.Repeat("x", 50000))); err != nil {
		t.Fatal(err)
	}
	conn.Quit()

	msgs := smtpd.Wait(t, 1, 20*time.Second)
	if len(msgs) != 1 || msgs[0].Subject() != "[Pod UM] New recording added" {
		t.Fatalf("mail: %d messages, subject %q", len(msgs), msgs[0].Subject())
	}
	parts, err := msgs[0].Parts()
	if err != nil || parts["text/plain"] == "" || parts["text/html"] == "" {
		t.Fatalf("mail parts %v, %v", parts, err)
	}
	if !strings.Contains(parts["text/plain"], "MultiCAM de Polytech") {
		t.Errorf("the mail does not name the recorder:\n%s", parts["text/plain"])
	}
	link := linkRE.FindString(parts["text/plain"])
	if link == "" {
		t.Fatalf("no add-form link in:\n%s", parts["text/plain"])
	}
	// BASE_URL was derived from the :0 address: point the link at the
	// port the server really got.
	u, err := url.Parse(link)
	if err != nil {
		t.Fatal(err)
	}
	// The file relative to the recorder's folder, as the seed's mail has
	// it: the server's folders stay out of the mail.
	if got := u.Query().Get("mediapath"); got != "e60e464d-d096.mp4" {
		t.Errorf("link mediapath %q", got)
	}
	target := s.url + u.RequestURI()

	br := newBrowser(t, s.url)
	resp, page := br.do(http.MethodGet, target, nil)
	if !strings.Contains(resp.Request.URL.Path, "/accounts/login/") {
		t.Fatalf("an anonymous visitor lands on %s, want the login page", resp.Request.URL)
	}
	form := url.Values{"username": {"jdupont"}, "password": {"pw-jdupont"}, "csrf_token": {csrfToken(t, page)},
		"next": {resp.Request.URL.Query().Get("next")}}
	resp, page = br.do(http.MethodPost, resp.Request.URL.String(), form)
	if resp.Request.URL.RequestURI() != u.RequestURI() || resp.StatusCode != http.StatusOK {
		t.Fatalf("after login: %d at %s, want the add form %s", resp.StatusCode, resp.Request.URL.RequestURI(), u.RequestURI())
	}
	if !strings.Contains(page, "e60e464d-d096.mp4") || !strings.Contains(page, "MultiCAM de Polytech") {
		t.Fatalf("the add form is not filled in:\n%s", page)
	}
	resp, page = br.do(http.MethodPost, target, url.Values{"csrf_token": {csrfToken(t, page)}, "title": {"Thermodynamics 3"},
		"source_file": {u.Query().Get("mediapath")}})
	if resp.Request.URL.Path != "/" || !strings.Contains(page, "Your publication is saved. Adding it to your videos will be in a few minutes.") {
		t.Fatalf("after publishing: %d at %s:\n%s", resp.StatusCode, resp.Request.URL, page)
	}

	db := c.open(t)
	recs, n, err := sqldb.NewRecordingService(db, nil).FindRecordings(context.Background(), lectern.RecordingFilter{})
	if err != nil || n != 1 || recs[0].Title != "Thermodynamics 3" || !strings.HasSuffix(recs[0].SourceFile, "e60e464d-d096.mp4") {
		t.Fatalf("recordings %+v %d %v", recs, n, err)
	}
	// Exactly one mail, however the deposit was seen.
	time.Sleep(200 * time.Millisecond)
	if got := len(smtpd.Messages()); got != 1 {
		t.Errorf("%d mails, want 1", got)
	}
}
