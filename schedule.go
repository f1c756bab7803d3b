package lectern

import (
	"context"
	"crypto/rand"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// Limits of a scheduled event.
const (
	// EventMaxDuration bounds one event: a booking of a lecture room, not
	// a term.
	EventMaxDuration = 24 * time.Hour
	// EventTitleMax and EventTextMax bound the event's texts (Pod's video
	// title is 250 characters).
	EventTitleMax = 250
	EventTextMax  = 10000
)

// Event is a booked slot of a recorder: what is to be recorded, when, and
// for whom. Schedules route deposits (a recording made during the slot
// belongs to its owner, with its title and date) and feed the Opencast
// calendar of capture agents.
type Event struct {
	ID         int64 `json:"id"`
	RecorderID int64 `json:"recorder"`
	// UID is the event's public identifier: the Opencast event (and media
	// package) id capture agents record and ingest under; a random UUID
	// (NewEventUID) unless an import gives one.
	UID   string    `json:"uid"`
	Start time.Time `json:"start"` // UTC
	End   time.Time `json:"end"`   // UTC, after Start
	Title string    `json:"title"`
	// OwnerID is the person the recording belongs to; nil when an imported
	// event could not be mapped to anyone (it still blocks its slot and is
	// recorded, routed as if no event matched).
	OwnerID          *int64  `json:"owner"`
	AdditionalOwners []int64 `json:"additional_owners"`
	Series           string  `json:"series"` // series or course name
	Description      string  `json:"description"`
	Location         string  `json:"location"`

	// FeedID is the iCalendar feed the event was imported from; nil for an
	// event made by hand. FeedKey identifies it within its feed (the
	// calendar's UID and, for one occurrence of a recurring event, its
	// RECURRENCE-ID instant) so that a new import updates it.
	FeedID  *int64 `json:"feed,omitempty"`
	FeedKey string `json:"-"`

	// UsedAt is when a deposit was first routed by this event (zero: never);
	// a used event is never removed by a feed's import.
	UsedAt time.Time `json:"used_at,omitzero"`
	// MissedAlertAt is when the alert that no recording arrived was sent
	// (zero: none was).
	MissedAlertAt time.Time `json:"missed_alert_at,omitzero"`
	// AgentState is the last state a capture agent reported for this
	// recording (Opencast's capture-admin recording states: capturing,
	// capture_finished, uploading, upload_finished, capture_error…);
	// empty when none did.
	AgentState     string    `json:"agent_state,omitempty"`
	AgentStateAt   time.Time `json:"agent_state_at,omitzero"`
	CreatedAt      time.Time `json:"created_at"`
	UpdatedAt      time.Time `json:"updated_at"`
	CreatedByID    *int64    `json:"created_by,omitempty"`
	RecorderName   string    `json:"-"` // filled by FindEvents for lists
	OwnerName      string    `json:"-"` // filled by FindEvents for lists
	ConflictingIDs []int64   `json:"-"` // unused by the store; for imports' reports
}

// NewEventUID returns a random UUID (version 4) for a new event.
func NewEventUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// Validate checks the event's own fields (the store checks conflicts and
// references): EINVALID with a message per field.
func (e *Event) Validate() error {
	fields := map[string]string{}
	e.Title = strings.TrimSpace(e.Title)
	switch {
	case e.Title == "":
		fields["title"] = "This field is required."
	case utf8.RuneCountInString(e.Title) > EventTitleMax:
		fields["title"] = fmt.Sprintf("Ensure this value has at most %d characters.", EventTitleMax)
	}
	if e.RecorderID == 0 {
		fields["recorder"] = "This field is required."
	}
	switch {
	case e.Start.IsZero():
		fields["start"] = "This field is required."
	case e.End.IsZero():
		fields["end"] = "This field is required."
	case !e.End.After(e.Start):
		fields["end"] = "The end must be after the start."
	case e.End.Sub(e.Start) > EventMaxDuration:
		fields["end"] = "An event lasts at most 24 hours."
	}
	for name, v := range map[string]string{"series": e.Series, "location": e.Location} {
		if utf8.RuneCountInString(v) > EventTitleMax {
			fields[name] = fmt.Sprintf("Ensure this value has at most %d characters.", EventTitleMax)
		}
	}
	if utf8.RuneCountInString(e.Description) > EventTextMax {
		fields["description"] = fmt.Sprintf("Ensure this value has at most %d characters.", EventTextMax)
	}
	for _, s := range []string{e.Title, e.Series, e.Location, e.Description} {
		if !utf8.ValidString(s) || strings.ContainsRune(s, 0) {
			fields["title"] = "Texts must be valid UTF-8 without NUL characters."
		}
	}
	if len(e.UID) > 128 {
		fields["uid"] = "Ensure this value has at most 128 characters."
	}
	if len(fields) > 0 {
		return &Error{Op: "validate event", Code: EINVALID, Message: "The event is not valid.", Fields: fields}
	}
	e.Start, e.End = e.Start.UTC(), e.End.UTC()
	return nil
}

// Overlaps reports whether the event's slot overlaps [start, end): slots
// that only touch (one ends when the next starts) do not.
func (e *Event) Overlaps(start, end time.Time) bool {
	return e.Start.Before(end) && start.Before(e.End)
}

// Owners returns the owner and the additional owners, without repeats.
func (e *Event) Owners() []int64 {
	var ids []int64
	if e.OwnerID != nil {
		ids = append(ids, *e.OwnerID)
	}
	for _, id := range e.AdditionalOwners {
		dup := false
		for _, have := range ids {
			dup = dup || have == id
		}
		if !dup {
			ids = append(ids, id)
		}
	}
	return ids
}

// EventConflict is the event in the way of another's slot: the ECONFLICT
// error of an overlap wraps it (errors.As), so that pages can name it in
// the reader's language and time zone.
type EventConflict struct {
	ID         int64
	Title      string
	Start, End time.Time // UTC
}

func (c *EventConflict) Error() string {
	return fmt.Sprintf("event %d %q (%s–%s)", c.ID, c.Title, c.Start.Format(time.RFC3339), c.End.Format(time.RFC3339))
}

// Err returns the ECONFLICT error of an overlap with c, its message
// naming c in UTC, and c as its Err and the "start" field's message.
func (c *EventConflict) Err() error {
	msg := fmt.Sprintf("Overlaps “%s” (%s–%s UTC).", c.Title, c.Start.Format("Mon 2 Jan 2006 15:04"), c.End.Format("15:04"))
	if c.End.Sub(c.Start) >= 24*time.Hour || c.End.YearDay() != c.Start.YearDay() {
		msg = fmt.Sprintf("Overlaps “%s” (%s – %s UTC).", c.Title, c.Start.Format("Mon 2 Jan 2006 15:04"), c.End.Format("Mon 2 Jan 2006 15:04"))
	}
	return &Error{Op: "save event", Code: ECONFLICT, Message: msg, Fields: map[string]string{"start": msg}, Err: c}
}

// NearestEvent returns, of events, the one whose slot contains t, else the
// one whose slot is nearest to t (the earliest of equals); nil for none.
func NearestEvent(events []*Event, t time.Time) *Event {
	var best *Event
	var bestGap time.Duration
	for _, e := range events {
		var gap time.Duration
		switch {
		case t.Before(e.Start):
			gap = e.Start.Sub(t)
		case t.After(e.End):
			gap = t.Sub(e.End)
		}
		if best == nil || gap < bestGap {
			best, bestGap = e, gap
		}
	}
	return best
}

// EventFilter selects events; zero fields match everything.
type EventFilter struct {
	ID         *int64
	UID        *string
	RecorderID *int64
	// Member: events of the recorders this user manages or helps with, or
	// that the user owns.
	Member *int64
	FeedID *int64
	// From and To select events that overlap [From, To) (either may be
	// zero: unbounded).
	From, To time.Time
	// Missed: events that ended before this time, whose recorder sent no
	// deposit (UsedAt zero) and for which no alert was sent yet.
	MissedBefore time.Time
	// Page: zero asks for every match, earliest first, up to 5000.
	Page Page
}

// EventService stores schedules. Two events of one recorder never overlap:
// CreateEvent and UpdateEvent refuse with ECONFLICT and a message naming
// the event in the way ("Overlaps “Algebra 1” (Mon 14 Dec 10:00–12:00)"),
// checked in the same transaction as the write so that two writers
// cannot both win.
type EventService interface {
	// CreateEvent inserts e, filling ID, UID (when empty), CreatedAt and
	// UpdatedAt. EINVALID (Validate, unknown recorder or owner),
	// ECONFLICT (overlap, UID taken).
	CreateEvent(ctx context.Context, e *Event) error
	// FindEventByID and FindEventByUID return ENOTFOUND when no event
	// matches.
	FindEventByID(ctx context.Context, id int64) (*Event, error)
	FindEventByUID(ctx context.Context, uid string) (*Event, error)
	// FindEvents returns the matching events by start time (earliest
	// first) and the number of all matches.
	FindEvents(ctx context.Context, filter EventFilter) ([]*Event, int, error)
	// UpdateEvent saves every field but ID, UID, CreatedAt, UsedAt,
	// MissedAlertAt and the agent's state; ENOTFOUND, EINVALID,
	// ECONFLICT.
	UpdateEvent(ctx context.Context, e *Event) error
	// DeleteEvent removes the event; ENOTFOUND. Deposits it routed keep
	// their owner (their treatment's EventID becomes nil).
	DeleteEvent(ctx context.Context, id int64) error
	// EventAt returns the event of recorder recorderID whose slot,
	// widened by tolerance on both sides, contains t; of several, the one
	// whose slot contains t itself, else the nearest. ENOTFOUND when none.
	EventAt(ctx context.Context, recorderID int64, t time.Time, tolerance time.Duration) (*Event, error)
	// MarkEventUsed sets UsedAt (once: a later call keeps the first time).
	MarkEventUsed(ctx context.Context, id int64, at time.Time) error
	// MarkEventMissed sets MissedAlertAt; it reports false when it was
	// already set (the alert is sent once, by one node).
	MarkEventMissed(ctx context.Context, id int64, at time.Time) (bool, error)
	// SetEventAgentState stores a capture agent's state for the event.
	SetEventAgentState(ctx context.Context, id int64, state string, at time.Time) error
}
