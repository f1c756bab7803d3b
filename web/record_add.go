package web

import (
	"context"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"

	"lectern"
	"lectern/locale"
)

// recordAddForm is what the add form holds.
type recordAddForm struct {
	Title      string
	SourceFile string
	RecorderID int64
	Delete     bool // delete the deposit (Pod's "delete" box, or the confirmation's button)
	AskDelete  bool // "Delete instead…": show the confirmation first
	// Owner is what the owner picker holds (a username, or an account's
	// id); owner the person it names, nil for the visitor.
	Owner string
	owner *pick
	// event is the event with an owner the deposit was recorded in (nil:
	// none): its owner is the recording's unless another is chosen.
	event *lectern.Event
}

type recordAddPage struct {
	layout
	formErrors
	Form     recordAddForm
	Action   string // this URL, query included: Pod's form posts to it
	Recorder *lectern.Recorder
	Claim    bool   // staff claiming a deposit of a recorder they are not in
	FileName string // the source file's name, "" when unknown
	Deposit  *treatmentRow
	Pending  bool   // the deposit still waits: its thumbnail and preview exist
	Preview  string // URL of the source, "" for none
	// Pod's field rules.
	ShowOwner    bool // the owner select
	ShowRecorder bool // recorder and source selects (superusers)
	ShowDelete   bool
	Owner        pickerField
	Recorders    []option
	Sources      []optionGroup
	Cancel       string
	// Outcome replaces the form once the deposit no longer waits.
	Outcome *depositOutcome
	// Event says in which event, of whom, the deposit was recorded; ""
	// for none (record_event.go).
	Event string
}

// deleteAsk is the value of the "Delete instead…" button: it asks for
// the confirmation, which posts delete=on (Pod's box, which deletes).
const deleteAsk = "ask"

// optionGroup is an <optgroup> of a select.
type optionGroup struct {
	Label   string
	Options []option
}

// addFormFields are the fields the add form shows errors next to.
var addFormFields = []string{"title", "source_file", "recorder", "user", "delete"}

