package web

import (
	"context"
	"net/http"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"lectern"
	"lectern/locale"
)

// eventFields are the event form's fields; "times" holds a refused
// overlap, shown under the times. Errors on any other field are shown
// above the form.
var eventFields = []string{"date", "start", "end", "duration", "times", "title", "owner", "additional_owners",
	"series", "description", "location"}

type eventFormPage struct {
	layout
	Recorder  *lectern.Recorder
	E         *lectern.Event // the values shown
	New       bool
	Name      string // the stored event's title
	Date      string // the form's texts of the times, in TIME_ZONE
	Start     string
	End       string
	Duration  string
	Used      when // when a recording used the stored event; zero: none
	Deposits  []routedDeposit
	Imported  bool   // it came from an iCalendar feed
	BackURL   string // the week view
	DeleteURL string
	formErrors

	Owner            pickerField
	AdditionalOwners pickerField
}

// routedDeposit is a deposit the event routed: its file's name, and its
// admin page for superusers.
type routedDeposit struct {
	Name string
	URL  string
}

// eventForm is what was typed in the times' fields.
type eventForm struct {
	Date, Start, End, Duration string
}

// handleEventAdd shows (GET) and saves (POST) the form booking an event
// on the path's recorder, for its manager and superusers. ?date= and
// ?start= prefill the day and the time (the week view's links).
func (s *Server) handleEventAdd(w http.ResponseWriter, r *http.Request) {
	rec, _, ok := s.scheduleRecorder(w, r, lectern.ScheduleEdit)
	if !ok {
		return
	}
	e := &lectern.Event{RecorderID: rec.ID, OwnerID: rec.UserID}
	if e.OwnerID == nil {
		e.OwnerID = &currentUser(r).ID
	}
	if r.Method != http.MethodPost {
		form := eventForm{Date: time.Now().In(s.location()).Format(dateLayout), Start: "08:00", End: "10:00"}
		q := r.URL.Query()
		if d, err := time.Parse(dateLayout, q.Get("date")); err == nil {
			form.Date = d.Format(dateLayout)
		}
		if t, err := time.Parse(timeLayout, q.Get("start")); err == nil {
			form.Start, form.End = t.Format(timeLayout), t.Add(2*time.Hour).Format(timeLayout)
		}
		s.renderEventForm(w, r, http.StatusOK, rec, e, nil, form, nil, nil)
		return
	}
	s.saveEvent(w, r, rec, e, nil)
}

// handleEventEdit shows (GET) and saves (POST) an event's form, for
// whoever may change it (lectern.Event.EditableBy). An event a recording
// already used stays editable: the page says which recording it routed.
func (s *Server) handleEventEdit(w http.ResponseWriter, r *http.Request) {
	stored, rec, ok := s.editableEvent(w, r)
	if !ok {
		return
	}
	if r.Method != http.MethodPost {
		s.renderEventForm(w, r, http.StatusOK, rec, stored, stored, s.formOfEvent(stored), nil, nil)
		return
	}
	cp := *stored
	s.saveEvent(w, r, rec, &cp, stored)
}

// formOfEvent writes e's times in the form's fields, in TIME_ZONE.
func (s *Server) formOfEvent(e *lectern.Event) eventForm {
	loc := s.location()
	start, end := e.Start.In(loc), e.End.In(loc)
	f := eventForm{Date: start.Format(dateLayout), Start: start.Format(timeLayout), End: end.Format(timeLayout)}
	if !sameDay(start, end) {
		// It ends on another day: the duration says when.
		f.End, f.Duration = "", formatDuration(end.Sub(start))
	}
	return f
}

