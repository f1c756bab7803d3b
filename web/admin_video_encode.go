package web

import (
	"net/http"
	"strconv"

	"lectern"
)

// encodable tells whether an admin may encode v again: its encoding has
// failed or is done (one that waits or runs would be a conflict).
func encodable(v *lectern.Video) bool {
	return v.EncodingState == lectern.EncodingError || v.EncodingState == lectern.EncodingDone
}

// encodeForm is the "Encode again" button of a video; Next is where the
// POST comes back to.
type encodeForm struct {
	ID        int64
	CSRFToken string
	Next      string
}

// encodeForm returns the "Encode again" button of v on the page l, or nil
// when v may not be encoded again or the job pages do not exist.
func (s *Server) encodeForm(l layout, v *lectern.Video) *encodeForm {
	if s.deps.Jobs == nil || v == nil || !encodable(v) {
		return nil
	}
	return &encodeForm{ID: v.ID, CSRFToken: l.CSRFToken, Next: l.Next}
}

// handleAdminVideoEncode encodes a video again (after a failure, or after
// the encoding settings changed) and goes back to the form's next (a
// local path) or the list of videos.
func (s *Server) handleAdminVideoEncode(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		s.renderError(w, r, http.StatusNotFound, "")
		return
	}
	back := safeNext(r.PostFormValue("next"), "/admin/videos/")
	err = s.deps.Jobs.EncodeVideo(r.Context(), id)
	s.actionDone(w, r, err, back, func() { s.flash(r, "success", "admin.video.encode.done") })
}