// handleRecordAdd is Pod's add form (/record/add_recording/ and the
// seed's /mediacourses_add/), reached from the manager's email, from the
// claim list, or by a superuser: ?mediapath=…&course_title=…&recorder=<id>.
// Saving publishes the deposit: it creates the recording for the chosen
// owner (or the visitor) and goes to the dashboard; "Delete the recording"
// deletes the file and its treatment instead. Hidden fields are checked
// again on POST: the visitor must be allowed to publish that file for
// that recorder.
func (s *Server) handleRecordAdd(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	p := s.printer(r)
	u := currentUser(r)
	q := r.URL.Query()

	// Pod's checks and messages, on the query, for GET and POST alike.
	recorderParam := q.Get("recorder")
	if recorderParam == "" {
		s.renderError(w, r, http.StatusForbidden, p.T("record.add.error.no_recorder"))
		return
	}
	rec, err := s.findRecorder(ctx, recorderParam)
	if lectern.ErrorCode(err) == lectern.ENOTFOUND {
		s.renderError(w, r, http.StatusForbidden, p.T("record.add.error.unknown_recorder"))
		return
	} else if err != nil {
		s.serverError(w, r, err)
		return
	}
	mediapath := q.Get("mediapath")
	if mediapath == "" && !u.IsSuperuser {
		s.renderError(w, r, http.StatusForbidden, p.T("record.add.error.no_mediapath"))
		return
	}

	form := recordAddForm{RecorderID: rec.ID, Owner: u.Username, SourceFile: mediapath,
		Title: strings.TrimSpace(q.Get("course_title"))}
	if u.IsSuperuser && r.Method == http.MethodGet {
		// A superuser publishes for the recorder's people, not for
		// themselves, unless they choose so.
		o, err := s.proposedOwner(ctx, rec)
		if err != nil {
			s.serverError(w, r, err)
			return
		}
		if o != nil {
			form.owner, form.Owner = &pick{User: o}, o.Username
		}
	}
	fields := map[string]string{}
	if r.Method == http.MethodPost {
		form.Title = r.PostFormValue("title")
		form.SourceFile = r.PostFormValue("source_file")
		del := r.PostFormValue("delete")
		form.AskDelete = del == deleteAsk
		form.Delete = del != "" && !form.AskDelete
		if u.IsSuperuser && r.PostFormValue("recorder") != "" {
			chosen, err := s.findRecorder(ctx, r.PostFormValue("recorder"))
			switch {
			case err == nil:
				rec = chosen
			case lectern.ErrorCode(err) == lectern.ENOTFOUND:
				fields["recorder"] = p.Error("Select a valid recorder.")
			default:
				s.serverError(w, r, err)
				return
			}
			form.RecorderID = rec.ID
		}
		if v := strings.TrimSpace(r.PostFormValue("user")); v != "" && s.mayChooseOwner(u, rec) {
			form.Owner = v
			pk, msg, err := s.findPick(ctx, p, v)
			if err != nil {
				s.serverError(w, r, err)
				return
			}
			if pk == nil {
				fields["user"] = msg
			} else {
				form.owner, form.Owner = pk, pk.Username()
			}
		}
	}

	var t *lectern.Treatment
	var refusal string
	if form.SourceFile != "" {
		t, refusal, err = s.resolveSource(ctx, p, rec, form.SourceFile)
		if err != nil {
			s.serverError(w, r, err)
			return
		}
		if refusal != "" {
			fields["source_file"] = refusal
		}
		if t == nil && refusal != "" {
			// Published, its file moved into media storage since: the
			// disk no longer shows it, its treatment does.
			if t, err = s.publishedDeposit(ctx, rec, form.SourceFile); err != nil {
				s.serverError(w, r, err)
				return
			}
		}
		if t != nil {
			form.SourceFile = t.File
		}
	} else if r.Method == http.MethodPost {
		fields["source_file"] = p.Error("Please specify a source file.")
	}
	if form.event, err = s.depositEvent(ctx, t); err != nil {
		s.serverError(w, r, err)
		return
	}
	if form.event != nil && r.Method == http.MethodGet && u.IsSuperuser {
		// The event's owner is proposed, not the recorder's people.
		pk, err := s.eventOwnerPick(ctx, u, form.event)
		if err != nil {
			s.serverError(w, r, err)
			return
		}
		if pk != nil {
			form.owner, form.Owner = pk, pk.Username()
		}
	}
	if !s.mayPublish(u, rec, t, form.event) {
		s.logger.Warn("add form refused", "user_id", u.ID, "recorder_id", rec.ID, "source_file", form.SourceFile, "method", r.Method)
		s.renderError(w, r, http.StatusForbidden, p.T("record.add.error.forbidden"))
		return
	}
	// Published or deleted already (the mail's link opened again): the
	// page says by whom and when, instead of the form.
	var outcome *depositOutcome
	switch {
	case t != nil && !pending(t):
		outcome, err = s.publishedOutcome(r, p, t)
	case t == nil && refusal != "":
		outcome, err = s.deletedOutcome(ctx, p, rec, form.SourceFile)
	}
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	if outcome != nil {
		s.renderOutcome(w, r, p, rec, form, outcome)
		return
	}
	if form.Title == "" && r.Method == http.MethodGet && t != nil {
		form.Title = s.addFormDefaults(u, rec, t, form.event).Title
	}

	status := http.StatusOK
	if r.Method == http.MethodPost {
		status = http.StatusBadRequest
		if (form.Delete || form.AskDelete) && !mayDelete(u, rec, form.event) {
			s.renderError(w, r, http.StatusForbidden, p.T("record.add.error.forbidden"))
			return
		}
		if form.AskDelete && fields["source_file"] == "" && fields["recorder"] == "" {
			s.renderDeleteConfirm(w, r, p, u, rec, t, form)
			return
		}
		// A stale token (formExpired): the form again as typed, neither
		// published nor deleted.
		if len(fields) == 0 && !formExpired(r) {
			var rc *lectern.Recording
			if form.Delete {
				err = s.discardDeposit(ctx, t, u.ID)
				if err == nil {
					s.logger.Info("deposit deleted from the add form", "treatment_id", t.ID, "file", t.File, "user_id", u.ID)
					s.flash(r, "success", "record.add.deleted")
					http.Redirect(w, r, "/", http.StatusSeeOther)
					return
				}
			} else if rc, err = s.publish(ctx, u, rec, t, form); err == nil {
				s.publishedRedirect(w, r, u, rc)
				return
			}
			switch {
			case lectern.ErrorCode(err) == lectern.ECONFLICT:
				// Published or deleted meanwhile, by someone else.
				if t, err = s.deps.Treatments.FindTreatmentByID(ctx, t.ID); err == nil {
					outcome, err = s.publishedOutcome(r, p, t)
				} else if lectern.ErrorCode(err) == lectern.ENOTFOUND {
					outcome, err = s.deletedOutcome(ctx, p, rec, form.SourceFile)
				}
				if err != nil {
					s.serverError(w, r, err)
					return
				}
				if outcome != nil {
					s.renderOutcome(w, r, p, rec, form, outcome)
					return
				}
				status = http.StatusConflict
				fields["source_file"] = p.T("record.source.error.gone")
			case len(lectern.ErrorFields(err)) > 0:
				for k, v := range lectern.ErrorFields(err) {
					fields[k] = p.Error(v)
				}
			default:
				s.serviceError(w, r, err)
				return
			}
		}
	}
	data, err := s.recordAddPage(r, p, u, rec, t, form, fields)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	s.render(w, r, status, "record_add", data)
}