// saveEvent reads the posted form into e (a copy of stored, nil for a new
// event) and saves it; invalid input and overlaps show the form again
// with a message next to each wrong field, and save nothing.
func (s *Server) saveEvent(w http.ResponseWriter, r *http.Request, rec *lectern.Recorder, e, stored *lectern.Event) {
	ctx := r.Context()
	p := s.printer(r)
	form, fields := s.readEventForm(p, r, e)
	owners, err := s.readEventOwners(ctx, p, r, e, stored, fields)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	check := *e
	for k, msg := range lectern.ErrorFields(check.Validate()) {
		if (k == "start" || k == "end") && (fields["date"] != "" || fields["start"] != "" || fields["end"] != "" || fields["duration"] != "") {
			continue // the typed text is wrong: that is said
		}
		if k == "end" && form.Duration != "" {
			k = "duration"
		}
		fields.Add(k, msg)
	}
	if len(fields) == 0 {
		if err := s.adoptEventOwners(ctx, p, e, owners, fields); err != nil {
			s.serverError(w, r, err)
			return
		}
	}
	if len(fields) == 0 {
		u := currentUser(r)
		if stored == nil {
			e.CreatedByID = &u.ID
			err = s.deps.Events.CreateEvent(ctx, e)
		} else {
			err = s.deps.Events.UpdateEvent(ctx, e)
		}
		if err == nil {
			s.logger.Info("event saved", "event_id", e.ID, "recorder_id", rec.ID, "user_id", u.ID, "new", stored == nil)
		}
		if lectern.ErrorCode(err) == lectern.ECONFLICT {
			fields.Add("times", overlapMessage(p, err))
		} else {
			var answered bool
			if fields, answered = s.saved(w, r, err, schedulePath(rec.ID, e.Start.In(s.location())), "schedule.saved", e.Title); answered {
				return
			}
		}
	}
	s.renderEventForm(w, r, http.StatusBadRequest, rec, e, stored, form, owners, fields)
}

// readEventForm copies the posted fields into e. The times are read in
// TIME_ZONE: a day, a start time, and an end time or a duration (which
// wins: an event passing midnight needs it).
func (s *Server) readEventForm(p *locale.Printer, r *http.Request, e *lectern.Event) (eventForm, lectern.FieldErrors) {
	f := lectern.FieldErrors{}
	post := r.PostForm
	form := eventForm{Date: strings.TrimSpace(post.Get("date")), Start: strings.TrimSpace(post.Get("start")),
		End: strings.TrimSpace(post.Get("end")), Duration: strings.TrimSpace(post.Get("duration"))}
	e.Title = post.Get("title")
	e.Series = strings.TrimSpace(post.Get("series"))
	e.Location = strings.TrimSpace(post.Get("location"))
	e.Description = strings.ReplaceAll(post.Get("description"), "\r\n", "\n")
	loc := s.location()
	day, err := time.ParseInLocation(dateLayout, form.Date, loc)
	if err != nil {
		f.Add("date", p.T("schedule.error.date"))
	}
	start, serr := clockOn(day, form.Start)
	if serr != nil {
		f.Add("start", p.T("schedule.error.time"))
	}
	var end time.Time
	switch {
	case form.Duration != "":
		d, ok := parseDuration(form.Duration)
		if !ok {
			f.Add("duration", p.T("schedule.error.duration"))
		}
		end = start.Add(d)
	case form.End == "":
		f.Add("end", p.T("schedule.error.end_missing"))
	default:
		if end, err = clockOn(day, form.End); err != nil {
			f.Add("end", p.T("schedule.error.time"))
		}
	}
	e.Start, e.End = start.UTC(), end.UTC()
	return form, f
}

// clockOn is hh:mm on day, in day's location.
func clockOn(day time.Time, clock string) (time.Time, error) {
	t, err := time.Parse(timeLayout, clock)
	if err != nil {
		return time.Time{}, err
	}
	return time.Date(day.Year(), day.Month(), day.Day(), t.Hour(), t.Minute(), 0, 0, day.Location()), nil
}

