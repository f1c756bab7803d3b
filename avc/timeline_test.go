package avc_test

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"lectern/avc"
)

func TestTimeline(t *testing.T) {
	t.Parallel()
	s := time.Second
	tests := []struct {
		name   string
		begins []time.Duration
		total  time.Duration
		want   []avc.Span
	}{
		{"none", nil, 10 * s, []avc.Span{}},
		{"in order", []time.Duration{0, 5 * s, 9 * s}, 20 * s,
			[]avc.Span{{0, 0, 5 * s}, {1, 5 * s, 9 * s}, {2, 9 * s, 20 * s}}},
		{"out of order, stable", []time.Duration{9 * s, 0, 5 * s, 0}, 20 * s,
			[]avc.Span{{1, 0, 0}, {3, 0, 5 * s}, {2, 5 * s, 9 * s}, {0, 9 * s, 20 * s}}},
		{"fractions kept", []time.Duration{1500 * time.Millisecond, 2250 * time.Millisecond}, 3 * s,
			[]avc.Span{{0, 1500 * time.Millisecond, 2250 * time.Millisecond}, {1, 2250 * time.Millisecond, 3 * s}}},
		{"after the end", []time.Duration{0, 30 * s}, 20 * s,
			[]avc.Span{{0, 0, 30 * s}, {1, 30 * s, 30 * s}}},
		{"total unknown", []time.Duration{0, 4 * s}, 0,
			[]avc.Span{{0, 0, 4 * s}, {1, 4 * s, 4 * s}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if diff := cmp.Diff(tc.want, avc.Timeline(tc.begins, tc.total)); diff != "" {
				t.Errorf("Timeline (-want +got):\n%s", diff)
			}
		})
	}
}
