package web

import (
	"net/http"
	"time"

	"lectern"
)

type recorderListPage struct {
	layout
	Recorders  []recorderRow
	Pagination pagination
	AllShown   bool // a superuser sees every recorder
	Feeds      bool // the calendar feeds' pages exist
}

type recorderRow struct {
	Recorder      *lectern.Recorder
	RecordingType string
	Deposit       deposit
	Manager       bool // the user manages it (else: additional user)
	ScheduleURL   string
	Health        *healthView
}

// handleRecorderList shows staff the recorders they manage or help with,
// and what to type in each recorder's FTP export screen.
func (s *Server) handleRecorderList(w http.ResponseWriter, r *http.Request) {
	u := currentUser(r)
	page := requestPage(r)
	filter := lectern.RecorderFilter{Page: page}
	if !u.IsSuperuser {
		filter.Member = &u.ID
	}
	mine, total, err := s.deps.Recorders.FindRecorders(r.Context(), filter)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	data := recorderListPage{
		layout:     s.page(r, "recorder.list.title", "recorders"),
		Pagination: newPagination(r, page, total),
		AllShown:   u.IsSuperuser,
		Feeds:      s.deps.Feeds != nil && s.deps.FeedImporter != nil,
	}
	p := s.printer(r)
	now := time.Now().UTC()
	health, err := s.recorderHealth(r.Context(), mine, now)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	for _, rec := range mine {
		row := recorderRow{
			Recorder:      rec,
			RecordingType: s.recordingTypeLabel(p, rec.RecordingType),
			Deposit:       s.deposit(u, rec),
			Manager:       rec.UserID != nil && *rec.UserID == u.ID,
			ScheduleURL:   s.scheduleLink(u, rec),
		}
		if h := health[rec.ID]; h != nil {
			hv := s.newHealthView(p, rec, h, now)
			row.Health = &hv
		}
		data.Recorders = append(data.Recorders, row)
	}
	s.render(w, r, http.StatusOK, "recorder_list", data)
}
