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
	// Ready are the MP4 renditions ready now, smallest first, as the
	// page's quality choice names them: player.js offers a rendition
	// that joins them (the master playlist lists the same ones) without
	// reloading the page.
	Ready []statusSource `json:"ready"`
	// Coming is the page's line naming the qualities still on their
	// way, in the reader's language; "" when none is.
	Coming string `json:"coming"`
}

// statusSource is a rendition ready to play: its label in the quality
// choice and its MP4's link.
type statusSource struct {
	Label string `json:"label"`
	URL   string `json:"url"`
	// Default: the one the page would play (newPlayer's pick).
	Default bool `json:"default,omitempty"`
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
	p := s.printer(r)
	st := newVideoState(p, v)
	out := videoStatus{
		ID: v.ID, EncodingState: v.EncodingState, EncodingProgress: min(max(v.EncodingProgress, 0), 100), Duration: v.Duration,
		StateLabel: st.State, StateClass: st.StateClass, ProgressLabel: st.ProgressText,
		Playable: v.Playable(), Ready: []statusSource{}, Coming: comingLine(p, v),
	}
	if pl := s.newPlayer(v); pl != nil {
		for _, src := range pl.Sources {
			out.Ready = append(out.Ready, statusSource{Label: src.Label, URL: src.URL, Default: src.Selected})
		}
	}
	_ = json.NewEncoder(w).Encode(out)
}

func writeJSONError(w http.ResponseWriter, status int, detail string) {
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"detail": detail})
}
