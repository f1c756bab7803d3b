package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"lectern"
	"lectern/httpjson"
)

// Schedules: /api/v1/events lists, books, reads, changes and removes
// recorders' events, with the web's rule (lectern.Recorder.ScheduleAccess):
// superusers and a recorder's manager change its events; its additional
// users and an event's owners read them. An event the reader may not
// read is 404, as if it did not exist. Times are RFC 3339 with an offset
// (answered in TIME_ZONE); an overlap on one recorder is 409 naming the
// event in the way.

// eventBody is an event as the API shows it, with whether the reader may
// change it.
type eventBody struct {
	*lectern.Event
	Editable bool `json:"editable"`
}

func newEventBody(e *lectern.Event, rec *lectern.Recorder, u *lectern.User) eventBody {
	if e.AdditionalOwners == nil {
		e.AdditionalOwners = []int64{}
	}
	return eventBody{Event: e, Editable: rec != nil && e.EditableBy(u, rec)}
}

// eventInput is a POST or PATCH body: each field optional (absent or
// null: kept, or for POST the default). Times are RFC 3339 with an
// offset. The read-only fields of an answer are refused by name.
type eventInput struct {
	Recorder         *int64   `json:"recorder"`
	Start            *string  `json:"start"`
	End              *string  `json:"end"`
	Title            *string  `json:"title"`
	Owner            *int64   `json:"owner"`
	AdditionalOwners *[]int64 `json:"additional_owners"`
	Series           *string  `json:"series"`
	Description      *string  `json:"description"`
	Location         *string  `json:"location"`

	// Read-only: given, they are refused by name.
	ID            json.RawMessage `json:"id"`
	UID           json.RawMessage `json:"uid"`
	Feed          json.RawMessage `json:"feed"`
	UsedAt        json.RawMessage `json:"used_at"`
	MissedAlertAt json.RawMessage `json:"missed_alert_at"`
	AgentState    json.RawMessage `json:"agent_state"`
	AgentStateAt  json.RawMessage `json:"agent_state_at"`
	CreatedAt     json.RawMessage `json:"created_at"`
	UpdatedAt     json.RawMessage `json:"updated_at"`
	CreatedBy     json.RawMessage `json:"created_by"`
	Editable      json.RawMessage `json:"editable"`
}

// readOnly names the read-only fields the body holds.
func (in eventInput) readOnly(f lectern.FieldErrors) {
	for name, v := range map[string]json.RawMessage{"id": in.ID, "uid": in.UID, "feed": in.Feed, "used_at": in.UsedAt,
		"missed_alert_at": in.MissedAlertAt, "agent_state": in.AgentState, "agent_state_at": in.AgentStateAt,
		"created_at": in.CreatedAt, "updated_at": in.UpdatedAt, "created_by": in.CreatedBy, "editable": in.Editable} {
		if v != nil {
			f.Add(name, "This field is read-only.")
		}
	}
}

// apply copies the fields given onto e; a time that is not RFC 3339 is a
// field error in f.
func (in eventInput) apply(e *lectern.Event, f lectern.FieldErrors) {
	set := func(dst *string, src *string) {
		if src != nil {
			*dst = *src
		}
	}
	set(&e.Title, in.Title)
	set(&e.Series, in.Series)
	set(&e.Description, in.Description)
	set(&e.Location, in.Location)
	if in.Recorder != nil {
		e.RecorderID = *in.Recorder
	}
	if in.Owner != nil {
		id := *in.Owner
		e.OwnerID = &id
	}
	if in.AdditionalOwners != nil {
		e.AdditionalOwners = append([]int64{}, *in.AdditionalOwners...)
	}
	for name, src := range map[string]*string{"start": in.Start, "end": in.End} {
		if src == nil {
			continue
		}
		t, err := time.Parse(time.RFC3339, *src)
		if err != nil {
			f.Add(name, "Enter a date and time in RFC 3339 with its offset, such as 2026-12-14T10:00:00+01:00.")
			continue
		}
		if name == "start" {
			e.Start = t.UTC()
		} else {
			e.End = t.UTC()
		}
	}
}

