package web

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"lectern"
)

// healthSite has one recorder per verdict, each with what makes it so.
type healthSite struct {
	b                                         *testBundle
	never, failing, unknown, nothing, refused *lectern.Recorder
	fine, silent                              *lectern.Recorder
}

func newHealthSite(t *testing.T) *healthSite {
	t.Helper()
	ctx := context.Background()
	b := setup(t)
	course := b.videoType("Course")
	ftp := func(login string) func(*lectern.Recorder) {
		return func(r *lectern.Recorder) { r.CredentialsLogin, r.CredentialsPasswordHash = login, "hash" }
	}
	h := &healthSite{b: b}
	h.never = b.recorder("Amphi Never", "10.1.0.1", "never", course.ID, ftp("never"))
	h.failing = b.recorder("Amphi Failing", "10.1.0.2", "failing", course.ID, ftp("failing"))
	h.unknown = b.recorder("Amphi Typo", "10.1.0.3", "typo", course.ID, ftp("typo"))
	h.nothing = b.recorder("Amphi Nothing", "10.1.0.4", "nothing", course.ID, ftp("nothing"))
	h.refused = b.recorder("Amphi Refused", "10.1.0.5", "refused", course.ID, ftp("refused"))
	h.fine = b.recorder("Amphi Fine", "10.1.0.6", "fine", course.ID, ftp("fine"))
	h.silent = b.recorder("Amphi Silent", "10.1.0.7", "silent", course.ID, ftp("silent"))
	now := time.Now().UTC()
	ago := func(d time.Duration) time.Time { return now.Add(-d) }
	login := func(r *lectern.Recorder, at time.Time) lectern.LoginAttempt {
		return lectern.LoginAttempt{RecorderID: r.ID, Login: r.CredentialsLogin, Addr: r.AddressIP, Via: lectern.ContactFTP, At: at}
	}
	err := b.health.SaveContacts(ctx, []lectern.ContactUpdate{
		{RecorderID: h.failing.ID, Success: login(h.failing, ago(48*time.Hour)),
			Failure: lectern.LoginAttempt{At: ago(time.Hour), Login: "failing", Addr: "10.1.0.2", Via: lectern.ContactFTP, Reason: lectern.LoginWrongPassword}, Failures: 3},
		{Login: "typ0<b>", Failure: lectern.LoginAttempt{At: ago(time.Hour), Addr: "10.1.0.3", Via: lectern.ContactFTP, Reason: lectern.LoginUnknown}, Failures: 1},
		{RecorderID: h.nothing.ID, Success: login(h.nothing, ago(2*time.Hour))},
		{RecorderID: h.refused.ID, Success: login(h.refused, ago(3*time.Hour))},
		{RecorderID: h.fine.ID, Success: login(h.fine, ago(3*time.Hour))},
		{RecorderID: h.silent.ID, Success: login(h.silent, ago(30*24*time.Hour))},
	})
	if err != nil {
		t.Fatal(err)
	}
	deposit := func(r *lectern.Recorder, name, state, reason string, at time.Time) {
		tr := &lectern.Treatment{File: filepath.Join(b.root, r.Directory, name), Type: "video", RecorderID: &r.ID,
			State: state, Reason: reason, DateAdded: at}
		if _, err := b.treatments.CreateTreatment(ctx, tr); err != nil {
			t.Fatal(err)
		}
	}
	deposit(h.refused, "notes.txt", lectern.TreatmentIgnored, "The file extension is not accepted (VIDEO_ALLOWED_EXTENSIONS).", ago(2*time.Hour))
	deposit(h.fine, "a.mp4", lectern.TreatmentNotified, "", ago(2*time.Hour))
	deposit(h.fine, "b.txt", lectern.TreatmentIgnored, "The file extension is not accepted (VIDEO_ALLOWED_EXTENSIONS).", ago(3*time.Hour))
	deposit(h.silent, "old.mp4", lectern.TreatmentPublished, "", ago(30*24*time.Hour))
	// Fine missed Monday's lecture, recorded Tuesday's, and has one on
	// Friday.
	event := func(title string, start time.Time) *lectern.Event {
		e := &lectern.Event{RecorderID: h.fine.ID, Title: title, Start: start, End: start.Add(time.Hour)}
		if err := b.events.CreateEvent(ctx, e); err != nil {
			t.Fatal(err)
		}
		return e
	}
	event("Algebra <1>", ago(50*time.Hour))
	recorded := event("Algebra 2", ago(26*time.Hour))
	if err := b.events.MarkEventUsed(ctx, recorded.ID, ago(25*time.Hour)); err != nil {
		t.Fatal(err)
	}
	event("Algebra 3", now.Add(72*time.Hour))
	return h
}

