package web

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"lectern"
	"lectern/sqldb"
)

// scheduleBundle is a server with schedules in TIME_ZONE Europe/Paris:
// a recorder managed by "manager" with "helper" as additional user, a
// second recorder managed by "rival", an event owner "owner" who manages
// nothing, and a superuser "root".
type scheduleBundle struct {
	*testBundle
	events      lectern.EventService
	paris       *time.Location
	rec, other  *lectern.Recorder
	manager     *lectern.User
	helper      *lectern.User
	owner       *lectern.User
	rival, root *lectern.User
}

func setupSchedule(t *testing.T) *scheduleBundle {
	t.Helper()
	paris, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Fatal(err)
	}
	b := &scheduleBundle{testBundle: setup(t, func(c *Config) { c.Location = paris }), paris: paris}
	b.events = sqldb.NewEventService(b.db)
	deps := b.deps
	deps.Events = b.events
	srv, err := New(b.server.cfg, deps)
	if err != nil {
		t.Fatal(err)
	}
	b.server, b.deps = srv, deps
	b.http.Config.Handler = srv.Handler()

	b.root = b.user("root", true, true)
	b.manager = b.user("manager", true, false)
	b.helper = b.user("helper", true, false)
	b.owner = b.user("owner", false, false)
	b.rival = b.user("rival", true, false)
	course := b.videoType("Course")
	b.rec = b.recorder("Amphi A", "10.9.0.1", "amphi-a", course.ID, func(r *lectern.Recorder) {
		r.UserID, r.AdditionalUsers = &b.manager.ID, []int64{b.helper.ID}
	})
	b.other = b.recorder("Amphi B", "10.9.0.2", "amphi-b", course.ID, func(r *lectern.Recorder) { r.UserID = &b.rival.ID })
	return b
}

// at is a time in Paris.
func (b *scheduleBundle) at(y int, m time.Month, d, h, min int) time.Time {
	return time.Date(y, m, d, h, min, 0, 0, b.paris)
}

// event books title on rec from start for d, owned by owner.
func (b *scheduleBundle) event(rec *lectern.Recorder, title string, start time.Time, d time.Duration, owner *lectern.User) *lectern.Event {
	b.tb.Helper()
	e := &lectern.Event{RecorderID: rec.ID, Title: title, Start: start, End: start.Add(d), OwnerID: &owner.ID, Series: "Maths L1"}
	if err := b.events.CreateEvent(context.Background(), e); err != nil {
		b.tb.Fatal(err)
	}
	return e
}

// count is the number of events stored.
func (b *scheduleBundle) count() int {
	b.tb.Helper()
	_, n, err := b.events.FindEvents(context.Background(), lectern.EventFilter{})
	if err != nil {
		b.tb.Fatal(err)
	}
	return n
}

// bookingForm is the form booking title on Monday 14 Dec 2037 (Paris).
func bookingForm(title, date, start, end string) url.Values {
	return url.Values{"title": {title}, "date": {date}, "start": {start}, "end": {end}, "owner": {"owner"}, "series": {"Maths L1"}}
}

