package web

import (
	"errors"
	"net/http"
	"strconv"
	"time"

	"lectern"
	"lectern/locale"
)

// Schedules: each recorder's booked slots (lectern.Event), in a week view
// and an upcoming list, booked, changed and removed by the people
// lectern.Recorder.ScheduleAccess lets (the API's rule too); an event's
// owners see theirs on /schedule/. Every time is read and written in
// TIME_ZONE (Config.Location).

// schedulePath is recorder id's week view; week, when not zero, names a
// day of the week to show.
func schedulePath(id int64, week time.Time) string {
	p := "/recorders/" + id64(id) + "/schedule/"
	if !week.IsZero() {
		p += "?week=" + week.Format(dateLayout)
	}
	return p
}

func scheduleListPath(id int64) string { return "/recorders/" + id64(id) + "/schedule/list/" }
func eventAddPath(id int64) string     { return "/recorders/" + id64(id) + "/schedule/add/" }
func eventEditPath(e *lectern.Event) string {
	return "/schedule/events/" + id64(e.ID) + "/edit/"
}
func eventDeletePath(e *lectern.Event) string {
	return "/schedule/events/" + id64(e.ID) + "/delete/"
}

// The form's layouts of a day and of a time of day.
const (
	dateLayout = "2006-01-02"
	timeLayout = "15:04"
)

// location is TIME_ZONE.
func (s *Server) location() *time.Location {
	if s.cfg.Location == nil {
		return time.UTC
	}
	return s.cfg.Location
}

// scheduleRecorder finds the recorder of the path's {id} for someone who
// may at least see its schedule (need: ScheduleView, or ScheduleEdit to
// change it): a recorder that does not exist is 404, one whose schedule
// is not theirs 403, with words saying who may.
func (s *Server) scheduleRecorder(w http.ResponseWriter, r *http.Request, need lectern.ScheduleAccess) (*lectern.Recorder, lectern.ScheduleAccess, bool) {
	rec, err := s.findRecorder(r.Context(), r.PathValue("id"))
	if err != nil {
		s.serviceError(w, r, err)
		return nil, lectern.ScheduleNone, false
	}
	access := rec.ScheduleAccess(currentUser(r))
	if access < need {
		key := "schedule.forbidden.view"
		if access == lectern.ScheduleView {
			key = "schedule.forbidden.edit"
		}
		s.renderError(w, r, http.StatusForbidden, s.printer(r).T(key))
		return nil, access, false
	}
	return rec, access, true
}

// editableEvent finds the event of the path's {id} and its recorder for
// someone who may change it (lectern.Event.EditableBy): its owners and
// the recorder's additional users are told, in words, that they may
// only look; anyone else gets 404, as for an event that does not exist.
func (s *Server) editableEvent(w http.ResponseWriter, r *http.Request) (*lectern.Event, *lectern.Recorder, bool) {
	ctx := r.Context()
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		s.renderError(w, r, http.StatusNotFound, "")
		return nil, nil, false
	}
	e, err := s.deps.Events.FindEventByID(ctx, id)
	if err != nil {
		s.serviceError(w, r, err)
		return nil, nil, false
	}
	rec, err := s.deps.Recorders.FindRecorderByID(ctx, e.RecorderID)
	if err != nil {
		s.serviceError(w, r, err)
		return nil, nil, false
	}
	u := currentUser(r)
	switch {
	case e.EditableBy(u, rec):
		return e, rec, true
	case e.VisibleTo(u, rec):
		s.renderError(w, r, http.StatusForbidden, s.printer(r).T("schedule.forbidden.edit"))
	default:
		s.renderError(w, r, http.StatusNotFound, "")
	}
	return nil, nil, false
}