// decodeEvent reads the body onto e; every mistake (read-only fields,
// times, lectern.Event.Validate) is told at once.
func decodeEvent(w http.ResponseWriter, r *http.Request, e *lectern.Event) (eventInput, error) {
	var in eventInput
	if err := decodeJSON(w, r, &in); err != nil {
		return in, err
	}
	f := lectern.FieldErrors{}
	in.readOnly(f)
	in.apply(e, f)
	if len(f) > 0 {
		check := *e
		for k, msg := range lectern.ErrorFields(check.Validate()) {
			if k != "start" && k != "end" || f[k] == "" {
				f.Add(k, msg)
			}
		}
		return in, f.Err("decode event")
	}
	return in, nil
}

// editableRecorder finds recorder id for u to book on: one that does not
// exist, or whose schedule u does not see, is a field error (the same);
// one u only sees is 403.
func (h *Handler) editableRecorder(ctx context.Context, u *lectern.User, id int64) (*lectern.Recorder, error) {
	rec, err := h.deps.Recorders.FindRecorderByID(ctx, id)
	if lectern.ErrorCode(err) == lectern.ENOTFOUND || (err == nil && rec.ScheduleAccess(u) == lectern.ScheduleNone) {
		return nil, invalid("Invalid value for \"recorder\".", map[string]string{"recorder": "Recorder not found."})
	} else if err != nil {
		return nil, err
	}
	if rec.ScheduleAccess(u) != lectern.ScheduleEdit {
		return nil, lectern.Errorf(lectern.EFORBIDDEN, "Only the recorder's manager and superusers may change its schedule.")
	}
	return rec, nil
}

