package storetest

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"lectern"
)

// testEvents: a recorder's schedule keeps no two events overlapping (even
// written at once), finds the event at a time, and marks events used and
// missed once.
func testEvents(t *testing.T, open Open) {
	ctx := context.Background()
	s := open(t)
	vt := &lectern.VideoType{Title: "Course"}
	s.Types.CreateVideoType(ctx, vt)
	owner := &lectern.User{Username: "owner", FirstName: "Ada", LastName: "Lovelace", IsActive: true}
	co := &lectern.User{Username: "co", IsActive: true}
	mgr := &lectern.User{Username: "mgr", IsActive: true, IsStaff: true}
	for _, u := range []*lectern.User{owner, co, mgr} {
		if err := s.Users.CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
	}
	var recs []*lectern.Recorder
	for i, dir := range []string{"a", "b"} {
		r := lectern.NewRecorder()
		r.Name, r.AddressIP, r.Directory, r.TypeID = "Room "+dir, "10.0.0."+string(rune('1'+i)), dir, vt.ID
		if i == 0 {
			r.UserID = &mgr.ID
		}
		if err := s.Recorders.CreateRecorder(ctx, r); err != nil {
			t.Fatal(err)
		}
		recs = append(recs, r)
	}
	day := time.Date(2026, 12, 14, 0, 0, 0, 0, time.UTC)
	at := func(h, m int) time.Time { return day.Add(time.Duration(h)*time.Hour + time.Duration(m)*time.Minute) }

	e := &lectern.Event{RecorderID: recs[0].ID, Start: at(10, 0), End: at(12, 0), Title: " Algebra 1 ", OwnerID: &owner.ID,
		AdditionalOwners: []int64{co.ID, co.ID}, Series: "MATH101"}
	if err := s.Events.CreateEvent(ctx, e); err != nil {
		t.Fatal(err)
	}
	if e.ID == 0 || len(e.UID) != 36 || e.Title != "Algebra 1" || e.CreatedAt.IsZero() {
		t.Fatalf("created %+v", e)
	}
	got, err := s.Events.FindEventByUID(ctx, e.UID)
	if err != nil || got.ID != e.ID || !got.Start.Equal(at(10, 0)) || got.OwnerName != "Ada Lovelace" ||
		got.RecorderName != "Room a" || len(got.AdditionalOwners) != 1 || got.AdditionalOwners[0] != co.ID {
		t.Fatalf("found %+v, %v", got, err)
	}

	// Overlaps are refused, naming the event in the way; touching slots
	// and other recorders' slots are free.
	clash := &lectern.Event{RecorderID: recs[0].ID, Start: at(11, 30), End: at(13, 0), Title: "Physics"}
	err = s.Events.CreateEvent(ctx, clash)
	var c *lectern.EventConflict
	if lectern.ErrorCode(err) != lectern.ECONFLICT || !errors.As(err, &c) || c.ID != e.ID || c.Title != "Algebra 1" {
		t.Fatalf("overlap: %v", err)
	}
	for _, ok := range []*lectern.Event{
		{RecorderID: recs[0].ID, Start: at(12, 0), End: at(13, 0), Title: "Physics"},
		{RecorderID: recs[1].ID, Start: at(11, 0), End: at(12, 30), Title: "Chemistry"},
	} {
		if err := s.Events.CreateEvent(ctx, ok); err != nil {
			t.Fatalf("free slot %s: %v", ok.Title, err)
		}
	}
	moved := *got
	moved.Start, moved.End = at(12, 30), at(13, 30) // onto Physics
	if err := s.Events.UpdateEvent(ctx, &moved); lectern.ErrorCode(err) != lectern.ECONFLICT {
		t.Fatalf("update onto another: %v", err)
	}
	moved.Start, moved.End, moved.AdditionalOwners = at(9, 0), at(11, 0), nil // onto itself only
	if err := s.Events.UpdateEvent(ctx, &moved); err != nil {
		t.Fatal(err)
	}
	if g, _ := s.Events.FindEventByID(ctx, e.ID); len(g.AdditionalOwners) != 0 || !g.Start.Equal(at(9, 0)) {
		t.Fatalf("updated %+v", g)
	}
	if err := s.Events.CreateEvent(ctx, &lectern.Event{RecorderID: recs[0].ID, Start: at(20, 0), End: at(19, 0), Title: "x"}); lectern.ErrorCode(err) != lectern.EINVALID {
		t.Fatalf("end before start: %v", err)
	}
	if err := s.Events.CreateEvent(ctx, &lectern.Event{RecorderID: recs[0].ID, Start: at(20, 0), End: at(21, 0), Title: "x", UID: e.UID}); lectern.ErrorCode(err) != lectern.ECONFLICT {
		t.Fatalf("same uid: %v", err)
	}
	if err := s.Events.CreateEvent(ctx, &lectern.Event{RecorderID: recs[0].ID + 99, Start: at(20, 0), End: at(21, 0), Title: "x"}); lectern.ErrorCode(err) != lectern.EINVALID {
		t.Fatalf("unknown recorder: %v", err)
	}

	// Two writers at once: one slot, one winner.
	var wg sync.WaitGroup
	errs := make([]error, 4)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = s.Events.CreateEvent(ctx, &lectern.Event{RecorderID: recs[1].ID, Start: at(15, i), End: at(16, 0), Title: "Race"})
		}()
	}
	wg.Wait()
	won := 0
	for _, err := range errs {
		if err == nil {
			won++
		} else if lectern.ErrorCode(err) != lectern.ECONFLICT {
			t.Fatalf("racing writer: %v", err)
		}
	}
	if won != 1 {
		t.Fatalf("%d racing writers won", won)
	}

	// Finding by time, recorder, member.
	if ev, err := s.Events.EventAt(ctx, recs[0].ID, at(12, 5), 10*time.Minute); err != nil || ev.Title != "Physics" {
		t.Fatalf("event at 12:05: %+v %v", ev, err)
	}
	if ev, err := s.Events.EventAt(ctx, recs[0].ID, at(11, 4), 5*time.Minute); err != nil || ev.ID != e.ID {
		t.Fatalf("event at 11:04 (4 minutes after Algebra, 56 before Physics): %+v %v", ev, err)
	}
	if _, err := s.Events.EventAt(ctx, recs[0].ID, at(11, 30), 10*time.Minute); lectern.ErrorCode(err) != lectern.ENOTFOUND {
		t.Fatalf("event at 11:30: %v", err)
	}
	list, n, err := s.Events.FindEvents(ctx, lectern.EventFilter{RecorderID: &recs[0].ID, From: at(10, 0), To: at(23, 0)})
	if err != nil || n != 2 || len(list) != 2 || list[0].ID != e.ID {
		t.Fatalf("recorder's events: %d %v", n, err)
	}
	for _, tc := range []struct {
		user *lectern.User
		want int
	}{{mgr, 2}, {owner, 1}, {co, 0}} {
		if _, n, err := s.Events.FindEvents(ctx, lectern.EventFilter{Member: &tc.user.ID}); err != nil || n != tc.want {
			t.Fatalf("events of %s: %d %v", tc.user.Username, n, err)
		}
	}

	// Used and missed, once each.
	if err := s.Events.MarkEventUsed(ctx, e.ID, at(11, 0)); err != nil {
		t.Fatal(err)
	}
	s.Events.MarkEventUsed(ctx, e.ID, at(12, 0))
	if g, _ := s.Events.FindEventByID(ctx, e.ID); !g.UsedAt.Equal(at(11, 0)) {
		t.Fatalf("used at %v", g.UsedAt)
	}
	missed, _, err := s.Events.FindEvents(ctx, lectern.EventFilter{MissedBefore: at(23, 0)})
	if err != nil || len(missed) != 3 { // Physics, Chemistry, Race (Algebra was used)
		t.Fatalf("missed: %d %v", len(missed), err)
	}
	first, err := s.Events.MarkEventMissed(ctx, missed[0].ID, at(23, 0))
	again, _ := s.Events.MarkEventMissed(ctx, missed[0].ID, at(23, 1))
	if err != nil || !first || again {
		t.Fatalf("missed once: %v %v %v", first, again, err)
	}
	if err := s.Events.SetEventAgentState(ctx, e.ID, "capturing", at(9, 1)); err != nil {
		t.Fatal(err)
	}

	// A deposit routed by the event keeps its owner when the event goes.
	tr := &lectern.Treatment{File: "/root/a/x.mp4", RecorderID: &recs[0].ID, Type: "video", State: lectern.TreatmentToNotify, EventID: &e.ID}
	if _, err := s.Treatments.CreateTreatment(ctx, tr); err != nil || tr.EventID == nil || *tr.EventID != e.ID {
		t.Fatalf("treatment with event: %+v %v", tr, err)
	}
	if l, _, _ := s.Treatments.FindTreatments(ctx, lectern.TreatmentFilter{EventID: &e.ID}); len(l) != 1 {
		t.Fatalf("treatments of the event: %d", len(l))
	}
	if err := s.Events.DeleteEvent(ctx, e.ID); err != nil {
		t.Fatal(err)
	}
	if err := s.Events.DeleteEvent(ctx, e.ID); lectern.ErrorCode(err) != lectern.ENOTFOUND {
		t.Fatalf("second delete: %v", err)
	}
	if g, err := s.Treatments.FindTreatmentByID(ctx, tr.ID); err != nil || g.EventID != nil {
		t.Fatalf("treatment after its event's deletion: %+v %v", g, err)
	}
}

