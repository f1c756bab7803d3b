package web

import (
	"net/http"

	"lectern"
)

type eventDeletePage struct {
	layout
	Recorder *lectern.Recorder
	Question string // names the event and its slot
	Used     when   // a recording used it: it keeps its owner
	BackURL  string
}

// handleEventDelete asks (GET) and deletes (POST) an event, for whoever
// may change it. Recordings it routed keep their owner.
func (s *Server) handleEventDelete(w http.ResponseWriter, r *http.Request) {
	e, rec, ok := s.editableEvent(w, r)
	if !ok {
		return
	}
	back := schedulePath(rec.ID, e.Start.In(s.location()))
	if r.Method == http.MethodPost {
		err := s.deps.Events.DeleteEvent(r.Context(), e.ID)
		if err != nil {
			s.serviceError(w, r, err)
			return
		}
		s.logger.Info("event deleted", "event_id", e.ID, "recorder_id", rec.ID, "user_id", currentUser(r).ID)
		s.flash(r, "success", "schedule.deleted", e.Title)
		http.Redirect(w, r, back, http.StatusSeeOther)
		return
	}
	p := s.printer(r)
	data := eventDeletePage{layout: s.page(r, "schedule.delete.title", "recorders"), Recorder: rec,
		Question: p.T("schedule.delete.question", e.Title, slotText(p, e.Start, e.End)), Used: moment(p, e.UsedAt),
		BackURL: back}
	s.render(w, r, http.StatusOK, "schedule_delete", data)
}
