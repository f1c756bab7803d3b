package web

import (
	"net/http"
	"strings"
	"time"

	"lectern"
)

type adminRecorderListPage struct {
	layout
	Head       listHead
	Recorders  []adminRecorderRow
	Pagination pagination
	// HealthShown adds the health column (a health store is wired).
	HealthShown bool
	// UnknownLogins are the last refused logins no recorder has (a
	// recorder set up with a mistyped login, or someone guessing).
	UnknownLogins []unknownLoginRow
}

type unknownLoginRow struct {
	Login  string // lectern.CleanLogin'd
	Addr   string
	Reason string
	Count  int
	At     when
}

// adminUnknownLoginsShown bounds the unknown logins the list shows.
const adminUnknownLoginsShown = 10

type adminRecorderRow struct {
	Recorder      *lectern.Recorder
	RecordingType string
	Manager       string // username, empty when none
	ScheduleURL   string
	Health        *healthView
}

// handleAdminRecorderList lists recorders, 20 a page, searched by name, IP,
// directory or description.
func (s *Server) handleAdminRecorderList(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	q := strings.TrimSpace(r.URL.Query().Get("q"))
	page := requestPage(r)
	recorders, total, err := s.deps.Recorders.FindRecorders(ctx, lectern.RecorderFilter{Search: q, Page: page})
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	p := s.printer(r)
	data := adminRecorderListPage{
		layout: s.page(r, "admin.recorder.list.title", "admin"),
		Head: listHead{
			Path: "/admin/recorders/", AddURL: "/admin/recorders/add/", AddLabel: p.T("admin.recorder.add.button"),
			SearchLabel: p.T("admin.recorder.list.search"), Query: q,
			Count: p.Plural("recorder.list.count", total), Empty: p.T("admin.recorder.list.empty"),
		},
		Pagination:  newPagination(r, page, total),
		HealthShown: s.deps.Health != nil,
	}
	managers := s.usernames()
	now := time.Now().UTC()
	health, err := s.recorderHealth(ctx, recorders, now) // one query for the page
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	if s.deps.Health != nil {
		fails, err := s.deps.Health.FindLoginFailures(ctx, lectern.LoginFailureFilter{Limit: adminUnknownLoginsShown})
		if err != nil {
			s.serverError(w, r, err)
			return
		}
		for _, f := range fails {
			data.UnknownLogins = append(data.UnknownLogins, unknownLoginRow{Login: f.Login, Addr: f.Addr,
				Reason: label(p, "recorder.health.reason.", f.Reason), Count: f.Count, At: moment(p, f.At)})
		}
	}
	for _, rec := range recorders {
		row := adminRecorderRow{Recorder: rec, RecordingType: s.recordingTypeLabel(p, rec.RecordingType),
			ScheduleURL: s.scheduleLink(currentUser(r), rec)}
		if h := health[rec.ID]; h != nil {
			hv := s.newHealthView(p, rec, h, now)
			row.Health = &hv
		}
		if rec.UserID != nil {
			if row.Manager, err = managers.name(ctx, *rec.UserID); err != nil {
				s.serverError(w, r, err)
				return
			}
		}
		data.Recorders = append(data.Recorders, row)
	}
	s.render(w, r, http.StatusOK, "admin_recorder_list", data)
}
