package web

import (
	"testing"
	"time"

	"lectern/locale"
)

func TestFormat(t *testing.T) {
	t.Parallel()
	en, fr := locale.NewPrinter("en"), locale.NewPrinter("fr")
	for _, tc := range []struct {
		n      int64
		en, fr string
	}{
		{0, "0 B", "0 o"},
		{999, "999 B", "999 o"},
		{1000, "1.0 kB", "1,0 ko"},
		{1234, "1.2 kB", "1,2 ko"},
		{999_999, "1.0 MB", "1,0 Mo"},
		{1_234_567_890, "1.2 GB", "1,2 Go"},
		{12_345_678_901, "12.3 GB", "12,3 Go"},
		{2_000_000_000_000, "2.0 TB", "2,0 To"},
	} {
		if got := humanSize(en, tc.n); got != tc.en {
			t.Errorf("en humanSize(%d) = %q, want %q", tc.n, got, tc.en)
		}
		if got := humanSize(fr, tc.n); got != tc.fr {
			t.Errorf("fr humanSize(%d) = %q, want %q", tc.n, got, tc.fr)
		}
	}
	if got := exactSize(en, 1_234_567); got != "1,234,567 bytes" {
		t.Errorf("exactSize = %q", got)
	}
	if got := exactSize(fr, 1); got != "1 octet" {
		t.Errorf("fr exactSize(1) = %q", got)
	}

	for _, tc := range []struct {
		d      time.Duration
		en, fr string
	}{
		{0, "< 0.1 s", "< 0,1 s"},
		{300 * time.Millisecond, "0.3 s", "0,3 s"},
		{9940 * time.Millisecond, "9.9 s", "9,9 s"},
		{9960 * time.Millisecond, "10 s", "10 s"},
		{42 * time.Second, "42 s", "42 s"},
		{124 * time.Second, "2 min 4 s", "2 min 4 s"},
		{3 * time.Minute, "3 min", "3 min"},
		{time.Hour + 5*time.Minute + 10*time.Second, "1 h 5 min", "1 h 5 min"},
		{50 * time.Hour, "2 d 2 h", "2 j 2 h"},
	} {
		if got := humanDuration(en, tc.d); got != tc.en {
			t.Errorf("en humanDuration(%v) = %q, want %q", tc.d, got, tc.en)
		}
		if got := humanDuration(fr, tc.d); got != tc.fr {
			t.Errorf("fr humanDuration(%v) = %q, want %q", tc.d, got, tc.fr)
		}
	}

	at := time.Date(2026, 2, 3, 14, 5, 0, 0, time.FixedZone("CET", 3600))
	if got := moment(en, at); got.Text != "Feb 3, 2026, 13:05:00 UTC" || got.ISO != "2026-02-03T13:05:00Z" {
		t.Errorf("en moment = %+v", got)
	}
	if got := moment(fr, at); got.Text != "3 févr. 2026, 13:05:00 UTC" {
		t.Errorf("fr moment = %+v", got)
	}
	if got := moment(en, at.AddDate(-1, 0, 0)); got.Short != "Feb 3, 2025" {
		t.Errorf("en short moment of another year = %q", got.Short)
	}
	if got := moment(fr, at.AddDate(-1, 0, 0)); got.Short != "3 févr. 2025" {
		t.Errorf("fr short moment of another year = %q", got.Short)
	}
	now := time.Date(time.Now().Year(), 7, 14, 8, 3, 9, 0, time.UTC)
	if got := moment(en, now); got.Short != "Jul 14, 08:03" {
		t.Errorf("en short moment of this year = %q", got.Short)
	}
	if got := moment(fr, now); got.Short != "14 juil., 08:03" {
		t.Errorf("fr short moment of this year = %q", got.Short)
	}
	if got := moment(en, time.Time{}); got != (when{}) {
		t.Errorf("zero moment = %+v", got)
	}
}
