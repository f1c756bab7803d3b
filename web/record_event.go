package web

import (
	"context"

	"lectern"
	"lectern/locale"
)

// A deposit recorded in a scheduled event that has an owner (routing by
// schedule, lectern.InitialStateFor) is the event owner's, not the
// recorder's people's:
//
//   - the owner publishes it from the add form (the mail's link), which
//     proposes the event's title, and it waits on their dashboard;
//   - a superuser may publish it, for the owner unless they choose
//     someone else;
//   - the recorder's manager may publish it only where they may choose
//     a recording's owner anyway (ALLOW_RECORDER_MANAGER_CHOICE_VID_OWNER),
//     and then for the event's owner only: the form shows no owner
//     picker, and an owner posted anyway is not read (a manager never
//     takes a lecturer's recording); the recorder's additional users
//     may not publish it;
//   - only a superuser or the owner may delete it.
//
// A deposit of an event without an owner is its recorder's, as any.

// depositEvent returns the event with an owner that t was recorded in;
// nil when none (no schedule, no event, an event without owner, or one
// deleted since).
func (s *Server) depositEvent(ctx context.Context, t *lectern.Treatment) (*lectern.Event, error) {
	if s.deps.Events == nil || t == nil || t.EventID == nil {
		return nil, nil
	}
	ev, err := s.deps.Events.FindEventByID(ctx, *t.EventID)
	if lectern.ErrorCode(err) == lectern.ENOTFOUND {
		return nil, nil
	} else if err != nil {
		return nil, err
	}
	if ev.OwnerID == nil {
		return nil, nil
	}
	return ev, nil
}

// eventOwner reports whether u owns event ev (nil: no event's deposit).
func eventOwner(u *lectern.User, ev *lectern.Event) bool {
	return u != nil && ev != nil && ev.OwnerID != nil && *ev.OwnerID == u.ID
}

// mayPublishEvent is mayPublish for a deposit of event ev (with an
// owner).
func (s *Server) mayPublishEvent(u *lectern.User, rec *lectern.Recorder, ev *lectern.Event) bool {
	return isStaff(u) && (u.IsSuperuser || eventOwner(u, ev) ||
		(s.cfg.AllowRecorderManagerChoiceVidOwner && rec.IsManager(u)))
}

// eventOwnerPick is the event's owner as the owner picker holds it, for a
// superuser, who chooses the owner; nil when u is the owner (the form's
// default) or the account is gone.
func (s *Server) eventOwnerPick(ctx context.Context, u *lectern.User, ev *lectern.Event) (*pick, error) {
	if ev == nil || eventOwner(u, ev) {
		return nil, nil
	}
	o, err := s.deps.Users.FindUserByID(ctx, *ev.OwnerID)
	if lectern.ErrorCode(err) == lectern.ENOTFOUND {
		return nil, nil
	} else if err != nil {
		return nil, err
	}
	return &pick{User: o}, nil
}

// eventLine is what the add form says of event ev (nil: ""): its title
// and time, and its owner when it is not u.
func (s *Server) eventLine(ctx context.Context, p *locale.Printer, u *lectern.User, ev *lectern.Event) string {
	if ev == nil {
		return ""
	}
	slot := p.DateTime(ev.Start) + " – " + ev.End.In(p.Location()).Format("15:04")
	if eventOwner(u, ev) {
		return p.T("record.add.event.yours", ev.Title, slot)
	}
	name, err := s.userName(ctx, ev.OwnerID)
	if err != nil {
		s.logger.Warn("find an event owner's name", "user_id", *ev.OwnerID, "err", err)
	}
	return p.T("record.add.event.of", ev.Title, slot, name)
}
