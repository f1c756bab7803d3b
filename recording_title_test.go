package lectern_test

import (
	"strings"
	"testing"
	"time"

	"lectern"
)

func TestDefaultTitle(t *testing.T) {
	t.Parallel()
	paris, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Fatal(err)
	}
	winter := time.Date(2026, 12, 6, 8, 45, 0, 0, time.UTC) // 09:45 in Paris (UTC+1)
	summer := time.Date(2026, 7, 14, 7, 5, 0, 0, time.UTC)  // 09:05 in Paris (UTC+2)
	for _, tc := range []struct {
		name, course, recorder string
		at                     time.Time
		loc                    *time.Location
		lang, want             string
	}{
		{"course title first", "  Thermodynamics 3 ", "Amphi A", winter, paris, "fr", "Thermodynamics 3"},
		{"English, winter", "", "Amphi A", winter, paris, "en", "Amphi A – 6 Dec 2026, 09:45"},
		{"French, winter", "", "Amphi A", winter, paris, "fr", "Amphi A – 6 déc. 2026, 09:45"},
		{"English, summer", "", "Amphi A", summer, paris, "en", "Amphi A – 14 Jul 2026, 09:05"},
		{"French, summer", "", "Amphi A", summer, paris, "fr", "Amphi A – 14 juil. 2026, 09:05"},
		{"UTC", "", "Amphi A", winter, time.UTC, "en", "Amphi A – 6 Dec 2026, 08:45"},
		{"no location is UTC", "", "Amphi A", winter, nil, "en", "Amphi A – 6 Dec 2026, 08:45"},
		{"unknown language is English", "", "Amphi A", winter, paris, "de", "Amphi A – 6 Dec 2026, 09:45"},
		{"spaces in the name folded", "", " Amphi\n\tA ", winter, paris, "en", "Amphi A – 6 Dec 2026, 09:45"},
		{"no recorder name", "", "", winter, paris, "fr", "6 déc. 2026, 09:45"},
		{"the day changes in the zone", "", "B", time.Date(2026, 12, 31, 23, 30, 0, 0, time.UTC), paris, "en", "B – 1 Jan 2027, 00:30"},
	} {
		if got := lectern.DefaultTitle(tc.course, tc.recorder, tc.at, tc.loc, tc.lang); got != tc.want {
			t.Errorf("%s: DefaultTitle = %q, want %q", tc.name, got, tc.want)
		}
	}
	long := strings.Repeat("é", 150)
	got := lectern.DefaultTitle("", long, winter, paris, "fr")
	if len(got) > 200 || !strings.HasSuffix(got, " – 6 déc. 2026, 09:45") || !strings.HasPrefix(got, "éé") {
		t.Errorf("a long name: %q (%d bytes), want at most 200 bytes ending with the date", got, len(got))
	}
	if r := (&lectern.Recording{Title: got, RecorderID: 1, UserID: 1, Type: lectern.RecordingTypes[0], SourceFile: "/a.mp4"}); r.Validate() != nil {
		t.Errorf("a long default title is refused: %v", r.Validate())
	}
}

// TestIsDefaultTitle: a title nobody typed (DefaultTitle's, or the file's
// name as before it) may be replaced by what the deposit says; a typed
// one never is.
func TestIsDefaultTitle(t *testing.T) {
	at := time.Date(2026, 12, 6, 8, 45, 0, 0, time.UTC)
	paris, _ := time.LoadLocation("Europe/Paris")
	long := strings.Repeat("Amphithéâtre ", 20)
	for _, c := range []struct {
		title, recorder, source string
		want                    bool
	}{
		{lectern.DefaultTitle("", "Amphi A", at, paris, "fr"), "Amphi A", "/r/a/x.zip", true},
		{lectern.DefaultTitle("", "Amphi A", at, nil, "en"), "Amphi A", "/r/a/x.zip", true},
		{lectern.DefaultTitle("", long, at, nil, "en"), long, "/r/a/x.zip", true},
		{"x.zip", "Amphi A", "/r/a/x.zip", true},
		{"Optique ondulatoire", "Amphi A", "/r/a/x.zip", false},
		{"Amphi A", "Amphi A", "/r/a/x.zip", false},
		{"Amphi B – 6 Dec 2026, 08:45", "Amphi A", "/r/a/x.zip", false},
		{lectern.DefaultTitle("Cours de physique", "Amphi A", at, nil, "en"), "Amphi A", "/r/a/x.zip", false},
		{"anything", "", "", false},
	} {
		if got := lectern.IsDefaultTitle(c.title, c.recorder, c.source); got != c.want {
			t.Errorf("IsDefaultTitle(%q, %q, %q) = %v, want %v", c.title, c.recorder, c.source, got, c.want)
		}
	}
}
