package main

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"lectern"
	"lectern/mail/smtptest"
	"lectern/sqldb"
)

// scheduleSite is a real `lectern serve` with two recorders managed by
// "manager" (Amphi A publishes by hand, Amphi B automatically), a
// lecturer "prof" who is not their manager, a superuser "root", and a
// real SMTP server; missed recordings are looked for every 200 ms, one
// second after their event's end.
type scheduleSite struct {
	c      *cli
	s      *server
	smtpd  *smtptest.Server
	db     *sqldb.DB
	events *sqldb.EventService
	recA   *lectern.Recorder
	recB   *lectern.Recorder
	prof   int64
	co     int64 // an additional owner of prof's events
}

func newScheduleSite(t *testing.T) *scheduleSite {
	t.Helper()
	smtpd := smtptest.Start(t, smtptest.Config{})
	c := newCLI(t, "LECTERN_SMTP_URL="+smtpd.URL(), "LECTERN_SITE_TITLE=Pod UM", "LECTERN_LANGUAGE_CODE=en",
		"LECTERN_TIME_ZONE=Europe/Paris", "LECTERN_SCHEDULE_MISSED_GRACE=1s", "LECTERN_SCHEDULE_MISSED_INTERVAL=200ms",
		"LECTERN_RECORDER_QUIESCENCE=200ms")
	typeID := c.addType(t, "Course")
	c.addUser(t, "manager", "--staff")
	c.addUser(t, "prof", "--staff")
	c.addUser(t, "assistant", "--staff")
	c.addUser(t, "root", "--superuser")
	for _, r := range [][]string{
		{"Amphi A", "10.1.2.10", "amphi-a"},
		{"Amphi B", "10.1.2.11", "amphi-b", "--auto"},
	} {
		c.mustRun(t, "ftp-"+r[2]+"\n", append([]string{"recorder", "add", "--name", r[0], "--ip", r[1], "--directory", r[2],
			"--type-id", fmt.Sprint(typeID), "--manager", "manager", "--login", r[2], "--password-stdin"}, r[3:]...)...)
	}
	site := &scheduleSite{c: c, smtpd: smtpd, db: c.open(t), prof: userID(t, c, "prof"), co: userID(t, c, "assistant")}
	site.events = sqldb.NewEventService(site.db)
	recs := sqldb.NewRecorderService(site.db)
	var err error
	for dir, rec := range map[string]**lectern.Recorder{"amphi-a": &site.recA, "amphi-b": &site.recB} {
		if *rec, err = lectern.FindRecorder(context.Background(), recs, lectern.RecorderFilter{Directory: &dir}); err != nil {
			t.Fatal(err)
		}
	}
	site.s = startServe(t, c)
	return site
}

// event books recorder rec from start to end for owner (nil: nobody).
func (site *scheduleSite) event(t *testing.T, rec *lectern.Recorder, title string, start, end time.Time, owner *int64) *lectern.Event {
	t.Helper()
	ev := &lectern.Event{RecorderID: rec.ID, Title: title, Start: start, End: end, OwnerID: owner}
	if owner != nil {
		ev.AdditionalOwners = []int64{site.co}
	}
	if err := site.events.CreateEvent(context.Background(), ev); err != nil {
		t.Fatal(err)
	}
	return ev
}

// ftpClip uploads a real two-second clip to rec's folder by FTP.
func (site *scheduleSite) ftpClip(t *testing.T, rec *lectern.Recorder, name string) {
	t.Helper()
	clip := makeClip(t, "testsrc2=size=320x240:rate=10:duration=2", "sine=frequency=440:sample_rate=48000:duration=2")
	f, err := os.Open(clip)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	conn := ftpLogin(t, site.s.app.ftpAddr, rec.Directory, "ftp-"+rec.Directory)
	if err := conn.Stor(name, f); err != nil {
		t.Fatal(err)
	}
	conn.Quit()
}

