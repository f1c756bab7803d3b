package web

import (
	"context"
	"errors"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strconv"

	"lectern"
)

type adminTreatmentDeletePage struct {
	layout
	Question string
	Rows     []treatmentRow
	Back     string // the list the selection came from
}

// handleAdminTreatmentDelete deletes treatments with their files, as Pod's
// admin action does: GET ?id=…&id=… lists them and asks, POST deletes each
// file, then its row, and goes back to the list. A file is only deleted
// when it lies inside the recorders' folder, also once symbolic links are
// resolved; otherwise its treatment is kept and the page says so.
func (s *Server) handleAdminTreatmentDelete(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	p := s.printer(r)
	if err := r.ParseForm(); err != nil {
		s.renderError(w, r, http.StatusBadRequest, "")
		return
	}
	back := safeNext(r.Form.Get("next"), "/admin/treatments/")
	ids, ok := formIDs(r.Form["id"])
	if !ok || len(ids) > lectern.MaxPageSize {
		s.renderError(w, r, http.StatusBadRequest, "")
		return
	}
	var list []*lectern.Treatment
	for _, id := range ids {
		t, err := s.deps.Treatments.FindTreatmentByID(ctx, id)
		if lectern.ErrorCode(err) == lectern.ENOTFOUND {
			continue // deleted meanwhile
		} else if err != nil {
			s.serverError(w, r, err)
			return
		}
		if !containsTreatment(list, t.ID) {
			list = append(list, t)
		}
	}
	if len(list) == 0 {
		s.flash(r, "info", "admin.treatment.delete.none")
		http.Redirect(w, r, back, http.StatusSeeOther)
		return
	}

	if r.Method == http.MethodPost {
		deleted := 0
		for _, t := range list {
			if err := s.deleteTreatment(ctx, t); err != nil {
				s.logger.Warn("treatment kept", "treatment_id", t.ID, "file", t.File, "err", err, "user_id", currentUser(r).ID)
				s.flash(r, "error", "admin.treatment.delete.kept", filepath.Base(t.File))
				continue
			}
			s.logger.Info("treatment deleted", "treatment_id", t.ID, "file", t.File, "user_id", currentUser(r).ID)
			deleted++
		}
		if deleted > 0 {
			s.flash(r, "success", "admin.treatment.deleted", strconv.Itoa(deleted))
		}
		http.Redirect(w, r, back, http.StatusSeeOther)
		return
	}

	rows, err := s.treatmentRows(ctx, p, s.recorderNames(nil), list)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "admin_treatment_delete", adminTreatmentDeletePage{
		layout:   s.page(r, "admin.treatment.delete.title", "treatments"),
		Question: p.Plural("admin.treatment.delete.confirm", len(rows)),
		Rows:     rows,
		Back:     back,
	})
}

func containsTreatment(list []*lectern.Treatment, id int64) bool {
	for _, t := range list {
		if t.ID == id {
			return true
		}
	}
	return false
}

// deleteTreatment removes t's file, then its row. A file already gone is
// fine; one that is not a regular file inside the recorders' folder (a
// symbolic link leading out of it, a folder) is left alone and so is the
// row, with an error.
func (s *Server) deleteTreatment(ctx context.Context, t *lectern.Treatment) error {
	if err := removeDepositFile(s.recorderRoot(), t.File); err != nil {
		return err
	}
	err := s.deps.Treatments.DeleteTreatment(ctx, t.ID)
	if err == nil || lectern.ErrorCode(err) == lectern.ENOTFOUND {
		s.media.forget(t.ID)
		return nil
	}
	return err
}

// removeDepositFile deletes file when lectern.ResolveDeposit finds it a
// regular file inside root. It removes the directory entry itself through
// an os.Root, so that a symbolic link is removed, never followed, and a
// folder swapped for a link in the meantime cannot lead the removal out of
// root.
func removeDepositFile(root, file string) error {
	_, _, _, err := lectern.ResolveDeposit(root, file)
	switch lectern.ErrorCode(err) {
	case "":
	case lectern.ENOTFOUND:
		return nil
	default:
		return err
	}
	rel, err := filepath.Rel(filepath.Clean(root), filepath.Clean(file))
	if err != nil || !filepath.IsLocal(rel) {
		return lectern.Errorf(lectern.EINVALID, "File %q is outside the recorders' directory.", filepath.Base(file))
	}
	dir, err := os.OpenRoot(root)
	if err != nil {
		return err
	}
	defer dir.Close()
	if err := dir.Remove(rel); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return nil
}