// TestScheduleWho: superusers and the manager book, change and delete;
// the additional user sees the week (told it is read-only) and is
// refused every change; the event's owner and another recorder's
// manager see nothing of it (the owner finds it under "Schedules"). Each
// refused change leaves the event as it was.
func TestScheduleWho(t *testing.T) {
	t.Parallel()
	b := setupSchedule(t)
	ev := b.event(b.rec, "Algebra 1", b.at(2037, 12, 14, 10, 0), 2*time.Hour, b.owner)
	week := "/recorders/" + id64(b.rec.ID) + "/schedule/?week=2037-12-14"
	add := "/recorders/" + id64(b.rec.ID) + "/schedule/add/"
	edit := "/schedule/events/" + id64(ev.ID) + "/edit/"
	del := "/schedule/events/" + id64(ev.ID) + "/delete/"
	for _, tc := range []struct {
		user              string
		week, write, edit int
	}{
		{"root", 200, 303, 200},
		{"manager", 200, 303, 200},
		{"helper", 200, 403, 403},
		{"owner", 403, 403, 403},
		{"rival", 403, 403, 404},
	} {
		c := b.client()
		c.login(tc.user)
		if res := c.get(week); res.status != tc.week {
			t.Errorf("%s: week view %d, want %d", tc.user, res.status, tc.week)
		} else if tc.user == "helper" {
			wantBody(t, res, "data-schedule-readonly", "Algebra 1")
			wantNoBody(t, res, add, edit)
		}
		if res := c.get(edit); res.status != tc.edit {
			t.Errorf("%s: edit form %d, want %d", tc.user, res.status, tc.edit)
		}
		if tc.write == http.StatusSeeOther {
			continue // the writes themselves are TestEventForm's
		}
		before := b.count()
		form := bookingForm("By "+tc.user, "2037-12-15", "10:00", "11:00")
		if res := c.post(add, form); res.status != tc.write {
			t.Errorf("%s: add %d, want %d", tc.user, res.status, tc.write)
		}
		form.Set("date", "2037-12-14")
		if res := c.post(edit, form); res.status != tc.edit {
			t.Errorf("%s: edit %d, want %d", tc.user, res.status, tc.edit)
		}
		if res := c.post(del, nil); res.status != tc.edit {
			t.Errorf("%s: delete %d, want %d", tc.user, res.status, tc.edit)
		}
		got, err := b.events.FindEventByID(context.Background(), ev.ID)
		if err != nil || got.Title != "Algebra 1" || b.count() != before {
			t.Errorf("%s changed the schedule: %+v, %v, %d events", tc.user, got, err, b.count())
		}
	}
	// The owner finds their event, read-only, under "Schedules".
	c := b.client()
	c.login("owner")
	res := c.get("/schedule/")
	want(t, res, http.StatusOK)
	wantBody(t, res, "Algebra 1", "Amphi A", "Mon 14 Dec 10:00–12:00")
	wantNoBody(t, res, edit)
	wantBody(t, c.get("/"), `data-tile="schedule"`)
	// The people picker of the form answers who may book, only.
	for user, status := range map[string]int{"manager": 200, "helper": 403, "rival": 403} {
		c := b.client()
		c.login(user)
		if res, _ := c.searchPeople("schedule=" + id64(b.rec.ID) + "&q=own"); res.status != status {
			t.Errorf("%s: people search %d, want %d", user, res.status, status)
		}
	}
}

// TestScheduleWeek: the week view shows Monday to Sunday in TIME_ZONE,
// each event at its time with its title, owner and series; one passing
// midnight on both days; links to the weeks around; a bad week is 400.
func TestScheduleWeek(t *testing.T) {
	t.Parallel()
	b := setupSchedule(t)
	b.event(b.rec, "Algebra 1", b.at(2037, 12, 14, 10, 0), 2*time.Hour, b.owner)
	b.event(b.rec, "Night lab", b.at(2037, 12, 16, 22, 0), 3*time.Hour, b.manager)
	b.event(b.rec, "Next week", b.at(2037, 12, 21, 9, 0), time.Hour, b.owner)
	b.event(b.other, "Elsewhere", b.at(2037, 12, 14, 14, 0), time.Hour, b.owner)
	c := b.client()
	c.login("manager")
	res := c.get("/recorders/" + id64(b.rec.ID) + "/schedule/?week=2037-12-17")
	want(t, res, http.StatusOK)
	wantBody(t, res, "Schedule of Amphi A", "Week of 14 Dec 2037", "Mon 14 Dec", "Sun 20 Dec",
		"10:00–12:00", "Algebra 1", "owner", "Maths L1",
		"?week=2037-12-07", "?week=2037-12-21", "?date=2037-12-15", "2 events this week")
	wantNoBody(t, res, "Next week</span>", "Elsewhere")
	if n := strings.Count(res.body, "22:00–01:00"); n != 2 {
		t.Errorf("the night lab shows %d times, want on Wednesday and Thursday", n)
	}
	// 10:00 on a grid from 00:00 (the night lab widens it) to 24:00.
	wantBody(t, res, `data-top="41.667" data-height="8.333"`)

	c.language = "fr"
	res = c.get("/recorders/" + id64(b.rec.ID) + "/schedule/?week=2037-12-14")
	wantBody(t, res, "Planning de Amphi A", "Semaine du 14 déc. 2037", "lun. 14 déc.", "dim. 20 déc.")
	want(t, c.get("/recorders/"+id64(b.rec.ID)+"/schedule/?week=14/12/2037"), http.StatusBadRequest)
	// The Sunday summer time starts: 10:00 in Paris is 08:00 UTC.
	b.event(b.rec, "Summer", b.at(2037, 3, 29, 10, 0), time.Hour, b.owner)
	res = c.get("/recorders/" + id64(b.rec.ID) + "/schedule/?week=2037-03-25")
	wantBody(t, res, "Semaine du 23 mars 2037", "dim. 29 mars", "10:00–11:00", `data-top="16.667" data-height="8.333"`)
	want(t, c.get("/recorders/999/schedule/"), http.StatusNotFound)

	// The list: upcoming events, a page at a time.
	res = c.get("/recorders/" + id64(b.rec.ID) + "/schedule/list/")
	want(t, res, http.StatusOK)
	wantBody(t, res, "Algebra 1", "Night lab", "Next week", "4 événements à venir")
	// Linked from the recorders' page, the admin list and the dashboard.
	wantBody(t, c.get("/recorders/"), "/recorders/"+id64(b.rec.ID)+"/schedule/")
	wantBody(t, c.get("/"), `href="/schedule/"`)
	r := b.client()
	r.login("root")
	wantBody(t, r.get("/admin/recorders/"), "/recorders/"+id64(b.rec.ID)+"/schedule/", "/recorders/"+id64(b.other.ID)+"/schedule/")
}

