package api

import (
	"net/http"

	"lectern"
	"lectern/httpjson"
)

// videoInput is what PATCH /api/v1/videos/{id} may change: the fields of
// the web's edit form, each optional (absent or null: kept). Any other
// field, the video's read-only ones included, is refused by name. The
// password is write-only: "" removes it.
type videoInput struct {
	Title            *string  `json:"title"`
	Description      *string  `json:"description"`
	DateEvt          *string  `json:"date_evt"`
	Type             *int64   `json:"type"`
	IsDraft          *bool    `json:"is_draft"`
	IsRestricted     *bool    `json:"is_restricted"`
	Groups           *[]int64 `json:"restrict_access_to_groups"`
	Password         *string  `json:"password"`
	AdditionalOwners *[]int64 `json:"additional_owners"`
	Cursus           *string  `json:"cursus"`
	MainLang         *string  `json:"main_lang"`
	Tags             *string  `json:"tags"`
	Licence          *string  `json:"licence"`
	AllowDownloading *bool    `json:"allow_downloading"`
	Is360            *bool    `json:"is_360"`
	DisableComment   *bool    `json:"disable_comment"`
}

// apply copies the fields given onto v; a password bcrypt cannot take is
// a field error in f.
func (in videoInput) apply(v *lectern.Video, f lectern.FieldErrors) error {
	set := func(dst *string, src *string) {
		if src != nil {
			*dst = *src
		}
	}
	setBool := func(dst *bool, src *bool) {
		if src != nil {
			*dst = *src
		}
	}
	set(&v.Title, in.Title)
	set(&v.Description, in.Description)
	set(&v.DateEvt, in.DateEvt)
	set(&v.Cursus, in.Cursus)
	set(&v.MainLang, in.MainLang)
	set(&v.Tags, in.Tags)
	set(&v.Licence, in.Licence)
	setBool(&v.IsDraft, in.IsDraft)
	setBool(&v.IsRestricted, in.IsRestricted)
	setBool(&v.AllowDownloading, in.AllowDownloading)
	setBool(&v.Is360, in.Is360)
	setBool(&v.DisableComment, in.DisableComment)
	if in.Type != nil {
		v.TypeID = *in.Type
	}
	if in.Groups != nil {
		v.Groups = append([]int64{}, *in.Groups...)
	}
	if in.AdditionalOwners != nil {
		v.AdditionalOwners = append([]int64{}, *in.AdditionalOwners...)
	}
	if in.Password != nil {
		return hashInto(&v.PasswordHash, *in.Password, "password", f)
	}
	return nil
}

// managedVideo finds the video of the path for one of its managers
// (lectern.Video.ManagedBy, the web's edit page's rule): 404 when there
// is none, 403 for anyone else.
func (h *Handler) managedVideo(r *http.Request, u *lectern.User) (*lectern.Video, error) {
	id, err := pathID(r)
	if err != nil {
		return nil, err
	}
	v, err := h.deps.Videos.FindVideoByID(r.Context(), id)
	if err != nil {
		return nil, err
	}
	if !v.ManagedBy(u) {
		return nil, lectern.Errorf(lectern.EFORBIDDEN, "Only the video's owner, its additional owners and superusers may change it.")
	}
	return v, nil
}

// handleVideoUpdate serves PATCH /api/v1/videos/{id}: a partial update by
// one of the video's managers, checked by lectern.Video.Validate and the
// store as the web's edit form is (400 with every field's error, nothing
// saved). It answers the video as GET does.
func (h *Handler) handleVideoUpdate(w http.ResponseWriter, r *http.Request, u *lectern.User) error {
	v, err := h.managedVideo(r, u)
	if err != nil {
		return err
	}
	var in videoInput
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	f := lectern.FieldErrors{}
	if err := in.apply(v, f); err != nil {
		return err
	}
	if len(f) > 0 {
		check := *v
		for k, msg := range lectern.ErrorFields(check.Validate()) {
			f.Add(k, msg)
		}
		return f.Err("update video")
	}
	if err := h.deps.Videos.UpdateVideo(r.Context(), v); err != nil {
		return err
	}
	h.logger.Info("video changed", "video_id", v.ID, "user_id", u.ID)
	httpjson.Write(w, http.StatusOK, newVideoBody(h.base(), v))
	return nil
}

// handleVideoDelete serves DELETE /api/v1/videos/{id} for one of the
// video's managers: its row, its waiting or running jobs and its files
// under MEDIA_ROOT go (lectern.VideoRemover), as from the web's delete
// page.
func (h *Handler) handleVideoDelete(w http.ResponseWriter, r *http.Request, u *lectern.User) error {
	v, err := h.managedVideo(r, u)
	if err != nil {
		return err
	}
	rm := lectern.VideoRemover{Videos: h.deps.Videos, Jobs: h.deps.Jobs, MediaRoot: h.deps.MediaRoot}
	if err := rm.Remove(r.Context(), v.ID); err != nil {
		if lectern.ErrorCode(err) == lectern.ENOTFOUND {
			return err
		}
		// The row is gone: what failed (a job, a file) is logged.
		h.logger.Error("delete video: not all of it", "video_id", v.ID, "err", err)
	}
	h.logger.Info("video deleted", "video_id", v.ID, "user_id", u.ID)
	w.WriteHeader(http.StatusNoContent)
	return nil
}
