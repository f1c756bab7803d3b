package lectern

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// A recording's log (its Comment, Pod's "comment") tells admins what each
// step did with it. Each entry is one line of the comment: its time (UTC,
// "2006-01-02 15:04:05"), a space, then the entry as a JSON object holding
// a stable key and its parameters, so that every reader sees it in their
// own language:
//
//	2026-12-06 09:45:12 {"key":"source_moved","args":["videos/12/source.mp4"]}
//
// Lines written before entries had keys are free English text: those the
// jobs wrote are read back into their entries (recording_log_legacy.go),
// any other is kept as it is, a Raw entry with the lines that continue it.

// RecordingLogTimeLayout is how an entry's time starts its line.
const RecordingLogTimeLayout = "2006-01-02 15:04:05"

// RecordingLogEntry is one entry of a recording's log.
type RecordingLogEntry struct {
	At time.Time `json:"-"`
	// Key names the message: "recording.log.<Key>" in the catalogs.
	Key string `json:"key,omitempty"`
	// Args fill the message's verbs (%s, %[2]s), in order. An argument
	// that is one of the core's English sentences (a lectern.Error
	// message) is translated too.
	Args []string `json:"args,omitempty"`
	// Count, when set, chooses the message's plural form.
	Count *int `json:"count,omitempty"`
	// Detail is shown as it is under the message: another program's own
	// words (ffmpeg's last lines, the system's error).
	Detail string `json:"detail,omitempty"`
	// Raw is a line written before entries had keys (or one this version
	// cannot read), shown as it is; Key is then empty.
	Raw string `json:"-"`
}

// NewLogEntry returns an entry of key, its arguments written with
// fmt.Sprint.
func NewLogEntry(key string, args ...any) RecordingLogEntry {
	e := RecordingLogEntry{Key: key}
	for _, a := range args {
		e.Args = append(e.Args, fmt.Sprint(a))
	}
	return e
}

// WithCount sets the number that chooses the plural form.
func (e RecordingLogEntry) WithCount(n int) RecordingLogEntry {
	e.Count = &n
	return e
}

// WithDetail sets the text shown as it is under the message.
func (e RecordingLogEntry) WithDetail(detail string) RecordingLogEntry {
	e.Detail = detail
	return e
}

// Line is the entry as stored, without its newline: its time, then the
// entry as JSON (newlines in it escaped, so an entry is one line).
func (e RecordingLogEntry) Line() string {
	b, err := json.Marshal(e)
	if err != nil {
		// Strings, a number: it cannot fail.
		panic(fmt.Sprintf("marshal log entry %q: %v", e.Key, err))
	}
	return e.At.UTC().Format(RecordingLogTimeLayout) + " " + string(b)
}

// ParseRecordingLog reads a recording's comment into its entries, oldest
// first. A line of free text starts a Raw entry, which the lines after it
// without a time continue (an old message with ffmpeg's lines in it); one
// the jobs wrote before entries had keys is read back into its entries.
func ParseRecordingLog(comment string) []RecordingLogEntry {
	var list []RecordingLogEntry
	for _, line := range strings.Split(strings.TrimSuffix(comment, "\n"), "\n") {
		if line == "" && comment == "" {
			break
		}
		at, rest, timed := cutLogTime(line)
		if timed && strings.HasPrefix(rest, "{") {
			var e RecordingLogEntry
			if err := json.Unmarshal([]byte(rest), &e); err == nil && e.Key != "" {
				e.At = at
				list = append(list, e)
				continue
			}
		}
		if !timed && len(list) > 0 && list[len(list)-1].Key == "" {
			list[len(list)-1].Raw += "\n" + line
			continue
		}
		list = append(list, RecordingLogEntry{At: at, Raw: rest})
	}
	// The old lines the jobs wrote become their entries.
	out := list[:0:0]
	for _, e := range list {
		if e.Key == "" {
			if read := legacyEntries(e.Raw); read != nil {
				for _, r := range read {
					r.At = e.At
					out = append(out, r)
				}
				continue
			}
		}
		out = append(out, e)
	}
	return out
}

// cutLogTime splits a line into its leading time and the rest; a line
// that does not start with one is all rest.
func cutLogTime(line string) (time.Time, string, bool) {
	n := len(RecordingLogTimeLayout)
	if len(line) > n && line[n] == ' ' {
		if at, err := time.Parse(RecordingLogTimeLayout, line[:n]); err == nil {
			return at, line[n+1:], true
		}
	}
	return time.Time{}, line, false
}

// Translator is what renders a log entry in a language; the locale
// package's Printer is one.
type Translator interface {
	T(key string, args ...any) string
	Plural(key string, n int, args ...any) string
	Error(sentence string) string
}

// Text is the entry's message in tr's language, without its Detail. A Raw
// entry is its text; a key tr does not know is shown with its arguments.
func (e RecordingLogEntry) Text(tr Translator) string {
	if e.Key == "" {
		return e.Raw
	}
	key := "recording.log." + e.Key
	args := make([]any, len(e.Args))
	for i, a := range e.Args {
		args[i] = tr.Error(a)
	}
	var msg string
	if e.Count != nil {
		msg = tr.Plural(key, *e.Count, args...)
	} else {
		msg = tr.T(key, args...)
	}
	if msg == key || strings.HasPrefix(msg, key+"%!") {
		return e.Key + " " + strings.Join(e.Args, " ")
	}
	return msg
}

// RecordingLogText writes a recording's comment as plain text in tr's
// language, one entry a line after its time, each detail on the lines
// under it: for readers of text (the API's comment, as Pod's is text).
func RecordingLogText(comment string, tr Translator) string {
	var b strings.Builder
	for _, e := range ParseRecordingLog(comment) {
		if !e.At.IsZero() {
			b.WriteString(e.At.UTC().Format(RecordingLogTimeLayout) + " ")
		}
		b.WriteString(e.Text(tr) + "\n")
		if e.Detail != "" {
			b.WriteString(strings.TrimSuffix(e.Detail, "\n") + "\n")
		}
	}
	return b.String()
}