// addFormDefaults is what the add form proposes for deposit t of rec to
// u, which the dashboard's bulk publication takes as is: the default
// title, u as the owner; for a deposit of event ev (nil: none with an
// owner), the event's title, and its owner (publish).
func (s *Server) addFormDefaults(u *lectern.User, rec *lectern.Recorder, t *lectern.Treatment, ev *lectern.Event) recordAddForm {
	title := lectern.DefaultTitle("", rec.Name, t.DateAdded, s.cfg.Location, s.cfg.LanguageCode)
	if ev != nil {
		title = lectern.EventTitle(ev)
	}
	return recordAddForm{Title: title, SourceFile: t.File, RecorderID: rec.ID, Owner: u.Username, event: ev}
}

// findRecorder finds the recorder of an id given as text; ENOTFOUND for
// anything that is not one.
func (s *Server) findRecorder(ctx context.Context, id string) (*lectern.Recorder, error) {
	n, err := strconv.ParseInt(strings.TrimSpace(id), 10, 64)
	if err != nil || n <= 0 {
		return nil, lectern.Errorf(lectern.ENOTFOUND, "Recorder not found.")
	}
	return s.deps.Recorders.FindRecorderByID(ctx, n)
}

// recordAddPage fills the form's page: the selects Pod's rules show to u.
func (s *Server) recordAddPage(r *http.Request, p *locale.Printer, u *lectern.User, rec *lectern.Recorder, t *lectern.Treatment,
	form recordAddForm, fields map[string]string) (recordAddPage, error) {
	ctx := r.Context()
	claim := t != nil && !rec.ManagedBy(u) && s.claimable(t, rec)
	title := "record.add.title"
	if claim {
		title = "record.claim.form.title"
	}
	data := recordAddPage{
		layout:       s.page(r, title, "claim"),
		formErrors:   newFormErrors(p, fields, addFormFields),
		Form:         form,
		Action:       r.URL.RequestURI(),
		Recorder:     rec,
		Claim:        claim,
		ShowOwner:    s.mayChooseOwner(u, rec) && (form.event == nil || u.IsSuperuser),
		ShowRecorder: u.IsSuperuser,
		ShowDelete:   mayDelete(u, rec, form.event),
		Cancel:       "/",
	}
	data.Event = s.eventLine(ctx, p, u, form.event)
	if !claim {
		data.Section = "home"
	} else {
		data.Cancel = "/record/claim_record/"
	}
	if form.SourceFile != "" {
		data.FileName = filepath.Base(form.SourceFile)
		// Sent back as shown: relative to DEFAULT_RECORDER_PATH for
		// staff, which resolveSource reads again.
		data.Form.SourceFile = s.shownPath(u, form.SourceFile)
	}
	if t != nil {
		rows, err := s.treatmentRows(ctx, p, s.recorderNames([]*lectern.Recorder{rec}), []*lectern.Treatment{t})
		if err != nil {
			return data, err
		}
		data.Deposit = &rows[0]
		data.Pending = pending(t)
		if s.cfg.UseRecordPreview && data.Pending && !isArchive(t.File) { // no player reads a ZIP
			data.Preview = s.previewURL(t)
		}
	}
	if data.ShowOwner {
		data.Owner = pickerField{Name: "user", ID: "id_user", Label: p.T("recording.field.user"),
			Help: p.T("record.add.help.user") + " " + p.T("picker.help"), URL: peopleSearchPath + "?recorder=" + id64(rec.ID),
			Text: form.Owner, Error: data.Errors["user"]}
		switch {
		case form.owner != nil:
			shown := form.owner.shown()
			data.Owner.Chosen = &shown
		case form.Owner == u.Username:
			shown := pick{User: u}.shown()
			data.Owner.Chosen = &shown
		}
	}
	if data.ShowRecorder {
		recorders, err := s.allRecorders(ctx)
		if err != nil {
			return data, err
		}
		for _, o := range recorders {
			data.Recorders = append(data.Recorders, option{id64(o.ID), o.Name, o.ID == rec.ID})
		}
		if data.Sources, err = s.pendingSources(ctx, p, recorders, form.SourceFile); err != nil {
			return data, err
		}
	}
	return data, nil
}

