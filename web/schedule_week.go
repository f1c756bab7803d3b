package web

import (
	"fmt"
	"net/http"
	"strconv"
	"time"

	"lectern"
	"lectern/locale"
)

// The week view's grid shows at least these hours; an event outside them
// widens it.
const (
	weekFirstHour = 8
	weekLastHour  = 20
)

type scheduleWeekPage struct {
	layout
	Recorder *lectern.Recorder
	Edit     bool   // the reader may book and change events
	Heading  string // "Week of 14 Dec 2026"
	PrevURL  string
	NextURL  string
	TodayURL string
	ListURL  string
	AddURL   string
	Hours    []weekHour
	Days     []weekDay
	Count    int // events this week
	// FeedsURL links to the recorder's iCalendar feeds, for whoever may
	// manage them (its manager, the superusers); "" for anyone else.
	FeedsURL string
}

// weekHour labels one line of the grid.
type weekHour struct {
	Label string // "08:00"
	Top   string // its position, a percentage of the day's height (schedule.js)
}

// weekDay is one column of the week (one section on a phone).
type weekDay struct {
	Label  string // "Mon 14 Dec"
	Today  bool
	AddURL string // book on this day; "" for who may only look
	Events []weekEvent
	Height string // the grid's height in rem (hours × 3), for a wide screen (schedule.js)
}

// weekEvent is an event's block in its day, placed on the grid by
// schedule.js (the Content-Security-Policy forbids style attributes):
// Top and Height are percentages of the day's shown hours.
type weekEvent struct {
	eventItem
	Top, Height string
}

// handleScheduleWeek shows a recorder's schedule one week at a time,
// Monday to Sunday in TIME_ZONE (?week= names any day of it; this week
// by default), to whoever may see it; its manager and superusers book
// and change its events from here.
func (s *Server) handleScheduleWeek(w http.ResponseWriter, r *http.Request) {
	rec, access, ok := s.scheduleRecorder(w, r, lectern.ScheduleView)
	if !ok {
		return
	}
	p := s.printer(r)
	loc := s.location()
	now := time.Now().In(loc)
	day := now
	if v := r.URL.Query().Get("week"); v != "" {
		d, err := time.ParseInLocation(dateLayout, v, loc)
		if err != nil {
			s.renderError(w, r, http.StatusBadRequest, p.T("schedule.error.week"))
			return
		}
		day = d
	}
	monday := startOfWeek(day)
	next := monday.AddDate(0, 0, 7)
	events, _, err := s.deps.Events.FindEvents(r.Context(), lectern.EventFilter{RecorderID: &rec.ID, From: monday.UTC(), To: next.UTC()})
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	edit := access == lectern.ScheduleEdit
	data := scheduleWeekPage{
		layout:   s.page(r, "schedule.week.title", "recorders"),
		Recorder: rec, Edit: edit, Count: len(events),
		Heading:  p.T("schedule.week.heading", p.Date(monday)),
		PrevURL:  schedulePath(rec.ID, monday.AddDate(0, 0, -7)),
		NextURL:  schedulePath(rec.ID, next),
		TodayURL: schedulePath(rec.ID, time.Time{}),
		ListURL:  scheduleListPath(rec.ID),
	}
	data.Title = p.T("schedule.week.title_of", rec.Name)
	if u := currentUser(r); s.deps.Feeds != nil && (u.IsSuperuser || rec.IsManager(u)) {
		data.FeedsURL = fmt.Sprintf("/recorders/%d/feeds/", rec.ID)
	}
	if edit {
		data.AddURL = eventAddPath(rec.ID)
	}
	data.Days, data.Hours = weekGrid(p, monday, now, events, data.AddURL)
	s.render(w, r, http.StatusOK, "schedule_week", data)
}

// startOfWeek is the Monday, at midnight in t's location, of t's week.
func startOfWeek(t time.Time) time.Time {
	y, m, d := t.Date()
	back := (int(t.Weekday()) + 6) % 7
	return time.Date(y, m, d-back, 0, 0, 0, 0, t.Location())
}

// weekGrid lays the week's events out in seven days: each event in every
// day it covers (one that passes midnight shows on both), placed on a
// grid from weekFirstHour to weekLastHour, widened to the earliest start
// and latest end of the week. addPath is the add form ("" for who may
// only look): each day links to it with its date.
func weekGrid(p *locale.Printer, monday, now time.Time, events []*lectern.Event, addPath string) ([]weekDay, []weekHour) {
	loc := monday.Location()
	first, last := weekFirstHour, weekLastHour
	type span struct {
		e        *lectern.Event
		from, to float64 // hours from the day's midnight
	}
	var spans [7][]span
	for i := range 7 {
		dayStart := time.Date(monday.Year(), monday.Month(), monday.Day()+i, 0, 0, 0, 0, loc)
		dayEnd := time.Date(monday.Year(), monday.Month(), monday.Day()+i+1, 0, 0, 0, 0, loc)
		for _, e := range events {
			if !e.Overlaps(dayStart, dayEnd) {
				continue
			}
			// Hours on the wall clock: on the days summer time starts
			// or ends the day has 23 or 25 hours, and 10:00 is still
			// drawn at 10:00.
			from, to := 0.0, 24.0
			if e.Start.After(dayStart) {
				from = clockHours(e.Start.In(loc))
			}
			if e.End.Before(dayEnd) {
				to = clockHours(e.End.In(loc))
			}
			first = min(first, int(from))
			last = max(last, int(to+0.999))
			spans[i] = append(spans[i], span{e: e, from: from, to: to})
		}
	}
	last = min(last, 24)
	hours := float64(last - first)
	pct := func(h float64) string { return strconv.FormatFloat(h/hours*100, 'f', 3, 64) }
	var grid []weekHour
	for h := first; h < last; h++ {
		grid = append(grid, weekHour{Label: time.Date(2000, 1, 1, h, 0, 0, 0, time.UTC).Format(timeLayout), Top: pct(float64(h - first))})
	}
	days := make([]weekDay, 7)
	for i := range days {
		d := time.Date(monday.Year(), monday.Month(), monday.Day()+i, 0, 0, 0, 0, loc)
		days[i] = weekDay{Label: dayText(p, d), Today: sameDay(d, now), Height: strconv.Itoa((last - first) * 3)}
		if addPath != "" {
			days[i].AddURL = addPath + "?date=" + d.Format(dateLayout)
		}
		for _, sp := range spans[i] {
			top := sp.from - float64(first)
			days[i].Events = append(days[i].Events, weekEvent{eventItem: newEventItem(p, sp.e, addPath != ""),
				Top: pct(top), Height: pct(max(sp.to-sp.from, 0.25))})
		}
	}
	return days, grid
}

// clockHours is t's time of day on the wall clock, in hours.
func clockHours(t time.Time) float64 {
	return float64(t.Hour()) + float64(t.Minute())/60 + float64(t.Second())/3600
}
