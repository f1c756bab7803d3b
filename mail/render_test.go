package mail_test

import (
	"flag"
	"fmt"
	"html"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"lectern"
	"lectern/locale"
	"lectern/mail"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// paris is the golden files' TIME_ZONE.
var paris = func() *time.Location {
	loc, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		panic(err)
	}
	return loc
}()

func renderer(lang string, cas bool) *mail.Renderer {
	return mail.NewRenderer(mail.RendererConfig{SiteTitle: "Pod Université", BaseURL: "https://pod.univ.example/",
		UseCAS: cas, From: "pod@univ.example", Language: lang, Location: paris})
}

// stillJPEG stands for a recording's still: the renderer takes bytes.
var stillJPEG = []byte("\xff\xd8\xff\xe0 a still \xff\xd9")

// newRecordingMail is a deposit of 6 December 2026, 08:45 UTC (09:45 in
// Paris), 1.2 GB, 1 h 2 min long, with its still.
func newRecordingMail() lectern.NewRecordingMail {
	return lectern.NewRecordingMail{
		Recorder: &lectern.Recorder{ID: 1, Name: "MultiCAM de Polytech"},
		Treatment: &lectern.Treatment{ID: 7, File: "/data/recorders/polytech/e60e464d-d096-4388-91c2-7ac67a60176e.zip",
			FileSize: 1_234_567_890, DateAdded: time.Date(2026, 12, 6, 8, 45, 0, 0, time.UTC)},
		CourseTitle: "Enregistrement 2 juil. 2019",
		To:          []string{"manager@univ.example"},
		Duration:    time.Hour + 2*time.Minute + 15*time.Second,
		Thumbnail:   stillJPEG,
	}
}

func adminReportMail(withRecorder bool) lectern.AdminReportMail {
	m := lectern.AdminReportMail{
		Treatment: &lectern.Treatment{ID: 12, File: "/data/recorders/unknown-room/cours.mp4",
			Reason: "No recorder has this directory and DEFAULT_RECORDER_ID is not set."},
		To: []string{"admin@univ.example", "root@univ.example"},
	}
	if withRecorder {
		m.Recorder = &lectern.Recorder{ID: 3, Name: "Amphi B"}
		m.Treatment.File = "/data/recorders/amphib/cours.mp4"
		m.Treatment.Reason = "The recorder has no manager and manual claiming is off (ALLOW_MANUAL_RECORDING_CLAIMING)."
	}
	return m
}

// dump is the golden form of a message.
func dump(m *lectern.Message) string {
	return fmt.Sprintf("Kind: %s\nTreatment: %d\nFrom: %s\nTo: %s\nSubject: %s\n\n--- text/plain ---\n%s--- text/html ---\n%s",
		m.Kind, *m.TreatmentID, m.From, strings.Join(m.To, ", "), m.Subject, m.Text, m.HTML)
}

func TestRenderGolden(t *testing.T) {
	t.Parallel()
	for _, lang := range []string{"en", "fr"} {
		for _, cas := range []bool{false, true} {
			name := "new_recording_" + lang
			if cas {
				name += "_cas"
			}
			t.Run(name, func(t *testing.T) {
				t.Parallel()
				nm := newRecordingMail()
				if cas { // and a file ffmpeg could not read: no duration nor still
					nm.Duration, nm.Thumbnail = 0, nil
				}
				m, err := renderer(lang, cas).NewRecording(nm)
				if err != nil {
					t.Fatal(err)
				}
				golden(t, name, dump(m))
			})
		}
		for _, withRecorder := range []bool{true, false} {
			name := "admin_report_" + lang
			if !withRecorder {
				name += "_no_recorder"
			}
			t.Run(name, func(t *testing.T) {
				t.Parallel()
				m, err := renderer(lang, false).AdminReport(adminReportMail(withRecorder))
				if err != nil {
					t.Fatal(err)
				}
				golden(t, name, dump(m))
			})
		}
	}
}

func golden(tb testing.TB, name, got string) {
	tb.Helper()
	path := filepath.Join("testdata", name+".golden")
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			tb.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		tb.Fatalf("%v (run go test ./mail/ -update to write it)", err)
	}
	if diff := cmp.Diff(string(want), got); diff != "" {
		tb.Errorf("%s differs (-want +got; -update rewrites it):\n%s", path, diff)
	}
}

