package lectern

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"
)

// NewRecordingMail is what the manager's email says: a deposit from a
// recorder, and the link to the add form.
type NewRecordingMail struct {
	Recorder  *Recorder
	Treatment *Treatment
	// Event is the event the deposit was recorded in (nil: none): the
	// mail goes to its owner and names it.
	Event       *Event
	CourseTitle string
	To          []string
	// Duration is the recording's length; 0 when unknown (no
	// Router.Thumbnails, or a file it cannot read).
	Duration time.Duration
	// Thumbnail is a JPEG still of the recording (MailThumbnailWidth
	// wide); nil when there is none.
	Thumbnail []byte
}

// AdminReportMail tells the admins of a deposit that nobody gets: no
// recorder for its directory, or no manager and claiming off.
type AdminReportMail struct {
	Recorder  *Recorder // nil when no recorder was found
	Treatment *Treatment
	To        []string
}

// MailRenderer renders Lectern's emails in LANGUAGE_CODE (package mail).
type MailRenderer interface {
	NewRecording(m NewRecordingMail) (*Message, error)
	AdminReport(m AdminReportMail) (*Message, error)
}

// Router moves a new treatment on to a person: it mails the manager, or
// publishes for the manager, or reports to the admins; a claimable
// deposit waits for a claim. Each transition happens once, in the same
// transaction as the email it queues and that email's delivery job, so a
// crash never mails twice nor loses a mail.
type Router struct {
	Recorders  RecorderService
	Users      UserService
	Treatments TreatmentService
	Recordings RecordingService
	Mail       MailRenderer
	Logger     *slog.Logger
	// Location (TIME_ZONE) and Language (LANGUAGE_CODE) write the
	// default title of what is published automatically; nil: UTC.
	Location *time.Location
	Language string
	// Thumbnails, when set, gives the manager's mail the recording's
	// duration and a still (mailMedia); nil: the mail has neither.
	Thumbnails Thumbnailer
	// Events, when set, routes a deposit recorded in an event
	// (Treatment.EventID) to the event's owner (routing_event.go).
	Events EventService
	// DispatchedFunc, when set, is told of each treatment this Router
	// routed itself (published, manager mailed, admins told), not of
	// those another caller routed first (the metrics). It must not
	// block.
	DispatchedFunc func(t *Treatment)
	// DepositTitleFunc, when set, returns the title a deposit carries
	// itself ("" for none): an Opencast ingest's Dublin Core title, read
	// from the media package beside its file (opencast.IngestedTitle).
	// It titles a deposit that no event and no notify's courseTitle
	// titles: the recording published automatically, and the mail's
	// add-form link. Read at dispatch, from the shared storage, so that
	// any node's pending pass finds it: no column for it.
	DepositTitleFunc func(t *Treatment) string
}

