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

// encodeForm is the "Encode again" button of a video, a link to its
// confirmation; Next is where the POST then comes back to.
type encodeForm struct {
	ID   int64
	Next string
}

type adminVideoEncodePage struct {
	layout
	ID      int64
	Video   string // its title
	Back    string // where the POST goes back to, and the cancel link
	Refusal string // why it may not be encoded again now; no form
}

// handleAdminVideoEncodeConfirm asks before encoding a video again (its
// files are made anew, which takes as long as its first encoding),
// naming it; ?next is where the confirmed POST, or the cancel, goes back
// to. A video that waits or is being encoded says so, without the form.
func (s *Server) handleAdminVideoEncodeConfirm(w http.ResponseWriter, r *http.Request) {
	v, ok := pathObject(s, w, r, s.deps.Videos.FindVideoByID)
	if !ok {
		return
	}
	data := adminVideoEncodePage{layout: s.page(r, "admin.video.encode.title", "videos"), ID: v.ID, Video: v.Title,
		Back: safeNext(r.URL.Query().Get("next"), "/admin/videos/")}
	if !encodable(v) {
		data.Refusal = s.printer(r).T("admin.video.encode.busy")
	}
	s.render(w, r, http.StatusOK, "admin_video_encode", data)
}

// encodeForm returns the "Encode again" button of v on the page l, or nil
// when v may not be encoded again or the job pages do not exist.
func (s *Server) encodeForm(l layout, v *lectern.Video) *encodeForm {
	if s.deps.Jobs == nil || v == nil || !encodable(v) {
		return nil
	}
	return &encodeForm{ID: v.ID, Next: l.Next}
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