// TestRecorderHealthVerdicts: a recorder's page says in plain words why
// it sends nothing (never connected, login refused and why, a mistyped
// login from its address, nothing sent, files refused, silent) or that
// it sends, in both languages; the admin list has a dot and counts per
// recorder.
func TestRecorderHealthVerdicts(t *testing.T) {
	t.Parallel()
	h := newHealthSite(t)
	b := h.b
	b.user("root", true, true)
	c := b.client()
	c.login("root")
	page := func(r *lectern.Recorder) response {
		t.Helper()
		res := c.get(fmt.Sprintf("/recorders/%d/", r.ID))
		want(t, res, http.StatusOK)
		return res
	}
	for _, tc := range []struct {
		rec     *lectern.Recorder
		verdict string
		says    []string
	}{
		{h.never, lectern.HealthNeverConnected, []string{"Never connected", "Lectern has never heard from this recorder",
			"the server (lectern.example), the port (2121) and the login (never)"}},
		{h.failing, lectern.HealthLoginFailing, []string{"Login refused", "its last login was refused: wrong password.",
			"Type the FTP password again", "3 refusals in a row", "login “failing” from 10.1.0.2"}},
		{h.unknown, lectern.HealthLoginFailing, []string{"Login refused", "unknown login",
			"No recorder has the login “typ0&lt;b&gt;”; this one’s is “typo”"}},
		{h.nothing, lectern.HealthNothingSent, []string{"Logs in, sends nothing", "sent no file in the last 7 days", "from 10.1.0.4 (FTP)"}},
		{h.refused, lectern.HealthFilesRefused, []string{"Sends files that are refused", "Lectern refused the last one: The file extension is not accepted",
			"1 failed"}},
		{h.fine, lectern.HealthFine, []string{"Sending", "It sent 2 deposits in the last 7 days.", "1 of them went wrong", "Refused: 1",
			`<a href="#missed" class="badge badge-bad">1 missed recording</a>`, "Next recording", "Algebra 3",
			"<strong>Algebra &lt;1&gt;</strong>", "Missed recordings (7 days)", "Upcoming recordings"}},
		{h.silent, lectern.HealthSilent, []string{"Silent for 7 days", "Nothing from this recorder in the last 7 days"}},
	} {
		res := page(tc.rec)
		wantBody(t, res, append(tc.says, `id="health" data-verdict="`+tc.verdict+`"`)...)
	}
	wantNoBody(t, page(h.unknown), "typ0<b>")
	if fine := page(h.fine); strings.Count(fine.body, "Algebra 2") != 0 || strings.Count(fine.body, "Algebra 3") != 2 {
		t.Errorf("the recorded event is listed, or the next is not (in the block and upcoming)")
	}

	c.language = "fr"
	res := page(h.failing)
	wantBody(t, res, "Connexion refusée", "sa dernière connexion a été refusée : mot de passe erroné.", "3 refus d’affilée")
	wantNoKeys(t, "recorder page", res)
	res = page(h.never)
	wantBody(t, res, "Jamais connecté", "Lectern n’a jamais eu de nouvelles de cet enregistreur")
	res = c.get("/admin/recorders/")
	wantBody(t, res, "Jamais connecté", "Envoie bien", "2 dépôts, 1 en échec", "Muet depuis 7 jours")
	wantNoKeys(t, "admin list", res)

	c.language = "en"
	res = c.get("/admin/recorders/")
	want(t, res, http.StatusOK)
	for _, r := range []*lectern.Recorder{h.never, h.failing, h.unknown, h.nothing, h.refused, h.fine, h.silent} {
		wantBody(t, res, fmt.Sprintf(`<a href="/recorders/%d/#health">`, r.ID))
	}
	wantBody(t, res, `health-dot-off`, `health-dot-bad`, `health-dot-wait`, `health-dot-done`, "2 deposits, 1 failed", "0 deposits, 0 failed")
	wantBody(t, res, `2 deposits, 1 failed · <span class="badge badge-bad">1 missed recording</span>`)
	wantBody(t, res, `id="unknown-logins"`, "<code>typ0&lt;b&gt;</code>", "<code>10.1.0.3</code>", "unknown login")
	if n := strings.Count(res.body, `class="health" data-verdict=`); n != 7 {
		t.Errorf("%d health badges on the admin list, want 7", n)
	}
}

