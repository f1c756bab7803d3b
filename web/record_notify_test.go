package web

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"testing"

	"lectern"
)

// md5Key is Pod's notify key, computed here independently of the core.
func md5Key(place, salt string) string {
	sum := md5.Sum([]byte(place + salt))
	return hex.EncodeToString(sum[:])
}

// deposit writes a file of content under the recorders' root.
func (b *testBundle) deposit(rel, content string) string {
	b.tb.Helper()
	p := filepath.Join(b.root, rel)
	if err := os.MkdirAll(filepath.Dir(p), 0o750); err != nil {
		b.tb.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o640); err != nil {
		b.tb.Fatal(err)
	}
	return p
}

// notify calls path with params, by GET (query) or POST (form body,
// without a CSRF token, as a recorder's script does).
func (c *client) notify(method, path string, params url.Values) response {
	c.tb.Helper()
	if method == http.MethodPost {
		req, err := http.NewRequest(http.MethodPost, c.b.http.URL+path, stringsReader(params.Encode()))
		if err != nil {
			c.tb.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		return c.do(req)
	}
	return c.get(path + "?" + params.Encode())
}

// wantAnswer fails unless res is Pod's plain-text answer, byte for byte.
func wantAnswer(tb testing.TB, res response, answer string) {
	tb.Helper()
	if res.status != http.StatusOK || res.body != answer || res.header.Get("Content-Type") != "text/plain; charset=utf-8" {
		tb.Errorf("answer = %d %q (%s), want 200 %q (text/plain; charset=utf-8)", res.status, res.body, res.header.Get("Content-Type"), answer)
	}
}

func (b *testBundle) outbox() []*lectern.Message {
	b.tb.Helper()
	list, _, err := b.messages.FindMessages(context.Background(), lectern.MessageFilter{Page: lectern.Page{Size: lectern.MaxPageSize}})
	if err != nil {
		b.tb.Fatal(err)
	}
	return list
}

func (b *testBundle) allTreatments() []*lectern.Treatment {
	b.tb.Helper()
	list, _, err := b.treatments.FindTreatments(context.Background(), lectern.TreatmentFilter{Page: lectern.Page{Size: lectern.MaxPageSize}})
	if err != nil {
		b.tb.Fatal(err)
	}
	return list
}

func (b *testBundle) allRecordings() []*lectern.Recording {
	b.tb.Helper()
	list, _, err := b.recordings.FindRecordings(context.Background(), lectern.RecordingFilter{Page: lectern.Page{Size: lectern.MaxPageSize}})
	if err != nil {
		b.tb.Fatal(err)
	}
	return list
}

// manager creates a staff user with an email who manages new recorders.
func (b *testBundle) manager(username string) *lectern.User {
	b.tb.Helper()
	u := b.user(username, true, false)
	u.Email = username + "@univ.example"
	if err := b.users.UpdateUser(context.Background(), u); err != nil {
		b.tb.Fatal(err)
	}
	return u
}

func TestNotifyContract(t *testing.T) {
	t.Parallel()
	b := setup(t)
	course := b.videoType("Course")
	mgr := b.manager("mgr")
	b.user("root", true, true)
	salted := b.recorder("Amphi A", "10.1.0.1", "amphi-a", course.ID, func(r *lectern.Recorder) { r.Salt, r.UserID = "s3cret", &mgr.ID })
	unsalted := b.recorder("Amphi B", "10.1.0.2", "amphi-b", course.ID, func(r *lectern.Recorder) { r.UserID = &mgr.ID })
	auto := b.recorder("Amphi C", "10.1.0.3", "amphi-c", course.ID, func(r *lectern.Recorder) {
		r.Salt, r.UserID, r.PublicationAuto = "x", &mgr.ID, true
	})
	c := b.client()

	for _, method := range []string{http.MethodGet, http.MethodPost} {
		t.Run(method, func(t *testing.T) {
			file := "lecture-" + method + ".mp4"
			b.deposit("amphi-a/"+file, "video bytes")
			b.deposit("amphi-b/"+file, "video bytes")
			b.deposit("amphi-c/"+file, "video bytes")
			place := salted.IPUnder()
			for _, tc := range []struct {
				name   string
				params url.Values
				answer string
			}{
				{"Nothing", url.Values{}, "nok: recordingPlace or mediapath or key are missing"},
				{"NoKey", url.Values{"recordingPlace": {place}, "mediapath": {file}}, "nok: recordingPlace or mediapath or key are missing"},
				{"NoMediapath", url.Values{"recordingPlace": {place}, "key": {md5Key(place, "s3cret")}}, "nok: recordingPlace or mediapath or key are missing"},
				{"EmptyPlace", url.Values{"recordingPlace": {""}, "mediapath": {file}, "key": {"k"}}, "nok: recordingPlace or mediapath or key are missing"},
				{"UnknownIP", url.Values{"recordingPlace": {"10_9_9_9"}, "mediapath": {file}, "key": {md5Key("10_9_9_9", "")}},
					"nok: address_ip not valid or recorder not found in this site"},
				{"NotAnIP", url.Values{"recordingPlace": {"amphi"}, "mediapath": {file}, "key": {"k"}},
					"nok: address_ip not valid or recorder not found in this site"},
				{"BadKey", url.Values{"recordingPlace": {place}, "mediapath": {file}, "key": {md5Key(place, "wrong")}}, "nok: key is not valid"},
				// The key hashes recordingPlace as sent, with underscores.
				{"KeyOfDottedIP", url.Values{"recordingPlace": {place}, "mediapath": {file}, "key": {md5Key("10.1.0.1", "s3cret")}}, "nok: key is not valid"},
				{"OK", url.Values{"recordingPlace": {place}, "mediapath": {file}, "key": {md5Key(place, "s3cret")}, "course_title": {"Physics 101"}}, "ok"},
				{"EmptySalt", url.Values{"recordingPlace": {unsalted.IPUnder()}, "mediapath": {file}, "key": {md5Key(unsalted.IPUnder(), "")}}, "ok"},
				{"Auto", url.Values{"recordingPlace": {auto.IPUnder()}, "mediapath": {file}, "key": {md5Key(auto.IPUnder(), "x")}}, "auto"},
			} {
				t.Run(tc.name, func(t *testing.T) {
					wantAnswer(t, c.notify(method, "/record/recorder_notify/", tc.params), tc.answer)
					wantAnswer(t, c.notify(method, "/mediacourses_notify/", tc.params), tc.answer)
				})
			}
		})
	}
	// Without the final slash, no redirect: the answer itself.
	wantAnswer(t, c.notify(http.MethodPost, "/mediacourses_notify", url.Values{}), lectern.NotifyMissing)
	wantAnswer(t, c.notify(http.MethodGet, "/record/recorder_notify", url.Values{}), lectern.NotifyMissing)

	// Each accepted deposit mailed its manager once, whatever the number
	// of calls; the automatic one was published once.
	if n := len(b.outbox()); n != 4 {
		t.Errorf("outbox holds %d messages, want 4 (two files of two recorders)", n)
	}
	if n := len(b.queue.enqueued()); n != 4 {
		t.Errorf("%d messages enqueued, want 4", n)
	}
	recs := b.allRecordings()
	if len(recs) != 2 {
		t.Fatalf("%d recordings, want 2 (one per automatic deposit)", len(recs))
	}
	for _, r := range recs {
		if r.UserID != mgr.ID || r.RecorderID != auto.ID {
			t.Errorf("recording %+v: want the manager's, of Amphi C", r)
		}
	}
}

func TestNotifyOncePerDeposit(t *testing.T) {
	t.Parallel()
	b := setup(t)
	course := b.videoType("Course")
	mgr := b.manager("mgr")
	rec := b.recorder("Amphi", "10.2.0.1", "amphi", course.ID, func(r *lectern.Recorder) { r.Salt, r.UserID = "salt", &mgr.ID })
	path := b.deposit("amphi/course.mp4", "video")
	c := b.client()
	params := url.Values{"recordingPlace": {rec.IPUnder()}, "mediapath": {"course.mp4"}, "key": {md5Key(rec.IPUnder(), "salt")}}
	wantAnswer(t, c.notify(http.MethodGet, "/mediacourses_notify/", params), "ok")
	// Pod's cron command sends the absolute path.
	params.Set("mediapath", path)
	wantAnswer(t, c.notify(http.MethodGet, "/record/recorder_notify/", params), "ok")
	wantAnswer(t, c.notify(http.MethodPost, "/record/recorder_notify/", params), "ok")
	msgs := b.outbox()
	if len(msgs) != 1 {
		t.Fatalf("outbox holds %d messages, want 1", len(msgs))
	}
	if msgs[0].To[0] != "mgr@univ.example" || msgs[0].Kind != lectern.MessageNewRecording {
		t.Errorf("message = %+v", msgs[0])
	}
	ts := b.allTreatments()
	if len(ts) != 1 || ts[0].State != lectern.TreatmentNotified || !ts[0].EmailSent || ts[0].DetectedBy != lectern.SourceNotify {
		t.Errorf("treatments = %+v", ts)
	}
}

func TestNotifyAutoPublication(t *testing.T) {
	t.Parallel()
	b := setup(t)
	course := b.videoType("Course")
	mgr := b.manager("mgr")
	rec := b.recorder("Amphi", "10.2.0.2", "amphi", course.ID, func(r *lectern.Recorder) {
		r.UserID, r.PublicationAuto, r.RecordingType = &mgr.ID, true, lectern.RecordingTypeAudioVideoCast
	})
	path := b.deposit("amphi/slides.zip", "zip")
	c := b.client()
	params := url.Values{"recordingPlace": {rec.IPUnder()}, "mediapath": {"slides.zip"}, "key": {md5Key(rec.IPUnder(), "")},
		"course_title": {"Algebra"}}
	wantAnswer(t, c.notify(http.MethodGet, "/mediacourses_notify/", params), "auto")
	wantAnswer(t, c.notify(http.MethodGet, "/mediacourses_notify/", params), "auto")
	recs := b.allRecordings()
	if len(recs) != 1 {
		t.Fatalf("%d recordings, want 1", len(recs))
	}
	r := recs[0]
	if r.UserID != mgr.ID || r.RecorderID != rec.ID || r.SourceFile != path || r.Type != lectern.RecordingTypeAudioVideoCast || r.Title != "Algebra" {
		t.Errorf("recording = %+v", r)
	}
	if n := len(b.outbox()); n != 0 {
		t.Errorf("outbox holds %d messages, want none", n)
	}
}

func TestNotifyTraversal(t *testing.T) {
	t.Parallel()
	b := setup(t)
	course := b.videoType("Course")
	mgr := b.manager("mgr")
	rec := b.recorder("Amphi A", "10.3.0.1", "amphi-a", course.ID, func(r *lectern.Recorder) { r.Salt, r.UserID = "k", &mgr.ID })
	b.recorder("Amphi B", "10.3.0.2", "amphi-b", course.ID, func(r *lectern.Recorder) { r.UserID = &mgr.ID })
	other := b.deposit("amphi-b/other.mp4", "someone else's video")
	outside := filepath.Join(filepath.Dir(b.root), "outside.mp4")
	if err := os.WriteFile(outside, []byte("not a deposit"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(outside, filepath.Join(b.root, "amphi-a", "link.mp4")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(other, filepath.Join(b.root, "amphi-a", "to-b.mp4")); err != nil {
		t.Fatal(err)
	}
	c := b.client()
	for _, mediapath := range []string{"../amphi-b/other.mp4", other, "link.mp4", filepath.Join(b.root, "amphi-a", "link.mp4"),
		"to-b.mp4", "/etc/passwd", "../../outside.mp4", outside, "missing.mp4", ".", "amphi-a"} {
		params := url.Values{"recordingPlace": {rec.IPUnder()}, "mediapath": {mediapath}, "key": {md5Key(rec.IPUnder(), "k")}}
		for _, method := range []string{http.MethodGet, http.MethodPost} {
			res := c.notify(method, "/record/recorder_notify/", params)
			wantAnswer(t, res, lectern.NotifyBadMediapath)
		}
	}
	if ts := b.allTreatments(); len(ts) != 0 {
		t.Errorf("treatments were made: %+v", ts)
	}
	if n := len(b.outbox()); n != 0 {
		t.Errorf("outbox holds %d messages, want none", n)
	}
	for _, p := range []string{other, outside} {
		if _, err := os.Stat(p); err != nil {
			t.Errorf("%s: %v", p, err)
		}
	}
}
