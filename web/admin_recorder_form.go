package web

import (
	"context"
	"net/http"
	"slices"

	"lectern"
	"lectern/locale"
)

// recorderFields are the form's fields, named as Pod names them; errors on
// any other field are shown above the form.
var recorderFields = []string{"name", "description", "address_ip", "salt", "credentials_login", "credentials_password", "agent_name",
	"sftp_authorized_keys", "recording_type", "user", "additional_users", "directory", "publication_auto", "type", "is_draft", "is_restricted",
	"restrict_access_to_groups", "password", "cursus", "main_lang", "transcript", "tags", "licence",
	"allow_downloading", "is_360", "disable_comment"}

// languageCodes are the languages a recorder's videos may be in.
var languageCodes = []string{"fr", "en", "de", "es", "it", "pt", "nl", "ca", "eu", "br", "oc", "ar", "zh", "ja", "ru", "pl"}

type adminRecorderFormPage struct {
	layout
	IsNew    bool
	Recorder *lectern.Recorder // the values shown
	Deposit  *deposit          // change page: where the stored recorder deposits
	// LastDeposits are the stored recorder's latest treatments, when the
	// treatments pages exist (ShowDeposits); AllDeposits links to them all.
	ShowDeposits bool
	LastDeposits []treatmentRow
	AllDeposits  string
	// Agents are the stored recorder's Opencast capture agents.
	Agents []agentRow

	// EmptySalt flags a stored recorder whose notify key is guessable.
	EmptySalt        bool
	HasFTPPassword   bool // a hash is stored: an empty field keeps it
	HasPassword      bool
	ClearCredentials bool
	ClearPassword    bool

	formErrors

	RecordingTypes  []option
	Manager         pickerField
	AdditionalUsers pickerField
	Types           []option
	Groups          []option
	Cursus          []option
	MainLanguages   []option
	Transcripts     []option
	Licences        []option
}

// handleAdminRecorderAdd shows an empty recorder form with Pod's defaults
// and a random salt (an empty one, which Pod allows, makes the notify key
// guessable from the IP alone).
func (s *Server) handleAdminRecorderAdd(w http.ResponseWriter, r *http.Request) {
	rec := lectern.NewRecorder()
	rec.Salt = lectern.NewSalt()
	rec.MainLang = s.cfg.LanguageCode
	if len(s.cfg.RecordingTypes) > 0 && len(s.cfg.RecordingTypes[0]) > 0 {
		rec.RecordingType = s.cfg.RecordingTypes[0][0]
	}
	rec.TypeID = s.cfg.DefaultTypeID
	if rec.TypeID == 0 {
		if types, total, err := s.deps.Types.FindVideoTypes(r.Context(), lectern.Page{Size: 1}); err == nil && total == 1 {
			rec.TypeID = types[0].ID
		}
	}
	s.renderRecorderForm(w, r, http.StatusOK, rec, nil, nil, false, false, nil)
}

// handleAdminRecorderChange shows a stored recorder.
func (s *Server) handleAdminRecorderChange(w http.ResponseWriter, r *http.Request) {
	rec, ok := pathObject(s, w, r, s.deps.Recorders.FindRecorderByID)
	if !ok {
		return
	}
	s.renderRecorderForm(w, r, http.StatusOK, rec, rec, nil, false, false, nil)
}

// renderRecorderForm shows rec's values; stored is the saved recorder (nil
// on the add page); people are the pickers' posted values (nil: rec's).
func (s *Server) renderRecorderForm(w http.ResponseWriter, r *http.Request, status int, rec, stored *lectern.Recorder,
	people *recorderPeople, clearCred, clearPw bool, fields map[string]string) {
	p := s.printer(r)
	title := "admin.recorder.add.title"
	if stored != nil {
		title = "admin.recorder.change.title"
	}
	data := adminRecorderFormPage{
		layout:           s.page(r, title, "admin"),
		IsNew:            stored == nil,
		Recorder:         rec,
		ClearCredentials: clearCred,
		ClearPassword:    clearPw,
		formErrors:       newFormErrors(p, fields, recorderFields),
	}
	if stored != nil {
		d := s.deposit(currentUser(r), stored)
		data.Deposit = &d
		data.EmptySalt = stored.Salt == ""
		data.HasFTPPassword = stored.CredentialsPasswordHash != ""
		data.HasPassword = stored.PasswordHash != ""
		if err := s.lastDeposits(r.Context(), p, stored, &data); err != nil {
			s.serverError(w, r, err)
			return
		}
		var err error
		if data.Agents, err = s.recorderAgents(r.Context(), p, stored); err != nil {
			s.serverError(w, r, err)
			return
		}
	}
	if err := s.recorderChoices(r.Context(), p, &data); err != nil {
		s.serverError(w, r, err)
		return
	}
	if people == nil {
		var err error
		if people, err = s.storedRecorderPeople(r.Context(), rec); err != nil {
			s.serverError(w, r, err)
			return
		}
	}
	data.Manager = pickerField{Name: "user", ID: "id_user", Label: p.T("recorder.field.user"),
		Help: p.T("recorder.help.user") + " " + p.T("picker.help"), URL: peopleSearchPath,
		Text: people.ManagerText, Chosen: people.Manager, Error: data.Errors["user"]}
	data.AdditionalUsers = pickerField{Name: "additional_users", ID: "id_additional_users", Label: p.T("recorder.field.additional_users"),
		Help: p.T("recorder.help.additional_users") + " " + p.T("picker.help_many"), URL: peopleSearchPath, Multiple: true,
		Text: people.AdditionalText, Picked: people.Additional, Error: data.Errors["additional_users"]}
	s.render(w, r, status, "admin_recorder_form", data)
}

