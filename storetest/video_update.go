package storetest

import (
	"context"
	"testing"

	"lectern"
)

// testVideoUpdate: a video's managers edit it (links replaced, unknown
// references refused with the field, nothing saved), and the filters of
// "My videos": draft, and published by someone for another owner.
func testVideoUpdate(t *testing.T, open Open) {
	ctx := context.Background()
	s := open(t)
	vt := &lectern.VideoType{Title: "Course"}
	vt2 := &lectern.VideoType{Title: "Seminar"}
	owner := &lectern.User{Username: "owner", IsActive: true}
	helper := &lectern.User{Username: "helper", IsActive: true}
	manager := &lectern.User{Username: "manager", IsActive: true}
	g := &lectern.Group{Name: "students"}
	for _, err := range []error{s.Types.CreateVideoType(ctx, vt), s.Types.CreateVideoType(ctx, vt2), s.Users.CreateUser(ctx, owner),
		s.Users.CreateUser(ctx, helper), s.Users.CreateUser(ctx, manager), s.Groups.CreateGroup(ctx, g)} {
		if err != nil {
			t.Fatal(err)
		}
	}
	r := lectern.NewRecorder()
	r.Name, r.AddressIP, r.Directory, r.TypeID = "A", "10.0.0.1", "a", vt.ID
	if err := s.Recorders.CreateRecorder(ctx, r); err != nil {
		t.Fatal(err)
	}
	rec := &lectern.Recording{RecorderID: r.ID, UserID: owner.ID, Title: "Lecture", Type: "video", SourceFile: "/r/a/x.mp4",
		PublishedByID: &manager.ID}
	if err := s.Recordings.CreateRecording(ctx, rec); err != nil {
		t.Fatal(err)
	}
	if got, err := s.Recordings.FindRecordingByID(ctx, rec.ID); err != nil || got.PublishedByID == nil || *got.PublishedByID != manager.ID {
		t.Fatalf("recording's publisher: %+v, %v", got, err)
	}
	v := lectern.NewVideo(rec, r)
	if err := s.Videos.CreateVideo(ctx, v); err != nil {
		t.Fatal(err)
	}
	own := &lectern.Video{Title: "Mine", OwnerID: manager.ID, TypeID: vt.ID, IsDraft: true}
	if err := s.Videos.CreateVideo(ctx, own); err != nil {
		t.Fatal(err)
	}

	ed := *v
	ed.Title, ed.Description, ed.DateEvt, ed.TypeID, ed.IsDraft = "  Optique ", "Lenses", "2026-12-01", vt2.ID, false
	ed.AdditionalOwners, ed.Groups, ed.Tags, ed.MainLang, ed.Licence = []int64{helper.ID, owner.ID}, []int64{g.ID}, "optics", "EN", "by"
	if err := s.Videos.UpdateVideo(ctx, &ed); err != nil {
		t.Fatal(err)
	}
	got, err := s.Videos.FindVideoByID(ctx, v.ID)
	if err != nil || got.Title != "Optique" || got.Slug != "optique" || got.Description != "Lenses" || got.DateEvt != "2026-12-01" ||
		got.TypeID != vt2.ID || got.IsDraft || !got.IsRestricted || len(got.AdditionalOwners) != 1 || got.AdditionalOwners[0] != helper.ID ||
		len(got.Groups) != 1 || got.MainLang != "en" || got.Licence != "by" || got.Tags != "optics" {
		t.Fatalf("updated video %+v, %v", got, err)
	}
	for field, change := range map[string]func(*lectern.Video){
		"type":                      func(v *lectern.Video) { v.TypeID = 9999 },
		"additional_owners":         func(v *lectern.Video) { v.AdditionalOwners = []int64{9999} },
		"restrict_access_to_groups": func(v *lectern.Video) { v.Groups = []int64{9999} },
		"title":                     func(v *lectern.Video) { v.Title = " " },
	} {
		bad := *got
		bad.Description = "changed"
		change(&bad)
		if err := s.Videos.UpdateVideo(ctx, &bad); lectern.ErrorCode(err) != lectern.EINVALID || lectern.ErrorFields(err)[field] == "" {
			t.Errorf("update with a bad %s: %v (fields %v)", field, err, lectern.ErrorFields(err))
		}
		if after, _ := s.Videos.FindVideoByID(ctx, v.ID); after.Description != "Lenses" || len(after.Groups) != 1 {
			t.Errorf("a refused update (%s) changed the video: %+v", field, after)
		}
	}
	missing := *got
	missing.ID = 9999
	if err := s.Videos.UpdateVideo(ctx, &missing); lectern.ErrorCode(err) != lectern.ENOTFOUND {
		t.Errorf("update of a missing video: %v", err)
	}

	count := func(f lectern.VideoFilter) int {
		_, n, err := s.Videos.FindVideos(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	yes, no := true, false
	if n := count(lectern.VideoFilter{PublishedBy: &manager.ID}); n != 1 {
		t.Errorf("published by the manager: %d, want 1 (their own video is not one)", n)
	}
	if n := count(lectern.VideoFilter{PublishedBy: &owner.ID}); n != 0 {
		t.Errorf("published by the owner: %d, want 0", n)
	}
	if n := count(lectern.VideoFilter{OwnerID: &manager.ID, Draft: &yes}); n != 1 {
		t.Errorf("the manager's drafts: %d, want 1", n)
	}
	if n := count(lectern.VideoFilter{OwnerID: &owner.ID, Draft: &no}); n != 1 {
		t.Errorf("the owner's public videos: %d, want 1", n)
	}
	if n := count(lectern.VideoFilter{OwnerID: &owner.ID, Draft: &yes}); n != 0 {
		t.Errorf("the owner's drafts: %d, want 0", n)
	}
	// Made a co-owner, the publisher sees it as theirs, not as published by them.
	ed2 := *got
	ed2.AdditionalOwners = []int64{helper.ID, manager.ID}
	if err := s.Videos.UpdateVideo(ctx, &ed2); err != nil {
		t.Fatal(err)
	}
	if n := count(lectern.VideoFilter{PublishedBy: &manager.ID}); n != 0 {
		t.Errorf("published by the manager once a co-owner: %d, want 0", n)
	}
}
