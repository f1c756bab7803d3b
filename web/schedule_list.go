package web

import (
	"net/http"
	"time"

	"lectern"
)

type scheduleListPage struct {
	layout
	Recorder   *lectern.Recorder
	Edit       bool
	WeekURL    string
	AddURL     string
	Events     []eventItem
	Pagination pagination
}

// handleScheduleList lists a recorder's upcoming events (those not ended
// yet), a page at a time, to whoever may see its schedule.
func (s *Server) handleScheduleList(w http.ResponseWriter, r *http.Request) {
	rec, access, ok := s.scheduleRecorder(w, r, lectern.ScheduleView)
	if !ok {
		return
	}
	p := s.printer(r)
	page := requestPage(r)
	events, total, err := s.deps.Events.FindEvents(r.Context(), lectern.EventFilter{RecorderID: &rec.ID, From: time.Now(), Page: page})
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	data := scheduleListPage{layout: s.page(r, "schedule.list.title", "recorders"), Recorder: rec,
		Edit: access == lectern.ScheduleEdit, WeekURL: schedulePath(rec.ID, time.Time{}), Pagination: newPagination(r, page, total)}
	data.Title = p.T("schedule.list.title_of", rec.Name)
	if data.Edit {
		data.AddURL = eventAddPath(rec.ID)
	}
	for _, e := range events {
		data.Events = append(data.Events, newEventItem(p, e, data.Edit))
	}
	s.render(w, r, http.StatusOK, "schedule_list", data)
}

type scheduleMinePage struct {
	layout
	Recorders  []scheduleRecorderLink
	Events     []eventItem
	Pagination pagination
}

// scheduleRecorderLink is a recorder whose schedule the user sees.
type scheduleRecorderLink struct {
	Name string
	URL  string
	Edit bool
}

// handleScheduleMine shows the user the schedules they see (every
// recorder's for a superuser, else those they manage or help with) and,
// a page at a time, the upcoming events they own or co-own, wherever
// they are booked: read-only, unless they may change that recorder's.
func (s *Server) handleScheduleMine(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	u := currentUser(r)
	p := s.printer(r)
	recs, _, err := s.deps.Recorders.FindRecorders(ctx, lectern.RecorderFilter{Member: member(u), Page: lectern.Page{Number: 1, Size: lectern.MaxPageSize}})
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	data := scheduleMinePage{layout: s.page(r, "schedule.mine.title", "schedule")}
	editable := map[int64]bool{}
	for _, rec := range recs {
		a := rec.ScheduleAccess(u)
		editable[rec.ID] = a == lectern.ScheduleEdit
		if a >= lectern.ScheduleView {
			data.Recorders = append(data.Recorders, scheduleRecorderLink{Name: rec.Name, URL: schedulePath(rec.ID, time.Time{}), Edit: editable[rec.ID]})
		}
	}
	page := requestPage(r)
	events, total, err := s.deps.Events.FindEvents(ctx, lectern.EventFilter{OwnerID: &u.ID, From: time.Now(), Page: page})
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	data.Pagination = newPagination(r, page, total)
	for _, e := range events {
		data.Events = append(data.Events, newEventItem(p, e, editable[e.RecorderID] || u.IsSuperuser))
	}
	s.render(w, r, http.StatusOK, "schedule_mine", data)
}

// member is the Member filter of u's lists: nil (everything) for a
// superuser, else u's id.
func member(u *lectern.User) *int64 {
	if u.IsSuperuser {
		return nil
	}
	return &u.ID
}
