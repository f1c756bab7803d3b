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

// recordingFile is f as v's user sees it: for all but superusers, its
// file (and its treatment's) relative to its recorder's directory.
func (v *viewer) recordingFile(ctx context.Context, f *lectern.RecordingFile) (recordingFileBody, error) {
	c := *f
	var err error
	if c.File, err = v.path(ctx, &f.RecorderID, f.File); err != nil {
		return recordingFileBody{}, err
	}
	b := recordingFileBody{RecordingFile: &c}
	if f.TreatmentID == nil {
		return b, nil
	}
	t, err := v.h.deps.Treatments.FindTreatmentByID(ctx, *f.TreatmentID)
	if lectern.ErrorCode(err) == lectern.ENOTFOUND {
		return b, nil // deleted since the list was read
	} else if err != nil {
		return b, err
	}
	b.Treatment, err = v.treatment(ctx, t)
	return b, err
}

// handleRecordingFileList serves GET /api/v1/recording-files?recorder=&page=&page_size=
// (staff: those of the recorders they manage), newest first. Uploads
// themselves go to the upload handler (POST on the same path, and tus
// under /api/v1/uploads/).
func (h *Handler) handleRecordingFileList(w http.ResponseWriter, r *http.Request, u *lectern.User) error {
	page, err := pageFromQuery(r)
	if err != nil {
		return err
	}
	f := lectern.RecordingFileFilter{Member: member(u), Page: page}
	if f.RecorderID, err = h.recorderFromQuery(r, u); err != nil {
		return err
	}
	list, total, err := h.deps.RecordingFiles.FindRecordingFiles(r.Context(), f)
	if err != nil {
		return err
	}
	v := h.viewer(u)
	results := make([]recordingFileBody, len(list))
	for i, rf := range list {
		if results[i], err = v.recordingFile(r.Context(), rf); err != nil {
			return err
		}
	}
	return h.writePage(w, r, page, total, results)
}

// handleRecordingFileGet serves GET /api/v1/recording-files/{id} (staff:
// of a recorder they manage, else 404).
func (h *Handler) handleRecordingFileGet(w http.ResponseWriter, r *http.Request, u *lectern.User) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	rf, err := h.deps.RecordingFiles.FindRecordingFileByID(r.Context(), id)
	if err != nil {
		return err
	}
	v := h.viewer(u)
	if ok, err := v.mayRead(r.Context(), &rf.RecorderID); err != nil {
		return err
	} else if !ok {
		return notFound("Recording file")
	}
	body, err := v.recordingFile(r.Context(), rf)
	if err != nil {
		return err
	}
	httpjson.Write(w, http.StatusOK, body)
	return nil
}
