package upload_test

import (
	"bytes"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"testing"
	"time"

	"lectern/intake/upload"
)

// TestMultipartAnswerInTimeZone: an upload's answer writes its times in
// TIME_ZONE with the zone's offset, as the API does.
func TestMultipartAnswerInTimeZone(t *testing.T) {
	t.Parallel()
	b := setup(t, 0)
	tokyo, err := time.LoadLocation("Asia/Tokyo") // no summer time: always +09:00
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	b.srv = httptest.NewServer(mux)
	t.Cleanup(b.srv.Close)
	h, err := upload.New(upload.Config{Root: b.root, TempDir: b.temp, BaseURL: b.srv.URL + "/", Location: tokyo},
		upload.Deps{Recorders: b.recorders, RecordingFiles: b.recordingFiles, Tokens: b.tokens, Intake: b.intake,
			Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	mux.Handle("POST /api/v1/recording-files", h)
	r := b.postForm(t, b.staff, field("recorder", fmt.Sprint(b.rec.ID)), file("Lecture.mp4", bytes.NewReader(randomBytes(t, 1000))))
	want(t, r, http.StatusCreated)
	if !regexp.MustCompile(`"date_added":"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?\+09:00"`).Match([]byte(r.body)) {
		t.Errorf("the answer's times are not in Asia/Tokyo: %s", r.body)
	}
}
