package lectern

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"time"
)

// Missed recordings: an event that ended more than a grace period ago
// (SCHEDULE_MISSED_GRACE) and routed no deposit (Event.UsedAt zero) raises
// one alert, a mail to its recorder's manager and the superusers; the
// admins' dashboard lists it for MissedListed after.

// Defaults of the missed-recordings pass.
const (
	// DefaultMissedGrace is SCHEDULE_MISSED_GRACE's default: how long
	// after an event's end its recording may still arrive (a long upload,
	// an encode on the recorder) before it is missed.
	DefaultMissedGrace = 30 * time.Minute
	// MissedWindow bounds how old an event may be and still raise an
	// alert: events imported with a timetable's past weeks, or missed
	// while no node ran, are not all mailed at once.
	MissedWindow = 7 * 24 * time.Hour
	// MissedListed is how long the dashboard lists a missed recording
	// after its alert.
	MissedListed = 7 * 24 * time.Hour
)

// MessageMissedRecording is the kind of the alert that an event's
// recording never arrived.
const MessageMissedRecording = "missed_recording"

// AgentCaptureError is the Opencast capture-admin recording state of a
// capture that failed, which the alert tells.
const AgentCaptureError = "capture_error"

// MissedRecordingMail is what the alert says: which event, of which
// recorder, and to whom.
type MissedRecordingMail struct {
	Event    *Event
	Recorder *Recorder
	To       []string
}

// MissedRecordingRenderer renders the alert (package mail).
type MissedRecordingRenderer interface {
	MissedRecording(m MissedRecordingMail) (*Message, error)
}

// MissedAlertService raises a missed recording's alert exactly once.
type MissedAlertService interface {
	// AlertMissedEvent sets event id's MissedAlertAt to at and stores msg
	// (nil: none) in the outbox with its delivery job (SendMailArgs), in one
	// transaction; it reports false, storing nothing, when the alert was
	// already raised (by another node: EventService.MarkEventMissed's
	// rule). ENOTFOUND when the event is gone.
	AlertMissedEvent(ctx context.Context, id int64, at time.Time, msg *Message) (bool, error)
}

// MissedRecordings is the periodic pass that raises the alerts; safe to
// run on several nodes at once (AlertMissedEvent lets one win).
type MissedRecordings struct {
	Events    EventService
	Alerts    MissedAlertService
	Recorders RecorderService
	Users     UserService
	Mail      MissedRecordingRenderer
	// Grace is SCHEDULE_MISSED_GRACE; 0: DefaultMissedGrace.
	Grace   time.Duration
	Logger  *slog.Logger
	NowFunc func() time.Time // time.Now when nil
}

// Check raises the alert of every event missed now, and returns how many
// it raised.
func (m *MissedRecordings) Check(ctx context.Context) (int, error) {
	now := time.Now().UTC()
	if m.NowFunc != nil {
		now = m.NowFunc().UTC()
	}
	grace := m.Grace
	if grace <= 0 {
		grace = DefaultMissedGrace
	}
	events, _, err := m.Events.FindEvents(ctx, EventFilter{MissedBefore: now.Add(-grace), From: now.Add(-MissedWindow),
		Page: Page{Size: MaxPageSize}})
	if err != nil {
		return 0, fmt.Errorf("find missed recordings: %w", err)
	}
	raised := 0
	for _, ev := range events {
		if !ev.UsedAt.IsZero() || !ev.MissedAlertAt.IsZero() || ev.End.After(now.Add(-grace)) {
			continue // the store's filter, held here too
		}
		ok, err := m.alert(ctx, ev, now)
		if err != nil {
			return raised, err
		}
		if ok {
			raised++
		}
	}
	return raised, nil
}

// alert raises ev's alert; false when another node did.
func (m *MissedRecordings) alert(ctx context.Context, ev *Event, now time.Time) (bool, error) {
	rec, err := m.Recorders.FindRecorderByID(ctx, ev.RecorderID)
	if err != nil {
		return false, fmt.Errorf("find recorder %d of missed event %d: %w", ev.RecorderID, ev.ID, err)
	}
	to, err := m.recipients(ctx, rec)
	if err != nil {
		return false, err
	}
	log := m.logger().With("event_id", ev.ID, "recorder_id", rec.ID)
	var msg *Message // none when nobody can be mailed: the dashboard lists it still
	if len(to) == 0 {
		log.Warn("missed recording: nobody to mail (no manager nor superuser with an email)")
	} else if msg, err = m.Mail.MissedRecording(MissedRecordingMail{Event: ev, Recorder: rec, To: to}); err != nil {
		return false, fmt.Errorf("render the alert of missed event %d: %w", ev.ID, err)
	}
	ok, err := m.Alerts.AlertMissedEvent(ctx, ev.ID, now, msg)
	if ErrorCode(err) == ENOTFOUND {
		return false, nil
	} else if err != nil {
		return false, fmt.Errorf("raise the alert of missed event %d: %w", ev.ID, err)
	}
	if ok {
		log.Warn("missed recording: no deposit arrived in the event", "event_start", ev.Start, "event_end", ev.End,
			"agent_state", ev.AgentState, "to", to)
	}
	return ok, nil
}

// recipients are the recorder's manager and every active superuser with
// an email, each once.
func (m *MissedRecordings) recipients(ctx context.Context, rec *Recorder) ([]string, error) {
	var to []string
	if rec.UserID != nil {
		u, err := m.Users.FindUserByID(ctx, *rec.UserID)
		if err == nil && u.IsActive && u.Email != "" {
			to = append(to, u.Email)
		} else if err != nil && ErrorCode(err) != ENOTFOUND {
			return nil, err
		}
	}
	yes := true
	for page := 1; ; page++ {
		users, total, err := m.Users.FindUsers(ctx, UserFilter{IsSuperuser: &yes, Page: Page{Number: page, Size: MaxPageSize}})
		if err != nil {
			return nil, err
		}
		for _, u := range users {
			if u.IsActive && u.Email != "" && !slices.Contains(to, u.Email) {
				to = append(to, u.Email)
			}
		}
		if page*MaxPageSize >= total {
			break
		}
	}
	return to, nil
}

func (m *MissedRecordings) logger() *slog.Logger {
	if m.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return m.Logger
}
