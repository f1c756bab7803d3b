package lectern_test

import (
	"fmt"
	"testing"

	"lectern"
)

func TestNewSlides(t *testing.T) {
	in := []lectern.SlideBegin{{Image: "c.jpg", Begin: 62.5}, {Image: "a.jpg", Begin: 0}, {Image: "b.jpg", Begin: 12.25},
		{Image: "b2.jpg", Begin: 62.5}}
	for _, tc := range []struct {
		skip bool
		want string
	}{
		{false, "1 a.jpg 0-12.25 2 b.jpg 12.25-62.5 3 b2.jpg 62.5-0 "},
		{true, "1 b.jpg 12.25-62.5 2 b2.jpg 62.5-0 "},
	} {
		got := ""
		for _, e := range lectern.NewSlides(7, in, tc.skip) {
			if e.VideoID != 7 || e.Type != lectern.EnrichmentImage {
				t.Errorf("slide %+v", e)
			}
			got += fmt.Sprintf("%d %s %v-%v ", e.Position, e.Image, e.Start, e.End)
		}
		if got != tc.want {
			t.Errorf("NewSlides(skipFirst %v) = %q, want %q", tc.skip, got, tc.want)
		}
	}
	if in[0].Image != "c.jpg" {
		t.Error("NewSlides sorted its argument")
	}
	if got := lectern.NewSlides(1, nil, true); len(got) != 0 {
		t.Errorf("no slides, skip first: %v", got)
	}
	last := &lectern.Enrichment{Start: 62.5}
	if last.EndAt(90) != 90 || last.EndAt(10) != 62.5 || (&lectern.Enrichment{Start: 1, End: 5}).EndAt(90) != 5 {
		t.Error("EndAt")
	}
}
