package storetest

import (
	"context"
	"fmt"
	"testing"

	"lectern"
)

func testEnrichments(t *testing.T, open Open) {
	ctx := context.Background()
	s := open(t)
	vt := &lectern.VideoType{Title: "Course"}
	owner := &lectern.User{Username: "owner", IsActive: true}
	if err := s.Types.CreateVideoType(ctx, vt); err != nil {
		t.Fatal(err)
	}
	if err := s.Users.CreateUser(ctx, owner); err != nil {
		t.Fatal(err)
	}
	v := &lectern.Video{Title: "Slides", OwnerID: owner.ID, TypeID: vt.ID}
	if err := s.Videos.CreateVideo(ctx, v); err != nil {
		t.Fatal(err)
	}
	if list, err := s.Enrichments.FindEnrichments(ctx, v.ID); err != nil || len(list) != 0 {
		t.Fatalf("enrichments of a new video: %v, %v", list, err)
	}
	slides := lectern.NewSlides(v.ID, []lectern.SlideBegin{{Image: "slides/2.png", Begin: 12.5, Width: 800, Height: 600},
		{Image: "slides/1.jpg", Begin: 0}}, false)
	for range 2 { // setting them again replaces them
		if err := s.Enrichments.SetEnrichments(ctx, v.ID, slides); err != nil {
			t.Fatal(err)
		}
	}
	list, err := s.Enrichments.FindEnrichments(ctx, v.ID)
	if err != nil {
		t.Fatal(err)
	}
	got := ""
	for _, e := range list {
		if e.ID == 0 || e.VideoID != v.ID || e.Type != lectern.EnrichmentImage {
			t.Errorf("enrichment %+v", e)
		}
		got += fmt.Sprintf("%d %s %v-%v %dx%d; ", e.Position, e.Image, e.Start, e.End, e.Width, e.Height)
	}
	if want := "1 slides/1.jpg 0-12.5 0x0; 2 slides/2.png 12.5-0 800x600; "; got != want {
		t.Errorf("enrichments = %q, want %q", got, want)
	}
	if err := s.Enrichments.SetEnrichments(ctx, v.ID+100, slides); lectern.ErrorCode(err) != lectern.ENOTFOUND {
		t.Errorf("enrichments of a missing video: %v, want ENOTFOUND", err)
	}
	if err := s.Videos.DeleteVideo(ctx, v.ID); err != nil {
		t.Fatal(err)
	}
	if list, err := s.Enrichments.FindEnrichments(ctx, v.ID); err != nil || len(list) != 0 {
		t.Errorf("enrichments of a deleted video: %v, %v", list, err)
	}
}
