package lectern

import (
	"context"
	"io/fs"
	"time"
)

// DefaultScheduleTolerance is SCHEDULE_TOLERANCE's default: how far
// outside an event's slot a deposit's capture time may fall and still be
// the event's (a recorder started early, a clock a few minutes off, an
// upload that ends a little after the slot).
const DefaultScheduleTolerance = 10 * time.Minute

// How a deposit's capture time was found (logged with the match).
const (
	CaptureByEventUID = "event_uid"     // the ingest named its event
	CaptureByMedia    = "media_created" // the MP4/MOV movie header's creation time
	CaptureByModTime  = "modified"      // the file's modification time
)

// Routing by schedule. A deposit of a recorder is recorded in one of its
// events when its capture time is, in this order:
//
//  1. the event the deposit names (an Opencast ingest's event id): that
//     event, when it is the same recorder's; one of another recorder is
//     ignored (and logged), and the next rule applies;
//  2. else the media's creation time (MediaCreationTime), when the file
//     has one no later than its modification time;
//  3. else the file's modification time: a recorder writes its file
//     while it records, or uploads it right after, so its last write is
//     near the slot's end.
//
// A capture time T is inside an event when start - tolerance <= T <= end
// + tolerance (SCHEDULE_TOLERANCE; EventService.EventAt picks among
// several). Only the first capture time found is matched: a media time
// that matches nothing does not fall back to the modification time,
// which would then route by a weaker clue than the one that failed.

// InitialStateFor is InitialState for a deposit recorded in event ev (nil:
// none matched). An event with an owner gives the deposit to its owner,
// whatever the recorder's manager: to publish when the recorder
// publishes automatically, else to notify (the owner is mailed), even
// for a recorder with no manager. An event without an owner (an
// imported event nobody could be mapped to) routes as no event does.
func InitialStateFor(rec *Recorder, ev *Event, allowClaiming bool) (state string, requireManualClaim bool) {
	if rec != nil && ev != nil && ev.OwnerID != nil && ev.RecorderID == rec.ID {
		if rec.PublicationAuto {
			return TreatmentToPublish, false
		}
		return TreatmentToNotify, false
	}
	return InitialState(rec, allowClaiming)
}

// tolerance is SCHEDULE_TOLERANCE, its default when unset.
func (in *Intake) tolerance() time.Duration {
	if in.ScheduleTolerance > 0 {
		return in.ScheduleTolerance
	}
	return DefaultScheduleTolerance
}

// matchEvent returns the event of rec that the deposit at path (named
// eventUID by its ingest, "" for none) was recorded in; nil when none
// matched, when there is no recorder or no schedule (Events nil). A
// failure is logged and matches nothing: the schedule never stops a
// deposit.
func (in *Intake) matchEvent(ctx context.Context, eventUID string, rec *Recorder, path string, fi fs.FileInfo) *Event {
	if in.Events == nil || rec == nil {
		return nil
	}
	log := in.logger().With("file", path, "recorder_id", rec.ID)
	if eventUID != "" {
		ev, err := in.Events.FindEventByUID(ctx, eventUID)
		switch {
		case err == nil && ev.RecorderID == rec.ID:
			log.Info("deposit recorded in an event", "event_id", ev.ID, "by", CaptureByEventUID)
			return ev
		case err == nil:
			log.Warn("deposit names an event of another recorder: ignored", "event_uid", eventUID, "event_recorder_id", ev.RecorderID)
		case ErrorCode(err) == ENOTFOUND:
			log.Warn("deposit names an unknown event: ignored", "event_uid", eventUID)
		default:
			log.Error("find the event a deposit names", "event_uid", eventUID, "err", err)
		}
	}
	at, by := fi.ModTime().UTC(), CaptureByModTime
	if created, ok, err := MediaCreationTime(path); err != nil {
		log.Warn("read the media's creation time", "err", err)
	} else if ok && !created.After(at.Add(in.tolerance())) {
		// A file is not created after its last write: a later time is a
		// clock that lies.
		at, by = created, CaptureByMedia
	}
	ev, err := in.Events.EventAt(ctx, rec.ID, at, in.tolerance())
	switch {
	case err == nil:
		log.Info("deposit recorded in an event", "event_id", ev.ID, "by", by, "capture_time", at)
		return ev
	case ErrorCode(err) != ENOTFOUND:
		log.Error("find the event a deposit was recorded in", "capture_time", at, "err", err)
	}
	return nil
}

// eventOf returns the event t was routed by; nil when none (or no
// schedule, or it was deleted since).
func (in *Intake) eventOf(ctx context.Context, t *Treatment) *Event {
	if in.Events == nil || t.EventID == nil {
		return nil
	}
	ev, err := in.Events.FindEventByID(ctx, *t.EventID)
	if err != nil {
		if ErrorCode(err) != ENOTFOUND {
			in.logger().Error("find the event of a deposit", "treatment_id", t.ID, "event_id", *t.EventID, "err", err)
		}
		return nil
	}
	return ev
}

// eventUsed records that new treatment t was routed by its event, which
// then no longer counts as a missed recording and stays when its feed
// drops it.
func (in *Intake) eventUsed(ctx context.Context, t *Treatment) {
	if in.Events == nil || t.EventID == nil {
		return
	}
	if err := in.Events.MarkEventUsed(ctx, *t.EventID, in.now()); err != nil {
		in.logger().Error("mark an event used", "treatment_id", t.ID, "event_id", *t.EventID, "err", err)
	}
}
