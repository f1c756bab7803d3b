package lectern

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// Limits of a video's own fields, Pod's.
const (
	VideoTitleMax       = 250
	VideoDescriptionMax = 20000
	VideoTagsMax        = 255
)

// Validate normalises and checks the fields a video's managers edit (the
// web's edit page and the API's PATCH apply the same rule): a title, a
// type, a real day of the event (or none), a two-letter language, a known
// licence and cursus. Groups restrict the video (Pod's form does the
// same), and the owner is never also an additional owner. References to
// other rows (type, users, groups) are checked by the store.
func (v *Video) Validate() error {
	f := FieldErrors{}
	v.Title = strings.TrimSpace(v.Title)
	v.Description = strings.TrimSpace(v.Description)
	v.Tags = strings.TrimSpace(v.Tags)
	v.MainLang = strings.ToLower(strings.TrimSpace(v.MainLang))
	v.DateEvt = strings.TrimSpace(v.DateEvt)

	switch {
	case v.Title == "":
		f.Add("title", "This field is required.")
	case len(v.Title) > VideoTitleMax:
		f.Add("title", fmt.Sprintf("Ensure this value has at most %d characters.", VideoTitleMax))
	case strings.ContainsFunc(v.Title, isControl):
		f.Add("title", "Enter a title without control characters.")
	}
	if len(v.Description) > VideoDescriptionMax {
		f.Add("description", fmt.Sprintf("Ensure this value has at most %d characters.", VideoDescriptionMax))
	}
	if v.DateEvt != "" {
		if d, err := time.Parse("2006-01-02", v.DateEvt); err != nil || d.Year() < 1900 || d.Year() > 2999 {
			f.Add("date_evt", "Enter a valid date.")
		}
	}
	if v.TypeID <= 0 {
		f.Add("type", "This field is required.")
	}
	if v.Cursus == "" {
		v.Cursus = "0"
	}
	if !slices.Contains(CursusCodes, v.Cursus) {
		f.Add("cursus", "Select a valid university course.")
	}
	if v.MainLang != "" && !langRE.MatchString(v.MainLang) {
		f.Add("main_lang", "Enter a two-letter language code.")
	}
	if v.Licence != "" && !slices.Contains(Licences, v.Licence) {
		f.Add("licence", "Select a valid licence.")
	}
	if len(v.Tags) > VideoTagsMax {
		f.Add("tags", fmt.Sprintf("Ensure this value has at most %d characters.", VideoTagsMax))
	}
	if slices.ContainsFunc(v.AdditionalOwners, func(id int64) bool { return id <= 0 }) {
		f.Add("additional_owners", "Select valid users.")
	}
	if slices.ContainsFunc(v.Groups, func(id int64) bool { return id <= 0 }) {
		f.Add("restrict_access_to_groups", "Select valid groups.")
	}
	v.AdditionalOwners = slices.DeleteFunc(slices.Compact(slices.Sorted(slices.Values(v.AdditionalOwners))),
		func(id int64) bool { return id == v.OwnerID })
	v.Groups = slices.Compact(slices.Sorted(slices.Values(v.Groups)))
	if len(v.Groups) > 0 {
		v.IsRestricted = true
	}
	if err := f.Err("validate video"); err != nil {
		return err
	}
	v.Slug = Slugify(v.Title)
	return nil
}

func isControl(r rune) bool { return r < 0x20 || r == 0x7f }

// VideoRemover deletes videos whole: their encoding stopped, their rows
// and their files. The web's delete page and the API's DELETE both call
// it.
type VideoRemover struct {
	Videos VideoService
	// Jobs cancels the video's waiting and running jobs (encode,
	// thumbnail); nil: none are (a worker finding its video gone ends
	// quietly anyway).
	Jobs JobService
	// MediaRoot holds the video's folder, VideoDir(id), removed with
	// everything in it; empty: files are left.
	MediaRoot string
}

// Remove deletes video id: the row first (a job starting after it finds
// nothing to do), then its waiting or running jobs are cancelled (its
// encode and thumbnail, and its recording's processing: a running
// encode stops within seconds, and its worker removes what it wrote
// meanwhile), then its folder. ENOTFOUND when there is no such video.
func (rm VideoRemover) Remove(ctx context.Context, id int64) error {
	v, err := rm.Videos.FindVideoByID(ctx, id)
	if err != nil {
		return err
	}
	if err := rm.Videos.DeleteVideo(ctx, id); err != nil {
		return err
	}
	var errs []error
	if rm.Jobs != nil {
		filters := []JobFilter{{VideoID: &id}}
		if v.RecordingID != nil {
			kind := JobProcessRecording
			filters = append(filters, JobFilter{Kind: &kind, RecordingID: v.RecordingID})
		}
		for _, f := range filters {
			f.Page = Page{Number: 1, Size: 100}
			jobs, _, err := rm.Jobs.FindJobs(ctx, f)
			if err != nil {
				errs = append(errs, fmt.Errorf("find jobs of video %d: %w", id, err))
			}
			for _, j := range jobs {
				if !j.Active() {
					continue
				}
				if _, err := rm.Jobs.CancelJob(ctx, j.ID); err != nil && ErrorCode(err) != EINVALID {
					errs = append(errs, fmt.Errorf("cancel job %d of video %d: %w", j.ID, id, err))
				}
			}
		}
	}
	if err := RemoveVideoDir(rm.MediaRoot, id); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// RemoveVideoDir removes video id's folder under mediaRoot and all in
// it; nothing when mediaRoot is empty or the folder is gone already.
func RemoveVideoDir(mediaRoot string, id int64) error {
	if mediaRoot == "" || id <= 0 {
		return nil
	}
	dir := filepath.Join(mediaRoot, filepath.FromSlash(VideoDir(id)))
	if err := os.RemoveAll(dir); err != nil {
		return fmt.Errorf("remove files of video %d: %w", id, err)
	}
	return nil
}
