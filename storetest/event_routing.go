package storetest

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"lectern"
)

// testEventRouting: the treatment filters know routing by schedule (a
// deposit recorded in an event with an owner is the owner's: Member shows
// it to them too, For to them instead of the recorder's people), and a
// missed recording's alert is raised once, its mail with it.
func testEventRouting(t *testing.T, open Open) {
	ctx := context.Background()
	s := open(t)
	vt := &lectern.VideoType{Title: "Course"}
	s.Types.CreateVideoType(ctx, vt)
	owner := &lectern.User{Username: "owner", IsActive: true, IsStaff: true}
	mgr := &lectern.User{Username: "mgr", IsActive: true, IsStaff: true}
	other := &lectern.User{Username: "other", IsActive: true, IsStaff: true}
	for _, u := range []*lectern.User{owner, mgr, other} {
		if err := s.Users.CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
	}
	rec := lectern.NewRecorder()
	rec.Name, rec.AddressIP, rec.Directory, rec.TypeID, rec.UserID = "Room", "10.0.0.1", "room", vt.ID, &mgr.ID
	if err := s.Recorders.CreateRecorder(ctx, rec); err != nil {
		t.Fatal(err)
	}
	day := time.Date(2026, 12, 14, 0, 0, 0, 0, time.UTC)
	owned := &lectern.Event{RecorderID: rec.ID, Start: day.Add(10 * time.Hour), End: day.Add(11 * time.Hour), Title: "Owned", OwnerID: &owner.ID}
	unowned := &lectern.Event{RecorderID: rec.ID, Start: day.Add(12 * time.Hour), End: day.Add(13 * time.Hour), Title: "Unmapped"}
	for _, e := range []*lectern.Event{owned, unowned} {
		if err := s.Events.CreateEvent(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	for i, ev := range []*lectern.Event{nil, owned, unowned} {
		tr := &lectern.Treatment{File: fmt.Sprintf("/r/room/%d.mp4", i), FileSize: 1, RecorderID: &rec.ID, Type: "video",
			State: lectern.TreatmentNotified, DetectedBy: lectern.SourceFTP, DateAdded: day}
		if ev != nil {
			tr.EventID = &ev.ID
		}
		if _, err := s.Treatments.CreateTreatment(ctx, tr); err != nil {
			t.Fatal(err)
		}
	}
	for name, c := range map[string]struct {
		f    lectern.TreatmentFilter
		want int
	}{
		"the manager's":       {lectern.TreatmentFilter{Member: &mgr.ID}, 3},
		"the owner's":         {lectern.TreatmentFilter{Member: &owner.ID}, 1},
		"another's":           {lectern.TreatmentFilter{Member: &other.ID}, 0},
		"for the manager":     {lectern.TreatmentFilter{For: &mgr.ID}, 2},
		"for the owner":       {lectern.TreatmentFilter{For: &owner.ID}, 1},
		"for another":         {lectern.TreatmentFilter{For: &other.ID}, 0},
		"for the owner, kept": {lectern.TreatmentFilter{For: &owner.ID, EventID: &owned.ID}, 1},
	} {
		if n, err := s.Treatments.CountTreatments(ctx, c.f); err != nil || n != c.want {
			t.Errorf("%s: %d treatments (%v), want %d", name, n, err, c.want)
		}
	}

	// The alert: of eight callers at once, one raises it, with its mail.
	alerts, ok := s.Messages.(lectern.MissedAlertService)
	if !ok {
		t.Fatal("the message service does not raise missed-recording alerts")
	}
	at := day.Add(20 * time.Hour)
	var wg sync.WaitGroup
	var mu sync.Mutex
	raised := 0
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			msg := &lectern.Message{Kind: lectern.MessageMissedRecording, From: "pod@x", To: []string{"mgr@x"}, Subject: "Missed", Text: "t", HTML: "h"}
			ok, err := alerts.AlertMissedEvent(ctx, unowned.ID, at, msg)
			if err != nil {
				t.Error(err)
			}
			if ok {
				mu.Lock()
				raised++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if raised != 1 {
		t.Errorf("%d alerts raised, want 1", raised)
	}
	if n, err := s.Messages.CountMessages(ctx, lectern.MessageFilter{}); err != nil || n != 1 {
		t.Errorf("%d messages (%v), want the alert's one", n, err)
	}
	list, _, err := s.Events.FindEvents(ctx, lectern.EventFilter{MissedSince: at.Add(-time.Hour)})
	if err != nil || len(list) != 1 || list[0].ID != unowned.ID || !list[0].MissedAlertAt.Equal(at) {
		t.Errorf("missed since: %v %v, want the alerted event", list, err)
	}
	if list, _, _ := s.Events.FindEvents(ctx, lectern.EventFilter{MissedSince: at.Add(time.Hour)}); len(list) != 0 {
		t.Errorf("missed since after the alert: %d events", len(list))
	}
	if list, _, _ := s.Events.FindEvents(ctx, lectern.EventFilter{MissedBefore: at}); len(list) != 1 || list[0].ID != owned.ID {
		t.Errorf("missed before, after the alert: %v, want only the other event", list)
	}
	if _, err := alerts.AlertMissedEvent(ctx, 999999, at, nil); lectern.ErrorCode(err) != lectern.ENOTFOUND {
		t.Errorf("alert of a missing event: %v, want ENOTFOUND", err)
	}
}
