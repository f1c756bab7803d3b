package web

import (
	"math"
	"net/http"
	"strconv"
	"strings"

	"lectern"
)

// thumbnailForm is the "Use this frame as the thumbnail" form under a
// video's player: thumbnail.js sends the player's current time; without
// script the manager types the second.
type thumbnailForm struct {
	Action    string
	CSRFToken string
	Max       string // the video's duration in seconds, for the number input; "" when unknown
}

// thumbnailForm returns the form of v on the page l, or nil unless u
// manages v, v is encoded with a picture (the core's rule, checked again
// when the form is sent) and the server works jobs.
func (s *Server) thumbnailForm(l layout, u *lectern.User, v *lectern.Video) *thumbnailForm {
	if s.deps.Jobs == nil || !v.ManagedBy(u) || v.EncodingState != lectern.EncodingDone || !hasPicture(v) {
		return nil
	}
	f := &thumbnailForm{Action: videoURL(v) + "thumbnail/", CSRFToken: l.CSRFToken}
	if v.Duration > 0 {
		f.Max = seconds(v.Duration)
	}
	return f
}

// hasPicture reports whether v has an MP4 rendition with a picture, the
// one its thumbnail can be taken from.
func hasPicture(v *lectern.Video) bool {
	_, ok := v.PictureRendition()
	return ok
}

// handleVideoThumbnail takes a video's thumbnail again at the second the
// form sends (its managers only) and goes back to the video's page with a
// flash: when it will be taken, or why it will not.
func (s *Server) handleVideoThumbnail(w http.ResponseWriter, r *http.Request) {
	v, ok := s.pathVideo(w, r)
	if !ok {
		return
	}
	u := currentUser(r)
	if u == nil {
		s.redirectToLogin(w, r)
		return
	}
	if !v.ManagedBy(u) {
		s.renderError(w, r, http.StatusForbidden, "")
		return
	}
	back := videoURL(v)
	at, ok := parseSeconds(r.PostFormValue("at"))
	if !ok {
		s.flashError(r, lectern.Errorf(lectern.EINVALID, "Choose a moment within the video."))
		http.Redirect(w, r, back, http.StatusSeeOther)
		return
	}
	err := s.deps.Jobs.MakeThumbnail(r.Context(), v.ID, at)
	s.actionDone(w, r, err, back, func() {
		s.logger.Info("thumbnail asked again", "video_id", v.ID, "at", at, "user_id", u.ID)
		s.flash(r, "success", "video.thumbnail.done", clock(at))
	})
}

// parseSeconds reads a moment typed in seconds, "12.5" or "12,5" (a
// French keyboard's decimal comma); ok is false for anything else or a
// negative number.
func parseSeconds(s string) (float64, bool) {
	f, err := strconv.ParseFloat(strings.ReplaceAll(strings.TrimSpace(s), ",", "."), 64)
	if err != nil || f < 0 || math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, false
	}
	return f, true
}
