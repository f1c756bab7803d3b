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
	if got := moment(en, at); got.Text != "3 Feb 2026, 13:05:00" || got.ISO != "2026-02-03T13:05:00Z" || got.Zone != "UTC" {
		t.Errorf("en moment = %+v", got)
	}
	if got := moment(fr, at); got.Text != "3 févr. 2026, 13:05:00" {
		t.Errorf("fr moment = %+v", got)
	}
	if got := moment(en, at.AddDate(-1, 0, 0)); got.Short != "3 Feb 2025" {
		t.Errorf("en short moment of another year = %q", got.Short)
	}
	if got := moment(fr, at.AddDate(-1, 0, 0)); got.Short != "3 févr. 2025" {
		t.Errorf("fr short moment of another year = %q", got.Short)
	}
	now := time.Date(time.Now().Year(), 7, 14, 8, 3, 9, 0, time.UTC)
	if got := moment(en, now); got.Short != "14 Jul, 08:03" {
		t.Errorf("en short moment of this year = %q", got.Short)
	}
	if got := moment(fr, now); got.Short != "14 juil., 08:03" {
		t.Errorf("fr short moment of this year = %q", got.Short)
	}
	if got := moment(en, time.Time{}); got != (when{}) {
		t.Errorf("zero moment = %+v", got)
	}
}

// TestMomentInTimeZone: a time stored in UTC is written in TIME_ZONE,
// winter and summer (daylight saving time), with no "UTC" label; the
// zone and its offset are named for the title attribute.
func TestMomentInTimeZone(t *testing.T) {
	t.Parallel()
	paris, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Fatal(err)
	}
	en, fr := locale.NewPrinter("en").In(paris), locale.NewPrinter("fr").In(paris)
	winter := time.Date(2026, 12, 6, 8, 45, 12, 0, time.UTC)
	summer := time.Date(2026, 7, 14, 7, 5, 0, 0, time.UTC)
	for _, tc := range []struct {
		p               *locale.Printer
		at              time.Time
		iso, text, zone string
	}{
		{en, winter, "2026-12-06T09:45:12+01:00", "6 Dec 2026, 09:45:12", "Europe/Paris, UTC+01:00"},
		{fr, winter, "2026-12-06T09:45:12+01:00", "6 déc. 2026, 09:45:12", "Europe/Paris, UTC+01:00"},
		{en, summer, "2026-07-14T09:05:00+02:00", "14 Jul 2026, 09:05:00", "Europe/Paris, UTC+02:00"},
		{fr, summer, "2026-07-14T09:05:00+02:00", "14 juil. 2026, 09:05:00", "Europe/Paris, UTC+02:00"},
	} {
		got := moment(tc.p, tc.at)
		if got.ISO != tc.iso || got.Text != tc.text || got.Zone != tc.zone {
			t.Errorf("%s moment(%v) = %+v, want %s, %q, %q", tc.p.Lang(), tc.at, got, tc.iso, tc.text, tc.zone)
		}
	}
	// New Year's Eve at 23:30 UTC is already next year in Paris.
	if got := moment(fr, time.Date(2026, 12, 31, 23, 30, 0, 0, time.UTC)); got.Text != "1 janv. 2027, 00:30:00" {
		t.Errorf("fr moment of new year = %+v", got)
	}
	if got := en.DateTime(winter); got != "6 Dec 2026, 09:45" {
		t.Errorf("en DateTime = %q", got)
	}
	if got := fr.DateTime(winter); got != "6 déc. 2026, 09:45" {
		t.Errorf("fr DateTime = %q", got)
	}
}
