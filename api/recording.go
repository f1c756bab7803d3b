package api

import (
	"context"
	"net/http"

	"lectern"
	"lectern/httpjson"
	"lectern/locale"
)

// userFromQuery reads ?user=: nil when absent, a field error unless it is
// the id of an existing user.
func (h *Handler) userFromQuery(r *http.Request) (*int64, error) { return h.idFromQuery(r, "user") }

// recording is rc as v's user sees it: for all but superusers, its source
// relative to its recorder's directory, and no log (the admin pages');
// superusers read the log as English text, Pod's comment.
func (v *viewer) recording(ctx context.Context, rc *lectern.Recording) (*lectern.Recording, error) {
	c := *rc
	if v.u.IsSuperuser {
		c.Comment = lectern.RecordingLogText(rc.Comment, locale.NewPrinter(locale.Default))
		return &c, nil
	}
	var err error
	if c.SourceFile, err = v.path(ctx, &rc.RecorderID, rc.SourceFile); err != nil {
		return nil, err
	}
	c.Comment = ""
	return &c, nil
}

// handleRecordingList serves GET /api/v1/recordings?recorder=&user=&page=&page_size=
// (staff: those of the recorders they manage), newest first: the deposits
// given to a user, published or on their way to a video.
func (h *Handler) handleRecordingList(w http.ResponseWriter, r *http.Request, u *lectern.User) error {
	page, err := pageFromQuery(r)
	if err != nil {
		return err
	}
	f := lectern.RecordingFilter{Member: member(u), Page: page}
	if f.RecorderID, err = h.recorderFromQuery(r, u); err != nil {
		return err
	}
	if f.UserID, err = h.userFromQuery(r); err != nil {
		return err
	}
	list, total, err := h.deps.Recordings.FindRecordings(r.Context(), f)
	if err != nil {
		return err
	}
	v := h.viewer(u)
	results := make([]*lectern.Recording, len(list))
	for i, rc := range list {
		if results[i], err = v.recording(r.Context(), rc); err != nil {
			return err
		}
	}
	return h.writePage(w, r, page, total, results)
}

// handleRecordingGet serves GET /api/v1/recordings/{id} (staff: of a
// recorder they manage, else 404).
func (h *Handler) handleRecordingGet(w http.ResponseWriter, r *http.Request, u *lectern.User) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	rc, err := h.deps.Recordings.FindRecordingByID(r.Context(), id)
	if err != nil {
		return err
	}
	v := h.viewer(u)
	if ok, err := v.mayRead(r.Context(), &rc.RecorderID); err != nil {
		return err
	} else if !ok {
		return notFound("Recording")
	}
	if rc, err = v.recording(r.Context(), rc); err != nil {
		return err
	}
	httpjson.Write(w, http.StatusOK, rc)
	return nil
}
