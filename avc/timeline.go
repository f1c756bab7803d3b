package avc

import (
	"cmp"
	"slices"
	"time"
)

// Span is when one slide is shown.
type Span struct {
	Index      int           // the slide's place in the begins given to Timeline
	Start, End time.Duration // shown from Start until End
}

// Timeline returns when each slide is shown, ordered by begin (slides
// with the same begin keep their SMIL order): from its begin until the
// next slide's, the last one until total, the duration of the recording.
// A span may be empty (End == Start): a slide followed by another at the
// same time, or beginning at or after total; callers skip those. When
// total is unknown (0) the last span is empty too.
func Timeline(begins []time.Duration, total time.Duration) []Span {
	spans := make([]Span, len(begins))
	for i, b := range begins {
		spans[i] = Span{Index: i, Start: b}
	}
	slices.SortStableFunc(spans, func(x, y Span) int { return cmp.Compare(x.Start, y.Start) })
	for i := range spans {
		if i+1 < len(spans) {
			spans[i].End = spans[i+1].Start
		} else {
			spans[i].End = max(total, spans[i].Start)
		}
	}
	return spans
}
