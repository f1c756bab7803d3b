package storetest

import (
	"context"
	"testing"
	"time"

	"lectern"
)

// testFeeds: a recorder's iCalendar feeds are stored with their rule and
// last report, claimed by one import at a time, and deleted with the
// events no recording used.
func testFeeds(t *testing.T, open Open) {
	ctx := context.Background()
	s := open(t)
	vt := &lectern.VideoType{Title: "Course"}
	s.Types.CreateVideoType(ctx, vt)
	r := lectern.NewRecorder()
	r.Name, r.AddressIP, r.Directory, r.TypeID = "Room", "10.0.0.1", "room", vt.ID
	if err := s.Recorders.CreateRecorder(ctx, r); err != nil {
		t.Fatal(err)
	}

	for _, bad := range []*lectern.Feed{
		{RecorderID: r.ID, Name: "x", URL: "file:///etc/passwd"},
		{RecorderID: r.ID, Name: "x", Rule: lectern.FeedRule{Kind: lectern.FeedRuleRegexp, Property: "SUMMARY", Pattern: "(?P<who>x)"}},
		{RecorderID: r.ID, Name: "x", RefreshInterval: time.Second},
		{RecorderID: r.ID + 100, Name: "x"},
	} {
		if err := s.Feeds.CreateFeed(ctx, bad); lectern.ErrorCode(err) != lectern.EINVALID {
			t.Errorf("create %+v: %v, want EINVALID", bad, err)
		}
	}
	f := &lectern.Feed{RecorderID: r.ID, Name: " Amphi B ", URL: "https://ade.example/feed.ics", RefreshInterval: time.Hour,
		Rule: lectern.FeedRule{Kind: lectern.FeedRuleRegexp, Property: "DESCRIPTION", Pattern: `login: (?P<user>\w+)`}}
	if err := s.Feeds.CreateFeed(ctx, f); err != nil {
		t.Fatal(err)
	}
	up := &lectern.Feed{RecorderID: r.ID, Name: "Uploaded"}
	if err := s.Feeds.CreateFeed(ctx, up); err != nil {
		t.Fatal(err)
	}
	got, err := s.Feeds.FindFeedByID(ctx, f.ID)
	if err != nil || got.Name != "Amphi B" || got.RefreshInterval != time.Hour || got.Rule != f.Rule || got.LastReport != nil {
		t.Fatalf("found %+v, %v", got, err)
	}
	if list, err := s.Feeds.FindFeeds(ctx, lectern.FeedFilter{URLOnly: true}); err != nil || len(list) != 1 || list[0].ID != f.ID {
		t.Errorf("URL feeds %v, %v", list, err)
	}
	if list, err := s.Feeds.FindFeeds(ctx, lectern.FeedFilter{RecorderID: &r.ID}); err != nil || len(list) != 2 {
		t.Errorf("recorder's feeds %v, %v", list, err)
	}
	got.Rule = lectern.FeedRule{Kind: lectern.FeedRuleOrganizer, Pattern: "ignored"}
	if err := s.Feeds.UpdateFeed(ctx, got); err != nil {
		t.Fatal(err)
	}
	if got, _ = s.Feeds.FindFeedByID(ctx, f.ID); got.Rule != (lectern.FeedRule{Kind: lectern.FeedRuleOrganizer}) {
		t.Errorf("rule %+v after update", got.Rule)
	}

	// One import at a time; a periodic pass does not import again a feed
	// imported since it looked.
	now := time.Date(2026, 1, 5, 8, 0, 0, 0, time.UTC)
	if ok, err := s.Feeds.ClaimFeed(ctx, f.ID, now, now.Add(time.Minute), time.Time{}); !ok || err != nil {
		t.Fatalf("claim: %v, %v", ok, err)
	}
	if ok, _ := s.Feeds.ClaimFeed(ctx, f.ID, now.Add(time.Second), now.Add(time.Minute), time.Time{}); ok {
		t.Error("a claimed feed was claimed again")
	}
	report := &lectern.FeedReport{Created: 3, Unmapped: 1, UnmappedItems: []lectern.FeedReportItem{{Key: "a|b", Title: "Algèbre", Reason: lectern.FeedReasonNoAccount, Detail: "x@y"}}}
	if err := s.Feeds.FinishFeedImport(ctx, f.ID, now.Add(time.Second), report, ""); err != nil {
		t.Fatal(err)
	}
	if ok, _ := s.Feeds.ClaimFeed(ctx, f.ID, now.Add(2*time.Second), now.Add(time.Minute), now); ok {
		t.Error("a feed imported after the pass looked was claimed by it")
	}
	if ok, _ := s.Feeds.ClaimFeed(ctx, f.ID, now.Add(2*time.Second), now.Add(time.Minute), time.Time{}); !ok {
		t.Error("a released feed could not be claimed")
	}
	if err := s.Feeds.FinishFeedImport(ctx, f.ID, now.Add(3*time.Second), nil, "Could not fetch the feed."); err != nil {
		t.Fatal(err)
	}
	got, _ = s.Feeds.FindFeedByID(ctx, f.ID)
	if got.LastReport == nil || got.LastReport.Created != 3 || got.LastReport.UnmappedItems[0].Title != "Algèbre" ||
		!got.LastImportAt.Equal(now.Add(time.Second)) || !got.LastAttemptAt.Equal(now.Add(3*time.Second)) || got.LastError != "Could not fetch the feed." {
		t.Errorf("after two imports: %+v", got)
	}
	if ok, _ := s.Feeds.ClaimFeed(ctx, f.ID, now.Add(20*time.Minute), now.Add(30*time.Minute), time.Time{}); !ok {
		t.Error("an expired lease was not taken over")
	}
	// Not deleted while an import holds it (the store's clock is now's).
	if ok, _ := s.Feeds.ClaimFeed(ctx, up.ID, time.Now(), time.Now().Add(time.Hour), time.Time{}); !ok {
		t.Fatal("could not claim the uploaded feed")
	}
	if err := s.Feeds.DeleteFeed(ctx, up.ID); lectern.ErrorCode(err) != lectern.ECONFLICT {
		t.Errorf("delete a feed being imported: %v", err)
	}
	s.Feeds.FinishFeedImport(ctx, up.ID, time.Now(), nil, "")

	// Deleted: its unused events go, its used one stays, made by hand.
	day := time.Date(2026, 1, 6, 8, 0, 0, 0, time.UTC)
	var evs []*lectern.Event
	for i, feed := range []*int64{&f.ID, &f.ID, nil, &up.ID} {
		e := &lectern.Event{RecorderID: r.ID, Title: "E", Start: day.Add(time.Duration(i) * time.Hour), End: day.Add(time.Duration(i)*time.Hour + 30*time.Minute),
			FeedID: feed, FeedKey: "k"}
		if err := s.Events.CreateEvent(ctx, e); err != nil {
			t.Fatal(err)
		}
		evs = append(evs, e)
	}
	if err := s.Events.MarkEventUsed(ctx, evs[1].ID, day); err != nil {
		t.Fatal(err)
	}
	if err := s.Feeds.DeleteFeed(ctx, f.ID); err != nil {
		t.Fatal(err)
	}
	if err := s.Feeds.DeleteFeed(ctx, f.ID); lectern.ErrorCode(err) != lectern.ENOTFOUND {
		t.Errorf("delete again: %v", err)
	}
	left, _, _ := s.Events.FindEvents(ctx, lectern.EventFilter{RecorderID: &r.ID})
	if len(left) != 3 || left[0].ID != evs[1].ID || left[0].FeedID != nil || left[1].ID != evs[2].ID || left[2].ID != evs[3].ID {
		t.Errorf("events left: %+v", left)
	}
}
