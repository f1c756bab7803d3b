package web

import (
	"lectern"
	"lectern/locale"
)

// logLine is one entry of a recording's log, in the reader's language.
type logLine struct {
	At     when
	Text   string
	Detail string // another program's words, shown as they are
	Raw    bool   // written before entries had keys: free English text
}

// recordingLog reads a recording's comment into its lines, each entry's
// key translated for p; lines written before the keys are shown as they
// are.
func recordingLog(p *locale.Printer, comment string) []logLine {
	entries := lectern.ParseRecordingLog(comment)
	lines := make([]logLine, 0, len(entries))
	for _, e := range entries {
		lines = append(lines, logLine{At: moment(p, e.At), Text: e.Text(p), Detail: e.Detail, Raw: e.Key == ""})
	}
	return lines
}
