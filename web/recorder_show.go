package web

import (
	"net/http"
	"strconv"
	"time"

	"lectern"
	"lectern/locale"
)

// recorderShowPage is a recorder's own page: what to type in its FTP
// export screen, and its health ("my recorder doesn't send anything").
type recorderShowPage struct {
	layout
	Recorder      *lectern.Recorder
	RecordingType string
	Deposit       deposit
	Health        *healthView // nil: no health store
	Agents        []agentRow
	// Events is set when schedules are on: then Upcoming and Missed are
	// listed (empty or not).
	Events   bool
	Upcoming []eventRow
	Missed   []eventRow
	// Feeds links to the recorder's calendar feeds (its manager and the
	// superusers, as the recorder list does).
	Feeds bool
	// Schedule links to the recorder's week, for whoever may see it.
	Schedule bool
}

type eventRow struct {
	Title string
	Start when
	End   when
	Alert when // the missed recording's alert, when sent
}

// recorderUpcomingMax bounds the upcoming events listed.
const recorderUpcomingMax = 10

// handleRecorderShow shows a recorder to its manager, its additional
// users and the superusers (lectern.Recorder.ManagedBy); anyone else is
// answered 404, as for a recorder that does not exist.
func (s *Server) handleRecorderShow(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	u := currentUser(r)
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		s.renderError(w, r, http.StatusNotFound, "")
		return
	}
	rec, err := s.deps.Recorders.FindRecorderByID(ctx, id)
	if lectern.ErrorCode(err) == lectern.ENOTFOUND || (err == nil && !rec.ManagedBy(u)) {
		s.renderError(w, r, http.StatusNotFound, "")
		return
	} else if err != nil {
		s.serverError(w, r, err)
		return
	}
	p := s.printer(r)
	now := time.Now().UTC()
	data := recorderShowPage{
		layout:        s.page(r, "recorder.show.title", "recorders"),
		Recorder:      rec,
		RecordingType: s.recordingTypeLabel(p, rec.RecordingType),
		Deposit:       s.deposit(u, rec),
	}
	data.Title = rec.Name
	data.Feeds = s.deps.Feeds != nil && (u.IsSuperuser || rec.IsManager(u))
	data.Schedule = s.deps.Events != nil && rec.ScheduleAccess(u) >= lectern.ScheduleView
	hs, err := s.recorderHealth(ctx, []*lectern.Recorder{rec}, now)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	if h := hs[rec.ID]; h != nil {
		hv := s.newHealthView(p, rec, h, now)
		data.Health = &hv
	}
	if data.Agents, err = s.recorderAgents(ctx, p, rec); err != nil {
		s.serverError(w, r, err)
		return
	}
	if s.deps.Events != nil {
		data.Events = true
		if data.Upcoming, data.Missed, err = s.recorderEvents(r, p, rec, now); err != nil {
			s.serverError(w, r, err)
			return
		}
	}
	s.render(w, r, http.StatusOK, "recorder_show", data)
}

// recorderEvents returns the recorder's next events and those of the
// last healthWindow that ended more than MissedGrace ago with no
// deposit (an alert sent or not).
func (s *Server) recorderEvents(r *http.Request, p *locale.Printer, rec *lectern.Recorder, now time.Time) (upcoming, missed []eventRow, err error) {
	row := func(e *lectern.Event) eventRow {
		return eventRow{Title: e.Title, Start: moment(p, e.Start), End: moment(p, e.End), Alert: moment(p, e.MissedAlertAt)}
	}
	next, _, err := s.deps.Events.FindEvents(r.Context(), lectern.EventFilter{RecorderID: &rec.ID, From: now,
		Page: lectern.Page{Number: 1, Size: recorderUpcomingMax}})
	if err != nil {
		return nil, nil, err
	}
	for _, e := range next {
		upcoming = append(upcoming, row(e))
	}
	past, _, err := s.deps.Events.FindEvents(r.Context(), lectern.EventFilter{RecorderID: &rec.ID, From: now.Add(-healthWindow), To: now,
		Page: lectern.Page{Number: 1, Size: lectern.MaxPageSize}})
	if err != nil {
		return nil, nil, err
	}
	grace := s.missedGrace()
	for i := len(past) - 1; i >= 0; i-- { // the most recent first
		e := past[i]
		if e.UsedAt.IsZero() && (!e.MissedAlertAt.IsZero() || e.End.Before(now.Add(-grace))) {
			missed = append(missed, row(e))
		}
	}
	return upcoming, missed, nil
}
