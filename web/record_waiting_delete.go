package web

import (
	"net/http"
	"path/filepath"
	"strconv"

	"lectern"
)

type recordWaitingDeletePage struct {
	layout
	Question string
	Rows     []treatmentRow
	// Left says how many selected deposits are left out: gone, or not
	// the visitor's to delete.
	Left string
	Back string
}

// handleRecordWaitingDelete deletes the selected deposits (their files
// and treatments), as the add form's delete does each (discardDeposit),
// after a confirmation: a POST without confirm lists what will be
// deleted and asks; one with confirm deletes each the visitor may still
// delete (a member of its recorder, or a superuser: mayDelete) and goes
// back with what was deleted and what was kept. Deposits the visitor may
// not delete are left out unnamed, as missing ones are.
func (s *Server) handleRecordWaitingDelete(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	p := s.printer(r)
	u := currentUser(r)
	ids, back, ok := s.waitingSelection(w, r)
	if !ok {
		return
	}
	may := func(rec *lectern.Recorder, t *lectern.Treatment) bool {
		ev, err := s.depositEvent(ctx, t)
		if err != nil {
			s.logger.Error("find the event of a deposit", "treatment_id", t.ID, "err", err)
			return false
		}
		return mayDelete(u, rec, ev) && pending(t)
	}
	var list []*lectern.Treatment
	left := 0
	for _, id := range ids {
		t, _, _, err := s.waitingDepositOf(ctx, p, u, id, may)
		if err != nil {
			s.serverError(w, r, err)
			return
		}
		if t == nil {
			left++
			continue
		}
		list = append(list, t)
	}
	if len(list) == 0 {
		s.flash(r, "error", "record.waiting.delete.nothing")
		http.Redirect(w, r, back, http.StatusSeeOther)
		return
	}

	if r.PostForm.Get("confirm") != "" {
		deleted := 0
		for _, t := range list {
			if err := s.discardDeposit(ctx, t, u.ID); err != nil {
				switch lectern.ErrorCode(err) {
				case lectern.ECONFLICT, lectern.EINVALID:
					s.logger.Warn("deposit kept", "treatment_id", t.ID, "file", t.File, "err", err, "user_id", u.ID)
					s.flash(r, "error", "admin.treatment.delete.kept", filepath.Base(t.File))
					continue
				}
				s.serverError(w, r, err)
				return
			}
			s.logger.Info("deposit deleted from the waiting list", "treatment_id", t.ID, "file", t.File, "user_id", u.ID)
			deleted++
		}
		if deleted > 0 {
			s.flash(r, "success", "record.waiting.delete.done", strconv.Itoa(deleted))
		}
		if left > 0 {
			s.flash(r, "error", "record.waiting.delete.left", strconv.Itoa(left))
		}
		http.Redirect(w, r, back, http.StatusSeeOther)
		return
	}

	rows, err := s.treatmentRows(ctx, p, s.recorderNames(nil), list)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	data := recordWaitingDeletePage{
		layout:   s.page(r, "record.waiting.delete.title", "home"),
		Question: p.Plural("record.waiting.delete.confirm", len(rows)),
		Rows:     rows,
		Back:     back,
	}
	data.Next = waitingListPath
	if left > 0 {
		data.Left = p.Plural("record.waiting.delete.left", left)
	}
	s.render(w, r, http.StatusOK, "record_waiting_delete", data)
}
