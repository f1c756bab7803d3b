package lectern

import (
	"context"
	"math"
	"sort"
)

// Enrichment types (Pod's names). Slides imported from an audiovideocast
// ZIP are images.
const EnrichmentImage = "image"

// Enrichment is something shown beside a video for a span of its time:
// for now the slides of an audiovideocast recording, each an image shown
// from Start until End.
type Enrichment struct {
	ID       int64   `json:"id"`
	VideoID  int64   `json:"video"`
	Position int     `json:"position"` // 1, 2, … in time order
	Type     string  `json:"type"`
	Title    string  `json:"title"`
	Image    string  `json:"-"`     // relative to the video's directory
	Start    float64 `json:"start"` // seconds
	// End is in seconds; 0 on the last slide means until the video's end
	// (see EndAt), which is not known before it is encoded.
	End    float64 `json:"end"`
	Width  int     `json:"width"`
	Height int     `json:"height"`
}

// EndAt is when the enrichment stops showing in a video of duration
// seconds.
func (e *Enrichment) EndAt(duration float64) float64 {
	if e.End > 0 {
		return e.End
	}
	return math.Max(duration, e.Start)
}

// SlideBegin is a slide as a recorder's SMIL gives it: an image and the
// second it appears.
type SlideBegin struct {
	Image  string
	Begin  float64
	Width  int
	Height int
}

// NewSlides turns the slides of a SMIL into enrichments of videoID: in
// time order (stable, for slides given out of order), each shown until
// the next one begins and the last until the video's end; skipFirst
// (RECORDER_SKIP_FIRST_IMAGE) drops the first in time. A slide that
// begins when the next one does is never seen, and dropped. Fractions of
// a second are kept (Pod rounded them away).
func NewSlides(videoID int64, slides []SlideBegin, skipFirst bool) []*Enrichment {
	sorted := make([]SlideBegin, len(slides))
	copy(sorted, slides)
	sort.SliceStable(sorted, func(i, j int) bool { return sorted[i].Begin < sorted[j].Begin })
	if skipFirst && len(sorted) > 0 {
		sorted = sorted[1:]
	}
	out := make([]*Enrichment, 0, len(sorted))
	for i, s := range sorted {
		start := math.Max(s.Begin, 0)
		e := &Enrichment{VideoID: videoID, Type: EnrichmentImage, Image: s.Image, Start: start, Width: s.Width, Height: s.Height}
		if i+1 < len(sorted) {
			if e.End = sorted[i+1].Begin; e.End <= start {
				continue
			}
		}
		e.Position = len(out) + 1
		out = append(out, e)
	}
	return out
}

// EnrichmentService stores the enrichments of videos.
type EnrichmentService interface {
	// SetEnrichments replaces every enrichment of video videoID by list
	// (setting their IDs), in one transaction: processing a recording
	// again gives the same slides, never twice as many. ENOTFOUND when
	// the video does not exist.
	SetEnrichments(ctx context.Context, videoID int64, list []*Enrichment) error
	// FindEnrichments returns the enrichments of video videoID in time
	// order (none when it has none).
	FindEnrichments(ctx context.Context, videoID int64) ([]*Enrichment, error)
}
