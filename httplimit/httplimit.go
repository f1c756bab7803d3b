// Package httplimit bounds what a client may send in a request body, and
// how slowly: one mechanism for every HTTP route (pages, API, uploads), so
// the next route gets it by being mounted.
//
// A Limit is applied before anything reads the body. Max refuses a body
// whose Content-Length is too large at once (413 before the handler or
// anything else reads it; up to 4 MiB are then discarded, so that the
// client sees the answer) and caps the rest with http.MaxBytesReader, whose *http.MaxBytesError a handler
// turns into 413 (see TooLarge). ReadTimeout gives the whole body a
// deadline (ordinary routes); StallTimeout fails a body that makes no
// progress for that long, the deadline moving forward each time bytes
// arrive (uploads, which may rightly take hours). Both use the
// connection's read deadline (http.ResponseController), which the server
// resets for the next request.
//
// It is a leaf: it imports the standard library only, so the edges (web,
// api, intake/upload) and cmd/lectern may all share it.
package httplimit

import (
	"errors"
	"io"
	"net/http"
	"time"
)

// Limit is what one route accepts of a request body. The zero value
// accepts anything.
type Limit struct {
	// Max is the largest body in bytes; 0: no limit.
	Max int64
	// ReadTimeout is how long the whole body may take to arrive, from
	// the end of the headers; 0: no deadline.
	ReadTimeout time.Duration
	// StallTimeout is how long the body may make no progress; 0: no
	// deadline. Ignored when ReadTimeout is set.
	StallTimeout time.Duration
}

// TooLarge reports whether err comes from reading past a Limit's Max.
func TooLarge(err error) bool {
	var maxErr *http.MaxBytesError
	return errors.As(err, &maxErr)
}

// Wrap returns next behind l; an oversized body is answered by tooLarge,
// or a plain-text 413 when tooLarge is nil.
func (l Limit) Wrap(next, tooLarge http.Handler) http.Handler {
	return Handler(func(*http.Request) Limit { return l }, next, tooLarge)
}

// Handler returns next behind the Limit that limit gives for each
// request (routes that need different limits share one wrapper). A body
// whose Content-Length exceeds Max is answered by tooLarge (a plain-text
// 413 when nil) without being read.
func Handler(limit func(*http.Request) Limit, next, tooLarge http.Handler) http.Handler {
	if tooLarge == nil {
		tooLarge = http.HandlerFunc(plainTooLarge)
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		l := limit(r)
		if l.Max > 0 && r.ContentLength > l.Max {
			w.Header().Set("Connection", "close")
			tooLarge.ServeHTTP(w, r)
			drain(w, r, l)
			return
		}
		if r.Body != nil && r.Body != http.NoBody {
			if l.ReadTimeout > 0 || l.StallTimeout > 0 {
				r.Body = newDeadlineBody(w, r.Body, l)
			}
			if l.Max > 0 {
				r.Body = http.MaxBytesReader(w, r.Body, l.Max)
			}
		}
		next.ServeHTTP(w, r)
	})
}

// drainMax and drainTimeout bound what is read of a body refused for its
// declared length, after the answer.
const (
	drainMax     = 4 << 20
	drainTimeout = 5 * time.Second
)

// drain sends the answer, then reads and discards up to drainMax bytes of
// the refused body (within drainTimeout, or the limit's own timeout when
// shorter): most clients write their whole body before they read the
// answer, and a connection closed under a body they are still writing
// makes them report a reset instead of the 413. A larger body is cut off
// by the close, as the server does beyond its own 256 KiB. Nothing is
// kept, so this costs time on the wire, not memory.
func drain(w http.ResponseWriter, r *http.Request, l Limit) {
	rc := http.NewResponseController(w)
	if rc.Flush() != nil || r.Body == nil || r.Body == http.NoBody {
		return
	}
	d := drainTimeout
	if l.ReadTimeout > 0 {
		d = min(d, l.ReadTimeout)
	}
	if l.StallTimeout > 0 {
		d = min(d, l.StallTimeout)
	}
	if rc.SetReadDeadline(time.Now().Add(d)) != nil {
		return
	}
	_, _ = io.CopyN(io.Discard, r.Body, drainMax)
}

func plainTooLarge(w http.ResponseWriter, _ *http.Request) {
	http.Error(w, "Request body too large.", http.StatusRequestEntityTooLarge)
}

// deadlineBody keeps the connection's read deadline while the body is
// read: a fixed one for ReadTimeout, one that moves with each byte for
// StallTimeout. It sets the deadline before each read, so that a wrapper
// above cannot loosen it, and lifts it once the body is whole, so that a
// long handler is not cut off after reading (the server reads the
// connection in the background then).
type deadlineBody struct {
	io.ReadCloser
	rc       *http.ResponseController
	stall    time.Duration // 0: deadline is fixed
	deadline time.Time
	done     bool
	ok       bool // the connection takes deadlines
}

func newDeadlineBody(w http.ResponseWriter, body io.ReadCloser, l Limit) *deadlineBody {
	b := &deadlineBody{ReadCloser: body, rc: http.NewResponseController(w)}
	if l.ReadTimeout > 0 {
		b.deadline = time.Now().Add(l.ReadTimeout)
	} else {
		b.stall = l.StallTimeout
		b.deadline = time.Now().Add(b.stall)
	}
	b.ok = b.rc.SetReadDeadline(b.deadline) == nil
	return b
}

func (b *deadlineBody) Read(p []byte) (int, error) {
	if !b.ok || b.done {
		return b.ReadCloser.Read(p)
	}
	_ = b.rc.SetReadDeadline(b.deadline)
	n, err := b.ReadCloser.Read(p)
	if err == io.EOF {
		b.done = true
		_ = b.rc.SetReadDeadline(time.Time{})
		return n, err
	}
	if n > 0 && b.stall > 0 {
		b.deadline = time.Now().Add(b.stall)
	}
	return n, err
}