func TestSubjects(t *testing.T) {
	t.Parallel()
	for lang, want := range map[string]string{
		"en": "[Pod Université] New recording added",
		"fr": "[Pod Université] Nouvel enregistrement ajouté",
		"de": "[Pod Université] New recording added", // unknown: English
	} {
		m, err := renderer(lang, false).NewRecording(newRecordingMail())
		if err != nil {
			t.Fatal(err)
		}
		if m.Subject != want {
			t.Errorf("%s subject = %q, want %q", lang, m.Subject, want)
		}
	}
}

// The link carries exactly the file, the course title and the recorder,
// whatever characters they hold, directly or through the CAS login.
func TestLinkParsesBack(t *testing.T) {
	t.Parallel()
	const (
		mediapath = "/data/recorders/amphi A/Cours #3 & TD é+ü %20?.mp4"
		title     = "Été : algèbre & géométrie #2 + 50% = ?/fin"
		recorder  = int64(42)
	)
	check := func(t *testing.T, link string, cas bool) {
		t.Helper()
		u, err := url.Parse(link)
		if err != nil {
			t.Fatal(err)
		}
		if cas {
			if u.Scheme != "https" || u.Host != "pod.univ.example" || u.Path != "/sso-cas/login/" {
				t.Fatalf("CAS link %q: want https://pod.univ.example/sso-cas/login/", link)
			}
			if len(u.Query()) != 1 {
				t.Fatalf("CAS link %q: want only next", link)
			}
			if u, err = url.Parse(u.Query().Get("next")); err != nil {
				t.Fatal(err)
			}
		}
		if u.Scheme != "https" || u.Host != "pod.univ.example" || u.Path != "/mediacourses_add/" || u.Fragment != "" {
			t.Fatalf("link %q: want https://pod.univ.example/mediacourses_add/ and no fragment", u)
		}
		want := url.Values{"mediapath": {mediapath}, "course_title": {title}, "recorder": {"42"}}
		if diff := cmp.Diff(want, u.Query()); diff != "" {
			t.Errorf("query of %q (-want +got):\n%s", u, diff)
		}
		if !regexp.MustCompile(`^mediapath=[^&]*&course_title=[^&]*&recorder=42$`).MatchString(u.RawQuery) {
			t.Errorf("query %q: want Pod's order mediapath, course_title, recorder", u.RawQuery)
		}
	}
	for _, cas := range []bool{false, true} {
		t.Run(fmt.Sprintf("cas=%v", cas), func(t *testing.T) {
			t.Parallel()
			for _, base := range []string{"https://pod.univ.example/", "https://pod.univ.example"} {
				check(t, mail.LinkFor(base, cas, mediapath, title, recorder), cas)
			}
			// The same link in both parts of the email.
			m := newRecordingMail()
			m.Recorder.ID, m.Treatment.File, m.CourseTitle = recorder, mediapath, title
			msg, err := renderer("fr", cas).NewRecording(m)
			if err != nil {
				t.Fatal(err)
			}
			link := regexp.MustCompile(`(?m)^https://\S+$`).FindString(msg.Text)
			check(t, link, cas)
			hrefs := regexp.MustCompile(`href="([^"]+)"`).FindAllStringSubmatch(msg.HTML, -1)
			if len(hrefs) != 2 {
				t.Fatalf("HTML has %d links, want 2", len(hrefs))
			}
			for _, h := range hrefs {
				check(t, html.UnescapeString(h[1]), cas)
			}
		})
	}
}

// The seed's example link (USE_CAS) and Lectern's lead to the same form
// with the same parameters; Lectern's also encodes them inside the CAS
// "next" (the seed's has raw spaces there, as Pod does not encode them).
func TestSeedLink(t *testing.T) {
	t.Parallel()
	seed := "https://pod.universite.fr/sso-cas/login/?next=https%3A%2F%2Fpod.universite.fr%2Fmediacourses_add%2F%3Fmediapath%3De60e464d-d096-4388-91c2-7ac67a60176e.zip%26course_title%3DEnregistrement+2+juil.+2019%26recorder%3D1"
	ours := mail.LinkFor("https://pod.universite.fr/", true, "e60e464d-d096-4388-91c2-7ac67a60176e.zip", "Enregistrement 2 juil. 2019", 1)
	want := "https://pod.universite.fr/sso-cas/login/?next=https%3A%2F%2Fpod.universite.fr%2Fmediacourses_add%2F%3Fmediapath%3De60e464d-d096-4388-91c2-7ac67a60176e.zip%26course_title%3DEnregistrement%2B2%2Bjuil.%2B2019%26recorder%3D1"
	if ours != want {
		t.Errorf("LinkFor =\n%s\nwant\n%s", ours, want)
	}
	form := func(link string) (string, url.Values) {
		u, err := url.Parse(link)
		if err != nil {
			t.Fatal(err)
		}
		next, err := url.Parse(u.Query().Get("next"))
		if err != nil {
			t.Fatal(err)
		}
		return next.Scheme + "://" + next.Host + next.Path, next.Query()
	}
	seedPage, seedQuery := form(seed)
	ourPage, ourQuery := form(ours)
	if seedPage != ourPage {
		t.Errorf("form %q, the seed's %q", ourPage, seedPage)
	}
	if diff := cmp.Diff(seedQuery, ourQuery); diff != "" {
		t.Errorf("parameters (-seed +ours):\n%s", diff)
	}
}

