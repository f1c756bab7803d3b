package web

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"lectern"
)

// mailedDeposits notifies n deposits of a managed recorder: n messages in
// the outbox, oldest first.
func (b *testBundle) mailedDeposits(n int) []*lectern.Message {
	b.tb.Helper()
	course := b.videoType("Course")
	mgr := b.manager("mgr")
	rec := b.recorder("Amphi", "10.7.0.1", "amphi", course.ID, func(r *lectern.Recorder) { r.UserID = &mgr.ID })
	c := b.client()
	for i := 1; i <= n; i++ {
		file := fmt.Sprintf("talk-%02d.mp4", i)
		b.deposit("amphi/"+file, "video")
		res := c.notify(http.MethodGet, "/mediacourses_notify/", url.Values{"recordingPlace": {rec.IPUnder()}, "mediapath": {file},
			"key": {md5Key(rec.IPUnder(), "")}})
		wantAnswer(b.tb, res, "ok")
	}
	msgs := b.outbox()
	slices.Reverse(msgs)
	return msgs
}

func TestOutbox(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.user("root", true, true)
	msgs := b.mailedDeposits(22)
	ctx := context.Background()
	failed := msgs[21]
	if err := b.messages.MarkMessageAttempt(ctx, failed.ID, "dial tcp 10.0.0.25:587: connection refused", true); err != nil {
		t.Fatal(err)
	}
	if err := b.messages.MarkMessageSent(ctx, msgs[20].ID, msgs[20].CreatedAt); err != nil {
		t.Fatal(err)
	}
	staff := b.client()
	staff.login("mgr")
	want(t, staff.get("/admin/outbox/"), http.StatusForbidden)

	c := b.client()
	c.login("root")
	wantBody(t, c.get("/admin/"), `href="/admin/outbox/"`, "22 emails · 1 failed")
	res := c.get("/admin/outbox/")
	want(t, res, http.StatusOK)
	wantBody(t, res, "22 messages", "connection refused", "Failed", "Sent", "Queued", "mgr@univ.example",
		`href="/admin/outbox/?page=2"`)
	if n := strings.Count(res.body, `<th scope="row" class="file-cell">`); n != 20 {
		t.Errorf("page 1 shows %d messages, want 20", n)
	}
	wantOrder(t, res, fmt.Sprintf(`href="/admin/outbox/%d/"`, msgs[21].ID), fmt.Sprintf(`href="/admin/outbox/%d/"`, msgs[2].ID))
	res = c.get("/admin/outbox/?state=failed")
	if n := strings.Count(res.body, `<th scope="row" class="file-cell">`); n != 1 {
		t.Errorf("failed filter shows %d messages, want 1", n)
	}

	// The detail shows the rendered parts; the HTML part is framed from
	// its own URL, which may run nothing and fetch nothing.
	show := fmt.Sprintf("/admin/outbox/%d/", failed.ID)
	res = c.get(show)
	want(t, res, http.StatusOK)
	wantBody(t, res, "[Lectern Test] New recording added", "A new recording: talk-22.mp4", "connection refused",
		fmt.Sprintf(`<iframe class="mail-html" src="/admin/outbox/%d/html/" sandbox`, failed.ID), "Send again",
		fmt.Sprintf(`href="/admin/treatments/%d/"`, *failed.TreatmentID))
	res = c.get(show + "html/")
	want(t, res, http.StatusOK)
	if res.body != failed.HTML || !strings.Contains(res.header.Get("Content-Security-Policy"), "sandbox") ||
		!strings.Contains(res.header.Get("Content-Security-Policy"), "default-src 'none'") || res.header.Get("X-Frame-Options") != "SAMEORIGIN" {
		t.Errorf("html part: %q, CSP %q, X-Frame-Options %q", res.body, res.header.Get("Content-Security-Policy"), res.header.Get("X-Frame-Options"))
	}
	want(t, staff.get(show+"html/"), http.StatusForbidden)

	// Send again: queued, and the mail queue is told.
	before := len(b.queue.enqueued())
	res = c.post(show+"requeue/", nil)
	want(t, res, http.StatusSeeOther)
	wantBody(t, c.get(show), "The message is queued to be sent again.")
	m, _ := b.messages.FindMessageByID(ctx, failed.ID)
	if m.State != lectern.MessageQueued {
		t.Errorf("state %s, want queued", m.State)
	}
	if q := b.queue.enqueued(); len(q) != before+1 || q[len(q)-1] != failed.ID {
		t.Errorf("queue = %v", q)
	}
	if strings.Contains(c.get(show).body, "Send again") {
		t.Error("a queued message offers to be sent again")
	}
	// Only failed messages go back.
	res = c.post(fmt.Sprintf("/admin/outbox/%d/requeue/", msgs[20].ID), nil)
	want(t, res, http.StatusSeeOther)
	wantBody(t, c.get(res.location), "Only a failed message can be sent again.")
	want(t, c.get("/admin/outbox/9999/"), http.StatusNotFound)
	want(t, staff.post(show+"requeue/", nil), http.StatusForbidden)

	// French.
	c.language = "fr"
	for _, path := range []string{"/admin/outbox/", show, "/admin/"} {
		res := c.get(path)
		wantNoKeys(t, path, res)
	}
	wantBody(t, c.get("/admin/outbox/"), "Courriels", "22 messages", "Échec", "Envoyé")
}

func TestDashboardRecordings(t *testing.T) {
	t.Parallel()
	b := setup(t)
	course := b.videoType("Course")
	mgr := b.manager("mgr")
	other := b.user("other", true, false)
	rec := b.recorder("Amphi", "10.8.0.1", "amphi", course.ID, func(r *lectern.Recorder) { r.UserID = &mgr.ID })
	ctx := context.Background()
	for i := 1; i <= 12; i++ {
		r := &lectern.Recording{RecorderID: rec.ID, UserID: mgr.ID, Title: fmt.Sprintf("Lecture %02d", i), Type: "video",
			SourceFile: fmt.Sprintf("%s/amphi/l%02d.mp4", b.root, i), DateAdded: deposit0.Add(time.Duration(i) * time.Minute)}
		if err := b.recordings.CreateRecording(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	if err := b.recordings.CreateRecording(ctx, &lectern.Recording{RecorderID: rec.ID, UserID: other.ID, Title: "Not mine",
		Type: "video", SourceFile: b.root + "/amphi/x.mp4"}); err != nil {
		t.Fatal(err)
	}
	c := b.client()
	c.login("mgr")
	res := c.get("/")
	want(t, res, http.StatusOK)
	wantBody(t, res, "My recordings", "12 recordings", "Lecture 12", "l12.mp4", "Amphi", `href="/?page=2"`)
	wantOrder(t, res, "Lecture 12", "Lecture 03")
	for _, s := range []string{"Lecture 02", "Not mine"} {
		if strings.Contains(res.body, s) {
			t.Errorf("page 1 shows %q", s)
		}
	}
	wantBody(t, c.get("/?page=2"), "Lecture 01", "Lecture 02")
	o := b.client()
	o.login("other")
	wantBody(t, o.get("/"), "Not mine", "1 recording")
}
