package lectern_test

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"lectern"
	"lectern/locale"
)

// A log mixing lines written before entries had keys (free text, one
// continued over several lines) and entries with keys reads back whole,
// each entry in the reader's language, the old lines as they are.
func TestRecordingLog(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 12, 6, 9, 45, 12, 0, time.UTC)
	moved := lectern.NewLogEntry("source_moved", "videos/7/source.mp4")
	moved.At = at
	failed := lectern.NewLogEntry("encoding_failed", 1, 3).WithDetail("[mov,mp4] moov atom not found\nsource.mp4: Invalid data")
	failed.At = at.Add(time.Minute)
	slides := lectern.NewLogEntry("slides_imported", 1).WithCount(1)
	slides.At = at.Add(2 * time.Minute)
	refused := lectern.NewLogEntry("video_refused", "Select a valid recorder.")
	refused.At = at.Add(3 * time.Minute)
	unknown := lectern.NewLogEntry("from_a_newer_version", "x", "y")
	unknown.At = at.Add(4 * time.Minute)
	comment := "2026-11-30 10:00:00 video 1 created\n" +
		"2026-11-30 10:00:05 encoding failed (attempt 1 of 3, retried later): exit status 1\nffmpeg said: nope\n" +
		"2026-11-30 10:00:06 {not json\n"
	for _, e := range []lectern.RecordingLogEntry{moved, failed, slides, refused, unknown} {
		comment += e.Line() + "\n"
	}
	list := lectern.ParseRecordingLog(comment)
	if len(list) != 8 {
		t.Fatalf("%d entries: %+v", len(list), list)
	}
	if list[0].Raw != "video 1 created" || !list[0].At.Equal(time.Date(2026, 11, 30, 10, 0, 0, 0, time.UTC)) || list[0].Key != "" {
		t.Errorf("old line: %+v", list[0])
	}
	if list[1].Raw != "encoding failed (attempt 1 of 3, retried later): exit status 1\nffmpeg said: nope" {
		t.Errorf("old line continued: %q", list[1].Raw)
	}
	if list[2].Raw != "{not json" {
		t.Errorf("a line that is not an entry: %+v", list[2])
	}
	if list[4].Detail != failed.Detail || !list[4].At.Equal(failed.At) {
		t.Errorf("detail read back as %+v", list[4])
	}
	en, fr := locale.NewPrinter("en"), locale.NewPrinter("fr")
	for _, tc := range []struct {
		e      lectern.RecordingLogEntry
		en, fr string
	}{
		{list[0], "video 1 created", "video 1 created"},
		{list[3], "Source moved to videos/7/source.mp4", "Source déplacée vers videos/7/source.mp4"},
		{list[4], "Encoding failed (attempt 1 of 3, retried later). The encoder said:",
			"Échec de l’encodage (tentative 1 sur 3, nouvel essai plus tard). L’encodeur a dit :"},
		{list[5], "1 slide imported", "1 diapositive importée"},
		{list[6], "No video made: Select a valid recorder.", "Aucune vidéo créée : " + fr.Error("Select a valid recorder.")},
		{list[7], "from_a_newer_version x y", "from_a_newer_version x y"},
	} {
		if got := tc.e.Text(en); got != tc.en {
			t.Errorf("%s in English: %q, want %q", tc.e.Key, got, tc.en)
		}
		if got := tc.e.Text(fr); got != tc.fr {
			t.Errorf("%s in French: %q, want %q", tc.e.Key, got, tc.fr)
		}
	}
	text := lectern.RecordingLogText(comment, fr)
	for _, want := range []string{"2026-11-30 10:00:00 video 1 created\n", "2026-12-06 09:45:12 Source déplacée vers videos/7/source.mp4\n",
		"L’encodeur a dit :\n[mov,mp4] moov atom not found\nsource.mp4: Invalid data\n"} {
		if !strings.Contains(text, want) {
			t.Errorf("text lacks %q:\n%s", want, text)
		}
	}
	if got := lectern.ParseRecordingLog(""); len(got) != 0 {
		t.Errorf("empty log: %+v", got)
	}
}

// Every key the jobs write (NewLogEntry("key", ...), or key = "...") is
// in both catalogs, and every key of the catalogs is written.
func TestRecordingLogKeysTranslated(t *testing.T) {
	t.Parallel()
	files, _ := filepath.Glob("jobs/*.go")
	written := regexp.MustCompile(`NewLogEntry\("([a-zA-Z0-9_]+)"|key :?= "([a-zA-Z0-9_]+)"|key :?= "[^"]*", "([a-zA-Z0-9_]+)"`)
	n, seen := 0, map[string]bool{}
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range written.FindAllStringSubmatch(string(b), -1) {
			key := "recording.log." + m[1] + m[2] + m[3]
			n++
			seen[key] = true
			for _, lang := range locale.Languages {
				if !locale.Has(lang, key) {
					t.Errorf("%s writes %s, which %s.json lacks", f, key, lang)
				}
			}
		}
	}
	if n < 25 {
		t.Errorf("found only %d log keys in jobs/: the scan is broken", n)
	}
	for _, k := range locale.Keys(locale.Default) {
		if strings.HasPrefix(k, "recording.log.") && !seen[k] {
			t.Errorf("%s is never written", k)
		}
	}
}
