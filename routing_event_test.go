package lectern_test

import (
	"context"
	"testing"
	"time"

	"lectern"
	"lectern/sqldb"
)

// scheduleRouting is a routing bundle with a schedule: the intake and the
// router know the events; prof (with an email, not the recorder's
// manager) owns the event now on recorder "room".
type scheduleRouting struct {
	*routingBundle
	events *sqldb.EventService
	prof   *lectern.User
	event  *lectern.Event
}

func newScheduleRouting(tb testing.TB, change func(*lectern.Recorder)) *scheduleRouting {
	tb.Helper()
	ctx := context.Background()
	b := &scheduleRouting{routingBundle: newRouting(tb)}
	b.events = sqldb.NewEventService(b.db)
	b.in.Events, b.router.Events = b.events, b.events
	b.prof = &lectern.User{Username: "prof", Email: "prof@univ.example", IsActive: true, IsStaff: true}
	if err := sqldb.NewUserService(b.db).CreateUser(ctx, b.prof); err != nil {
		tb.Fatal(err)
	}
	mgr := b.manager.ID
	rec := b.recorder("room", "room", func(r *lectern.Recorder) {
		r.UserID = &mgr
		if change != nil {
			change(r)
		}
	})
	now := time.Now().UTC()
	b.event = &lectern.Event{RecorderID: rec.ID, Title: "Algebra 1", Start: now.Add(-time.Hour), End: now.Add(time.Hour), OwnerID: &b.prof.ID}
	if err := b.events.CreateEvent(ctx, b.event); err != nil {
		tb.Fatal(err)
	}
	return b
}

func TestRouterMailsEventOwner(t *testing.T) {
	t.Parallel()
	b := newScheduleRouting(t, nil)
	tr, _, err := b.in.Complete(context.Background(), lectern.Deposit{Path: b.file(t, "room/a.mp4", 10), Source: lectern.SourceFTP})
	if err != nil || tr.EventID == nil {
		t.Fatalf("%+v %v", tr, err)
	}
	msgs := b.outbox(t)
	if len(msgs) != 1 || len(msgs[0].To) != 1 || msgs[0].To[0] != "prof@univ.example" || msgs[0].Text != "course Algebra 1" {
		t.Fatalf("outbox %+v, want one mail to the event's owner with its title", msgs)
	}
}

func TestRouterPublishesForEventOwner(t *testing.T) {
	t.Parallel()
	b := newScheduleRouting(t, func(r *lectern.Recorder) { r.PublicationAuto = true })
	tr, _, err := b.in.Complete(context.Background(), lectern.Deposit{Path: b.file(t, "room/a.mp4", 10), Source: lectern.SourceFTP})
	if err != nil {
		t.Fatal(err)
	}
	list, _, err := b.recs.FindRecordings(context.Background(), lectern.RecordingFilter{TreatmentID: &tr.ID})
	if err != nil || len(list) != 1 || list[0].UserID != b.prof.ID || list[0].Title != "Algebra 1" {
		t.Fatalf("recordings %+v %v, want prof's, titled after the event", list, err)
	}
	if msgs := b.outbox(t); len(msgs) != 0 {
		t.Errorf("%d mails for an automatic publication", len(msgs))
	}
}

func TestEventVideo(t *testing.T) {
	t.Parallel()
	paris, _ := time.LoadLocation("Europe/Paris")
	owner, co := int64(2), int64(3)
	// 23:30 UTC on 6 December is 7 December in Paris.
	ev := &lectern.Event{Start: time.Date(2026, 12, 6, 23, 30, 0, 0, time.UTC), OwnerID: &owner, AdditionalOwners: []int64{co, 4}}
	v := &lectern.Video{OwnerID: owner, AdditionalOwners: []int64{4}}
	lectern.EventVideo(v, ev, paris)
	if v.DateEvt != "2026-12-07" || len(v.AdditionalOwners) != 2 || v.AdditionalOwners[1] != co {
		t.Errorf("video %q %v, want the event's day in Paris and co-owners 4, 3", v.DateEvt, v.AdditionalOwners)
	}
}

// fakeMissedMail renders the alert as its event's title.
type fakeMissedMail struct{}

func (fakeMissedMail) MissedRecording(m lectern.MissedRecordingMail) (*lectern.Message, error) {
	return &lectern.Message{Kind: lectern.MessageMissedRecording, To: m.To, Subject: m.Event.Title, Text: m.Event.AgentState}, nil
}

func TestMissedRecordings(t *testing.T) {
	t.Parallel()
	b := newScheduleRouting(t, nil)
	ctx := context.Background()
	now := time.Now().UTC()
	rec := b.event.RecorderID
	for _, ev := range []*lectern.Event{
		{Title: "Missed", Start: now.Add(-5 * time.Hour), End: now.Add(-4 * time.Hour)},
		{Title: "In its grace", Start: now.Add(-3 * time.Hour), End: now.Add(-2 * time.Hour)},
		{Title: "Last month", Start: now.Add(-30 * 24 * time.Hour), End: now.Add(-30*24*time.Hour + time.Hour)},
	} {
		ev.RecorderID = rec
		if err := b.events.CreateEvent(ctx, ev); err != nil {
			t.Fatal(err)
		}
	}
	// The event now was recorded: used.
	if _, _, err := b.in.Complete(ctx, lectern.Deposit{Path: b.file(t, "room/a.mp4", 10), Source: lectern.SourceFTP}); err != nil {
		t.Fatal(err)
	}
	m := &lectern.MissedRecordings{Events: b.events, Alerts: sqldb.NewMessageService(b.db, b.queue), Recorders: b.in.Recorders,
		Users: sqldb.NewUserService(b.db), Mail: fakeMissedMail{}, Grace: 150 * time.Minute}
	before := len(b.outbox(t))
	for pass, want := range []int{1, 0} {
		if n, err := m.Check(ctx); err != nil || n != want {
			t.Fatalf("pass %d: %d alerts (%v), want %d", pass+1, n, err, want)
		}
	}
	msgs := b.outbox(t)
	if len(msgs) != before+1 {
		t.Fatalf("%d new messages, want the one alert", len(msgs)-before)
	}
	alert := msgs[0]
	if alert.Subject != "Missed" || len(alert.To) != 2 || alert.To[0] != "manager@univ.example" || alert.To[1] != "root@univ.example" {
		t.Errorf("alert %+v, want Missed to the manager and the superuser", alert)
	}
}