// handleEventList serves GET /api/v1/events?recorder=&owner=&from=&to=&page=&page_size=:
// the events the user may read (every one for a superuser; else those of
// the recorders they manage or help with, and those they own), by start
// time. from and to (RFC 3339) select events overlapping [from, to).
func (h *Handler) handleEventList(w http.ResponseWriter, r *http.Request, u *lectern.User) error {
	page, err := pageFromQuery(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	filter := lectern.EventFilter{Member: member(u), Page: page}
	f := lectern.FieldErrors{}
	for name, dst := range map[string]**int64{"recorder": &filter.RecorderID, "owner": &filter.OwnerID} {
		if v := q.Get(name); v != "" {
			id, err := strconv.ParseInt(v, 10, 64)
			if err != nil || id <= 0 {
				f.Add(name, "Enter a whole number.")
				continue
			}
			*dst = &id
		}
	}
	for name, dst := range map[string]*time.Time{"from": &filter.From, "to": &filter.To} {
		if v := q.Get(name); v != "" {
			t, err := time.Parse(time.RFC3339, v)
			if err != nil {
				f.Add(name, "Enter a date and time in RFC 3339 with its offset, such as 2026-12-14T10:00:00+01:00.")
				continue
			}
			*dst = t.UTC()
		}
	}
	if err := f.Err("list events"); err != nil {
		return err
	}
	events, total, err := h.deps.Events.FindEvents(r.Context(), filter)
	if err != nil {
		return err
	}
	v := h.viewer(u)
	results := make([]eventBody, len(events))
	for i, e := range events {
		rec, err := v.recorder(r.Context(), e.RecorderID)
		if err != nil {
			return err
		}
		results[i] = newEventBody(e, rec, u)
	}
	return h.writePage(w, r, page, total, results)
}

// visibleEvent finds the path's event and its recorder for u, 404 when
// u may not read it (lectern.Event.VisibleTo).
func (h *Handler) visibleEvent(r *http.Request, u *lectern.User) (*lectern.Event, *lectern.Recorder, error) {
	id, err := pathID(r)
	if err != nil {
		return nil, nil, err
	}
	e, err := h.deps.Events.FindEventByID(r.Context(), id)
	if err != nil {
		return nil, nil, err
	}
	rec, err := h.deps.Recorders.FindRecorderByID(r.Context(), e.RecorderID)
	if err != nil {
		return nil, nil, err
	}
	if !e.VisibleTo(u, rec) {
		return nil, nil, notFound("Event")
	}
	return e, rec, nil
}

// editableEvent is visibleEvent for a change: 403 for a reader who may
// only look (the recorder's additional users, the event's owners).
func (h *Handler) editableEvent(r *http.Request, u *lectern.User) (*lectern.Event, *lectern.Recorder, error) {
	e, rec, err := h.visibleEvent(r, u)
	if err != nil {
		return nil, nil, err
	}
	if !e.EditableBy(u, rec) {
		return nil, nil, lectern.Errorf(lectern.EFORBIDDEN, "Only the recorder's manager and superusers may change its schedule.")
	}
	return e, rec, nil
}

// handleEventGet serves GET /api/v1/events/{id}.
func (h *Handler) handleEventGet(w http.ResponseWriter, r *http.Request, u *lectern.User) error {
	e, rec, err := h.visibleEvent(r, u)
	if err != nil {
		return err
	}
	httpjson.Write(w, http.StatusOK, newEventBody(e, rec, u))
	return nil
}

// handleEventCreate serves POST /api/v1/events: recorder, start, end and
// title are needed; the owner is the recorder's manager unless given
// (the caller for a recorder without one).
func (h *Handler) handleEventCreate(w http.ResponseWriter, r *http.Request, u *lectern.User) error {
	e := &lectern.Event{}
	in, err := decodeEvent(w, r, e)
	if err != nil {
		return err
	}
	if in.Recorder == nil {
		return invalid("Invalid value for \"recorder\".", map[string]string{"recorder": "This field is required."})
	}
	rec, err := h.editableRecorder(r.Context(), u, e.RecorderID)
	if err != nil {
		return err
	}
	if e.OwnerID == nil {
		e.OwnerID = rec.UserID
		if e.OwnerID == nil {
			e.OwnerID = &u.ID
		}
	}
	e.CreatedByID = &u.ID
	if err := h.deps.Events.CreateEvent(r.Context(), e); err != nil {
		return h.overlap(err)
	}
	h.logger.Info("event saved", "event_id", e.ID, "recorder_id", rec.ID, "user_id", u.ID, "new", true)
	w.Header().Set("Location", fmt.Sprintf("%sapi/v1/events/%d", h.deps.BaseURL, e.ID))
	httpjson.Write(w, http.StatusCreated, newEventBody(e, rec, u))
	return nil
}

// handleEventUpdate serves PATCH /api/v1/events/{id}, a partial update by
// whoever may change the event; moving it to another recorder needs the
// right to change that one's schedule too.
func (h *Handler) handleEventUpdate(w http.ResponseWriter, r *http.Request, u *lectern.User) error {
	e, rec, err := h.editableEvent(r, u)
	if err != nil {
		return err
	}
	if _, err := decodeEvent(w, r, e); err != nil {
		return err
	}
	if e.RecorderID != rec.ID {
		if rec, err = h.editableRecorder(r.Context(), u, e.RecorderID); err != nil {
			return err
		}
	}
	if err := h.deps.Events.UpdateEvent(r.Context(), e); err != nil {
		return h.overlap(err)
	}
	h.logger.Info("event saved", "event_id", e.ID, "recorder_id", rec.ID, "user_id", u.ID, "new", false)
	httpjson.Write(w, http.StatusOK, newEventBody(e, rec, u))
	return nil
}

// handleEventDelete serves DELETE /api/v1/events/{id}; recordings it
// routed keep their owner.
func (h *Handler) handleEventDelete(w http.ResponseWriter, r *http.Request, u *lectern.User) error {
	e, rec, err := h.editableEvent(r, u)
	if err != nil {
		return err
	}
	if err := h.deps.Events.DeleteEvent(r.Context(), e.ID); err != nil {
		return err
	}
	h.logger.Info("event deleted", "event_id", e.ID, "recorder_id", rec.ID, "user_id", u.ID)
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// overlap writes the times of a refused overlap (the store's, in UTC) in
// TIME_ZONE with their offset, as every time the API answers: "Overlaps
// “Algebra 1” (Mon 14 Dec 2037 10:00–12:00 +01:00)." Other errors pass.
func (h *Handler) overlap(err error) error {
	var c *lectern.EventConflict
	if !errors.As(err, &c) {
		return err
	}
	loc := h.deps.Location
	if loc == nil {
		loc = time.UTC
	}
	const day = "Mon 2 Jan 2006 15:04"
	start, end := c.Start.In(loc), c.End.In(loc)
	to := end.Format("15:04")
	if y, m, d := start.Date(); end.Sub(start) >= 24*time.Hour || end.Day() != d || end.Month() != m || end.Year() != y {
		to = end.Format(day)
	}
	msg := fmt.Sprintf("Overlaps “%s” (%s–%s %s).", c.Title, start.Format(day), to, start.Format("-07:00"))
	return &lectern.Error{Op: "save event", Code: lectern.ECONFLICT, Message: msg, Fields: map[string]string{"start": msg}, Err: c}
}
