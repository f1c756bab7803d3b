package web

import (
	"net/http"

	"lectern"
)

type adminJobShowPage struct {
	layout
	Row jobRow
}

// handleAdminJobShow shows every field of one job and each of its failed
// attempts with its error, in full.
func (s *Server) handleAdminJobShow(w http.ResponseWriter, r *http.Request) {
	j, ok := pathObject(s, w, r, s.deps.Jobs.FindJobByID)
	if !ok {
		return
	}
	l := s.page(r, "admin.job.show.title", "jobs")
	rows, err := s.jobRows(r, l, s.jobTargets(), []*lectern.Job{j})
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "admin_job_show", adminJobShowPage{layout: l, Row: rows[0]})
}
