package web

import (
	"context"
	"net/http"

	"lectern"
)

// publish creates the recording of deposit t for the chosen owner, or u,
// as published by u. An owner only the directory knows gets their account
// here.
func (s *Server) publish(ctx context.Context, u *lectern.User, rec *lectern.Recorder, t *lectern.Treatment, form recordAddForm) (*lectern.Recording, error) {
	by := u.ID
	recording := &lectern.Recording{RecorderID: rec.ID, UserID: u.ID, TreatmentID: &t.ID, Title: form.Title,
		Type: rec.RecordingType, SourceFile: t.File, PublishedByID: &by}
	if err := recording.Validate(); err != nil {
		// Before the owner is adopted: a form that does not save makes
		// nobody's account.
		return nil, err
	}
	if form.event != nil && !u.IsSuperuser {
		// An event's deposit is its owner's: the recorder's manager
		// publishes it for them, never takes it (record_event.go).
		recording.UserID = *form.event.OwnerID
	} else if s.mayChooseOwner(u, rec) && form.owner != nil {
		o, err := s.adopt(ctx, form.owner)
		if lectern.ErrorCode(err) == lectern.ENOTFOUND || (err == nil && !o.IsActive) {
			return nil, &lectern.Error{Op: "publish", Code: lectern.EINVALID, Message: "Select a valid user.",
				Fields: map[string]string{"user": "Select a valid user."}}
		} else if err != nil {
			return nil, err
		}
		recording.UserID = o.ID
	} else if form.event != nil {
		// A deposit of an event is its owner's unless someone else is
		// chosen (a superuser's bulk publication, the owner themselves).
		recording.UserID = *form.event.OwnerID
	}
	if err := s.deps.Recordings.CreateRecording(ctx, recording); err != nil {
		return nil, err
	}
	s.logger.Info("deposit published", "treatment_id", t.ID, "recording_id", recording.ID, "recorder_id", rec.ID,
		"user_id", recording.UserID, "by_user_id", u.ID, "claimed", !rec.ManagedBy(u))
	return recording, nil
}

// proposedOwner is whom a superuser's form proposes as the owner: the
// recorder's manager, else DEFAULT_RECORDER_USER_ID; nil when neither
// names an active account (the superuser then, as before).
func (s *Server) proposedOwner(ctx context.Context, rec *lectern.Recorder) (*lectern.User, error) {
	for _, id := range []*int64{rec.UserID, &s.cfg.DefaultRecorderUserID} {
		if id == nil || *id <= 0 {
			continue
		}
		o, err := s.deps.Users.FindUserByID(ctx, *id)
		if lectern.ErrorCode(err) == lectern.ENOTFOUND {
			continue
		} else if err != nil {
			return nil, err
		}
		if o.IsActive {
			return o, nil
		}
	}
	return nil, nil
}

// publishedRedirect takes u where the new recording's progress shows and
// moves by itself: their dashboard, where their own recording's entry
// follows its processing; for a recording u published for someone else,
// the same dashboard with that recording on top (?published=), and a
// confirmation naming its owner.
func (s *Server) publishedRedirect(w http.ResponseWriter, r *http.Request, u *lectern.User, rc *lectern.Recording) {
	if rc.UserID == u.ID {
		s.flash(r, "success", "record.add.saved")
		http.Redirect(w, r, "/", http.StatusSeeOther)
		return
	}
	owner, err := s.userName(r.Context(), &rc.UserID)
	if err != nil {
		s.logger.Error("find the new owner's name", "user_id", rc.UserID, "err", err)
	}
	s.flash(r, "success", "record.add.saved_for", owner)
	http.Redirect(w, r, "/?published="+id64(rc.ID)+"#published", http.StatusSeeOther)
}