// lastDepositCount is how many deposits a recorder's page shows.
const lastDepositCount = 10

// lastDeposits fills the recorder's latest treatments.
func (s *Server) lastDeposits(ctx context.Context, p *locale.Printer, rec *lectern.Recorder, data *adminRecorderFormPage) error {
	if s.deps.Treatments == nil {
		return nil
	}
	list, total, err := s.deps.Treatments.FindTreatments(ctx, lectern.TreatmentFilter{
		RecorderID: &rec.ID, Page: lectern.Page{Number: 1, Size: lastDepositCount}})
	if err != nil {
		return err
	}
	if data.LastDeposits, err = s.treatmentRows(ctx, p, s.recorderNames([]*lectern.Recorder{rec}), list); err != nil {
		return err
	}
	data.ShowDeposits = true
	data.AllDeposits = p.Plural("admin.recorder.deposits.all", total)
	return nil
}

// recorderChoices fills the form's selects, marking the recorder's values.
func (s *Server) recorderChoices(ctx context.Context, p *locale.Printer, data *adminRecorderFormPage) error {
	rec := data.Recorder
	offered := false
	for _, rt := range s.cfg.RecordingTypes {
		if len(rt) == 0 {
			continue
		}
		offered = offered || rt[0] == rec.RecordingType
		data.RecordingTypes = append(data.RecordingTypes, option{rt[0], s.recordingTypeLabel(p, rt[0]), rt[0] == rec.RecordingType})
	}
	if !offered && rec.RecordingType != "" {
		data.RecordingTypes = append(data.RecordingTypes, option{rec.RecordingType, s.recordingTypeLabel(p, rec.RecordingType), true})
	}

	types, err := s.allTypes(ctx)
	if err != nil {
		return err
	}
	data.Types = []option{{"", p.T("form.choose"), rec.TypeID == 0}}
	for _, t := range types {
		data.Types = append(data.Types, option{id64(t.ID), t.Title, t.ID == rec.TypeID})
	}

	groups, err := s.deps.Groups.FindGroups(ctx)
	if err != nil {
		return err
	}
	for _, g := range groups {
		data.Groups = append(data.Groups, option{id64(g.ID), g.Name, slices.Contains(rec.RestrictAccessToGroups, g.ID)})
	}

	for _, c := range lectern.CursusCodes {
		data.Cursus = append(data.Cursus, option{c, p.T("cursus." + c), c == rec.Cursus})
	}
	data.MainLanguages = languageOptions(p, rec.MainLang, "")
	data.Transcripts = languageOptions(p, rec.Transcript, p.T("admin.recorder.transcript.none"))
	data.Licences = []option{{"", p.T("form.none"), rec.Licence == ""}}
	for _, l := range lectern.Licences {
		data.Licences = append(data.Licences, option{l, p.T("licence." + l), l == rec.Licence})
	}
	return nil
}

// languageOptions lists languageCodes (and the current value when it is
// another code); empty, when not "", labels a first "no language" choice.
func languageOptions(p *locale.Printer, current, empty string) []option {
	var opts []option
	if empty != "" {
		opts = append(opts, option{"", empty, current == ""})
	}
	for _, c := range languageCodes {
		opts = append(opts, option{c, p.T("lang." + c), c == current})
	}
	if current != "" && !slices.Contains(languageCodes, current) {
		opts = append(opts, option{current, current, true})
	}
	return opts
}
