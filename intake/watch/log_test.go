package watch

import (
	"strings"

	"lectern/internal/syncbuf"
)

// logBuffer is the log sink the server writes to while the test reads.
type logBuffer struct{ syncbuf.Buffer }

// count counts the log lines that hold every one of parts.
func (l *logBuffer) count(parts ...string) int {
	n := 0
	for _, line := range strings.Split(l.String(), "\n") {
		all := true
		for _, p := range parts {
			all = all && strings.Contains(line, p)
		}
		if all && line != "" {
			n++
		}
	}
	return n
}
