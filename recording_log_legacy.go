package lectern

import (
	"regexp"
	"strconv"
	"strings"
)

// Lines written before log entries had keys were English sentences. Those
// the jobs wrote are read back into their entries, so that they too are
// shown in the reader's language; any other line stays as it is.

// legacyLine reads one kind of old line into its entries.
type legacyLine struct {
	re   *regexp.Regexp
	read func(m []string) []RecordingLogEntry
}

// legacyKey is an old line whose submatches are the entry's arguments,
// in order.
func legacyKey(pattern, key string) legacyLine {
	return legacyLine{re: regexp.MustCompile(`^(?s)` + pattern + `$`), read: func(m []string) []RecordingLogEntry {
		return []RecordingLogEntry{{Key: key, Args: m[1:]}}
	}}
}

// legacyCount is an old line whose first submatch is also the count that
// chooses the plural form.
func legacyCount(pattern, key string) legacyLine {
	return legacyLine{re: regexp.MustCompile(`^(?s)` + pattern + `$`), read: func(m []string) []RecordingLogEntry {
		n, _ := strconv.Atoi(m[1])
		return []RecordingLogEntry{{Key: key, Args: m[1:], Count: &n}}
	}}
}

// legacyDetail is an old line whose last submatch is another program's
// words (the entry's Detail).
func legacyDetail(pattern, key string) legacyLine {
	return legacyLine{re: regexp.MustCompile(`^(?s)` + pattern + `$`), read: func(m []string) []RecordingLogEntry {
		return []RecordingLogEntry{{Key: key, Args: m[1 : len(m)-1], Detail: m[len(m)-1]}}
	}}
}

// legacyLines are the old lines, in the order they are tried (the more
// particular first).
var legacyLines = []legacyLine{
	{re: regexp.MustCompile(`^recordings of type ("(?:[^"\\]|\\.)*") cannot be processed$`), read: func(m []string) []RecordingLogEntry {
		return []RecordingLogEntry{{Key: "type_refused", Args: []string{unquote(m[1])}}}
	}},
	legacyKey(`video (\d+) created`, "video_created"),
	legacyKey(`no video made: (.*)`, "video_refused"),
	legacyKey(`source file (.*) is missing: nothing to encode`, "source_missing"),
	legacyKey(`encoding queued`, "encoding_queued"),
	legacyKey(`encoding queued again by an admin`, "encoding_queued_again"),
	legacyKey(`source moved to (.*)`, "source_moved"),
	legacyKey(`source copied to (.*) \(another file system\), then removed from the recorder's directory`, "source_copied"),
	legacyDetail(`source copied to (.*) \(another file system\); the original could not be removed: (.*)`, "source_copied_kept"),
	legacyKey(`source found moved to (.*)`, "source_found_moved"),
	legacyKey(`source checked: video (\d+)x(\d+) with sound, (.*)`, "source_checked_video_sound"),
	legacyKey(`source checked: video (\d+)x(\d+) without sound, (.*)`, "source_checked_video"),
	legacyKey(`source checked: sound only, (.*)`, "source_checked_sound"),
	legacyKey(`not processed: (.*) \(the file is kept where it was; fix it and retry the job\)`, "not_processed"),
	{re: regexp.MustCompile(`^archive checked: media (.*?), (\d+) slides(?:, title ("(?:[^"\\]|\\.)*"))?(?:, recorded ("(?:[^"\\]|\\.)*")( \(not a date Lectern reads: the video has no lecture date\))?)?$`),
		read: func(m []string) []RecordingLogEntry {
			n, _ := strconv.Atoi(m[2])
			list := []RecordingLogEntry{{Key: "archive_checked", Args: []string{m[1], m[2]}, Count: &n}}
			if m[3] != "" {
				list = append(list, RecordingLogEntry{Key: "archive_title", Args: []string{unquote(m[3])}})
			}
			switch {
			case m[4] != "" && m[5] != "":
				list = append(list, RecordingLogEntry{Key: "archive_date_unread", Args: []string{unquote(m[4])}})
			case m[4] != "":
				list = append(list, RecordingLogEntry{Key: "archive_date", Args: []string{unquote(m[4])}})
			}
			return list
		}},
	legacyKey(`media (.*) \((\d+) bytes\) extracted to (.*)`, "media_extracted"),
	legacyCount(`(\d+) slides imported \(the first skipped: RECORDER_SKIP_FIRST_IMAGE\)`, "slides_imported_first_skipped"),
	legacyCount(`(\d+) slides imported`, "slides_imported"),
	legacyKey(`archive renamed (.*)`, "archive_renamed"),
	legacyKey(`thumbnail not taken: (.*)`, "thumbnail_refused"),
	legacyKey(`thumbnail taken again at (.*)`, "thumbnail_taken"),
	legacyKey(`encoding started \(attempt (\d+)\)`, "encoding_started"),
	legacyCount(`encoded: (\d+) renditions, duration (.*)`, "encoded"),
	legacyKey(`encoding cancelled by an admin`, "encoding_cancelled"),
	legacyKey(`encoding interrupted by a shutdown at (\d+)%; it starts again from the beginning on the next node free \(another node at once, or this one when it restarts\)`,
		"encoding_interrupted"),
	legacyDetail(`encoding failed \(attempt (\d+) of (\d+), retried later\): (.*)`, "encoding_failed"),
	legacyDetail(`encoding failed \(attempt (\d+) of (\d+), no more retries: an admin may retry it\): (.*)`, "encoding_failed_last"),
	legacyKey(`encoding failed: (.*) \(the source is kept\)`, "encoding_refused"),
}

// legacyEntries reads an old line (with the lines that continue it) into
// its entries; nil when it is none the jobs wrote.
func legacyEntries(line string) []RecordingLogEntry {
	for _, l := range legacyLines {
		if m := l.re.FindStringSubmatch(line); m != nil {
			return l.read(m)
		}
	}
	return nil
}

// unquote reads a Go-quoted string back; one it cannot read stays as it is.
func unquote(s string) string {
	if u, err := strconv.Unquote(s); err == nil {
		return u
	}
	return strings.Trim(s, `"`)
}
