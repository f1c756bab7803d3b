package web

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"lectern"
	"lectern/locale"
)

// videoFields are the edit form's fields, named as Pod names them; errors
// on any other field are shown above the form.
var videoFields = []string{"title", "description", "date_evt", "type", "is_draft", "is_restricted",
	"restrict_access_to_groups", "password", "additional_owners", "cursus", "main_lang", "tags", "licence",
	"allow_downloading", "is_360", "disable_comment"}

type videoEditPage struct {
	layout
	V             *lectern.Video // the values shown
	URL           string         // the stored video's page
	Name          string         // the stored video's title
	DeleteURL     string
	HasPassword   bool // a hash is stored: an empty field keeps it
	ClearPassword bool
	formErrors

	AdditionalOwners pickerField
	Types            []option
	Groups           []option
	Cursus           []option
	MainLanguages    []option
	Licences         []option
}

// editVideoURL and deleteVideoURL are below the video's page:
// /video/<id>-<slug>/edit/. (Pod's /video/edit/<slug>/ would clash
// with /video/{ref}/thumbnail/ in the router.)
func editVideoURL(v *lectern.Video) string   { return videoURL(v) + "edit/" }
func deleteVideoURL(v *lectern.Video) string { return videoURL(v) + "delete/" }

// managedVideo finds the video of the path for one of its managers
// (lectern.Video.ManagedBy, the API's rule too); anyone else is told,
// in words, that only they may change it.
func (s *Server) managedVideo(w http.ResponseWriter, r *http.Request) (*lectern.Video, bool) {
	v, ok := s.pathVideo(w, r)
	if !ok {
		return nil, false
	}
	if !v.ManagedBy(currentUser(r)) {
		s.renderError(w, r, http.StatusForbidden, s.printer(r).T("video.edit.forbidden"))
		return nil, false
	}
	return v, true
}

// handleVideoEdit shows (GET) and saves (POST) a video's edit form;
// invalid input shows the form again with a message next to each wrong
// field, and changes nothing.
func (s *Server) handleVideoEdit(w http.ResponseWriter, r *http.Request) {
	stored, ok := s.managedVideo(w, r)
	if !ok {
		return
	}
	if r.Method != http.MethodPost {
		s.renderVideoEdit(w, r, http.StatusOK, stored, stored, nil, false, nil)
		return
	}
	ctx := r.Context()
	p := s.printer(r)
	cp := *stored
	v := &cp
	clearPw := r.PostForm.Has("password_clear")
	fields, owners, err := s.readVideoForm(r, v, clearPw)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	vv := *v
	for k, msg := range lectern.ErrorFields(vv.Validate()) {
		fields.Add(k, msg)
	}
	if len(fields) == 0 {
		if err := s.adoptVideoOwners(ctx, p, v, owners, fields); err != nil {
			s.serverError(w, r, err)
			return
		}
	}
	if len(fields) == 0 {
		err := s.deps.Videos.UpdateVideo(ctx, v)
		if err == nil {
			s.logger.Info("video changed", "video_id", v.ID, "user_id", currentUser(r).ID)
		}
		var answered bool
		if fields, answered = s.saved(w, r, err, videoURL(v), "video.edit.saved", v.Title); answered {
			return
		}
	}
	s.renderVideoEdit(w, r, http.StatusBadRequest, v, stored, owners, clearPw, fields)
}

// renderVideoEdit shows v's values; stored is the saved video; owners
// the picker's posted people (nil: v's).
func (s *Server) renderVideoEdit(w http.ResponseWriter, r *http.Request, status int, v, stored *lectern.Video,
	owners *videoOwners, clearPw bool, fields map[string]string) {
	ctx := r.Context()
	p := s.printer(r)
	l := s.page(r, "video.edit.title", "my_videos")
	data := videoEditPage{
		layout: l, V: v, URL: videoURL(stored), Name: stored.Title, DeleteURL: deleteVideoURL(stored),
		HasPassword: stored.PasswordHash != "", ClearPassword: clearPw,
		formErrors: newFormErrors(p, fields, videoFields),
	}
	if err := s.videoChoices(ctx, p, &data); err != nil {
		s.serverError(w, r, err)
		return
	}
	if owners == nil {
		owners = &videoOwners{}
		for _, id := range v.AdditionalOwners {
			u, err := s.deps.Users.FindUserByID(ctx, id)
			if lectern.ErrorCode(err) == lectern.ENOTFOUND {
				continue
			} else if err != nil {
				s.serverError(w, r, err)
				return
			}
			owners.Picked = append(owners.Picked, pick{User: u}.shown())
		}
	}
	data.AdditionalOwners = pickerField{Name: "additional_owners", ID: "id_additional_owners",
		Label: p.T("video.field.additional_owners"), Help: p.T("video.help.additional_owners") + " " + p.T("picker.help_many"),
		URL: peopleSearchPath + "?video=" + id64(stored.ID), Multiple: true, Text: owners.Text, Picked: owners.Picked,
		Error: data.Errors["additional_owners"]}
	s.render(w, r, status, "video_edit", data)
}

