package api

import (
	"context"
	"net/http"

	"lectern"
	"lectern/httpjson"
)

// recordingFileBody is a recording file as the API shows it: the
// lectern.RecordingFile fields with its treatment in full (null when it
// has none any more) in place of the treatment's id. The upload handler
// answers a finished upload with the same shape.
type recordingFileBody struct {
	*lectern.RecordingFile
	Treatment *treatmentBody `json:"treatment"`
}

func (h *Handler) newRecordingFileBody(ctx context.Context, f *lectern.RecordingFile) (recordingFileBody, error) {
	b := recordingFileBody{RecordingFile: f}
	if f.TreatmentID == nil {
		return b, nil
	}
	t, err := h.deps.Treatments.FindTreatmentByID(ctx, *f.TreatmentID)
	if lectern.ErrorCode(err) == lectern.ENOTFOUND {
		return b, nil // deleted since the list was read
	} else if err != nil {
		return b, err
	}
	b.Treatment = newTreatmentBody(t)
	return b, nil
}

// handleRecordingFileList serves GET /api/v1/recording-files?recorder=&page=&page_size=
// (staff), newest first. Uploads themselves go to the upload handler
// (POST on the same path, and tus under /api/v1/uploads/).
func (h *Handler) handleRecordingFileList(w http.ResponseWriter, r *http.Request, _ *lectern.User) error {
	page, err := pageFromQuery(r)
	if err != nil {
		return err
	}
	f := lectern.RecordingFileFilter{Page: page}
	if f.RecorderID, err = h.recorderFromQuery(r); err != nil {
		return err
	}
	list, total, err := h.deps.RecordingFiles.FindRecordingFiles(r.Context(), f)
	if err != nil {
		return err
	}
	results := make([]recordingFileBody, len(list))
	for i, rf := range list {
		if results[i], err = h.newRecordingFileBody(r.Context(), rf); err != nil {
			return err
		}
	}
	return h.writePage(w, r, page, total, results)
}

// handleRecordingFileGet serves GET /api/v1/recording-files/{id} (staff).
func (h *Handler) handleRecordingFileGet(w http.ResponseWriter, r *http.Request, _ *lectern.User) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	rf, err := h.deps.RecordingFiles.FindRecordingFileByID(r.Context(), id)
	if err != nil {
		return err
	}
	body, err := h.newRecordingFileBody(r.Context(), rf)
	if err != nil {
		return err
	}
	httpjson.Write(w, http.StatusOK, body)
	return nil
}