// Names and titles are escaped in the HTML part and kept as they are in
// the text part; a newline in a name cannot add a line.
func TestHTMLEscapes(t *testing.T) {
	t.Parallel()
	m := newRecordingMail()
	m.Treatment.File = "/data/recorders/polytech/<script>alert(1)<script>.mp4"
	m.CourseTitle = `<script>alert("title")</script> & <b>co</b>`
	m.Recorder.Name = "<img src=x onerror=alert(2)>"
	m.Thumbnail = nil // the still is the message's own <img> (TestStillInline)
	msg, err := renderer("en", false).NewRecording(m)
	if err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{"<script", "<img", "<b>"} {
		if strings.Contains(msg.HTML, bad) {
			t.Errorf("HTML part holds %q unescaped:\n%s", bad, msg.HTML)
		}
	}
	for _, want := range []string{"&lt;script&gt;alert(1)&lt;script&gt;.mp4", "&lt;script&gt;alert(&#34;title&#34;)&lt;/script&gt; &amp; &lt;b&gt;co&lt;/b&gt;",
		"&lt;img src=x onerror=alert(2)&gt;"} {
		if !strings.Contains(msg.HTML, want) {
			t.Errorf("HTML part lacks %q:\n%s", want, msg.HTML)
		}
	}
	for _, want := range []string{"File: <script>alert(1)<script>.mp4", `Title: <script>alert("title")</script> & <b>co</b>`} {
		if !strings.Contains(msg.Text, want) {
			t.Errorf("text part lacks %q:\n%s", want, msg.Text)
		}
	}

	r := adminReportMail(false)
	r.Treatment.File = "/data/recorders/<script>x<script>/a\nInjected: yes.mp4"
	msg, err = renderer("en", false).AdminReport(r)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(msg.HTML, "<script") {
		t.Errorf("admin report HTML holds <script:\n%s", msg.HTML)
	}
	if strings.Contains(msg.Text, "\nInjected") {
		t.Errorf("a newline in the file name added a line:\n%s", msg.Text)
	}
}

func TestAdminReport(t *testing.T) {
	t.Parallel()
	msg, err := renderer("fr", false).AdminReport(adminReportMail(false))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"Fichier : /data/recorders/unknown-room/cours.mp4",
		"Enregistreur : aucun",
		"Dossier : /data/recorders/unknown-room",
		"Raison : Aucun enregistreur n’a ce dossier et DEFAULT_RECORDER_ID n’est pas défini.", // through the errors section
		"https://pod.univ.example/admin/treatments/12/",
	} {
		if !strings.Contains(msg.Text, want) {
			t.Errorf("text lacks %q:\n%s", want, msg.Text)
		}
	}
	if msg.Kind != lectern.MessageAdminReport || *msg.TreatmentID != 12 || len(msg.To) != 2 || msg.From != "pod@univ.example" {
		t.Errorf("message = %+v", msg)
	}
	if _, err := renderer("en", false).NewRecording(lectern.NewRecordingMail{Treatment: &lectern.Treatment{}}); err == nil {
		t.Error("NewRecording with no recorder: no error")
	}
}

// Every key the templates use exists in every catalog.
func TestTemplateKeys(t *testing.T) {
	t.Parallel()
	key := regexp.MustCompile(`\{\{-?\s*t\s+"([^"]+)"`)
	found := 0
	err := fs.WalkDir(os.DirFS("templates"), ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(filepath.Join("templates", path))
		if err != nil {
			return err
		}
		for _, m := range key.FindAllStringSubmatch(string(b), -1) {
			found++
			for _, lang := range locale.Languages {
				if !locale.Has(lang, m[1]) {
					t.Errorf("%s: %s.json lacks %q", path, lang, m[1])
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if found < 20 {
		t.Errorf("found %d keys: the scan is broken", found)
	}
}
