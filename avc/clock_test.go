package avc_test

import (
	"testing"
	"time"

	"lectern/avc"
)

func TestParseClock(t *testing.T) {
	t.Parallel()
	ok := []struct {
		in   string
		want time.Duration
	}{
		// Plain seconds, as recorders write them (Pod's float()).
		{"0", 0},
		{"12", 12 * time.Second},
		{"12.5", 12500 * time.Millisecond},
		{"0.00", 0},
		{"12.", 12 * time.Second},
		{".5", 500 * time.Millisecond},
		{" 7.25 ", 7250 * time.Millisecond},
		{"+3", 3 * time.Second},
		{"1.123456789", 1123456789 * time.Nanosecond},
		{"1.1234567894", 1123456789 * time.Nanosecond},
		{"0012", 12 * time.Second},
		// Timecounts.
		{"12s", 12 * time.Second},
		{"12.5s", 12500 * time.Millisecond},
		{"1.5min", 90 * time.Second},
		{"2h", 2 * time.Hour},
		{"0.5h", 30 * time.Minute},
		{"500ms", 500 * time.Millisecond},
		{"1.5ms", 1500 * time.Microsecond},
		// Partial clock values.
		{"01:02.5", 62500 * time.Millisecond},
		{"59:59", 59*time.Minute + 59*time.Second},
		{"1:02", 62 * time.Second},
		{"01:02.", 62 * time.Second},
		// Full clock values.
		{"00:01:02.5", 62500 * time.Millisecond},
		{"01:00:00", time.Hour},
		{"2:03:04.005", 2*time.Hour + 3*time.Minute + 4005*time.Millisecond},
		{"48:00:00", 48 * time.Hour},
		{"48h", avc.MaxClock},
	}
	for _, tc := range ok {
		got, err := avc.ParseClock(tc.in)
		if err != nil || got != tc.want {
			t.Errorf("ParseClock(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
		}
	}

	bad := []struct {
		in, msg string
	}{
		{"-1", "is negative"},
		{"-0.5s", "is negative"},
		{" -00:00:01", "is negative"},
		{"", "is not a time"},
		{"abc", "is not a time"},
		{"NaN", "is not a time"},
		{"Inf", "is not a time"},
		{"1e3", "is not a time"},
		{".", "is not a time"},
		{"1.2.3", "is not a time"},
		{"12 s", "is not a time"},
		{"12sec", "is not a time"},
		{"indefinite", "is not a time"},
		{"wallclock(2024-03-12T14:00:00)", "is not a time"},
		{"slide1.end+2s", "is not a time"},
		{"5s;10s", "is not a time"},
		{"0x10", "is not a time"},
		{"１２", "is not a time"}, // full-width digits
		{"01:60", "is not a time"},
		{"01:02:60", "is not a time"},
		{"1:2:3:4", "is not a time"},
		{":01:02", "is not a time"},
		{"01:002", "is not a time"},
		{"48:00:00.001", "more than 48 hours"},
		{"49h", "more than 48 hours"},
		{"172801", "more than 48 hours"},
		{"99999999999999999999999", "more than 48 hours"},
		{"9999999999999999999:00:00", "more than 48 hours"},
	}
	for _, tc := range bad {
		got, err := avc.ParseClock(tc.in)
		if err == nil {
			t.Errorf("ParseClock(%q) = %v, want an error", tc.in, got)
			continue
		}
		wantInvalid(t, err, tc.msg)
	}
}
