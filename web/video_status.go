package web

import (
	"encoding/json"
	"net/http"

	"lectern"
)

// videoStatus is what progress.js polls while a video encodes: the API's
// fields, and their labels in the reader's language.
type videoStatus struct {
	ID               int64   `json:"id"`
	EncodingState    string  `json:"encoding_state"`
	EncodingProgress float64 `json:"encoding_progress"`
	Duration         float64 `json:"duration"`
	StateLabel       string  `json:"state_label"`
	StateClass       string  `json:"state_class"`
	ProgressLabel    string  `json:"progress_label"`
	// Playable: a rendition is ready (progress.js reloads a waiting
	// page to show the player).
	Playable bool `json:"playable"`
}

// handleVideoStatus answers GET /video/<id>/status.json under the web
// session, with the page's access check: 404 for no such video, 403 for
// anyone the page would not show it to (the password not given yet
// included).
func (s *Server) handleVideoStatus(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "no-store")
	id, ok := videoRefID(r.PathValue("ref"))
	if !ok {
		writeJSONError(w, http.StatusNotFound, "Not found.")
		return
	}
	v, err := s.deps.Videos.FindVideoByID(r.Context(), id)
	if lectern.ErrorCode(err) == lectern.ENOTFOUND {
		writeJSONError(w, http.StatusNotFound, "Not found.")
		return
	} else if err != nil {
		s.logger.Error("web request failed", "err", err, "method", r.Method, "path", r.URL.Path)
		writeJSONError(w, http.StatusInternalServerError, "Internal error.")
		return
	}
	if s.videoAccess(r, v) != lectern.AccessAllowed {
		writeJSONError(w, http.StatusForbidden, "You do not have permission to perform this action.")
		return
	}
	st := newVideoState(s.printer(r), v)
	_ = json.NewEncoder(w).Encode(videoStatus{
		ID: v.ID, EncodingState: v.EncodingState, EncodingProgress: min(max(v.EncodingProgress, 0), 100), Duration: v.Duration,
		StateLabel: st.State, StateClass: st.StateClass, ProgressLabel: st.ProgressText,
		Playable: v.Playable(),
	})
}

func writeJSONError(w http.ResponseWriter, status int, detail string) {
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"detail": detail})
}