// parseDuration reads a duration as people type it: minutes ("90"),
// hours and minutes ("1:30", "1h30", "2h"). ok is false for anything
// else, or for a duration of zero or over 99 hours.
func parseDuration(v string) (time.Duration, bool) {
	v = strings.ToLower(strings.ReplaceAll(v, " ", ""))
	h, m, found := strings.Cut(strings.Replace(v, "h", ":", 1), ":")
	if !found {
		h, m = "0", v
	}
	if m == "" {
		m = "0"
	}
	hours, err1 := strconv.Atoi(h)
	mins, err2 := strconv.Atoi(m)
	if err1 != nil || err2 != nil || hours < 0 || mins < 0 || hours > 99 || (found && mins > 59) || mins > 99*60 {
		return 0, false
	}
	d := time.Duration(hours)*time.Hour + time.Duration(mins)*time.Minute
	return d, d > 0
}

// formatDuration writes d as the form reads it: "1:30".
func formatDuration(d time.Duration) string {
	m := int(d.Round(time.Minute) / time.Minute)
	return strconv.Itoa(m/60) + ":" + strconv.Itoa(m%60/10) + strconv.Itoa(m%10)
}

// renderEventForm shows e's values and form's times; stored is the
// saved event (nil: a new one); owners the people posted (nil: e's).
func (s *Server) renderEventForm(w http.ResponseWriter, r *http.Request, status int, rec *lectern.Recorder, e, stored *lectern.Event,
	form eventForm, owners *eventOwners, fields map[string]string) {
	ctx := r.Context()
	p := s.printer(r)
	title := "schedule.form.add_title"
	if stored != nil {
		title = "schedule.form.edit_title"
	}
	data := eventFormPage{
		layout: s.page(r, title, "recorders"), Recorder: rec, E: e, New: stored == nil,
		Date: form.Date, Start: form.Start, End: form.End, Duration: form.Duration,
		BackURL:    schedulePath(rec.ID, e.Start.In(s.location())),
		formErrors: newFormErrors(p, fields, eventFields),
	}
	if e.Start.IsZero() {
		data.BackURL = schedulePath(rec.ID, time.Time{})
	}
	if stored != nil {
		data.Name, data.DeleteURL = stored.Title, eventDeletePath(stored)
		data.Used, data.Imported = moment(p, stored.UsedAt), stored.FeedID != nil
		if err := s.routedDeposits(r, stored, &data); err != nil {
			s.serverError(w, r, err)
			return
		}
		data.BackURL = schedulePath(rec.ID, stored.Start.In(s.location()))
	}
	if owners == nil {
		var err error
		if owners, err = s.eventOwnersOf(ctx, e); err != nil {
			s.serverError(w, r, err)
			return
		}
	}
	url := peopleSearchPath + "?schedule=" + id64(rec.ID)
	data.Owner = pickerField{Name: "owner", ID: "id_owner", Label: p.T("schedule.field.owner"),
		Help: p.T("schedule.help.owner") + " " + p.T("picker.help"), URL: url, Text: owners.OwnerText,
		Chosen: owners.Owner, Error: data.Errors["owner"]}
	data.AdditionalOwners = pickerField{Name: "additional_owners", ID: "id_additional_owners",
		Label: p.T("schedule.field.additional_owners"), Help: p.T("schedule.help.additional_owners") + " " + p.T("picker.help_many"),
		URL: url, Multiple: true, Text: owners.Text, Picked: owners.Picked, Error: data.Errors["additional_owners"]}
	s.render(w, r, status, "schedule_form", data)
}

// eventOwners are the event's owner and additional owners as the pickers
// show them, and as picked (to adopt once the form is valid).
type eventOwners struct {
	Owner     *pickedPerson
	OwnerText string // typed for the owner, matching nobody
	Picked    []pickedPerson
	Text      string // typed for the additional owners, matching nobody
	owner     *pick
	picks     []*pick
}

