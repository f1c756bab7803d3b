package storetest

import (
	"context"
	"fmt"
	"testing"

	"lectern"
)

func testVideos(t *testing.T, open Open) {
	ctx := context.Background()
	s := open(t)
	vt := &lectern.VideoType{Title: "Course"}
	s.Types.CreateVideoType(ctx, vt)
	owner := &lectern.User{Username: "owner", IsActive: true}
	helper := &lectern.User{Username: "helper", IsActive: true}
	s.Users.CreateUser(ctx, owner)
	s.Users.CreateUser(ctx, helper)
	g := &lectern.Group{Name: "students"}
	s.Groups.CreateGroup(ctx, g)
	r := lectern.NewRecorder()
	r.Name, r.AddressIP, r.Directory, r.TypeID = "A", "10.0.0.1", "a", vt.ID
	r.AdditionalUsers, r.RestrictAccessToGroups, r.Tags, r.IsRestricted = []int64{helper.ID}, []int64{g.ID}, "physics", true
	if err := s.Recorders.CreateRecorder(ctx, r); err != nil {
		t.Fatal(err)
	}
	rec := &lectern.Recording{RecorderID: r.ID, UserID: owner.ID, Title: "Optique géométrique", Type: "video", SourceFile: "/r/a/x.mp4"}
	if err := s.Recordings.CreateRecording(ctx, rec); err != nil {
		t.Fatal(err)
	}
	if _, n, err := s.Videos.FindVideos(ctx, lectern.VideoFilter{RecordingID: &rec.ID}); err != nil || n != 0 {
		t.Fatalf("videos of the recording before one is made: %d, %v", n, err)
	}
	v := lectern.NewVideo(rec, r)
	v.DateEvt = "2024-03-12"
	if err := s.Videos.CreateVideo(ctx, v); err != nil {
		t.Fatal(err)
	}
	if _, n, err := s.Videos.FindVideos(ctx, lectern.VideoFilter{RecordingID: &rec.ID}); err != nil || n != 1 {
		t.Fatalf("videos of the recording once one is made: %d, %v", n, err)
	}
	again := lectern.NewVideo(rec, r)
	if err := s.Videos.CreateVideo(ctx, again); lectern.ErrorCode(err) != lectern.ECONFLICT || again.ID != v.ID {
		t.Fatalf("second video of one recording: %v, id %d want %d", err, again.ID, v.ID)
	}
	got, err := s.Videos.FindVideoByID(ctx, v.ID)
	if err != nil || got.Slug != "optique-geometrique" || got.TypeID != vt.ID || len(got.AdditionalOwners) != 1 ||
		len(got.Groups) != 1 || !got.IsRestricted || !got.IsDraft || got.Tags != "physics" || got.EncodingState != lectern.EncodingPending ||
		got.DateEvt != "2024-03-12" {
		t.Fatalf("video %+v %v", got, err)
	}
	if err := s.Videos.SetSource(ctx, v.ID, "videos/1/source.mp4"); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.Videos.FindVideoByID(ctx, v.ID); got.SourceFile != "videos/1/source.mp4" {
		t.Fatalf("source %q", got.SourceFile)
	}
	if err := s.Videos.SetEncoding(ctx, v.ID, lectern.EncodingRunning, 42, ""); err != nil {
		t.Fatal(err)
	}
	// A staged encode's first step: the remux ready, the 360p coming;
	// the state stays running, the video is playable.
	part := &lectern.EncodeResult{Info: lectern.MediaInfo{Duration: 3.04}, Thumbnail: "thumbnail.jpg", Renditions: []lectern.Rendition{
		{Name: "720p", Kind: lectern.RenditionMP4, Path: "720p.mp4", Width: 1280, Height: 720, State: lectern.RenditionReady},
		{Name: "360p", Kind: lectern.RenditionMP4, Path: "360p.mp4", Width: 640, Height: 360, State: lectern.RenditionComing},
	}}
	if err := s.Videos.SetRenditions(ctx, v.ID, part); err != nil {
		t.Fatal(err)
	}
	got, _ = s.Videos.FindVideoByID(ctx, v.ID)
	if got.EncodingState != lectern.EncodingRunning || got.EncodingProgress != 42 || got.Duration != 3.04 || !got.Playable() ||
		len(got.Renditions) != 2 || fmt.Sprint(got.Coming()) != "[360p]" || got.Thumbnail != "thumbnail.jpg" {
		t.Fatalf("video after its first renditions %+v", got)
	}
	if err := s.Videos.SetRenditions(ctx, v.ID+1000, part); lectern.ErrorCode(err) != lectern.ENOTFOUND {
		t.Errorf("SetRenditions of a missing video: %v", err)
	}
	res := &lectern.EncodeResult{Info: lectern.MediaInfo{Duration: 3.04}, Thumbnail: "thumbnail.jpg", Renditions: []lectern.Rendition{
		{Name: "360p", Kind: lectern.RenditionMP4, Path: "360p.mp4", Width: 640, Height: 360, Size: 1000},
		{Name: "master", Kind: lectern.RenditionHLS, Path: "hls/master.m3u8"},
	}}
	for i := 0; i < 2; i++ { // a retried encode replaces the renditions
		if err := s.Videos.SetEncoded(ctx, v.ID, res); err != nil {
			t.Fatal(err)
		}
	}
	got, _ = s.Videos.FindVideoByID(ctx, v.ID)
	if got.EncodingState != lectern.EncodingDone || got.EncodingProgress != 100 || got.Duration != 3.04 || len(got.Renditions) != 2 ||
		got.Renditions[0].State != lectern.RenditionReady || len(got.Coming()) != 0 {
		t.Fatalf("encoded video %+v", got)
	}
	if err := s.Videos.SetThumbnail(ctx, v.ID, "thumbnail-12500.jpg"); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.Videos.FindVideoByID(ctx, v.ID); got.Thumbnail != "thumbnail-12500.jpg" {
		t.Errorf("thumbnail %q after SetThumbnail", got.Thumbnail)
	}
	if err := s.Videos.SetThumbnail(ctx, v.ID+1000, "x.jpg"); lectern.ErrorCode(err) != lectern.ENOTFOUND {
		t.Errorf("SetThumbnail of a missing video: %v", err)
	}
	for _, who := range []int64{owner.ID, helper.ID} {
		if _, n, _ := s.Videos.FindVideos(ctx, lectern.VideoFilter{OwnerID: &who}); n != 1 {
			t.Errorf("videos of user %d: %d, want 1", who, n)
		}
	}
	if err := s.Videos.DeleteVideo(ctx, v.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Videos.FindVideoByID(ctx, v.ID); lectern.ErrorCode(err) != lectern.ENOTFOUND {
		t.Fatalf("after delete: %v", err)
	}
}