// pendingStates are the states of deposits a superuser may still publish.
var pendingStates = []string{lectern.TreatmentToNotify, lectern.TreatmentNotified, lectern.TreatmentToPublish,
	lectern.TreatmentToClaim, lectern.TreatmentToReport, lectern.TreatmentReported}

// pendingSources lists the files of every pending deposit by recorder, for
// a superuser's source select; selected stays listed even when it is not
// one of them, so the form shows what was posted.
func (s *Server) pendingSources(ctx context.Context, p *locale.Printer, recorders []*lectern.Recorder, selected string) ([]optionGroup, error) {
	known := map[int64]bool{}
	for _, rec := range recorders {
		known[rec.ID] = true
	}
	byRecorder := map[int64][]option{}
	found := false
	for _, st := range pendingStates {
		list, err := collect(func(pg lectern.Page) ([]*lectern.Treatment, int, error) {
			return s.deps.Treatments.FindTreatments(ctx, lectern.TreatmentFilter{State: &st, Page: pg})
		})
		if err != nil {
			return nil, err
		}
		for _, t := range list {
			var id int64 // 0: no recorder, or one deleted since
			if t.RecorderID != nil && known[*t.RecorderID] {
				id = *t.RecorderID
			}
			rel, err := filepath.Rel(s.recorderRoot(), t.File)
			if err != nil || !filepath.IsLocal(rel) {
				rel = t.File
			}
			byRecorder[id] = append(byRecorder[id], option{t.File, rel, t.File == selected})
			found = found || t.File == selected
		}
	}
	var groups []optionGroup
	if selected != "" && !found {
		groups = append(groups, optionGroup{Label: p.T("record.add.source.current"),
			Options: []option{{selected, filepath.Base(selected), true}}})
	}
	for _, rec := range recorders {
		if opts := byRecorder[rec.ID]; len(opts) > 0 {
			groups = append(groups, optionGroup{Label: rec.Name, Options: opts})
		}
	}
	if opts := byRecorder[0]; len(opts) > 0 {
		groups = append(groups, optionGroup{Label: p.T("record.add.source.no_recorder"), Options: opts})
	}
	return groups, nil
}
