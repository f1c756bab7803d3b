package storetest

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"lectern"
)

// testRecorderHealth: logins are kept per recorder, last success and
// last failure, moving only forwards; a failure for a login no recorder
// has is kept per login, bounded and cleaned; the deposits are counted
// per recorder over a window in one call.
func testRecorderHealth(t *testing.T, open Open) {
	ctx := context.Background()
	s := open(t)
	vt := &lectern.VideoType{Title: "Course"}
	if err := s.Types.CreateVideoType(ctx, vt); err != nil {
		t.Fatal(err)
	}
	mgr := &lectern.User{Username: "mgr", IsStaff: true, IsActive: true}
	if err := s.Users.CreateUser(ctx, mgr); err != nil {
		t.Fatal(err)
	}
	var recs []*lectern.Recorder
	for i, name := range []string{"A", "B", "C"} {
		rec := lectern.NewRecorder()
		rec.Name, rec.AddressIP, rec.Directory, rec.TypeID, rec.UserID = name, fmt.Sprintf("10.0.0.%d", i+1), strings.ToLower(name), vt.ID, &mgr.ID
		rec.CredentialsLogin, rec.CredentialsPasswordHash = "login"+name, "hash"
		if err := s.Recorders.CreateRecorder(ctx, rec); err != nil {
			t.Fatal(err)
		}
		recs = append(recs, rec)
	}
	a, b, c := recs[0], recs[1], recs[2]
	t0 := time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)
	at := func(m int) time.Time { return t0.Add(time.Duration(m) * time.Minute) }

	// A: two failures, then a success, then one failure; B: found by
	// login (a throttled attempt the edge did not look up); an unknown
	// login twice.
	err := s.Health.SaveContacts(ctx, []lectern.ContactUpdate{
		{RecorderID: a.ID, Login: "loginA", Success: lectern.LoginAttempt{At: at(2), Addr: "10.0.0.1", Via: lectern.ContactFTP},
			Failure: lectern.LoginAttempt{At: at(3), Login: "loginA", Addr: "10.9.9.9", Via: lectern.ContactFTP, Reason: lectern.LoginWrongPassword}, Failures: 1},
		{Login: "loginB", Failure: lectern.LoginAttempt{At: at(4), Login: "loginB", Addr: "10.0.0.2", Via: lectern.ContactFTP, Reason: lectern.LoginThrottled}, Failures: 7},
		{Login: "nobody\x00\x1b[31m" + strings.Repeat("x", 10<<10), Failure: lectern.LoginAttempt{At: at(5), Addr: "10.0.0.3", Via: lectern.ContactFTP, Reason: lectern.LoginUnknown}, Failures: 2},
	})
	if err != nil {
		t.Fatal(err)
	}
	// An older success for A changes nothing of its login; a newer
	// failure adds to its count.
	err = s.Health.SaveContacts(ctx, []lectern.ContactUpdate{
		{RecorderID: a.ID, Success: lectern.LoginAttempt{At: at(1), Addr: "10.0.0.99", Via: lectern.ContactFTP}},
		{RecorderID: a.ID, Failure: lectern.LoginAttempt{At: at(6), Login: "loginA", Addr: "10.0.0.1", Via: lectern.ContactFTP, Reason: lectern.LoginRefusedAddress}, Failures: 1},
		{Login: "nobody\x00\x1b[31m" + strings.Repeat("x", 10<<10), Failure: lectern.LoginAttempt{At: at(7), Addr: "10.0.0.4", Via: lectern.ContactFTP, Reason: lectern.LoginThrottled}, Failures: 3},
	})
	if err != nil {
		t.Fatal(err)
	}

	// Deposits: A has 4 in the window (one ignored, one missing, one
	// reported, one published whose video failed) and one before it; B
	// none; C one ignored, its last.
	since := at(60)
	type dep struct {
		rec   *lectern.Recorder
		state string
		when  time.Time
	}
	deps := []dep{{a, lectern.TreatmentPublished, at(10)}, {a, lectern.TreatmentIgnored, at(61)}, {a, lectern.TreatmentMissing, at(62)},
		{a, lectern.TreatmentReported, at(63)}, {a, lectern.TreatmentPublished, at(64)}, {c, lectern.TreatmentIgnored, at(70)}}
	for i, d := range deps {
		tr := &lectern.Treatment{File: fmt.Sprintf("/root/%s/%d.mp4", d.rec.Directory, i), Type: "video", State: d.state,
			RecorderID: &d.rec.ID, DateAdded: d.when, Reason: "reason " + d.state}
		if _, err := s.Treatments.CreateTreatment(ctx, tr); err != nil {
			t.Fatal(err)
		}
	}
	for i, st := range []string{lectern.EncodingError, lectern.EncodingDone} {
		rc := &lectern.Recording{RecorderID: a.ID, UserID: mgr.ID, Title: "r", Type: "video", SourceFile: fmt.Sprintf("/r/%d.mp4", i)}
		if err := s.Recordings.CreateRecording(ctx, rc); err != nil {
			t.Fatal(err)
		}
		v := lectern.NewVideo(rc, a)
		if err := s.Videos.CreateVideo(ctx, v); err != nil {
			t.Fatal(err)
		}
		if err := s.Videos.SetEncoding(ctx, v.ID, st, 0, ""); err != nil {
			t.Fatal(err)
		}
	}

	// A's schedule: one event missed (ended before missedBefore, no
	// deposit), one missed and alerted though within the grace, one
	// recorded, one before the window, and the next.
	event := func(title string, start time.Time) *lectern.Event {
		e := &lectern.Event{RecorderID: a.ID, Title: title, Start: start, End: start.Add(time.Hour)}
		if err := s.Events.CreateEvent(ctx, e); err != nil {
			t.Fatal(err)
		}
		return e
	}
	event("missed", at(120))
	alerted := event("alerted", at(240))
	if _, err := s.Events.MarkEventMissed(ctx, alerted.ID, at(301)); err != nil {
		t.Fatal(err)
	}
	used := event("recorded", at(400))
	if err := s.Events.MarkEventUsed(ctx, used.ID, at(410)); err != nil {
		t.Fatal(err)
	}
	event("before", at(-120))
	event("not yet", at(240+60)) // ends after missedBefore, no alert
	next := time.Now().UTC().Add(24 * time.Hour).Truncate(time.Second)
	event("next", next)
	event("later", next.Add(2*time.Hour))
	missedBefore := at(250)

	got, err := s.Health.FindRecorderHealth(ctx, []int64{a.ID, b.ID, c.ID, 999}, since, missedBefore)
	if err != nil {
		t.Fatal(err)
	}
	ha := got[a.ID]
	if ca := ha.Contact; !ca.LoginAt.Equal(at(2)) || ca.LoginAddr != "10.0.0.1" || !ca.FailureAt.Equal(at(6)) ||
		ca.FailureReason != lectern.LoginRefusedAddress || ca.FailureLogin != "loginA" || ca.Failures != 2 || ca.FailureVia != lectern.ContactFTP {
		t.Errorf("A's contact: %+v", ca)
	}
	// The recordings are made now, inside any window before now.
	want := lectern.RecorderActivity{Deposits: 4, Refused: 2, Unrouted: 1, ProcessingFailed: 1, LastDepositAt: at(64),
		LastState: lectern.TreatmentPublished, LastReason: "reason published", Missed: 2, NextEventAt: next, NextEventTitle: "next"}
	if ha.Activity != want {
		t.Errorf("A's activity:\n got %+v\nwant %+v", ha.Activity, want)
	}
	if cb := got[b.ID].Contact; !cb.FailureAt.Equal(at(4)) || cb.FailureReason != lectern.LoginThrottled || cb.Failures != 7 || !cb.LoginAt.IsZero() {
		t.Errorf("B's contact: %+v", cb)
	}
	if hc := got[c.ID]; hc.Activity.LastState != lectern.TreatmentIgnored || hc.Activity.Refused != 1 || !hc.Contact.LoginAt.IsZero() {
		t.Errorf("C: %+v", hc)
	}
	if h := got[999]; h == nil || h.Activity.Deposits != 0 {
		t.Errorf("unknown recorder: %+v", h)
	}

	fails, err := s.Health.FindLoginFailures(ctx, lectern.LoginFailureFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(fails) != 1 {
		t.Fatalf("login failures: %+v", fails)
	}
	f := fails[0]
	if !strings.HasPrefix(f.Login, `nobody\x00\x1b[31mxxx`) || len([]rune(f.Login)) > lectern.LoginShownMax+1 || f.Count != 5 ||
		!f.FirstAt.Equal(at(5)) || !f.At.Equal(at(7)) || f.Addr != "10.0.0.4" || f.Reason != lectern.LoginThrottled {
		t.Errorf("login failure: %+v", f)
	}
	addr := "10.0.0.3"
	if fs, err := s.Health.FindLoginFailures(ctx, lectern.LoginFailureFilter{Addr: &addr}); err != nil || len(fs) != 0 {
		t.Errorf("failures from an address no longer the last: %v, %v", fs, err)
	}

	// Unknown logins are kept, the most recent LoginFailuresKept.
	var many []lectern.ContactUpdate
	for i := range lectern.LoginFailuresKept + 10 {
		many = append(many, lectern.ContactUpdate{Login: fmt.Sprintf("guess%03d", i),
			Failure: lectern.LoginAttempt{At: at(100 + i), Addr: "192.0.2.1", Reason: lectern.LoginUnknown}, Failures: 1})
	}
	if err := s.Health.SaveContacts(ctx, many); err != nil {
		t.Fatal(err)
	}
	fails, err = s.Health.FindLoginFailures(ctx, lectern.LoginFailureFilter{Limit: 1000})
	if err != nil || len(fails) != lectern.LoginFailuresKept || fails[0].Login != fmt.Sprintf("guess%03d", lectern.LoginFailuresKept+9) {
		t.Fatalf("after many guesses: %d kept (%v), first %+v", len(fails), err, fails[0])
	}

	// A recorder deleted takes its contact with it.
	if err := s.Recorders.DeleteRecorder(ctx, a.ID); err != nil {
		t.Fatal(err)
	}
	if err := s.Health.SaveContacts(ctx, []lectern.ContactUpdate{{RecorderID: a.ID, Success: lectern.LoginAttempt{At: at(200)}}}); err != nil {
		t.Fatalf("a contact of a deleted recorder: %v", err)
	}
}
