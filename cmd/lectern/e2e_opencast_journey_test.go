package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"lectern"
	"lectern/mail/smtptest"
	"lectern/sqldb"
)

// ocJourney is a real `lectern serve` on ports known beforehand (the
// registry hands agents BASE_URL), in Europe/Paris, with a real SMTP
// server, a superuser root who sets recorders and events up through the
// REST API, a manager M ("manager") of every recorder, and a lecturer L
// ("prof", not their manager) who owns the events.
type ocJourney struct {
	c      *cli
	s      *server
	smtpd  *smtptest.Server
	db     *sqldb.DB
	root   string // root's API token
	typeID int64
	mgr    int64
	prof   int64
	paris  *time.Location
	// recorders counts those made, each with an IP address of its own.
	recorders int
}

func newOCJourney(t *testing.T) *ocJourney {
	t.Helper()
	smtpd := smtptest.Start(t, smtptest.Config{})
	c := newCLI(t, append([]string{"LECTERN_SMTP_URL=" + smtpd.URL(), "LECTERN_LANGUAGE_CODE=en", "LECTERN_TIME_ZONE=Europe/Paris",
		"LECTERN_RECORDING_PART_QUIET=1s"}, fastEncode...)...)
	c.addUser(t, "root", "--superuser")
	c.addUser(t, "manager", "--staff")
	c.addUser(t, "prof", "--staff", "--first-name", "Ada", "--last-name", "Lovelace")
	paris, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Fatal(err)
	}
	j := &ocJourney{c: c, smtpd: smtpd, db: c.open(t), typeID: c.addType(t, "Course"), mgr: userID(t, c, "manager"),
		prof: userID(t, c, "prof"), paris: paris}
	j.root = strings.TrimSpace(c.mustRun(t, "", "token", "create", "--username", "root").stdout)
	j.s = startServeOn(t, c)
	return j
}

