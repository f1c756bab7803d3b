package web

import (
	"net/http"

	"lectern"
)

type recorderListPage struct {
	layout
	Recorders  []recorderRow
	Pagination pagination
	AllShown   bool // a superuser sees every recorder
}

type recorderRow struct {
	Recorder      *lectern.Recorder
	RecordingType string
	Deposit       deposit
	Manager       bool // the user manages it (else: additional user)
}

// handleRecorderList shows staff the recorders they manage or help with,
// and what to type in each recorder's FTP export screen.
func (s *Server) handleRecorderList(w http.ResponseWriter, r *http.Request) {
	u := currentUser(r)
	all, err := s.allRecorders(r.Context())
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	var mine []*lectern.Recorder
	for _, rec := range all {
		if u.IsSuperuser || (rec.UserID != nil && *rec.UserID == u.ID) || containsID(rec.AdditionalUsers, u.ID) {
			mine = append(mine, rec)
		}
	}
	page := requestPage(r)
	data := recorderListPage{
		layout:     s.page(r, "recorder.list.title", "recorders"),
		Pagination: newPagination(r, page, len(mine)),
		AllShown:   u.IsSuperuser,
	}
	p := s.printer(r)
	for i := page.Offset(); i < len(mine) && i < page.Offset()+page.Size; i++ {
		rec := mine[i]
		data.Recorders = append(data.Recorders, recorderRow{
			Recorder:      rec,
			RecordingType: s.recordingTypeLabel(p, rec.RecordingType),
			Deposit:       s.deposit(rec),
			Manager:       rec.UserID != nil && *rec.UserID == u.ID,
		})
	}
	s.render(w, r, http.StatusOK, "recorder_list", data)
}
