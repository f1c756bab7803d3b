package metrics

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"lectern"
)

func TestDepositLabelsBounded(t *testing.T) {
	t.Parallel()
	m := New(nil, nil)
	now := time.Now()
	m.Deposit(&lectern.Treatment{DetectedBy: lectern.SourceFTP, State: lectern.TreatmentToPublish, FirstSeenAt: now.Add(-time.Second), CompletedAt: now})
	m.Deposit(&lectern.Treatment{DetectedBy: "<script>", State: "x'; DROP", CompletedAt: now})
	m.LoginFailed(ProtocolSFTP, "made up")
	if v := testutil.ToFloat64(m.deposits.WithLabelValues("ftp", "to_publish")); v != 1 {
		t.Errorf("ftp deposits = %v", v)
	}
	if v := testutil.ToFloat64(m.deposits.WithLabelValues("other", "other")); v != 1 {
		t.Errorf("unknown source and state not counted as other: %v", v)
	}
	if v := testutil.ToFloat64(m.loginFailures.WithLabelValues("sftp", "other")); v != 1 {
		t.Errorf("unknown reason not counted as other: %v", v)
	}
	if n := testutil.CollectAndCount(m.detection); n != 2 {
		t.Errorf("detection series = %d, want 2", n)
	}
}

type failingEncoder struct {
	lectern.Encoder
	err error
}

func (e failingEncoder) Encode(context.Context, string, string, func(float64)) (*lectern.EncodeResult, error) {
	if e.err != nil {
		return nil, e.err
	}
	return &lectern.EncodeResult{Info: lectern.MediaInfo{Duration: 60}}, nil
}

// TestEncoder: an encode that succeeds is timed, its speed observed; an
// ffmpeg failure is counted, a source that is not media or a stop is not.
func TestEncoder(t *testing.T) {
	t.Parallel()
	m := New(nil, nil)
	ctx := context.Background()
	_, _ = m.Encoder(failingEncoder{}).Encode(ctx, "a", "b", nil)
	_, _ = m.Encoder(failingEncoder{err: errors.New("ffmpeg: exit 1")}).Encode(ctx, "a", "b", nil)
	_, _ = m.Encoder(failingEncoder{err: lectern.Errorf(lectern.EINVALID, "not media")}).Encode(ctx, "a", "b", nil)
	stopped, cancel := context.WithCancel(ctx)
	cancel()
	_, _ = m.Encoder(failingEncoder{err: context.Canceled}).Encode(stopped, "a", "b", nil)
	if v := testutil.ToFloat64(m.ffmpegFailures.WithLabelValues(opEncode)); v != 1 {
		t.Errorf("ffmpeg failures = %v, want 1", v)
	}
	if n := testutil.CollectAndCount(m.encodeSpeed); n != 1 {
		t.Errorf("speed series = %d", n)
	}
}

func TestGuard(t *testing.T) {
	t.Parallel()
	h := Guard("0123456789abcdef0123", http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusTeapot) }))
	for auth, want := range map[string]int{
		"Bearer 0123456789abcdef0123":  http.StatusTeapot,
		"bearer  0123456789abcdef0123": http.StatusTeapot,
		"Bearer 0123456789abcdef012":   http.StatusUnauthorized,
		"Token 0123456789abcdef0123":   http.StatusUnauthorized,
		"0123456789abcdef0123":         http.StatusUnauthorized,
		"":                             http.StatusUnauthorized,
	} {
		r := httptest.NewRequest(http.MethodGet, "/metrics?token=0123456789abcdef0123", nil)
		if auth != "" {
			r.Header.Set("Authorization", auth)
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code != want {
			t.Errorf("Authorization %q: %d, want %d", auth, w.Code, want)
		}
	}
}

// TestHTTP counts by the route the RouteFunc names and the status class,
// a handler that writes nothing as 2xx.
func TestHTTP(t *testing.T) {
	t.Parallel()
	m := New(nil, nil)
	h := m.HTTP(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/missing" {
			http.NotFound(w, r)
		}
	}), func(r *http.Request) string {
		if r.URL.Path == "/missing" {
			return ""
		}
		return "GET /x"
	})
	for _, p := range []string{"/x", "/missing", "/x"} {
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, p, nil))
	}
	if v := testutil.ToFloat64(m.httpRequests.WithLabelValues("GET /x", "2xx")); v != 2 {
		t.Errorf("GET /x 2xx = %v", v)
	}
	if v := testutil.ToFloat64(m.httpRequests.WithLabelValues(unmatched, "4xx")); v != 1 {
		t.Errorf("unmatched 4xx = %v", v)
	}
}

// offeringEncoder is an encoder that offers its renditions as it goes.
type offeringEncoder struct{ failingEncoder }

func (e offeringEncoder) EncodeStaged(ctx context.Context, src, dir string, progress func(float64),
	ready func(*lectern.EncodeResult) error) (*lectern.EncodeResult, error) {
	if err := ready(&lectern.EncodeResult{}); err != nil {
		return nil, err
	}
	return e.Encode(ctx, src, dir, progress)
}

// TestEncoderStaysStaged: the wrapped encoder of a staged one is staged
// too (the job makes a video playable from its first rendition only
// through EncodeStaged), and its encodes are timed.
func TestEncoderStaysStaged(t *testing.T) {
	t.Parallel()
	m := New(nil, nil)
	se, ok := m.Encoder(offeringEncoder{}).(lectern.StagedEncoder)
	if !ok {
		t.Fatal("the metrics' encoder of a staged encoder is not staged")
	}
	offered := 0
	if _, err := se.EncodeStaged(context.Background(), "a", "b", nil, func(*lectern.EncodeResult) error { offered++; return nil }); err != nil || offered != 1 {
		t.Fatalf("EncodeStaged: %v, offered %d", err, offered)
	}
	if n := testutil.CollectAndCount(m.encodeSpeed); n != 1 {
		t.Errorf("speed series = %d", n)
	}
	if _, ok := m.Encoder(failingEncoder{}).(lectern.StagedEncoder); ok {
		t.Error("a plain encoder became staged")
	}
}
