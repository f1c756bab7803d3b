package web

import (
	"context"
	"fmt"
	"math"
	"strconv"

	"lectern"
	"lectern/locale"
)

// A video's slides (its enrichments of type image, see lectern.Enrichment)
// are shown on its page: the current one beside the player (under it on
// phones, instead of a picture for a sound) and all of them in a list
// under the title. The page carries everything: each item of the list has
// its image, its start and its end in data- attributes, which slides.js
// reads to follow the player. Without script the list still shows, each
// thumbnail a link to the full image.

// slideShow is what the page shows of a video's slides.
type slideShow struct {
	List []slide
	// First is shown beside the player until the script follows
	// playback (and without script).
	First slide
	// Audio: the video is a sound; the slide is then the main picture,
	// above the player.
	Audio bool
	// Duration is the video's, in seconds: the last slide runs until
	// then (its End is then the video's duration, see EndAt).
	Duration string
	// Ratio names the shape of the picture box on phones ("4x3" or
	// "16x9"), from the first slide's size.
	Ratio string
}

// slide is one item of the list.
type slide struct {
	N             int
	URL           string // the image, served with the video's files
	Start, End    string // seconds, as data- attributes
	Time          string // the start, m:ss or h:mm:ss
	Alt           string // "Slide 3"
	Caption       string // "Slide 3 of 12"
	Seek          string // the button's title: "Play from 1:02"
	Full          string // the link's title: "Slide 3 full size"
	Width, Height int
}

// videoSlides reads v's slides; nil when it has none or the page has no
// enrichment service.
func (s *Server) videoSlides(ctx context.Context, p *locale.Printer, v *lectern.Video, audio bool) (*slideShow, error) {
	if s.deps.Enrichments == nil {
		return nil, nil
	}
	list, err := s.deps.Enrichments.FindEnrichments(ctx, v.ID)
	if err != nil {
		return nil, fmt.Errorf("slides of video %d: %w", v.ID, err)
	}
	var images []*lectern.Enrichment
	for _, e := range list {
		if e.Type == lectern.EnrichmentImage && e.Image != "" && cleanRel(e.Image) {
			images = append(images, e)
		}
	}
	if len(images) == 0 {
		return nil, nil
	}
	show := &slideShow{Audio: audio, Duration: seconds(v.Duration), Ratio: "16x9"}
	for i, e := range images {
		n := i + 1
		t := clock(e.Start)
		show.List = append(show.List, slide{
			N: n, URL: mediaURL(v, e.Image), Start: seconds(e.Start), End: seconds(e.EndAt(v.Duration)), Time: t,
			Alt: p.T("video.slides.slide", n), Caption: p.T("video.slides.of", n, len(images)),
			Seek: p.T("video.slides.seek", t), Full: p.T("video.slides.full", n),
			Width: e.Width, Height: e.Height,
		})
	}
	show.First = show.List[0]
	if w, h := images[0].Width, images[0].Height; w > 0 && h > 0 && float64(w)/float64(h) < 1.55 {
		show.Ratio = "4x3"
	}
	return show, nil
}

// clock writes a time in a video for people: "1:02", "1:02:03" past an
// hour. Seconds are floored: a slide at 61.7 s is at 1:01.
func clock(sec float64) string {
	n := int64(math.Max(math.Floor(sec), 0))
	if n >= 3600 {
		return fmt.Sprintf("%d:%02d:%02d", n/3600, n%3600/60, n%60)
	}
	return fmt.Sprintf("%d:%02d", n/60, n%60)
}

// seconds writes sec for a script: "2", "61.7".
func seconds(sec float64) string { return strconv.FormatFloat(sec, 'f', -1, 64) }

// isSlide reports whether rel is the image of one of v's enrichments,
// which are served like its other files.
func (s *Server) isSlide(ctx context.Context, v *lectern.Video, rel string) (bool, error) {
	if s.deps.Enrichments == nil || !cleanRel(rel) {
		return false, nil
	}
	list, err := s.deps.Enrichments.FindEnrichments(ctx, v.ID)
	if err != nil {
		return false, fmt.Errorf("slides of video %d: %w", v.ID, err)
	}
	for _, e := range list {
		if e.Image == rel {
			return true, nil
		}
	}
	return false, nil
}