// eventOwnersOf shows e's stored people.
func (s *Server) eventOwnersOf(ctx context.Context, e *lectern.Event) (*eventOwners, error) {
	o := &eventOwners{}
	find := func(id int64) (*lectern.User, error) {
		u, err := s.deps.Users.FindUserByID(ctx, id)
		if lectern.ErrorCode(err) == lectern.ENOTFOUND {
			return nil, nil
		}
		return u, err
	}
	if e.OwnerID != nil {
		u, err := find(*e.OwnerID)
		if err != nil {
			return nil, err
		}
		if u != nil {
			shown := pick{User: u}.shown()
			o.Owner, o.OwnerText = &shown, u.Username
		}
	}
	for _, id := range e.AdditionalOwners {
		u, err := find(id)
		if err != nil {
			return nil, err
		}
		if u != nil {
			o.Picked = append(o.Picked, pick{User: u}.shown())
		}
	}
	return o, nil
}

// readEventOwners resolves the posted owner and additional owners
// (findPick): names that match nobody are field errors, and stay typed.
// A new event needs an owner; one imported without an owner may stay so.
func (s *Server) readEventOwners(ctx context.Context, p *locale.Printer, r *http.Request, e, stored *lectern.Event,
	f lectern.FieldErrors) (*eventOwners, error) {
	o := &eventOwners{}
	typed := strings.TrimSpace(r.PostForm.Get("owner"))
	switch {
	case typed != "":
		pk, msg, err := s.findPick(ctx, p, typed)
		if err != nil {
			return nil, err
		}
		if pk == nil {
			f.Add("owner", msg)
			o.OwnerText = typed
			break
		}
		o.owner = pk
		shown := pk.shown()
		o.Owner, o.OwnerText = &shown, pk.Username()
	case stored != nil && stored.OwnerID == nil:
		e.OwnerID = nil
	default:
		f.Add("owner", p.T("schedule.error.owner"))
	}
	var unknown, seen []string
	for _, v := range pickValues(r.PostForm["additional_owners"]) {
		pk, msg, err := s.findPick(ctx, p, v)
		if err != nil {
			return nil, err
		}
		if pk == nil {
			f.Add("additional_owners", msg)
			unknown = append(unknown, v)
			continue
		}
		if slices.Contains(seen, pk.Username()) {
			continue
		}
		seen = append(seen, pk.Username())
		o.picks = append(o.picks, pk)
		o.Picked = append(o.Picked, pk.shown())
	}
	o.Text = strings.Join(unknown, ", ")
	return o, nil
}

// adoptEventOwners gives the picked people who have no account yet
// theirs, from the directory, and sets e's ids.
func (s *Server) adoptEventOwners(ctx context.Context, p *locale.Printer, e *lectern.Event, o *eventOwners, f lectern.FieldErrors) error {
	if o.owner != nil {
		u, err := s.adopt(ctx, o.owner)
		if lectern.ErrorCode(err) == lectern.ENOTFOUND {
			f.Add("owner", p.T("picker.error.unknown", o.owner.Username()))
		} else if err != nil {
			return err
		} else {
			e.OwnerID = &u.ID
		}
	}
	e.AdditionalOwners = []int64{}
	for _, pk := range o.picks {
		u, err := s.adopt(ctx, pk)
		if lectern.ErrorCode(err) == lectern.ENOTFOUND {
			f.Add("additional_owners", p.T("picker.error.unknown", pk.Username()))
			continue
		} else if err != nil {
			return err
		}
		e.AdditionalOwners = append(e.AdditionalOwners, u.ID)
	}
	return nil
}

// routedDeposits lists, on the form of an event a recording used, the
// deposits it routed (a few: an event is one slot).
func (s *Server) routedDeposits(r *http.Request, e *lectern.Event, data *eventFormPage) error {
	if e.UsedAt.IsZero() || s.deps.Treatments == nil {
		return nil
	}
	list, _, err := s.deps.Treatments.FindTreatments(r.Context(), lectern.TreatmentFilter{EventID: &e.ID, Page: lectern.Page{Number: 1, Size: 5}})
	if err != nil {
		return err
	}
	for _, t := range list {
		d := routedDeposit{Name: filepath.Base(t.File)}
		if currentUser(r).IsSuperuser {
			d.URL = "/admin/treatments/" + id64(t.ID) + "/"
		}
		data.Deposits = append(data.Deposits, d)
	}
	return nil
}
