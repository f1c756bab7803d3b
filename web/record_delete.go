package web

import (
	"net/http"
	"path/filepath"

	"lectern"
)

type recordDeletePage struct {
	layout
	formErrors
	Row       treatmentRow
	Back      string
	BackTitle string
}

// handleRecordDelete is Pod's /record/delete_record/<id>/: superusers
// delete a deposit, its file and its treatment, once they tick "I agree";
// then back to the claim list with "The recording has been deleted.". The
// file is only removed inside DEFAULT_RECORDER_PATH, never through a link
// leading out of it.
func (s *Server) handleRecordDelete(w http.ResponseWriter, r *http.Request) {
	t, ok := pathObject(s, w, r, s.deps.Treatments.FindTreatmentByID)
	if !ok {
		return
	}
	ctx := r.Context()
	p := s.printer(r)
	back, backTitle := "/admin/treatments/", "admin.treatment.list.title"
	if s.claimListOn() {
		back, backTitle = "/record/claim_record/", "record.claim.list.title"
	}
	if !pending(t) {
		s.renderError(w, r, http.StatusConflict, p.T("record.delete.error.published"))
		return
	}
	fields := map[string]string{}
	status := http.StatusOK
	if r.Method == http.MethodPost {
		status = http.StatusBadRequest
		if r.PostFormValue("agree") == "" {
			fields["agree"] = p.Error("This field is required.")
		} else if err := s.discardDeposit(ctx, t, currentUser(r).ID); err == nil {
			s.logger.Info("deposit deleted", "treatment_id", t.ID, "file", t.File, "user_id", currentUser(r).ID)
			s.flash(r, "success", "record.delete.done")
			http.Redirect(w, r, back, http.StatusSeeOther)
			return
		} else if lectern.ErrorCode(err) == lectern.ECONFLICT {
			s.renderError(w, r, http.StatusConflict, p.T("record.delete.error.published"))
			return
		} else if lectern.ErrorCode(err) == lectern.EINVALID {
			s.logger.Warn("deposit kept", "treatment_id", t.ID, "file", t.File, "err", err)
			fields["agree"] = p.T("admin.treatment.delete.kept", filepath.Base(t.File))
		} else {
			s.serverError(w, r, err)
			return
		}
	}
	rows, err := s.treatmentRows(ctx, p, s.recorderNames(nil), []*lectern.Treatment{t})
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	l := s.page(r, "record.delete.title", "claim")
	l.Title = p.T("record.delete.heading", truncate(rows[0].Name, 43))
	s.render(w, r, status, "record_delete", recordDeletePage{
		layout:     l,
		formErrors: newFormErrors(p, fields, []string{"agree"}),
		Row:        rows[0],
		Back:       back,
		BackTitle:  p.T(backTitle),
	})
}

// truncate shortens s to n characters with an ellipsis, as Django's
// truncatechars does.
func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
