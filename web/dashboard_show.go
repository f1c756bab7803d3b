package web

import (
	"net/http"
	"path/filepath"

	"lectern"
)

// dashboardPageSize is the number of recordings the dashboard lists.
const dashboardPageSize = 10

type dashboardPage struct {
	layout
	IsStaff     bool
	IsSuperuser bool
	Recordings  []recordingRow
	// RecordingsOn tells whether there are recordings to show at all
	// (the service is there).
	RecordingsOn bool
	Count        string
	Pagination   pagination
}

// recordingRow is one of the user's recordings, translated.
type recordingRow struct {
	R        *lectern.Recording
	Recorder string
	File     string
	Type     string
	Added    when
}

// handleDashboard welcomes a logged-in user with what they may do, and
// lists their recordings, newest first (the processing stage turns them
// into videos).
func (s *Server) handleDashboard(w http.ResponseWriter, r *http.Request) {
	u := currentUser(r)
	data := dashboardPage{
		layout:       s.page(r, "dashboard.title", "home"),
		IsStaff:      isStaff(u),
		IsSuperuser:  u.IsSuperuser,
		RecordingsOn: s.deps.Recordings != nil,
	}
	if s.deps.Recordings != nil {
		ctx := r.Context()
		p := s.printer(r)
		page := requestPage(r)
		page.Size = dashboardPageSize
		list, total, err := s.deps.Recordings.FindRecordings(ctx, lectern.RecordingFilter{UserID: &u.ID, Page: page})
		if err != nil {
			s.serverError(w, r, err)
			return
		}
		names := s.recorderNames(nil)
		for _, rc := range list {
			name, err := names.name(ctx, rc.RecorderID)
			if err != nil {
				s.serverError(w, r, err)
				return
			}
			data.Recordings = append(data.Recordings, recordingRow{R: rc, Recorder: name, File: filepath.Base(rc.SourceFile),
				Type: s.recordingTypeLabel(p, rc.Type), Added: moment(p, rc.DateAdded)})
		}
		data.Count = p.Plural("dashboard.recordings.count", total)
		data.Pagination = newPagination(r, page, total)
	}
	s.render(w, r, http.StatusOK, "dashboard_show", data)
}
