package web

import (
	"context"
	"net/url"
	"path/filepath"
	"strings"

	"lectern"
)

// Who may do what with a deposit, in one place for the add form, the
// claim list, the previews and the thumbnails, on the core's rule
// (lectern.Recorder.ManagedBy, which the API and the uploads apply too):
//
//   - a superuser: anything;
//   - the recorder's manager and its additional users: publish (or delete)
//     its deposits;
//   - any staff member, while ALLOW_MANUAL_RECORDING_CLAIMING is on:
//     publish for themselves a deposit waiting in the claim list.

// claimable reports whether t waits in the claim list as a deposit of
// recorder rec (nil: of any recorder).
func (s *Server) claimable(t *lectern.Treatment, rec *lectern.Recorder) bool {
	if !s.cfg.AllowManualRecordingClaiming || t == nil || !t.RequireManualClaim || t.RecorderID == nil {
		return false
	}
	return rec == nil || *t.RecorderID == rec.ID
}

// mayPublish reports whether u may publish deposit t (nil: not known yet)
// of recorder rec, recorded in event ev (nil: none with an owner; see
// record_event.go).
func (s *Server) mayPublish(u *lectern.User, rec *lectern.Recorder, t *lectern.Treatment, ev *lectern.Event) bool {
	if ev != nil {
		return s.mayPublishEvent(u, rec, ev)
	}
	if !isStaff(u) {
		return false
	}
	return rec.ManagedBy(u) || s.claimable(t, rec)
}

// mayDelete reports whether u may delete the deposits of rec from the add
// form: its members and the superusers, not those who only claim; a
// deposit of event ev (nil: none with an owner), the superusers and the
// event's owner.
func mayDelete(u *lectern.User, rec *lectern.Recorder, ev *lectern.Event) bool {
	if ev != nil {
		return u != nil && (u.IsSuperuser || (isStaff(u) && eventOwner(u, ev)))
	}
	return u != nil && (u.IsSuperuser || (isStaff(u) && rec.IsMember(u)))
}

// mayChooseOwner reports whether u chooses whom a recording of rec goes
// to: a superuser, or the manager when
// ALLOW_RECORDER_MANAGER_CHOICE_VID_OWNER is on (Pod's rule).
func (s *Server) mayChooseOwner(u *lectern.User, rec *lectern.Recorder) bool {
	return u != nil && (u.IsSuperuser || (s.cfg.AllowRecorderManagerChoiceVidOwner && rec.IsManager(u)))
}

// pending reports whether t's file still waits to be published.
func pending(t *lectern.Treatment) bool {
	switch t.State {
	case lectern.TreatmentPublished, lectern.TreatmentIgnored, lectern.TreatmentMissing:
		return false
	}
	return true
}

// maySee reports whether u may look at pending deposit t (its preview and
// thumbnail): a superuser, a member of its recorder, the owner of the
// event it was recorded in, or a claimer of a claimable deposit.
func (s *Server) maySee(ctx context.Context, u *lectern.User, t *lectern.Treatment) (bool, error) {
	if !isStaff(u) || !pending(t) {
		return false, nil
	}
	if u.IsSuperuser || s.claimable(t, nil) {
		return true, nil
	}
	if t.RecorderID == nil {
		return false, nil
	}
	if ev, err := s.depositEvent(ctx, t); err != nil || eventOwner(u, ev) {
		return err == nil, err
	}
	rec, err := s.deps.Recorders.FindRecorderByID(ctx, *t.RecorderID)
	if lectern.ErrorCode(err) == lectern.ENOTFOUND {
		return false, nil
	} else if err != nil {
		return false, err
	}
	return rec.IsMember(u), nil
}

// previewURL is where the pages serve t's file:
// /<PUBLIC_RECORD_DIR>/<directory>/<file>, each segment escaped; "" when
// the file is not under DEFAULT_RECORDER_PATH.
func (s *Server) previewURL(t *lectern.Treatment) string {
	rel, err := filepath.Rel(filepath.Clean(s.recorderRoot()), t.File)
	if err != nil || !filepath.IsLocal(rel) {
		return ""
	}
	parts := strings.Split(filepath.ToSlash(rel), "/")
	if len(parts) < 2 {
		return "" // directly in the root: no recorder directory
	}
	for i, p := range parts {
		parts[i] = url.PathEscape(p)
	}
	return "/" + s.cfg.PublicRecordDir + "/" + strings.Join(parts, "/")
}

// addURL is the add form for t, as Pod's claim links and emails write it.
func addURL(t *lectern.Treatment, courseTitle string) string {
	q := url.Values{"mediapath": {t.File}}
	if courseTitle != "" {
		q.Set("course_title", courseTitle)
	}
	if t.RecorderID != nil {
		q.Set("recorder", id64(*t.RecorderID))
	}
	return "/record/add_recording/?" + q.Encode()
}
