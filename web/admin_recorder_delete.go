package web

import (
	"net/http"

	"lectern"
)

type adminRecorderDeletePage struct {
	layout
	Recorder *lectern.Recorder
	Deposit  deposit
	Error    string
}

// handleAdminRecorderDelete asks for confirmation (GET), then deletes the
// recorder (POST). Its directory and files stay on disk.
func (s *Server) handleAdminRecorderDelete(w http.ResponseWriter, r *http.Request) {
	rec, ok := s.pathRecorder(w, r)
	if !ok {
		return
	}
	status, errMsg := http.StatusOK, ""
	if r.Method == http.MethodPost {
		err := s.deps.Recorders.DeleteRecorder(r.Context(), rec.ID)
		if err == nil {
			s.logger.Info("recorder deleted", "recorder_id", rec.ID, "user_id", currentUser(r).ID)
			s.flash(r, "success", "admin.recorder.deleted", rec.Name)
			http.Redirect(w, r, "/admin/recorders/", http.StatusSeeOther)
			return
		}
		if lectern.ErrorCode(err) != lectern.ECONFLICT {
			s.serviceError(w, r, err)
			return
		}
		status, errMsg = http.StatusConflict, s.printer(r).Error(lectern.ErrorMessage(err))
	}
	s.render(w, r, status, "admin_recorder_delete", adminRecorderDeletePage{
		layout:   s.page(r, "admin.recorder.delete.title", "admin"),
		Recorder: rec, Deposit: s.deposit(rec), Error: errMsg,
	})
}