// testTreatmentParts: a deposit of several files keeps its parts in
// order; a part's file is found as the deposit's, and is no other
// deposit's.
func testTreatmentParts(t *testing.T, open Open) {
	ctx := context.Background()
	s := open(t)
	parts := []lectern.TreatmentPart{
		{Position: 1, Flavor: lectern.FlavorPresenter, File: "/root/a/.opencast/m/presenter-1.mp4", Size: 10},
		{Position: 1, Flavor: lectern.FlavorPresentation, File: "/root/a/.opencast/m/presentation-1.mp4", Size: 30},
		{Position: 2, Flavor: lectern.FlavorPresenter, File: "/root/a/.opencast/m/presenter-2.mp4", Size: 20},
	}
	tr := &lectern.Treatment{File: parts[0].File, Type: "video", State: lectern.TreatmentToReport, Parts: parts}
	if created, err := s.Treatments.CreateTreatment(ctx, tr); err != nil || !created {
		t.Fatal(created, err)
	}
	if len(tr.Parts) != 3 || tr.Parts[1].File != parts[2].File || tr.Parts[2].Flavor != lectern.FlavorPresentation {
		t.Fatalf("stored parts %+v", tr.Parts)
	}
	if p := tr.PartsOf(lectern.FlavorPresenter); len(p) != 2 || p[1].Position != 2 {
		t.Fatalf("presenter parts %+v", p)
	}
	for _, f := range []string{parts[0].File, parts[2].File} {
		l, _, err := s.Treatments.FindTreatments(ctx, lectern.TreatmentFilter{File: &f})
		if err != nil || len(l) != 1 || l[0].ID != tr.ID || len(l[0].Parts) != 3 {
			t.Fatalf("found by %s: %v", f, err)
		}
	}
	files, err := s.Treatments.TreatedFiles(ctx)
	if _, ok := files[parts[1].File]; err != nil || !ok {
		t.Fatalf("treated files %v %v", files, err)
	}
	// A part of a deposit cannot be another deposit, nor a part of one.
	if _, err := s.Treatments.CreateTreatment(ctx, &lectern.Treatment{File: "/root/a/other.mp4", Type: "video",
		State: lectern.TreatmentToReport, Parts: []lectern.TreatmentPart{{Position: 1, Flavor: lectern.FlavorPresenter,
			File: "/root/a/other.mp4"}, {Position: 2, Flavor: lectern.FlavorPresenter, File: parts[2].File}}}); lectern.ErrorCode(err) != lectern.ECONFLICT {
		t.Fatalf("a part taken twice: %v", err)
	}
	f := "/root/a/other.mp4"
	if _, n, _ := s.Treatments.FindTreatments(ctx, lectern.TreatmentFilter{File: &f}); n != 0 {
		t.Fatal("the refused deposit was made")
	}
	if got, err := s.Treatments.FindTreatmentByID(ctx, tr.ID); err != nil || len(got.Parts) != 3 {
		t.Fatalf("by id: %+v %v", got, err)
	}
}
