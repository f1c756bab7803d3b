package web

import (
	"net/http"
	"strconv"
	"strings"

	"lectern"
	"lectern/password"
)

// handleAdminRecorderSave creates (no {id}) or updates a recorder from the
// form, then goes back to the list; invalid input shows the form again with
// a message next to each wrong field.
func (s *Server) handleAdminRecorderSave(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	var stored *lectern.Recorder
	rec := lectern.NewRecorder()
	if r.PathValue("id") != "" {
		var ok bool
		if stored, ok = pathObject(s, w, r, s.deps.Recorders.FindRecorderByID); !ok {
			return
		}
		cp := *stored
		rec = &cp
	}
	if err := r.ParseForm(); err != nil {
		s.renderError(w, r, http.StatusBadRequest, "")
		return
	}
	clearCred, clearPw := r.PostForm.Has("credentials_clear"), r.PostForm.Has("password_clear")
	fields, people, err := s.readRecorderForm(r, rec, stored, clearCred, clearPw)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	for k, v := range lectern.ErrorFields(rec.Validate()) {
		fields.Add(k, v)
	}
	if formExpired(r) {
		// Its token was stale: the form again as typed, nothing saved
		// and no account made.
		s.renderRecorderForm(w, r, http.StatusForbidden, rec, stored, people, clearCred, clearPw, fields)
		return
	}
	if len(fields) == 0 {
		// Only a valid form makes accounts for the people picked from
		// the directory.
		if err := s.adoptRecorderPeople(ctx, s.printer(r), rec, people, fields); err != nil {
			s.serverError(w, r, err)
			return
		}
	}
	if len(fields) == 0 {
		logged, done := "recorder changed", "admin.recorder.changed"
		if stored == nil {
			logged, done = "recorder created", "admin.recorder.added"
			err = s.deps.Recorders.CreateRecorder(ctx, rec)
		} else {
			err = s.deps.Recorders.UpdateRecorder(ctx, rec)
		}
		if err == nil {
			s.logger.Info(logged, "recorder_id", rec.ID, "user_id", currentUser(r).ID)
		}
		var answered bool
		if fields, answered = s.saved(w, r, err, "/admin/recorders/", done, rec.Name); answered {
			return
		}
	}
	s.renderRecorderForm(w, r, http.StatusBadRequest, rec, stored, people, clearCred, clearPw, fields)
}

// readRecorderForm copies the posted fields into rec, and resolves its
// people (readRecorderPeople). Password fields are write-only: empty
// keeps the stored hash, the clear boxes remove it.
func (s *Server) readRecorderForm(r *http.Request, rec, stored *lectern.Recorder, clearCred, clearPw bool) (lectern.FieldErrors, *recorderPeople, error) {
	f := lectern.FieldErrors{}
	form := r.PostForm
	rec.Name = form.Get("name")
	rec.Description = strings.TrimSpace(form.Get("description"))
	rec.AddressIP = form.Get("address_ip")
	rec.Salt = form.Get("salt")
	rec.CredentialsLogin = form.Get("credentials_login")
	rec.AgentName = form.Get("agent_name")
	rec.SFTPAuthorizedKeys = form.Get("sftp_authorized_keys")
	rec.RecordingType = form.Get("recording_type")
	rec.Directory = form.Get("directory")
	rec.Cursus = form.Get("cursus")
	rec.MainLang = form.Get("main_lang")
	rec.Transcript = form.Get("transcript")
	rec.Tags = strings.TrimSpace(form.Get("tags"))
	rec.Licence = form.Get("licence")
	rec.PublicationAuto = form.Has("publication_auto")
	rec.IsDraft = form.Has("is_draft")
	rec.IsRestricted = form.Has("is_restricted")
	rec.AllowDownloading = form.Has("allow_downloading")
	rec.Is360 = form.Has("is_360")
	rec.DisableComment = form.Has("disable_comment")

	if !s.recordingTypeOffered(rec.RecordingType) && (stored == nil || stored.RecordingType != rec.RecordingType) {
		f.Add("recording_type", "Select a valid recording type.")
	}
	people, err := s.readRecorderPeople(r.Context(), s.printer(r), form, rec, f)
	if err != nil {
		return nil, nil, err
	}
	rec.TypeID = 0
	if v := form.Get("type"); v != "" {
		if id, err := strconv.ParseInt(v, 10, 64); err == nil && id > 0 {
			rec.TypeID = id
		} else {
			f.Add("type", "Select a valid video type.")
		}
	}
	var ok bool
	if rec.RestrictAccessToGroups, ok = formIDs(form["restrict_access_to_groups"]); !ok {
		f.Add("restrict_access_to_groups", "Select valid groups.")
	}

	if clearCred {
		rec.CredentialsLogin, rec.CredentialsPasswordHash, rec.SFTPAuthorizedKeys = "", "", ""
	} else if err := s.formPassword(r, f, "credentials_password", &rec.CredentialsPasswordHash); err != nil {
		return nil, nil, err
	} else if pw := r.PostForm.Get("credentials_password"); pw != "" && len(pw) <= password.MaxLength {
		// The capture agents' Digest login needs secrets bcrypt cannot
		// give back: they are made now, with the login they are for.
		rec.CredentialsDigest = password.Digest(strings.TrimSpace(rec.CredentialsLogin), pw)
	}
	if clearPw {
		rec.PasswordHash = ""
	} else if err := s.formPassword(r, f, "password", &rec.PasswordHash); err != nil {
		return nil, nil, err
	}
	return f, people, nil
}

// formPassword hashes the password typed in field into hash; an empty
// field leaves hash as it is, a too long one adds a field error.
func (s *Server) formPassword(r *http.Request, f lectern.FieldErrors, field string, hash *string) error {
	pw := r.PostForm.Get(field)
	if pw == "" {
		return nil
	}
	if len(pw) > password.MaxLength {
		f.Add(field, s.printer(r).T("form.password.too_long"))
		return nil
	}
	h, err := password.Hash(pw)
	if err != nil {
		return err
	}
	*hash = h
	return nil
}

func (s *Server) recordingTypeOffered(v string) bool {
	for _, rt := range s.cfg.RecordingTypes {
		if len(rt) > 0 && rt[0] == v {
			return true
		}
	}
	return false
}

// formIDs parses the ids of a multiple select; false when one is not an id.
func formIDs(values []string) ([]int64, bool) {
	ids := []int64{}
	for _, v := range values {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil || id <= 0 {
			return ids, false
		}
		ids = append(ids, id)
	}
	return ids, true
}
