package api

import (
	"math"
	"net/http"

	"lectern"
	"lectern/httpjson"
)

// thumbnailInput is the body of POST /api/v1/videos/{id}/thumbnail: the
// moment of the video, in seconds, its new thumbnail is taken at.
type thumbnailInput struct {
	At *float64 `json:"at"`
}

// handleVideoThumbnail serves POST /api/v1/videos/{id}/thumbnail with
// {"at": 12.5} (the video's managers: owner, additional owners,
// superusers): the thumbnail is taken again at that second by a worker,
// and the video answered, still with its old thumbnail, with 202. A
// missing or negative at, a moment past the end, a video not encoded yet
// or one without a picture is 400.
func (h *Handler) handleVideoThumbnail(w http.ResponseWriter, r *http.Request, u *lectern.User) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	ctx := r.Context()
	v, err := h.deps.Videos.FindVideoByID(ctx, id)
	if err != nil {
		return err
	}
	if !v.ManagedBy(u) {
		return lectern.Errorf(lectern.EFORBIDDEN, "You do not have permission to perform this action.")
	}
	var in thumbnailInput
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	if in.At == nil {
		return invalid("Invalid value for \"at\".", map[string]string{"at": "This field is required."})
	}
	if at := *in.At; at < 0 || math.IsInf(at, 0) {
		return invalid("Invalid value for \"at\".", map[string]string{"at": "Ensure this value is greater than or equal to 0."})
	}
	if err := h.deps.Jobs.MakeThumbnail(ctx, id, *in.At); err != nil {
		return err
	}
	httpjson.Write(w, http.StatusAccepted, newVideoBody(h.base(), v))
	return nil
}
