package lectern

import "slices"

// Who may do what with schedules, one rule for the web pages and the API
// (as Video.ManagedBy is for videos): superusers and a recorder's manager
// book, change and remove its events; its additional users, whose
// deposits it also routes, see its schedule without changing it; an
// event's owners (the owner and the additional owners) see their own
// events, read-only, wherever they are booked.

// ScheduleAccess is what a user may do with one recorder's schedule.
type ScheduleAccess int

// The levels of ScheduleAccess, each including the one before.
const (
	ScheduleNone ScheduleAccess = iota // nothing: the schedule is not shown
	ScheduleView                       // sees every event of the recorder
	ScheduleEdit                       // creates, changes and deletes them
)

// ScheduleAccess returns what u may do with r's schedule: ScheduleEdit
// for a superuser or r's manager, ScheduleView for r's additional users,
// ScheduleNone for anyone else (nil included).
func (r *Recorder) ScheduleAccess(u *User) ScheduleAccess {
	switch {
	case u == nil:
		return ScheduleNone
	case u.IsSuperuser || r.IsManager(u):
		return ScheduleEdit
	case r.IsMember(u):
		return ScheduleView
	}
	return ScheduleNone
}

// OwnedBy reports whether u is e's owner or one of its additional owners.
func (e *Event) OwnedBy(u *User) bool {
	return u != nil && slices.Contains(e.Owners(), u.ID)
}

// VisibleTo reports whether u may see e, an event of recorder r: whoever
// may view r's schedule, and e's owners.
func (e *Event) VisibleTo(u *User, r *Recorder) bool {
	return r.ScheduleAccess(u) >= ScheduleView || e.OwnedBy(u)
}

// EditableBy reports whether u may change or delete e, an event of
// recorder r: its owners may not, unless they may edit r's schedule.
func (e *Event) EditableBy(u *User, r *Recorder) bool {
	return r.ScheduleAccess(u) == ScheduleEdit
}