// TestEventForm: the manager books in TIME_ZONE (stored in UTC), an
// overlap is refused next to the times naming the event in the way, in
// the reader's language, and nothing is saved; an edit keeps the
// event's UID; an event a recording used says so; delete asks first,
// naming the event.
func TestEventForm(t *testing.T) {
	t.Parallel()
	b := setupSchedule(t)
	c := b.client()
	c.login("manager")
	add := "/recorders/" + id64(b.rec.ID) + "/schedule/add/"
	res := c.get(add + "?date=2037-12-14&start=10:00")
	want(t, res, http.StatusOK)
	wantBody(t, res, `value="2037-12-14"`, `value="10:00"`, `value="12:00"`, `value="manager"`, "Europe/Paris")

	form := bookingForm("Algebra 1", "2037-12-14", "10:00", "12:00")
	form.Set("additional_owners", "helper")
	res = c.post(add, form)
	want(t, res, http.StatusSeeOther)
	if res.location != "/recorders/"+id64(b.rec.ID)+"/schedule/?week=2037-12-14" {
		t.Errorf("saved: went to %q", res.location)
	}
	list, _, err := b.events.FindEvents(context.Background(), lectern.EventFilter{})
	if err != nil || len(list) != 1 {
		t.Fatalf("events %v, %v", list, err)
	}
	ev := list[0]
	if !ev.Start.Equal(time.Date(2037, 12, 14, 9, 0, 0, 0, time.UTC)) || !ev.End.Equal(time.Date(2037, 12, 14, 11, 0, 0, 0, time.UTC)) ||
		*ev.OwnerID != b.owner.ID || len(ev.AdditionalOwners) != 1 || ev.AdditionalOwners[0] != b.helper.ID || ev.UID == "" {
		t.Errorf("stored %+v", ev)
	}

	// An overlap, by duration: refused, in both languages.
	form = bookingForm("Algebra 2", "2037-12-14", "11:30", "")
	form.Set("duration", "1:00")
	res = c.post(add, form)
	want(t, res, http.StatusBadRequest)
	wantBody(t, res, html.EscapeString("Overlaps “Algebra 1”, Mon 14 Dec 10:00–12:00."), `value="Algebra 2"`, `value="1:00"`)
	c.language = "fr"
	res = c.post(add, form)
	want(t, res, http.StatusBadRequest)
	wantBody(t, res, html.EscapeString("Chevauche « Algebra 1 », lun. 14 déc. 10:00–12:00."))
	c.language = ""
	if n := b.count(); n != 1 {
		t.Fatalf("%d events after a refused overlap", n)
	}
	// Touching is not overlapping.
	form.Set("start", "12:00")
	want(t, c.post(add, form), http.StatusSeeOther)

	// Edit: times and title change, the UID stays.
	edit := "/schedule/events/" + id64(ev.ID) + "/edit/"
	res = c.get(edit)
	want(t, res, http.StatusOK)
	wantBody(t, res, `value="Algebra 1"`, `value="10:00"`, `value="12:00"`, "owner", "helper", "/schedule/events/"+id64(ev.ID)+"/delete/")
	form = bookingForm("Algebra 1 (room change)", "2037-12-14", "09:00", "11:00")
	want(t, c.post(edit, form), http.StatusSeeOther)
	got, err := b.events.FindEventByID(context.Background(), ev.ID)
	if err != nil || got.Title != "Algebra 1 (room change)" || got.UID != ev.UID || got.Start.Hour() != 8 || len(got.AdditionalOwners) != 0 {
		t.Errorf("edited: %+v, %v", got, err)
	}
	// Moving it onto the other event is refused, and changes nothing.
	res = c.post(edit, bookingForm("Moved", "2037-12-14", "12:30", "13:30"))
	want(t, res, http.StatusBadRequest)
	wantBody(t, res, "Overlaps “Algebra 2”")
	// An event a recording used says so, and stays editable.
	if err := b.events.MarkEventUsed(context.Background(), ev.ID, time.Date(2037, 12, 14, 10, 5, 0, 0, time.UTC)); err != nil {
		t.Fatal(err)
	}
	b.treatment("amphi-a/algebra-1.mp4", b.rec, 0, func(t *lectern.Treatment) { t.EventID = &ev.ID })
	res = c.get(edit)
	want(t, res, http.StatusOK)
	wantBody(t, res, "data-event-used", "14 Dec 2037, 11:05", "<code>algebra-1.mp4</code>")

	// Delete: asked first, naming the event and its slot.
	del := "/schedule/events/" + id64(ev.ID) + "/delete/"
	res = c.get(del)
	want(t, res, http.StatusOK)
	wantBody(t, res, html.EscapeString("Delete the event “Algebra 1 (room change)”, Mon 14 Dec 09:00–11:00?"))
	want(t, c.post(del, nil), http.StatusSeeOther)
	if _, err := b.events.FindEventByID(context.Background(), ev.ID); lectern.ErrorCode(err) != lectern.ENOTFOUND {
		t.Errorf("deleted event: %v", err)
	}
	// Without the CSRF token nothing is deleted.
	left := b.count()
	list, _, _ = b.events.FindEvents(context.Background(), lectern.EventFilter{})
	want(t, c.postRaw("/schedule/events/"+id64(list[0].ID)+"/delete/", url.Values{}), http.StatusForbidden)
	if b.count() != left {
		t.Error("a delete without the CSRF token deleted")
	}
}