// api sends body as JSON with root's token and decodes the answer into
// out; any status but want fails the test.
func (j *ocJourney) api(t *testing.T, method, path string, body any, want int, out any) {
	t.Helper()
	b, err := json.Marshal(body)
	if err != nil {
		t.Fatal(err)
	}
	req, err := http.NewRequest(method, j.s.url+path, bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Token "+j.root)
	req.Header.Set("Content-Type", "application/json")
	rep := send(t, req)
	if rep.status != want {
		t.Fatalf("%s %s: %d %s", method, path, rep.status, rep.body)
	}
	if out != nil {
		if err := json.Unmarshal([]byte(rep.body), out); err != nil {
			t.Fatalf("%s %s: %v in %s", method, path, err, rep.body)
		}
	}
}

// recorder is created by root: managed by M, its FTP login (the agent's
// credentials) login/pw-login, its agent name agent.
func (j *ocJourney) recorder(t *testing.T, name, login, agent string, auto bool) *lectern.Recorder {
	t.Helper()
	var rec lectern.Recorder
	j.recorders++
	j.api(t, "POST", "/api/v1/recorders", map[string]any{"name": name, "address_ip": fmt.Sprintf("10.9.0.%d", j.recorders),
		"directory": login, "type": j.typeID, "user": j.mgr, "credentials_login": login, "credentials_password": "pw-" + login,
		"agent_name": agent, "publication_auto": auto, "recording_type": "video"}, http.StatusCreated, &rec)
	return &rec
}

// event is booked by root on rec for L, titled title, starting
// tomorrow at 23:30 UTC for an hour: already the day after in Paris, so
// that a date taken in UTC shows.
func (j *ocJourney) event(t *testing.T, rec *lectern.Recorder, title string) *lectern.Event {
	t.Helper()
	start := time.Now().UTC().Truncate(24*time.Hour).AddDate(0, 0, 1).Add(23*time.Hour + 30*time.Minute)
	var ev struct {
		ID  int64  `json:"id"`
		UID string `json:"uid"`
	}
	j.api(t, "POST", "/api/v1/events", map[string]any{"recorder": rec.ID, "title": title, "owner": j.prof,
		"start": start.Format(time.RFC3339), "end": start.Add(time.Hour).Format(time.RFC3339)}, http.StatusCreated, &ev)
	if ev.UID == "" {
		t.Fatalf("event without a UID: %+v", ev)
	}
	return &lectern.Event{ID: ev.ID, UID: ev.UID, RecorderID: rec.ID, Title: title, Start: start, End: start.Add(time.Hour)}
}

// day is the event's day in TIME_ZONE, as a video's date.
func (j *ocJourney) day(ev *lectern.Event) string { return ev.Start.In(j.paris).Format("2006-01-02") }

// ocForm is a multipart body as curl's HTTPPOST sends it, file parts
// after the fields before them (the flavor before the file).
func ocForm(fields ...ocField) func() (string, io.Reader) {
	return func() (string, io.Reader) {
		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		for _, f := range fields {
			var w io.Writer
			if f.file != "" {
				w, _ = mw.CreateFormFile(f.name, f.file)
			} else {
				w, _ = mw.CreateFormField(f.name)
			}
			io.WriteString(w, f.value)
		}
		mw.Close()
		return mw.FormDataContentType(), &buf
	}
}

// mp is a call answered 200 with a media package.
func mp(t *testing.T, a *agentClient, method, u string, body func() (string, io.Reader)) string {
	t.Helper()
	rep := a.do(t, method, u, nil, body)
	if rep.status != http.StatusOK || !strings.Contains(rep.body, "http://mediapackage.opencastproject.org") {
		t.Fatalf("%s %s: %d %s", method, u, rep.status, rep.body)
	}
	return rep.body
}

// pyCA records ev as pyCA does, from its first call to its last: the
// registry, its agent state (multipart), the calendar with an absolute
// cutoff in epoch ms (the event and its attachments in it), the
// recording's states, then its ingest (pyca/ingest.py): createMediaPackage,
// addDCCatalog of each Dublin Core attachment (with upload_catalogs =
// True; pyCA's default skips them), addTrack presenter/source
// with the clip, ingest with the properties' workflow and the event's
// UID as workflowInstanceId, and upload_finished.
func (j *ocJourney) pyCA(t *testing.T, a *agentClient, agent string, ev *lectern.Event, clip []byte) {
	t.Helper()
	base := j.s.url
	admin := a.service(t, base, "org.opencastproject.capture.admin")
	scheduler := a.service(t, base, "org.opencastproject.scheduler")
	state := func(url, state string) {
		t.Helper()
		if rep := a.do(t, "POST", url, nil, agentMultipart("address", "http://"+agent+".local:5000", "state", state)); rep.status != 200 {
			t.Fatalf("state %s of %s: %d %s", state, url, rep.status, rep.body)
		}
	}
	state(admin+"/agents/"+agent, "idle")
	cutoff := (time.Now().Unix() + 14*24*3600) * 1000
	rep := a.do(t, "GET", fmt.Sprintf("%s/calendars?agentid=%s&cutoff=%d", scheduler, agent, cutoff), nil, nil)
	var vevent *icalEvent
	for _, e := range parseCalendar(t, rep.body) {
		if e.props["uid"] == ev.UID {
			vevent = &e
		}
	}
	if rep.status != 200 || vevent == nil || vevent.props["dtstart"] != ev.Start.Format("20060102T150405Z") {
		t.Fatalf("calendar of %s: %d, event %s not in it at %s:\n%s", agent, rep.status, ev.UID, ev.Start, rep.body)
	}
	props := vevent.attach["org.opencastproject.capture.agent.properties"]
	wdef := ""
	var wconf []ocField
	for _, line := range strings.Split(props, "\n") {
		k, v, _ := strings.Cut(line, "=")
		if k == "org.opencastproject.workflow.definition" {
			wdef = v
		} else if strings.HasPrefix(k, "org.opencastproject.workflow.config") {
			wconf = append(wconf, ocField{k[strings.LastIndexByte(k, '.')+1:], v, ""})
		}
	}
	if wdef == "" || !strings.Contains(vevent.attach["episode.xml"], "<dcterms:title>"+ev.Title+"</dcterms:title>") {
		t.Fatalf("attachments of %s: %+v", ev.UID, vevent.attach)
	}
	state(admin+"/agents/"+agent, "capturing")
	state(admin+"/recordings/"+ev.UID, "capturing")
	state(admin+"/recordings/"+ev.UID, "capture_finished")
	state(admin+"/agents/"+agent, "idle")
	state(admin+"/recordings/"+ev.UID, "uploading")

	ingest := a.service(t, base, "org.opencastproject.ingest")
	pkg := mp(t, a, "GET", ingest+"/createMediaPackage", nil)
	for name, data := range vevent.attach {
		if strings.Contains(data, "http://www.opencastproject.org/xsd/1.0/dublincore/") {
			pkg = mp(t, a, "POST", ingest+"/addDCCatalog", ocForm(ocField{"mediaPackage", pkg, ""},
				ocField{"flavor", "dublincore/" + strings.TrimSuffix(name, ".xml"), ""}, ocField{"dublinCore", data, ""}))
		}
	}
	pkg = mp(t, a, "POST", ingest+"/addTrack", ocForm(ocField{"mediaPackage", pkg, ""}, ocField{"flavor", "presenter/source", ""},
		ocField{"BODY1", string(clip), "presenter.mp4"}))
	mp(t, a, "POST", ingest+"/ingest", ocForm(append([]ocField{{"mediaPackage", pkg, ""}, {"workflowDefinitionId", wdef, ""},
		{"workflowInstanceId", ev.UID, ""}}, wconf...)...))
	state(admin+"/recordings/"+ev.UID, "upload_finished")
}

var ocSourceRE = regexp.MustCompile(`<source src="([^"]+)" type="video/mp4">`)

// videoOf waits for the encoded video of the deposit that ev routed,
// checks it is L's, titled as ev, dated ev's day in Paris, and that L's
// browser plays it: its page names a rendition that ffprobe reads.
// It returns the video and its page.
func (j *ocJourney) videoOf(t *testing.T, ev *lectern.Event) (*lectern.Video, string) {
	t.Helper()
	// Every ingest's camera is a presenter-1.mp4 of its own package:
	// the video is found by its event, not by its file's name.
	var id int64
	var state string
	deadline := time.Now().Add(90 * time.Second)
	for state != lectern.EncodingDone {
		err := j.db.SQL().QueryRow(`SELECT v.id, v.encoding_state FROM videos v JOIN recordings r ON r.id = v.recording_id
			JOIN treatments tr ON tr.id = r.treatment_id WHERE tr.event_id = ?`, ev.ID).Scan(&id, &state)
		if err == nil && state == lectern.EncodingError || time.Now().After(deadline) {
			t.Fatalf("video of %q: %s (%v)\nlog:\n%s", ev.Title, state, err, j.s.log)
		}
		time.Sleep(100 * time.Millisecond)
	}
	v, err := sqldb.NewVideoService(j.db, nil).FindVideoByID(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	if v.OwnerID != j.prof || v.Title != ev.Title || v.DateEvt != j.day(ev) {
		t.Errorf("video of %q: owner %d, title %q, day %q; want L %d, the event's title and day %s", ev.Title, v.OwnerID, v.Title,
			v.DateEvt, j.prof, j.day(ev))
	}
	br := newBrowser(t, j.s.url)
	scheduleLogin(t, br, j.s.url, "prof")
	resp, page := br.do("GET", fmt.Sprintf("%s/video/%d/", j.s.url, id), nil)
	m := ocSourceRE.FindStringSubmatch(page)
	if resp.StatusCode != http.StatusOK || m == nil {
		t.Fatalf("L's page of video %d: %d, no rendition:\n%s", id, resp.StatusCode, page)
	}
	media, body := br.do("GET", j.s.url+m[1], nil)
	out := filepath.Join(t.TempDir(), "rendition.mp4")
	if err := os.WriteFile(out, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	if media.StatusCode != http.StatusOK || clipDuration(t, out) <= 0 {
		t.Errorf("rendition %s: %d, %d bytes, not playable", m[1], media.StatusCode, len(body))
	}
	return v, page
}

// TestOpencastJourney: a superuser sets up recorders managed by M and
// events owned by L; each capture agent records its event with exactly
// its calls, and the recording ends as L's video, with the event's title
// and day, encoded and playable. pyCA with publication_auto: without a
// click. pyCA without: the mail goes to L, who publishes from the add
// form. Galicaster (Digest, urlencoded states, If-None-Match, one ZIP).
// An Extron SMP's split ingest (presenter/source-1, -2 and
// presentation/source): one video, the parts' sum long, the screen
// beside it.
func TestOpencastJourney(t *testing.T) {
	t.Parallel()
	j := newOCJourney(t)
	clipPath := makeClip(t, "testsrc2=size=320x240:rate=10:duration=2", "sine=frequency=440:sample_rate=48000:duration=2")
	clip, err := os.ReadFile(clipPath)
	if err != nil {
		t.Fatal(err)
	}
	auto := j.recorder(t, "Amphi Auto", "pyca-auto", "pyca-auto", true)
	byHand := j.recorder(t, "Amphi Hand", "pyca-hand", "pyca-hand", false)
	gc := j.recorder(t, "Amphi Galicaster", "gc", "galicaster-room", true)
	smp := j.recorder(t, "Amphi SMP", "smp", "SMP351", true)
	evAuto := j.event(t, auto, "Algebra 1, lecture 3")
	evHand := j.event(t, byHand, "Geometry 2")
	evGC := j.event(t, gc, "Physics 4")
	evSMP := j.event(t, smp, "Chemistry 5")

	t.Run("pyCA publication_auto", func(t *testing.T) {
		t.Parallel()
		j.pyCA(t, &agentClient{login: "pyca-auto", pw: "pw-pyca-auto"}, "pyca-auto", evAuto, clip)
		j.videoOf(t, evAuto)
	})

	t.Run("pyCA by hand", func(t *testing.T) {
		t.Parallel()
		j.pyCA(t, &agentClient{login: "pyca-hand", pw: "pw-pyca-hand"}, "pyca-hand", evHand, clip)
		m := (&scheduleSite{smtpd: j.smtpd}).mailTo(t, "prof@univ.example", "New recording added")
		parts, err := m.Parts()
		if err != nil {
			t.Fatal(err)
		}
		link, err := url.Parse(linkRE.FindString(parts["text/plain"]))
		if err != nil || link.Path != "/mediacourses_add/" || !strings.Contains(parts["text/plain"], `your event "Geometry 2"`) {
			t.Fatalf("L's mail (%v):\n%s", err, parts["text/plain"])
		}
		for _, msg := range j.smtpd.Messages() {
			if strings.Contains(msg.Subject(), "New recording added") && msg.To[0] == "manager@univ.example" {
				t.Errorf("M was mailed L's recording")
			}
		}
		br := newBrowser(t, j.s.url)
		scheduleLogin(t, br, j.s.url, "prof")
		resp, page := br.do("GET", j.s.url+link.RequestURI(), nil)
		if resp.StatusCode != http.StatusOK || !strings.Contains(page, `value="Geometry 2"`) {
			t.Fatalf("L's add form: %d, the event's title not proposed:\n%s", resp.StatusCode, page)
		}
		resp, page = br.do("POST", j.s.url+link.RequestURI(), url.Values{"csrf_token": {csrfToken(t, page)},
			"title": {"Geometry 2"}, "source_file": {link.Query().Get("mediapath")}})
		if resp.Request.URL.Path != "/" || resp.StatusCode != http.StatusOK {
			t.Fatalf("after publishing: %d at %s:\n%s", resp.StatusCode, resp.Request.URL, page)
		}
		j.videoOf(t, evHand)
	})

	t.Run("Galicaster", func(t *testing.T) {
		t.Parallel()
		g := &agentClient{login: "gc", pw: "pw-gc", useDigest: true}
		base := j.s.url
		if rep := g.do(t, "GET", base+"/info/me.json", nil, nil); rep.status != 200 {
			t.Fatalf("info/me.json: %d %s", rep.status, rep.body)
		}
		if rep := g.do(t, "POST", base+"/capture-admin/agents/galicaster-room", nil, agentURLEncoded("address", "10.9.9.9", "state", "idle")); rep.status != 200 {
			t.Fatalf("agent state: %d %s", rep.status, rep.body)
		}
		cal := g.do(t, "GET", base+"/recordings/calendars?agentid=galicaster-room", http.Header{"If-None-Match": {"-1"}}, nil)
		if events := parseCalendar(t, cal.body); cal.status != 200 || len(events) != 1 || events[0].props["uid"] != evGC.UID {
			t.Fatalf("calendar: %d %s", cal.status, cal.body)
		}
		if rep := g.do(t, "GET", base+"/recordings/calendars?agentid=galicaster-room",
			http.Header{"If-None-Match": {cal.header.Get("ETag")}}, nil); rep.status != http.StatusNotModified {
			t.Errorf("If-None-Match: %d", rep.status)
		}
		for _, state := range []string{"capturing", "capture_finished", "manifest", "uploading"} {
			if rep := g.do(t, "POST", base+"/capture-admin/recordings/"+evGC.UID, nil, agentURLEncoded("state", state)); rep.status != 200 {
				t.Fatalf("recording state %s: %d %s", state, rep.status, rep.body)
			}
		}
		zipped := ocZip(t, evGC.UID, map[string]string{"presenter.mp4": string(clip)})
		mp(t, g, "POST", base+"/ingest/addZippedMediaPackage", ocForm(ocField{"workflowDefinitionId", "full", ""},
			ocField{"workflowInstanceId", evGC.UID, ""}, ocField{"track", zipped, "2026-12-06T09:00:00.zip"}))
		g.do(t, "POST", base+"/capture-admin/recordings/"+evGC.UID, nil, agentURLEncoded("state", "upload_finished"))
		j.videoOf(t, evGC)
	})

	t.Run("SMP split", func(t *testing.T) {
		t.Parallel()
		a := &agentClient{login: "smp", pw: "pw-smp", useDigest: true}
		ingest := j.s.url + "/ingest"
		pkg := mp(t, a, "GET", ingest+"/createMediaPackage", nil)
		for _, f := range []struct{ flavor, name string }{{"presenter/source-1", "S1R1.mp4"}, {"presenter/source-2", "S1R2.mp4"},
			{"presentation/source", "S1R1_screen.mp4"}} {
			pkg = mp(t, a, "POST", ingest+"/addTrack", ocForm(ocField{"mediaPackage", pkg, ""}, ocField{"flavor", f.flavor, ""},
				ocField{"file", string(clip), f.name}))
		}
		mp(t, a, "POST", ingest+"/ingest", ocForm(ocField{"mediaPackage", pkg, ""}, ocField{"workflowDefinitionId", "fast", ""},
			ocField{"workflowInstanceId", evSMP.UID, ""}))
		v, page := j.videoOf(t, evSMP)
		if sum := 2 * clipDuration(t, clipPath); math.Abs(v.Duration-sum) > 0.5 {
			t.Errorf("the split video lasts %.2f s, want about %.2f, its parts' sum", v.Duration, sum)
		}
		if !strings.Contains(page, "data-presentation") {
			t.Errorf("the split video's page does not show the screen beside it")
		}
	})
}

// TestOpencastJourneyTitle: an ingest that names no event keeps the
// agent's Dublin Core title for the video (Router.DepositTitleFunc),
// the recorder's manager's.
func TestOpencastJourneyTitle(t *testing.T) {
	t.Parallel()
	j := newOCJourney(t)
	clip, err := os.ReadFile(makeClip(t, "testsrc2=size=160x120:rate=10:duration=1", "sine=frequency=440:duration=1"))
	if err != nil {
		t.Fatal(err)
	}
	rec := j.recorder(t, "Amphi Seminar", "seminar", "", true)
	a := &agentClient{login: "seminar", pw: "pw-seminar"}
	ingest := j.s.url + "/ingest"
	pkg := mp(t, a, "GET", ingest+"/createMediaPackage", nil)
	episode := strings.Replace(ocEpisode, "Algebra 1 – lecture 3", "Guest seminar: Émilie du Châtelet", 1)
	pkg = mp(t, a, "POST", ingest+"/addDCCatalog", ocForm(ocField{"mediaPackage", pkg, ""}, ocField{"flavor", "dublincore/episode", ""},
		ocField{"dublinCore", episode, ""}))
	pkg = mp(t, a, "POST", ingest+"/addTrack", ocForm(ocField{"mediaPackage", pkg, ""}, ocField{"flavor", "presenter/source", ""},
		ocField{"BODY1", string(clip), "seminar.mp4"}))
	mp(t, a, "POST", ingest+"/ingest", ocForm(ocField{"mediaPackage", pkg, ""}, ocField{"workflowDefinitionId", "fast", ""}))
	var title string
	var owner int64
	waitRow(t, j.s, j.db.SQL(), 60*time.Second, `SELECT v.title, v.owner_id FROM videos v JOIN recordings r ON r.id = v.recording_id
		WHERE r.recorder_id = ?`, []any{rec.ID}, &title, &owner)
	if title != "Guest seminar: Émilie du Châtelet" || owner != j.mgr {
		t.Errorf("the ingest's video: %q of user %d, want the Dublin Core's title, M's (%d)", title, owner, j.mgr)
	}
}

// TestOpencastJourneyContacts: every agent request, the ingest's too, is
// a contact of the recorder's agent (TouchAgent) and a login on its
// health page (the ContactLog), and refused logins (Basic and Digest, an
// unknown login) are there with their reason.
func TestOpencastJourneyContacts(t *testing.T) {
	t.Parallel()
	j := newOCJourney(t)
	rec := j.recorder(t, "Amphi Seminar", "seminar", "", true)
	dg := j.recorder(t, "Amphi Digest", "dg", "", true)
	ctx := context.Background()
	agents := sqldb.NewCaptureAgentService(j.db)

	// An ingest, and nothing else: a contact of the agent.
	a := &agentClient{login: "seminar", pw: "pw-seminar"}
	ingest := j.s.url + "/ingest"
	mp(t, a, "GET", ingest+"/createMediaPackage", nil)
	if ag, err := agents.FindAgent(ctx, "seminar"); err != nil || ag.RecorderID != rec.ID || ag.LastContact.IsZero() {
		t.Errorf("the ingest is no contact of the agent: %+v, %v", ag, err)
	}

	// Refused logins: Basic, Digest, unknown; and a Digest login.
	if rep := (&agentClient{login: "seminar", pw: "wrong"}).do(t, "GET", ingest+"/createMediaPackage", nil, nil); rep.status != 401 {
		t.Errorf("wrong Basic password: %d", rep.status)
	}
	if rep := (&agentClient{login: "dg", pw: "wrong", useDigest: true}).do(t, "GET", j.s.url+"/info/me.json", nil, nil); rep.status != 401 {
		t.Errorf("wrong Digest password: %d", rep.status)
	}
	if rep := (&agentClient{login: "dg", pw: "pw-dg", useDigest: true}).do(t, "GET", j.s.url+"/info/me.json", nil, nil); rep.status != 200 {
		t.Errorf("Digest login: %d", rep.status)
	}
	if rep := (&agentClient{login: "ghost-agent", pw: "x"}).do(t, "GET", j.s.url+"/info/me.json", nil, nil); rep.status != 401 {
		t.Errorf("unknown login: %d", rep.status)
	}
	for _, r := range []*lectern.Recorder{rec, dg} {
		var via, fvia, reason string
		waitRow(t, j.s, j.db.SQL(), 30*time.Second, `SELECT login_via, failure_via, failure_reason FROM recorder_contacts
			WHERE recorder_id = ? AND login_at IS NOT NULL AND failure_at IS NOT NULL`, []any{r.ID}, &via, &fvia, &reason)
		if via != lectern.ContactAgent || fvia != lectern.ContactAgent || reason != lectern.LoginWrongPassword {
			t.Errorf("%s's contacts: login by %q, failure by %q for %q", r.Name, via, fvia, reason)
		}
	}
	var via, reason string
	waitRow(t, j.s, j.db.SQL(), 30*time.Second, `SELECT via, reason FROM login_failures WHERE login = ?`, []any{"ghost-agent"}, &via, &reason)
	if via != lectern.ContactAgent || reason != lectern.LoginUnknown {
		t.Errorf("the unknown login: by %q for %q", via, reason)
	}
	br := newBrowser(t, j.s.url)
	scheduleLogin(t, br, j.s.url, "root")
	if _, page := br.do("GET", fmt.Sprintf("%s/recorders/%d/", j.s.url, dg.ID), nil); !strings.Contains(page, "Opencast") ||
		!strings.Contains(page, "wrong password") {
		t.Errorf("the health page does not show the agent's logins:\n%s", page)
	}
	// The pages link each other: health to schedule and feeds, the week
	// to the feeds.
	sched, feeds := fmt.Sprintf("/recorders/%d/schedule/", dg.ID), fmt.Sprintf("/recorders/%d/feeds/", dg.ID)
	if _, page := br.do("GET", j.s.url+fmt.Sprintf("/recorders/%d/", dg.ID), nil); !strings.Contains(page, `href="`+sched+`"`) ||
		!strings.Contains(page, `href="`+feeds+`"`) {
		t.Errorf("the health page links neither to the schedule nor to the feeds")
	}
	if _, page := br.do("GET", j.s.url+sched, nil); !strings.Contains(page, `href="`+feeds+`"`) {
		t.Errorf("the week does not link to the feeds")
	}
}
