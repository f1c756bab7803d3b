package web

import (
	"net/http"
	"path/filepath"

	"lectern"
	"lectern/locale"
)

// recordAddDeletePage is the confirmation "Delete instead…" asks for: it
// names the file, and its button posts the add form again with
// delete=on.
type recordAddDeletePage struct {
	layout
	Action     string // the add form's URL, query included
	Recorder   *lectern.Recorder
	FileName   string
	SourceFile string // as the form sent it
	RecorderID string // the chosen recorder, sent back for superusers ("" for others)
	Deposit    *treatmentRow
}

// renderDeleteConfirm asks u to confirm the deletion of deposit t of rec,
// naming its file; the deposit and its file are untouched until then.
func (s *Server) renderDeleteConfirm(w http.ResponseWriter, r *http.Request, p *locale.Printer, u *lectern.User, rec *lectern.Recorder,
	t *lectern.Treatment, form recordAddForm) {
	name := filepath.Base(t.File)
	l := s.page(r, "record.add.delete.title", "home")
	l.Title = p.T("record.add.delete.heading", name)
	data := recordAddDeletePage{layout: l, Action: r.URL.RequestURI(), Recorder: rec, FileName: name,
		SourceFile: s.shownPath(u, t.File)}
	if u.IsSuperuser {
		data.RecorderID = id64(rec.ID)
	}
	rows, err := s.treatmentRows(r.Context(), p, s.recorderNames([]*lectern.Recorder{rec}), []*lectern.Treatment{t})
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	data.Deposit = &rows[0]
	s.render(w, r, http.StatusOK, "record_add_delete", data)
}
