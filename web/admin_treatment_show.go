package web

import (
	"net/http"

	"lectern"
)

type adminTreatmentShowPage struct {
	layout
	Row       treatmentRow
	FirstSeen when
	Completed when
	Routed    when
	EmailSent when
}

// handleAdminTreatmentShow shows every field of one treatment.
func (s *Server) handleAdminTreatmentShow(w http.ResponseWriter, r *http.Request) {
	t, ok := pathObject(s, w, r, s.deps.Treatments.FindTreatmentByID)
	if !ok {
		return
	}
	p := s.printer(r)
	rows, err := s.treatmentRows(r.Context(), p, s.recorderNames(nil), []*lectern.Treatment{t})
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "admin_treatment_show", adminTreatmentShowPage{
		layout:    s.page(r, "admin.treatment.show.title", "treatments"),
		Row:       rows[0],
		FirstSeen: moment(p, t.FirstSeenAt),
		Completed: moment(p, t.CompletedAt),
		Routed:    moment(p, t.RoutedAt),
		EmailSent: moment(p, t.DateEmailSent),
	})
}
