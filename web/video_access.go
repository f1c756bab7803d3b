package web

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"lectern"
)

// Who may watch a video is the core's rule, lectern.Video.CanView; the
// page, its progress JSON and its media files all ask it here, with the
// same answer: a draft's files are no more public than its page.

// sessionVideoUnlock prefixes the session key that remembers a visitor
// gave a video's password: sessionVideoUnlock + id holds unlockToken.
const sessionVideoUnlock = "video_unlock_"

// unlockToken ties an unlock to the password it was given for: changing a
// video's password locks it again for everyone.
func unlockToken(v *lectern.Video) string {
	sum := sha256.Sum256([]byte("lectern-video-password:" + id64(v.ID) + ":" + v.PasswordHash))
	return hex.EncodeToString(sum[:16])
}

// unlocked reports whether the visitor gave v's password in this session.
func (s *Server) unlocked(r *http.Request, v *lectern.Video) bool {
	return v.PasswordHash != "" && s.sessions.GetString(r.Context(), sessionVideoUnlock+id64(v.ID)) == unlockToken(v)
}

// viewer is the request's visitor as CanView asks for them.
func viewer(r *http.Request) lectern.Viewer {
	u := currentUser(r)
	if u == nil {
		return lectern.Viewer{}
	}
	return lectern.Viewer{User: u, Groups: u.Groups}
}

// videoAccess answers CanView for the request's visitor.
func (s *Server) videoAccess(r *http.Request, v *lectern.Video) lectern.Access {
	return v.CanView(viewer(r), s.unlocked(r, v))
}

// mayDownload reports whether u gets the download links of v.
func mayDownload(u *lectern.User, v *lectern.Video) bool {
	return v.AllowDownloading || v.ManagedBy(u)
}

// refuseVideo answers a visitor CanView did not let through: anonymous
// visitors log in first, the others get 403. AccessPasswordForm is the
// page's to answer with its form; elsewhere it is a 403 too.
func (s *Server) refuseVideo(w http.ResponseWriter, r *http.Request, a lectern.Access) {
	if a == lectern.AccessLogin && currentUser(r) == nil {
		s.redirectToLogin(w, r)
		return
	}
	s.renderError(w, r, http.StatusForbidden, "")
}

type videoRefusedPage struct {
	layout
	Reason string // translated: why the visitor may not watch it
	Login  string // the login page, back to this video; "" when logged in
	Status int
}

// refuseVideoPage tells a visitor CanView did not let through why, in
// words: a draft only its owners see, a video for logged-in users (a
// login link back to it), or for groups the visitor is not in. The
// video's title and slug are not told.
func (s *Server) refuseVideoPage(w http.ResponseWriter, r *http.Request, v *lectern.Video, a lectern.Access) {
	p := s.printer(r)
	u := currentUser(r)
	reason := "video.refused.groups"
	switch {
	case v.IsDraft && u == nil:
		reason = "video.refused.draft_login"
	case v.IsDraft:
		reason = "video.refused.draft"
	case a == lectern.AccessLogin || u == nil:
		reason = "video.refused.login"
	}
	data := videoRefusedPage{layout: s.page(r, "video.refused.title", ""), Reason: p.T(reason), Status: http.StatusForbidden}
	if u == nil {
		data.Login = "/accounts/login/?next=" + url.QueryEscape("/video/"+id64(v.ID)+"/")
		data.Status = http.StatusUnauthorized
	}
	s.render(w, r, data.Status, "video_refused", data)
}

// videoSlug is v's URL segment, made from its title when none is stored.
func videoSlug(v *lectern.Video) string {
	if v.Slug != "" {
		return v.Slug
	}
	return lectern.Slugify(v.Title)
}

// videoURL is v's page: /video/<id>-<slug>/.
func videoURL(v *lectern.Video) string {
	return "/video/" + id64(v.ID) + "-" + url.PathEscape(videoSlug(v)) + "/"
}

// mediaURL is where Lectern serves file rel (relative to the video's
// directory, slash-separated) of v: /media/videos/<id>/<rel>, each segment
// escaped.
func mediaURL(v *lectern.Video, rel string) string {
	parts := strings.Split(rel, "/")
	for i, p := range parts {
		parts[i] = url.PathEscape(p)
	}
	return "/media/videos/" + id64(v.ID) + "/" + strings.Join(parts, "/")
}

// videoRefID reads the id of a video reference, "<id>-<slug>" or "<id>";
// ok is false when it does not start with a positive id.
func videoRefID(ref string) (id int64, ok bool) {
	digits, _, _ := strings.Cut(ref, "-")
	id, err := strconv.ParseInt(digits, 10, 64)
	if err != nil || id <= 0 || strconv.FormatInt(id, 10) != digits {
		return 0, false
	}
	return id, true
}

// pathVideo finds the video named by the path's {ref}; a reference that
// names none answers 404.
func (s *Server) pathVideo(w http.ResponseWriter, r *http.Request) (*lectern.Video, bool) {
	id, ok := videoRefID(r.PathValue("ref"))
	if !ok {
		s.renderError(w, r, http.StatusNotFound, "")
		return nil, false
	}
	v, err := s.deps.Videos.FindVideoByID(r.Context(), id)
	if err != nil {
		s.serviceError(w, r, err)
		return nil, false
	}
	return v, true
}