// videoOf waits for the video of the recording made from the deposit
// named name, and returns it.
func (site *scheduleSite) videoOf(t *testing.T, name string) *lectern.Video {
	t.Helper()
	ctx := context.Background()
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		list, _, err := sqldb.NewVideoService(site.db, nil).FindVideos(ctx, lectern.VideoFilter{})
		if err != nil {
			t.Fatal(err)
		}
		for _, v := range list {
			if v.RecordingID == nil {
				continue
			}
			rc, err := sqldb.NewRecordingService(site.db, nil).FindRecordingByID(ctx, *v.RecordingID)
			if err == nil && strings.HasSuffix(rc.SourceFile, "/"+name) {
				return v
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("no video of %s after 60 s\nlog:\n%s", name, site.s.log)
	return nil
}

// mailTo waits for a mail to addr whose subject holds subject.
func (site *scheduleSite) mailTo(t *testing.T, addr, subject string) smtptest.Message {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for n := 1; time.Now().Before(deadline); n++ {
		for _, m := range site.smtpd.Messages() {
			if strings.Contains(m.Subject(), subject) && len(m.To) == 1 && m.To[0] == addr {
				return m
			}
		}
		site.smtpd.Wait(t, len(site.smtpd.Messages())+1, time.Until(deadline))
	}
	t.Fatalf("no mail %q to %s", subject, addr)
	return smtptest.Message{}
}

// scheduleLogin logs br in as username.
func scheduleLogin(t *testing.T, br *browser, base, username string) {
	t.Helper()
	_, page := br.do(http.MethodGet, base+"/accounts/login/", nil)
	resp, _ := br.do(http.MethodPost, base+"/accounts/login/", url.Values{"username": {username}, "password": {"pw-" + username},
		"csrf_token": {csrfToken(t, page)}})
	if strings.Contains(resp.Request.URL.Path, "/accounts/login/") {
		t.Fatalf("%s could not log in", username)
	}
}

// TestServeScheduleRouting: deposits by FTP during events whose owner is
// not the recorders' manager go to the owner. By hand: the mail goes to
// the owner, naming the event, and the add form, opened by the owner from
// it, publishes a video that is theirs, with the event's title and day.
// Automatically: the video is the owner's without a click. An event that
// ended with no deposit raises one alert, mailed once however many times
// the pass runs, and listed on the superusers' dashboard.
func TestServeScheduleRouting(t *testing.T) {
	t.Parallel()
	site := newScheduleSite(t)
	now := time.Now().UTC().Truncate(time.Minute)
	// The slots cover the uploads' modification times (now).
	algebra := site.event(t, site.recA, "Algebra 1", now.Add(-30*time.Minute), now.Add(30*time.Minute), &site.prof)
	geometry := site.event(t, site.recB, "Geometry 2", now.Add(-30*time.Minute), now.Add(30*time.Minute), &site.prof)
	missed := site.event(t, site.recA, "Physics 3", now.Add(-3*time.Hour), now.Add(-2*time.Hour), &site.prof)
	if err := site.events.SetEventAgentState(context.Background(), missed.ID, lectern.AgentCaptureError, now.Add(-2*time.Hour)); err != nil {
		t.Fatal(err)
	}
	paris, _ := time.LoadLocation("Europe/Paris")

	// By hand: the owner's mail.
	site.ftpClip(t, site.recA, "algebra.mp4")
	m := site.mailTo(t, "prof@univ.example", "New recording added")
	parts, err := m.Parts()
	if err != nil {
		t.Fatal(err)
	}
	text := parts["text/plain"]
	for _, want := range []string{`your event "Algebra 1"`, "Event: Algebra 1, ", "(Europe/Paris)", "Amphi A"} {
		if !strings.Contains(text, want) {
			t.Errorf("the owner's mail does not say %q:\n%s", want, text)
		}
	}
	for _, msg := range site.smtpd.Messages() {
		if strings.Contains(msg.Subject(), "New recording added") && msg.To[0] == "manager@univ.example" {
			t.Errorf("the recorder's manager was mailed a deposit of prof's event")
		}
	}
	// The API shows the owner their deposit, as it shows a manager
	// theirs.
	profToken := strings.TrimSpace(site.c.mustRun(t, "", "token", "create", "--username", "prof").stdout)
	list := waitTreatments(t, site.s, profToken, "", 1)
	if list[0].EventID == nil || *list[0].EventID != algebra.ID {
		t.Errorf("the API shows prof's deposit without its event: %+v", list[0])
	}
	if status, body := site.s.get(t, "/api/v1/treatments/"+itoa(list[0].ID), profToken); status != http.StatusOK {
		t.Errorf("GET the owner's treatment: %d %s", status, body)
	}
	link, err := url.Parse(linkRE.FindString(text))
	if err != nil || link.Path != "/mediacourses_add/" {
		t.Fatalf("no add-form link (%v) in:\n%s", err, text)
	}
	// A superuser's form proposes the event's owner, not the recorder's
	// manager.
	rootBr := newBrowser(t, site.s.url)
	scheduleLogin(t, rootBr, site.s.url, "root")
	if _, page := rootBr.do(http.MethodGet, site.s.url+link.RequestURI(), nil); !strings.Contains(page, `name="user" value="prof"`) ||
		!strings.Contains(page, "the event of prof") {
		t.Errorf("the superuser's add form does not propose the event's owner")
	}
	br := newBrowser(t, site.s.url)
	scheduleLogin(t, br, site.s.url, "prof")
	resp, page := br.do(http.MethodGet, site.s.url+link.RequestURI(), nil)
	if resp.StatusCode != http.StatusOK || !strings.Contains(page, `value="Algebra 1"`) {
		t.Fatalf("the owner's add form: %d, title not proposed:\n%s", resp.StatusCode, page)
	}
	// The owner's dashboard lists it as waiting for them.
	if _, dash := br.do(http.MethodGet, site.s.url+"/", nil); !strings.Contains(dash, "1 deposit waiting for you") {
		t.Errorf("the owner's dashboard does not count the deposit as theirs")
	}
	resp, page = br.do(http.MethodPost, site.s.url+link.RequestURI(), url.Values{"csrf_token": {csrfToken(t, page)},
		"title": {"Algebra 1"}, "source_file": {link.Query().Get("mediapath")}})
	if resp.Request.URL.Path != "/" || resp.StatusCode != http.StatusOK {
		t.Fatalf("after publishing: %d at %s:\n%s", resp.StatusCode, resp.Request.URL, page)
	}
	v := site.videoOf(t, "algebra.mp4")
	if v.OwnerID != site.prof || v.Title != "Algebra 1" || v.DateEvt != algebra.Start.In(paris).Format("2006-01-02") ||
		len(v.AdditionalOwners) != 1 || v.AdditionalOwners[0] != site.co {
		t.Errorf("video by hand: owner %d, title %q, day %q, co-owners %v; want prof %d, the event's title, day and co-owner %d",
			v.OwnerID, v.Title, v.DateEvt, v.AdditionalOwners, site.prof, site.co)
	}

	// Automatically: the owner's video, without a click.
	site.ftpClip(t, site.recB, "geometry.mp4")
	v = site.videoOf(t, "geometry.mp4")
	if v.OwnerID != site.prof || v.Title != "Geometry 2" || v.DateEvt != geometry.Start.In(paris).Format("2006-01-02") {
		t.Errorf("automatic video: owner %d, title %q, day %q; want prof %d and the event's", v.OwnerID, v.Title, v.DateEvt, site.prof)
	}
	for _, ev := range []*lectern.Event{algebra, geometry} {
		if got, err := site.events.FindEventByID(context.Background(), ev.ID); err != nil || got.UsedAt.IsZero() {
			t.Errorf("event %q not marked used (%v)", ev.Title, err)
		}
	}

	// The missed recording: one alert, to the manager and the superusers.
	site.smtpd.Wait(t, 2, 30*time.Second) // the owner's mail, the alert
	var alerts []smtptest.Message
	for _, msg := range site.smtpd.Messages() {
		if strings.Contains(msg.Subject(), "Missed recording") {
			alerts = append(alerts, msg)
		}
	}
	// The pass ran many times meanwhile (every 200 ms, for the seconds
	// the videos took): one alert still.
	if len(alerts) != 1 || strings.Join(alerts[0].To, ",") != "manager@univ.example,root@univ.example" {
		t.Fatalf("%d missed-recording alerts (to %v), want 1 to the manager and root", len(alerts), alerts[0].To)
	}
	parts, _ = alerts[0].Parts()
	for _, want := range []string{"Event: Physics 3", "Recorder: Amphi A", "capture failed"} {
		if !strings.Contains(parts["text/plain"], want) {
			t.Errorf("the alert does not say %q:\n%s", want, parts["text/plain"])
		}
	}
	if _, dash := rootBr.do(http.MethodGet, site.s.url+"/", nil); !strings.Contains(dash, "Missed recordings") ||
		!strings.Contains(dash, "Physics 3") || !strings.Contains(dash, "capture failed") {
		t.Errorf("the superuser's dashboard does not list the missed recording")
	}
	for _, ev := range []*lectern.Event{algebra, geometry} {
		if got, _ := site.events.FindEventByID(context.Background(), ev.ID); !got.MissedAlertAt.IsZero() {
			t.Errorf("event %q, recorded, was alerted as missed", ev.Title)
		}
	}
}