// slotText writes an event's slot the reader's way, in TIME_ZONE: "Mon 14
// Dec 10:00–12:00", the end's day added when it ends on another day
// ("Mon 14 Dec 22:00 – Tue 15 Dec 02:00").
func slotText(p *locale.Printer, start, end time.Time) string {
	loc := p.Location()
	start, end = start.In(loc), end.In(loc)
	if sameDay(start, end) || end.Equal(midnightAfter(start)) {
		return p.T("schedule.slot", dayText(p, start), start.Format(timeLayout), end.Format(timeLayout))
	}
	return p.T("schedule.slot_days", dayText(p, start), start.Format(timeLayout), dayText(p, end), end.Format(timeLayout))
}

// dayText writes t's day with its weekday: "Mon 14 Dec", "lun. 14 déc.".
func dayText(p *locale.Printer, t time.Time) string {
	return p.T("schedule.day", p.T(weekdayKey(t.Weekday())), t.Day(), p.Month(t.Month()))
}

// weekdayKey is the catalog's key of d's short name.
func weekdayKey(d time.Weekday) string { return "schedule.weekday." + strconv.Itoa(int(d)) }

func sameDay(a, b time.Time) bool {
	ay, am, ad := a.Date()
	by, bm, bd := b.Date()
	return ay == by && am == bm && ad == bd
}

// midnightAfter is the start of the day after t's, in t's location.
func midnightAfter(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d+1, 0, 0, 0, 0, t.Location())
}

// overlapMessage explains a refused overlap (the store's ECONFLICT) in
// the reader's language and TIME_ZONE, naming the event in the way
// (lectern.EventConflict): "Overlaps “Algebra 1”, Mon 14 Dec
// 10:00–12:00." Another conflict (a UID taken) gives its own message.
func overlapMessage(p *locale.Printer, err error) string {
	var c *lectern.EventConflict
	if errors.As(err, &c) {
		return p.T("schedule.error.overlap", c.Title, slotText(p, c.Start, c.End))
	}
	return p.Error(lectern.ErrorMessage(err))
}

// eventItem is an event as the schedule's lists show it.
type eventItem struct {
	E        *lectern.Event
	Slot     string // "Mon 14 Dec 10:00–12:00"
	Time     string // "10:00–12:00", the day's part of it
	Owner    string // the owner's name, "" when none
	Recorder string // the recorder's name (on "My schedule")
	Used     when   // when a recording used it; zero: none did
	EditURL  string // "" for who may only look
	WeekURL  string // the week view of its start
}

// newEventItem fills an event's entry; edit tells whether the reader may
// change it.
func newEventItem(p *locale.Printer, e *lectern.Event, edit bool) eventItem {
	loc := p.Location()
	it := eventItem{E: e, Slot: slotText(p, e.Start, e.End), Owner: e.OwnerName, Recorder: e.RecorderName,
		Used: moment(p, e.UsedAt), WeekURL: schedulePath(e.RecorderID, e.Start.In(loc))}
	it.Time = e.Start.In(loc).Format(timeLayout) + "–" + e.End.In(loc).Format(timeLayout)
	if edit {
		it.EditURL = eventEditPath(e)
	}
	return it
}

// scheduleLink is the link to rec's week view for u, "" when there are
// no schedules or u may not see rec's.
func (s *Server) scheduleLink(u *lectern.User, rec *lectern.Recorder) string {
	if s.deps.Events == nil || rec.ScheduleAccess(u) < lectern.ScheduleView {
		return ""
	}
	return schedulePath(rec.ID, time.Time{})
}

// dashboardSchedule gives the dashboard its link to the schedules: for
// staff, and for anyone who owns an upcoming event.
func (s *Server) dashboardSchedule(r *http.Request, u *lectern.User, data *dashboardPage) error {
	if s.deps.Events == nil {
		return nil
	}
	if !isStaff(u) {
		_, n, err := s.deps.Events.FindEvents(r.Context(), lectern.EventFilter{OwnerID: &u.ID, From: time.Now(), Page: lectern.Page{Number: 1, Size: 1}})
		if err != nil || n == 0 {
			return err
		}
	}
	data.ScheduleURL = "/schedule/"
	return nil
}