// TestRecorderPageAccess: a recorder's page is its members' and the
// superusers'; anyone else, and an unknown id, get 404.
func TestRecorderPageAccess(t *testing.T) {
	t.Parallel()
	h := newHealthSite(t)
	b := h.b
	mgr := b.user("mgr", true, false)
	helper := b.user("helper", true, false)
	b.user("other", true, false)
	h.fine.UserID, h.fine.AdditionalUsers = &mgr.ID, []int64{helper.ID}
	if err := b.recorders.UpdateRecorder(context.Background(), h.fine); err != nil {
		t.Fatal(err)
	}
	fine, failing := fmt.Sprintf("/recorders/%d/", h.fine.ID), fmt.Sprintf("/recorders/%d/", h.failing.ID)
	for user, paths := range map[string]map[string]int{
		"mgr":    {fine: 200, failing: 404, "/recorders/999999/": 404, "/recorders/x/": 404},
		"helper": {fine: 200, failing: 404},
		"other":  {fine: 404, failing: 404},
	} {
		c := b.client()
		c.login(user)
		for path, status := range paths {
			res := c.get(path)
			if res.status != status {
				t.Errorf("%s GET %s: %d, want %d", user, path, res.status, status)
			}
			if status == 404 && strings.Contains(res.body, "data-verdict") {
				t.Errorf("%s GET %s shows a health", user, path)
			}
		}
		res := c.get("/recorders/")
		if user == "other" {
			wantNoBody(t, res, "Amphi Fine")
		} else {
			wantBody(t, res, "Amphi Fine", "Sending", fine)
			wantNoBody(t, res, "Amphi Failing")
		}
	}
	if res := b.client().get(fine); res.status != http.StatusFound && res.status != http.StatusSeeOther {
		t.Errorf("anonymous: %d", res.status)
	}
}

// TestNotifyIsAContact: a notify with the right key is the recorder's
// contact; a wrong key is its refused login only from its own address
// (anyone may name any recorder); a notify naming none counts for
// nobody.
func TestNotifyIsAContact(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	b := setup(t)
	course := b.videoType("Course")
	local := b.recorder("Local", "127.0.0.1", "local", course.ID, func(r *lectern.Recorder) { r.Salt = "s1" })
	far := b.recorder("Far", "10.2.0.1", "far", course.ID, func(r *lectern.Recorder) { r.Salt = "s2" })
	c := b.client()
	notify := func(place, key string) {
		c.notify(http.MethodGet, "/record/recorder_notify/", url.Values{"recordingPlace": {place}, "mediapath": {"none.mp4"}, "key": {key}})
	}
	notify("127_0_0_1", "wrong")
	notify("10_2_0_1", "wrong") // from 127.0.0.1: not Far's failure
	notify("10_9_9_9", "wrong") // no such recorder
	if err := b.contacts.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	hs, err := b.health.FindRecorderHealth(ctx, []int64{local.ID, far.ID}, time.Now().Add(-time.Hour), time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	if c := hs[local.ID].Contact; c.FailureReason != lectern.LoginBadKey || c.FailureVia != lectern.ContactNotify || c.FailureAddr != "127.0.0.1" {
		t.Errorf("local after a wrong key: %+v", c)
	}
	if c := hs[far.ID].Contact; !c.FailureAt.IsZero() {
		t.Errorf("far after a wrong key from elsewhere: %+v", c)
	}
	notify("10_2_0_1", md5Key("10_2_0_1", "s2")) // the right key, a missing file
	if err := b.contacts.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	hs, err = b.health.FindRecorderHealth(ctx, []int64{far.ID}, time.Now().Add(-time.Hour), time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	if c := hs[far.ID].Contact; c.LoginAt.IsZero() || c.LoginVia != lectern.ContactNotify || c.LoginAddr != "127.0.0.1" {
		t.Errorf("far after its right key: %+v", c)
	}
	if fs, err := b.health.FindLoginFailures(ctx, lectern.LoginFailureFilter{}); err != nil || len(fs) != 0 {
		t.Errorf("login failures: %v, %v", fs, err)
	}
}
