package lectern

import (
	"context"
	"fmt"
	"slices"
	"time"
)

// Routing by schedule, the Router's part: a deposit recorded in an event
// with an owner (Treatment.EventID; Intake.Complete matched it) is the
// owner's. An automatic publication creates the recording for the owner,
// titled with the event's title (the video's date and additional owners
// come from the event too: EventVideo); otherwise the mail goes to the
// owner, naming the event, instead of the recorder's manager. An event
// without an owner gives its title only; the recorder's rule does the
// rest.

// eventOf returns the event t was recorded in; nil when none, when there
// is no schedule (Events nil), or when it was deleted since.
func (rt *Router) eventOf(ctx context.Context, t *Treatment) (*Event, error) {
	if rt.Events == nil || t.EventID == nil {
		return nil, nil
	}
	ev, err := rt.Events.FindEventByID(ctx, *t.EventID)
	if ErrorCode(err) == ENOTFOUND {
		return nil, nil
	} else if err != nil {
		return nil, fmt.Errorf("find event %d of treatment %d: %w", *t.EventID, t.ID, err)
	}
	return ev, nil
}

// eventOwner is ev's owner; nil for no event or an event without one.
func eventOwner(ev *Event) *int64 {
	if ev == nil {
		return nil
	}
	return ev.OwnerID
}

// EventTitle is the title a recording made in ev gets: the event's, cut
// to a recording's 200 bytes.
func EventTitle(ev *Event) string { return cut(ev.Title, 200) }

// title is the title of a recording published automatically: the
// event's, else DefaultTitle's.
func (rt *Router) title(ev *Event, courseTitle string, rec *Recorder, t *Treatment) string {
	if ev != nil && ev.Title != "" {
		return EventTitle(ev)
	}
	return DefaultTitle(courseTitle, rec.Name, t.DateAdded, rt.Location, rt.Language)
}

// notified is whom a deposit's mail goes to: the event's owner (when it
// has an active account with an email), else the recorder's manager,
// else the superusers (recipients).
func (rt *Router) notified(ctx context.Context, rec *Recorder, owner *int64) ([]string, error) {
	if owner != nil {
		u, err := rt.Users.FindUserByID(ctx, *owner)
		switch {
		case err == nil && u.IsActive && u.Email != "":
			return []string{u.Email}, nil
		case err != nil && ErrorCode(err) != ENOTFOUND:
			return nil, err
		}
		rt.logger().Warn("the event's owner cannot be mailed: the recorder's people are", "user_id", *owner)
	}
	return rt.recipients(ctx, rec)
}

// EventVideo gives v, the video of a recording made in event ev, the
// event's date (its start's day in loc, TIME_ZONE; nil: UTC) and the
// event's additional owners beside the recorder's.
func EventVideo(v *Video, ev *Event, loc *time.Location) {
	if ev == nil {
		return
	}
	if loc == nil {
		loc = time.UTC
	}
	v.DateEvt = ev.Start.In(loc).Format("2006-01-02")
	for _, id := range ev.Owners() {
		if id != v.OwnerID && !slices.Contains(v.AdditionalOwners, id) {
			v.AdditionalOwners = append(v.AdditionalOwners, id)
		}
	}
}