// Dispatch acts on t's state (InitialState chose it): it mails the
// manager, publishes or reports to the admins, and returns Pod's notify
// answer for it: "auto" when the deposit was (or had been) published
// automatically, "ok" otherwise.
func (rt *Router) Dispatch(ctx context.Context, t *Treatment, courseTitle string) (string, error) {
	var rec *Recorder
	if t.RecorderID != nil {
		r, err := rt.Recorders.FindRecorderByID(ctx, *t.RecorderID)
		if err != nil && ErrorCode(err) != ENOTFOUND {
			return "", err
		}
		rec = r
	}
	ev, err := rt.eventOf(ctx, t)
	if err != nil {
		return "", err
	}
	owner := eventOwner(ev)
	if courseTitle == "" && (ev == nil || ev.Title == "") && rt.DepositTitleFunc != nil {
		courseTitle = rt.DepositTitleFunc(t)
	}
	auto := rec != nil && rec.PublicationAuto && (rec.UserID != nil || owner != nil)
	switch t.State {
	case TreatmentToPublish:
		if owner == nil && rec != nil {
			owner = rec.UserID
		}
		if rec == nil || owner == nil {
			return "", Errorf(ECONFLICT, "The recorder of this deposit has no manager to publish for.")
		}
		r := &Recording{RecorderID: rec.ID, UserID: *owner, TreatmentID: &t.ID, Title: rt.title(ev, courseTitle, rec, t),
			Type: t.Type, SourceFile: t.File}
		if err := rt.Recordings.CreateRecording(ctx, r); err != nil && ErrorCode(err) != ECONFLICT {
			return "", fmt.Errorf("publish treatment %d: %w", t.ID, err)
		} else if err == nil {
			rt.logger().Info("deposit published automatically", "treatment_id", t.ID, "recording_id", r.ID, "user_id", r.UserID)
			rt.dispatched(t)
		}
		return "auto", nil
	case TreatmentToNotify:
		to, err := rt.notified(ctx, rec, owner)
		if err != nil {
			return "", err
		}
		if ev != nil && courseTitle == "" {
			courseTitle = ev.Title
		}
		m := NewRecordingMail{Recorder: rec, Treatment: t, Event: ev, CourseTitle: courseTitle, To: to}
		m.Duration, m.Thumbnail = rt.mailMedia(ctx, t)
		msg, err := rt.Mail.NewRecording(m)
		if err != nil {
			return "", fmt.Errorf("render mail for treatment %d: %w", t.ID, err)
		}
		if err := rt.transition(ctx, t, TreatmentToNotify, TreatmentNotified, msg); err != nil {
			return "", err
		}
	case TreatmentToReport:
		to, err := rt.recipients(ctx, nil)
		if err != nil {
			return "", err
		}
		msg, err := rt.Mail.AdminReport(AdminReportMail{Recorder: rec, Treatment: t, To: to})
		if err != nil {
			return "", fmt.Errorf("render report for treatment %d: %w", t.ID, err)
		}
		if err := rt.transition(ctx, t, TreatmentToReport, TreatmentReported, msg); err != nil {
			return "", err
		}
	}
	if auto {
		return "auto", nil
	}
	return "ok", nil
}

// transition moves t from one state to the next with its message, once.
func (rt *Router) transition(ctx context.Context, t *Treatment, from, to string, msg *Message) error {
	moved, err := rt.Treatments.TransitionTreatment(ctx, t.ID, from, to, msg)
	if err != nil {
		return fmt.Errorf("move treatment %d to %s: %w", t.ID, to, err)
	}
	if !moved {
		return nil // another caller did it, with its own message
	}
	t.State = to
	rt.dispatched(t)
	rt.logger().Info("mail queued", "treatment_id", t.ID, "message_id", msg.ID, "kind", msg.Kind, "to", msg.To)
	return nil
}

// recipients are the recorder's manager, or every active superuser when
// it has none (Pod's rule).
func (rt *Router) recipients(ctx context.Context, rec *Recorder) ([]string, error) {
	if rec != nil && rec.UserID != nil {
		u, err := rt.Users.FindUserByID(ctx, *rec.UserID)
		if err == nil && u.Email != "" {
			return []string{u.Email}, nil
		} else if err != nil && ErrorCode(err) != ENOTFOUND {
			return nil, err
		}
	}
	yes := true
	var to []string
	for page := 1; ; page++ {
		users, total, err := rt.Users.FindUsers(ctx, UserFilter{IsSuperuser: &yes, Page: Page{Number: page, Size: MaxPageSize}})
		if err != nil {
			return nil, err
		}
		for _, u := range users {
			if u.IsActive && u.Email != "" {
				to = append(to, u.Email)
			}
		}
		if page*MaxPageSize >= total {
			break
		}
	}
	if len(to) == 0 {
		return nil, errors.New("no recipient: the recorder has no manager with an email and no superuser has one")
	}
	return to, nil
}

func (rt *Router) dispatched(t *Treatment) {
	if rt.DispatchedFunc != nil {
		rt.DispatchedFunc(t)
	}
}

func (rt *Router) logger() *slog.Logger {
	if rt.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return rt.Logger
}
