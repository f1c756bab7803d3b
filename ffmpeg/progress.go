package ffmpeg

import (
	"bytes"
	"strconv"
	"time"
)

// progressInterval is the least time between two progress reports.
const progressInterval = 500 * time.Millisecond

// progressWriter reads what ffmpeg writes with -progress pipe:1, blocks
// of key=value lines, and reports the share of the source's duration
// encoded so far. Reports grow strictly, stay below 100 (the caller says
// 100 once its outputs are complete) and come at most every interval.
type progressWriter struct {
	duration float64 // seconds of source; no report when 0
	report   func(percent float64)
	interval time.Duration
	now      func() time.Time

	line []byte // an unfinished line
	last time.Time
	pct  float64 // last reported, -1 before the first
}

func newProgressWriter(duration float64, report func(float64)) *progressWriter {
	return &progressWriter{duration: duration, report: report, interval: progressInterval, now: time.Now, pct: -1}
}

// Write is called by exec's copying goroutine only, so needs no lock.
func (w *progressWriter) Write(p []byte) (int, error) {
	n := len(p)
	for len(p) > 0 {
		i := bytes.IndexByte(p, '\n')
		if i < 0 {
			w.line = append(w.line, p...)
			if len(w.line) > 4096 { // not progress output; never grow
				w.line = w.line[:0]
			}
			break
		}
		w.line = append(w.line, p[:i]...)
		w.handle(string(bytes.TrimSpace(w.line)))
		w.line = w.line[:0]
		p = p[i+1:]
	}
	return n, nil
}

// handle reads one line; out_time_us is the position reached in the
// output, in microseconds (out_time_ms is the same number, misnamed).
func (w *progressWriter) handle(line string) {
	v, ok := bytes.CutPrefix([]byte(line), []byte("out_time_us="))
	if !ok || w.report == nil || w.duration <= 0 {
		return
	}
	us, err := strconv.ParseInt(string(v), 10, 64)
	if err != nil || us < 0 {
		return // "N/A" before the first frame
	}
	pct := min(float64(us)/1e6/w.duration*100, 99)
	now := w.now()
	if pct <= w.pct || (w.pct >= 0 && now.Sub(w.last) < w.interval) {
		return
	}
	w.pct, w.last = pct, now
	w.report(pct)
}
