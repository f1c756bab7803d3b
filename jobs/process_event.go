package jobs

import (
	"context"
	"fmt"

	"lectern"
)

// applyEvent gives v, the video of recording rec, the day and the
// co-owners of the scheduled event its deposit was recorded in
// (lectern.EventVideo); nothing when there was none, or when the event
// was deleted since. Its title came with the recording (the Router's, or
// the add form's proposal).
func (p *processing) applyEvent(ctx context.Context, rec *lectern.Recording, v *lectern.Video) error {
	if p.treatments == nil || p.events == nil || rec.TreatmentID == nil {
		return nil
	}
	t, err := p.treatments.FindTreatmentByID(ctx, *rec.TreatmentID)
	if lectern.ErrorCode(err) == lectern.ENOTFOUND {
		return nil
	} else if err != nil {
		return fmt.Errorf("load treatment %d of recording %d: %w", *rec.TreatmentID, rec.ID, err)
	}
	if t.EventID == nil {
		return nil
	}
	ev, err := p.events.FindEventByID(ctx, *t.EventID)
	if lectern.ErrorCode(err) == lectern.ENOTFOUND {
		return nil
	} else if err != nil {
		return fmt.Errorf("load event %d of recording %d: %w", *t.EventID, rec.ID, err)
	}
	lectern.EventVideo(v, ev, p.location)
	return nil
}
