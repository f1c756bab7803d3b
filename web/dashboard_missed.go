package web

import (
	"context"
	"time"

	"lectern"
	"lectern/locale"
)

// missedRow is a missed recording on the superusers' dashboard: an event
// that ended with no deposit, listed for lectern.MissedListed after its
// alert (nothing dismisses it).
type missedRow struct {
	Event    string
	Recorder string
	Start    string // date and time, to the minute, in TIME_ZONE
	StartISO string
	End      string // the end's time of day
	// CaptureError: the recorder's capture agent reported the capture
	// failed.
	CaptureError bool
	AgentState   string // the agent's last state, "" for none
}

// missedDashboard is how many missed recordings the dashboard lists at
// most (newest events first would need a sort the store does not offer:
// those of the last MissedListed, by start).
const missedDashboard = 50

// missedRecordings lists the missed recordings whose alert was raised in
// the last lectern.MissedListed, for a superuser (nil for others, or
// without a schedule).
func (s *Server) missedRecordings(ctx context.Context, p *locale.Printer, u *lectern.User) ([]missedRow, error) {
	if s.deps.Events == nil || !u.IsSuperuser {
		return nil, nil
	}
	list, _, err := s.deps.Events.FindEvents(ctx, lectern.EventFilter{MissedSince: time.Now().Add(-lectern.MissedListed),
		Page: lectern.Page{Size: missedDashboard}})
	if err != nil {
		return nil, err
	}
	rows := make([]missedRow, 0, len(list))
	for _, ev := range list {
		if ev.MissedAlertAt.IsZero() {
			continue // the store's filter, held here too
		}
		rows = append(rows, missedRow{Event: ev.Title, Recorder: ev.RecorderName, Start: p.DateTime(ev.Start),
			StartISO: ev.Start.In(p.Location()).Format(time.RFC3339),
			End:      ev.End.In(p.Location()).Format("15:04"), CaptureError: ev.AgentState == lectern.AgentCaptureError,
			AgentState: ev.AgentState})
	}
	return rows, nil
}
