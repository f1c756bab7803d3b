package api

import (
	"net/http"

	"lectern"
	"lectern/httpjson"
)

// userFromQuery reads ?user=: nil when absent, a field error unless it is
// the id of an existing user.
func (h *Handler) userFromQuery(r *http.Request) (*int64, error) { return h.idFromQuery(r, "user") }

// handleRecordingList serves GET /api/v1/recordings?recorder=&user=&page=&page_size=
// (staff), newest first: the deposits given to a user, published or on
// their way to a video.
func (h *Handler) handleRecordingList(w http.ResponseWriter, r *http.Request, _ *lectern.User) error {
	page, err := pageFromQuery(r)
	if err != nil {
		return err
	}
	f := lectern.RecordingFilter{Page: page}
	if f.RecorderID, err = h.recorderFromQuery(r); err != nil {
		return err
	}
	if f.UserID, err = h.userFromQuery(r); err != nil {
		return err
	}
	list, total, err := h.deps.Recordings.FindRecordings(r.Context(), f)
	if err != nil {
		return err
	}
	if list == nil {
		list = []*lectern.Recording{}
	}
	return h.writePage(w, r, page, total, list)
}

// handleRecordingGet serves GET /api/v1/recordings/{id} (staff).
func (h *Handler) handleRecordingGet(w http.ResponseWriter, r *http.Request, _ *lectern.User) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	rec, err := h.deps.Recordings.FindRecordingByID(r.Context(), id)
	if err != nil {
		return err
	}
	httpjson.Write(w, http.StatusOK, rec)
	return nil
}
