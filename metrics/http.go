package metrics

import (
	"crypto/sha256"
	"crypto/subtle"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// RouteFunc names the route a request is for: the pattern of the
// http.ServeMux that will serve it ("GET /api/v1/videos/{id}"), never its
// path, so that the route label has as many values as there are routes.
// "" when no route matches.
type RouteFunc func(r *http.Request) string

// unmatched is the route label of a request no pattern matched.
const unmatched = "unmatched"

// HTTP wraps next to count its requests by route and status class, and
// time them. route is asked before next serves the request.
func (m *Metrics) HTTP(next http.Handler, route RouteFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name := route(r)
		if name == "" {
			name = unmatched
		}
		sw := &statusWriter{ResponseWriter: w}
		start := time.Now()
		defer func() {
			// A handler that panics (http.ErrAbortHandler) is counted as
			// what it wrote, or a 5xx.
			code := sw.status
			if code == 0 {
				code = http.StatusOK
				if p := recover(); p != nil {
					m.observe(name, http.StatusInternalServerError, start)
					panic(p)
				}
			}
			m.observe(name, code, start)
		}()
		next.ServeHTTP(sw, r)
	})
}

func (m *Metrics) observe(route string, code int, start time.Time) {
	m.httpRequests.WithLabelValues(route, statusClass(code)).Inc()
	m.httpDuration.WithLabelValues(route).Observe(time.Since(start).Seconds())
}

// statusClass is "2xx" for 200 to 299, and so on.
func statusClass(code int) string {
	if code < 100 || code > 599 {
		return "other"
	}
	return strconv.Itoa(code/100) + "xx"
}

// statusWriter keeps the status a handler wrote. Unwrap lets
// http.ResponseController reach the connection's writer (flushes,
// deadlines, hijacks); Flush is kept for the handlers that assert it.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 && code >= 200 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(p []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(p)
}

func (w *statusWriter) Flush() {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	_ = http.NewResponseController(w.ResponseWriter).Flush()
}

// ReadFrom keeps the connection's sendfile for the files served whole
// (videos, their renditions).
func (w *statusWriter) ReadFrom(r io.Reader) (int64, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	if rf, ok := w.ResponseWriter.(io.ReaderFrom); ok {
		return rf.ReadFrom(r)
	}
	return io.Copy(w.ResponseWriter, r)
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// Guard serves next only to requests that carry token as a bearer token
// (Authorization: Bearer <token>), compared in constant time; others get
// 401. A token anywhere else (the query string) does not count: it would
// be written in access logs and proxies' histories.
func Guard(token string, next http.Handler) http.Handler {
	want := sha256.Sum256([]byte(token))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got, ok := bearer(r.Header.Get("Authorization"))
		// Hashes of equal length: the comparison's time tells nothing
		// of the token's length either.
		sum := sha256.Sum256([]byte(got))
		if !ok || subtle.ConstantTimeCompare(sum[:], want[:]) != 1 {
			w.Header().Set("WWW-Authenticate", `Bearer realm="lectern metrics"`)
			http.Error(w, "401 Unauthorized: send METRICS_TOKEN as a bearer token (Authorization: Bearer ...)", http.StatusUnauthorized)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// bearer is the token of an "Authorization: Bearer <token>" header.
func bearer(h string) (string, bool) {
	scheme, token, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	token = strings.TrimSpace(token)
	return token, token != ""
}
