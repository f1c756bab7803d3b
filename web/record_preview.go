package web

import (
	"net/http"
	"os"
	"path"
	"path/filepath"
	"strings"

	"lectern"
)

// handleRecordPreview serves a deposit's file under
// /<PUBLIC_RECORD_DIR>/<directory>/<file>, with range requests, to the
// staff who may see it (USE_RECORD_PREVIEW; Pod needs an nginx alias
// here). Anything else answers 404: a name that does not resolve,
// symbolic links included, to a regular file inside that directory, or a
// file that is not a pending deposit the visitor may see. The file is
// opened through an os.Root, so a link swapped in meanwhile cannot lead
// out of DEFAULT_RECORDER_PATH.
func (s *Server) handleRecordPreview(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	notFound := func() { s.renderError(w, r, http.StatusNotFound, "") }
	rest := r.PathValue("path")
	dir, file, ok := strings.Cut(rest, "/")
	if !ok || !lectern.ValidDirectory(dir) || file == "" || path.Clean("/"+rest) != "/"+rest {
		notFound()
		return
	}
	root := filepath.Clean(s.recorderRoot())
	abs, realDir, _, err := lectern.ResolveDeposit(root, filepath.Join(root, dir, filepath.FromSlash(file)))
	if err != nil || realDir != dir {
		notFound()
		return
	}
	list, _, err := s.deps.Treatments.FindTreatments(ctx, lectern.TreatmentFilter{File: &abs, Page: onePage})
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	if len(list) == 0 {
		notFound()
		return
	}
	if ok, err := s.maySee(ctx, currentUser(r), list[0]); err != nil {
		s.serverError(w, r, err)
		return
	} else if !ok {
		notFound()
		return
	}
	rel, err := filepath.Rel(root, abs)
	if err != nil || !filepath.IsLocal(rel) {
		notFound()
		return
	}
	jail, err := os.OpenRoot(root)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	defer jail.Close()
	f, err := jail.Open(rel)
	if err != nil {
		notFound()
		return
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil || !fi.Mode().IsRegular() {
		notFound()
		return
	}
	w.Header().Set("Cache-Control", "private, no-cache")
	http.ServeContent(w, r, fi.Name(), fi.ModTime(), f)
}
