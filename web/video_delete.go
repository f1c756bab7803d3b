package web

import (
	"net/http"

	"lectern"
)

type videoDeletePage struct {
	layout
	V        *lectern.Video
	URL      string // the video's page: the crumbs and the cancel link
	Question string
	Files    bool // its files go too (MEDIA_ROOT is set)
}

// handleVideoDelete asks (GET) a video's manager to confirm, naming the
// video, and deletes it (POST): its row, its waiting or running jobs and
// its files under MEDIA_ROOT (lectern.VideoRemover), then goes to "My
// videos".
func (s *Server) handleVideoDelete(w http.ResponseWriter, r *http.Request) {
	v, ok := s.managedVideo(w, r)
	if !ok {
		return
	}
	p := s.printer(r)
	if r.Method == http.MethodPost {
		rm := lectern.VideoRemover{Videos: s.deps.Videos, Jobs: s.deps.Jobs, MediaRoot: s.cfg.MediaRoot}
		if err := rm.Remove(r.Context(), v.ID); err != nil {
			if lectern.ErrorCode(err) == lectern.ENOTFOUND {
				s.serviceError(w, r, err)
				return
			}
			// The row is gone: what failed (a job, a file) is logged.
			s.logger.Error("delete video: not all of it", "video_id", v.ID, "err", err)
		}
		s.logger.Info("video deleted", "video_id", v.ID, "user_id", currentUser(r).ID)
		s.flash(r, "success", "video.delete.done", v.Title)
		http.Redirect(w, r, "/video/my/", http.StatusSeeOther)
		return
	}
	s.render(w, r, http.StatusOK, "video_delete", videoDeletePage{
		layout: s.page(r, "video.delete.title", "my_videos"), V: v, URL: videoURL(v),
		Question: p.T("video.delete.confirm", v.Title), Files: s.cfg.MediaRoot != "",
	})
}