// TestEventFormRefuses: bad dates and times, an end before the start, a
// 25-hour event, an oversized title, an unknown owner, and no owner:
// each is said next to its field, and nothing is saved.
func TestEventFormRefuses(t *testing.T) {
	t.Parallel()
	b := setupSchedule(t)
	c := b.client()
	c.login("manager")
	add := "/recorders/" + id64(b.rec.ID) + "/schedule/add/"
	long := strings.Repeat("x", lectern.EventTitleMax+1)
	for _, tc := range []struct {
		name   string
		edit   func(url.Values)
		field  string
		reason string
	}{
		{"bad date", func(f url.Values) { f.Set("date", "2037-02-30") }, "date", "Enter a valid date."},
		{"bad time", func(f url.Values) { f.Set("start", "25:00") }, "start", "Enter a valid time"},
		{"end before start", func(f url.Values) { f.Set("end", "09:00") }, "end", "The end must be after the start."},
		{"no end", func(f url.Values) { f.Set("end", "") }, "end", "Give the end time or the duration."},
		{"25 hours", func(f url.Values) { f.Set("duration", "25:00") }, "duration", "An event lasts at most 24 hours."},
		{"bad duration", func(f url.Values) { f.Set("duration", "soon") }, "duration", "Enter a duration"},
		{"oversized title", func(f url.Values) { f.Set("title", long) }, "title", "at most 250 characters"},
		{"no title", func(f url.Values) { f.Set("title", "  ") }, "title", "This field is required."},
		{"unknown owner", func(f url.Values) { f.Set("owner", "nobody-here") }, "owner", "nobody-here"},
		{"no owner", func(f url.Values) { f.Set("owner", "") }, "owner", "Choose the person"},
	} {
		form := bookingForm("Algebra 1", "2037-12-14", "10:00", "12:00")
		tc.edit(form)
		res := c.post(add, form)
		if res.status != http.StatusBadRequest || !strings.Contains(res.body, `id="error-`+tc.field+`"`) ||
			!strings.Contains(html.UnescapeString(res.body), tc.reason) {
			t.Errorf("%s: status %d, want 400 with %q at %s\n%s", tc.name, res.status, tc.reason, tc.field, res.body)
		}
	}
	// The core's messages are translated.
	c.language = "fr"
	form := bookingForm("Algebra 1", "2037-12-14", "10:00", "09:00")
	form.Set("duration", "25:00")
	res := c.post(add, form)
	want(t, res, http.StatusBadRequest)
	wantBody(t, res, "Un événement dure au plus 24 heures.")
	res = c.post(add, bookingForm("Algebra 1", "2037-12-14", "10:00", "09:00"))
	wantBody(t, res, "La fin doit être après le début.")
	if n := b.count(); n != 0 {
		t.Errorf("%d events saved from bad forms", n)
	}
}