// videoChoices fills the form's selects, marking v's values.
func (s *Server) videoChoices(ctx context.Context, p *locale.Printer, data *videoEditPage) error {
	v := data.V
	types, err := s.allTypes(ctx)
	if err != nil {
		return err
	}
	data.Types = []option{{"", p.T("form.choose"), v.TypeID == 0}}
	for _, t := range types {
		data.Types = append(data.Types, option{id64(t.ID), t.Title, t.ID == v.TypeID})
	}
	groups, err := s.deps.Groups.FindGroups(ctx)
	if err != nil {
		return err
	}
	for _, g := range groups {
		data.Groups = append(data.Groups, option{id64(g.ID), g.Name, slices.Contains(v.Groups, g.ID)})
	}
	for _, c := range lectern.CursusCodes {
		data.Cursus = append(data.Cursus, option{c, p.T("cursus." + c), c == v.Cursus})
	}
	data.MainLanguages = languageOptions(p, v.MainLang, p.T("form.none"))
	data.Licences = []option{{"", p.T("form.none"), v.Licence == ""}}
	for _, l := range lectern.Licences {
		data.Licences = append(data.Licences, option{l, p.T("licence." + l), l == v.Licence})
	}
	return nil
}

// readVideoForm copies the posted fields into v. The password is
// write-only: empty keeps the stored hash, the clear box removes it.
func (s *Server) readVideoForm(r *http.Request, v *lectern.Video, clearPw bool) (lectern.FieldErrors, *videoOwners, error) {
	f := lectern.FieldErrors{}
	form := r.PostForm
	v.Title = form.Get("title")
	v.Description = strings.ReplaceAll(form.Get("description"), "\r\n", "\n")
	v.DateEvt = form.Get("date_evt")
	v.Cursus = form.Get("cursus")
	v.MainLang = form.Get("main_lang")
	v.Tags = form.Get("tags")
	v.Licence = form.Get("licence")
	v.IsDraft = form.Has("is_draft")
	v.IsRestricted = form.Has("is_restricted")
	v.AllowDownloading = form.Has("allow_downloading")
	v.Is360 = form.Has("is_360")
	v.DisableComment = form.Has("disable_comment")
	v.TypeID = 0
	if t := form.Get("type"); t != "" {
		if id, err := strconv.ParseInt(t, 10, 64); err == nil && id > 0 {
			v.TypeID = id
		} else {
			f.Add("type", "Select a valid video type.")
		}
	}
	var ok bool
	if v.Groups, ok = formIDs(form["restrict_access_to_groups"]); !ok {
		f.Add("restrict_access_to_groups", "Select valid groups.")
	}
	owners, err := s.readVideoOwners(r.Context(), s.printer(r), form, v, f)
	if err != nil {
		return nil, nil, err
	}
	if clearPw {
		v.PasswordHash = ""
	} else if err := s.formPassword(r, f, "password", &v.PasswordHash); err != nil {
		return nil, nil, err
	}
	return f, owners, nil
}

// videoOwners are the additional owners as the picker shows them, and
// as picked (to adopt once the form is valid).
type videoOwners struct {
	Picked []pickedPerson
	Text   string // what was typed and matched nobody
	picks  []*pick
}

// readVideoOwners resolves the posted additional owners (findPick): v
// gets the ids of those who have an account; names that match nobody
// are field errors, and stay typed.
func (s *Server) readVideoOwners(ctx context.Context, p *locale.Printer, form url.Values, v *lectern.Video,
	f lectern.FieldErrors) (*videoOwners, error) {
	owners := &videoOwners{}
	v.AdditionalOwners = []int64{}
	var unknown, seen []string
	for _, typed := range pickValues(form["additional_owners"]) {
		pk, msg, err := s.findPick(ctx, p, typed)
		if err != nil {
			return nil, err
		}
		if pk == nil {
			f.Add("additional_owners", msg)
			unknown = append(unknown, typed)
			continue
		}
		if slices.Contains(seen, pk.Username()) {
			continue
		}
		seen = append(seen, pk.Username())
		owners.picks = append(owners.picks, pk)
		owners.Picked = append(owners.Picked, pk.shown())
		if pk.User != nil {
			v.AdditionalOwners = append(v.AdditionalOwners, pk.User.ID)
		}
	}
	owners.Text = strings.Join(unknown, ", ")
	return owners, nil
}

// adoptVideoOwners gives the picked people who have no account yet
// theirs, from the directory, and sets v's ids.
func (s *Server) adoptVideoOwners(ctx context.Context, p *locale.Printer, v *lectern.Video, owners *videoOwners,
	f lectern.FieldErrors) error {
	v.AdditionalOwners = []int64{}
	for _, pk := range owners.picks {
		name := pk.Username()
		u, err := s.adopt(ctx, pk)
		if lectern.ErrorCode(err) == lectern.ENOTFOUND {
			f.Add("additional_owners", p.T("picker.error.unknown", name))
			continue
		} else if err != nil {
			return err
		}
		v.AdditionalOwners = append(v.AdditionalOwners, u.ID)
	}
	return nil
}
