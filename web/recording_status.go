package web

import (
	"encoding/json"
	"net/http"
	"path/filepath"
	"strconv"

	"lectern"
	"lectern/locale"
)

// recordingStatus is what progress.js polls for a recording just
// published, before and while its video is made: the video's status
// (videoStatus) once there is one, and where to watch it.
type recordingStatus struct {
	videoStatus
	RecordingID int64  `json:"recording_id"`
	VideoURL    string `json:"video_url,omitempty"` // "" while there is no video, or for one the visitor may not watch
}

// mayFollow reports whether u follows recording rc's progress: its
// owner, the person who published it, a superuser.
func mayFollow(u *lectern.User, rc *lectern.Recording) bool {
	return u != nil && (u.IsSuperuser || rc.UserID == u.ID || (rc.PublishedByID != nil && *rc.PublishedByID == u.ID))
}

// recordingStatusURL is where a recording's progress is polled.
func recordingStatusURL(id int64) string {
	return "/record/recordings/" + id64(id) + "/status.json"
}

// handleRecordingStatus answers GET /record/recordings/<id>/status.json
// to whoever may follow the recording (mayFollow); 404 to anyone else,
// whether the recording exists or not.
func (s *Server) handleRecordingStatus(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "no-store")
	ctx := r.Context()
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		writeJSONError(w, http.StatusNotFound, "Not found.")
		return
	}
	rc, err := s.deps.Recordings.FindRecordingByID(ctx, id)
	if lectern.ErrorCode(err) == lectern.ENOTFOUND || (err == nil && !mayFollow(currentUser(r), rc)) {
		writeJSONError(w, http.StatusNotFound, "Not found.")
		return
	}
	var st recordingStatus
	if err == nil {
		st, err = s.recordingStatus(r, s.printer(r), rc)
	}
	if err != nil {
		s.logger.Error("web request failed", "err", err, "method", r.Method, "path", r.URL.Path)
		writeJSONError(w, http.StatusInternalServerError, "Internal error.")
		return
	}
	_ = json.NewEncoder(w).Encode(st)
}

// recordingStatus is rc's progress for the reader: waiting for its video,
// then the video's encoding.
func (s *Server) recordingStatus(r *http.Request, p *locale.Printer, rc *lectern.Recording) (recordingStatus, error) {
	st := recordingStatus{RecordingID: rc.ID, videoStatus: videoStatus{EncodingState: "waiting",
		StateLabel: p.T("dashboard.recordings.waiting"), StateClass: "wait", ProgressLabel: p.T("video.progress", 0)}}
	if s.deps.Videos == nil {
		return st, nil
	}
	videos, _, err := s.deps.Videos.FindVideos(r.Context(), lectern.VideoFilter{RecordingID: &rc.ID, Page: onePage})
	if err != nil || len(videos) == 0 {
		return st, err
	}
	v := videos[0]
	vs := newVideoState(p, v)
	st.videoStatus = videoStatus{ID: v.ID, EncodingState: v.EncodingState, EncodingProgress: min(max(v.EncodingProgress, 0), 100),
		Duration: v.Duration, StateLabel: vs.State, StateClass: vs.StateClass, ProgressLabel: vs.ProgressText}
	if s.videoAccess(r, v) == lectern.AccessAllowed {
		st.VideoURL = videoURL(v)
	}
	return st, nil
}

// publishedEntry is the recording u just published for someone else
// (?published=<id> on the dashboard, where the add form sends them), with
// its owner's name; nil for any other id.
func (s *Server) publishedEntry(r *http.Request, p *locale.Printer, u *lectern.User, param string) (*recordingRow, string, error) {
	ctx := r.Context()
	id, err := strconv.ParseInt(param, 10, 64)
	if err != nil || id <= 0 || s.deps.Recordings == nil {
		return nil, "", nil
	}
	rc, err := s.deps.Recordings.FindRecordingByID(ctx, id)
	if lectern.ErrorCode(err) == lectern.ENOTFOUND {
		return nil, "", nil
	} else if err != nil {
		return nil, "", err
	}
	if rc.PublishedByID == nil || *rc.PublishedByID != u.ID || rc.UserID == u.ID {
		return nil, "", nil
	}
	owner, err := s.userName(ctx, &rc.UserID)
	if err != nil {
		return nil, "", err
	}
	name, err := s.recorderNames(nil).name(ctx, rc.RecorderID)
	if err != nil {
		return nil, "", err
	}
	row := recordingRow{R: rc, Recorder: name, File: filepath.Base(rc.SourceFile), Source: s.shownPath(u, rc.SourceFile),
		Type: s.recordingTypeLabel(p, rc.Type), Added: moment(p, rc.DateAdded), StatusURL: recordingStatusURL(rc.ID)}
	if row.Video, err = s.recordingVideo(ctx, p, rc); err != nil {
		return nil, "", err
	}
	if row.Video != nil && !row.Video.Active {
		row.StatusURL = "" // done: nothing moves any more
	}
	if row.Video != nil && s.videoAccess(r, row.Video.V) != lectern.AccessAllowed {
		row.Video.URL = "" // the owner's draft: no link to a refusal
	}
	return &row, owner, nil
}
