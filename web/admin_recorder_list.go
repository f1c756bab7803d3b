package web

import (
	"net/http"
	"strings"

	"lectern"
)

type adminRecorderListPage struct {
	layout
	Head       listHead
	Recorders  []adminRecorderRow
	Pagination pagination
}

type adminRecorderRow struct {
	Recorder      *lectern.Recorder
	RecordingType string
	Manager       string // username, empty when none
	ScheduleURL   string
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
		Pagination: newPagination(r, page, total),
	}
	managers := s.usernames()
	for _, rec := range recorders {
		row := adminRecorderRow{Recorder: rec, RecordingType: s.recordingTypeLabel(p, rec.RecordingType),
			ScheduleURL: s.scheduleLink(currentUser(r), rec)}
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
