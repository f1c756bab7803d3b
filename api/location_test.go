package api_test

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"lectern"
	"lectern/api"
	"lectern/sqldb"
)

// TestTimesInTimeZone: with TIME_ZONE, the API answers every time in it,
// RFC 3339 with the zone's offset (winter and summer), under the same
// field names; a time never set stays the zero time.
func TestTimesInTimeZone(t *testing.T) {
	t.Parallel()
	b := setupDeposits(t)
	paris, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	b.srv = httptest.NewServer(mux)
	t.Cleanup(b.srv.Close)
	mux.Handle("/api/", checked(t, api.New(api.Deps{
		Users: b.users, Groups: sqldb.NewGroupService(b.db), Types: b.types, Recorders: b.recorders, Tokens: b.tokens,
		Treatments: b.treatments, RecordingFiles: b.recordingFiles,
		Recordings: sqldb.NewRecordingService(b.db, nil), Messages: sqldb.NewMessageService(b.db, nil),
		BaseURL: b.srv.URL + "/", Location: paris,
		Logger: slog.New(slog.NewTextHandler(io.MultiWriter(b.log, t.Output()), nil)),
	})))

	summer := b.treatment(t, 0, b.recs[0], lectern.TreatmentToNotify) // base: 1 April 2025, 08:00 UTC
	winter := &lectern.Treatment{File: b.root + "/room0/winter.mp4", FileSize: 1, RecorderID: &b.recs[0].ID,
		Type: lectern.RecordingTypeVideo, State: lectern.TreatmentToClaim, DetectedBy: lectern.SourceFTP,
		DateAdded: time.Date(2026, 12, 6, 8, 45, 0, 0, time.UTC)}
	if _, err := b.treatments.CreateTreatment(b.ctx, winter); err != nil {
		t.Fatal(err)
	}
	msg := &lectern.Message{Kind: lectern.MessageNewRecording, TreatmentID: &summer.ID, From: "a@b.example", To: []string{"c@d.example"},
		Subject: "s", Text: "t", HTML: "<p>h</p>"}
	if _, err := b.treatments.TransitionTreatment(b.ctx, summer.ID, lectern.TreatmentToNotify, lectern.TreatmentNotified, msg); err != nil {
		t.Fatal(err)
	}

	res := b.do(t, "GET", "/api/v1/treatments/"+strconv.FormatInt(summer.ID, 10), as(b.super), nil)
	body := string(res.body)
	for _, want := range []string{`"date_added":"2025-04-01T10:00:00+02:00"`, `"first_seen_at":"2025-04-01T09:59:58.5+02:00"`,
		`"routed_at":"2025-04-01T10:00:00+02:00"`} {
		if !strings.Contains(body, want) {
			t.Errorf("summer treatment: no %s in %s", want, body)
		}
	}
	res = b.do(t, "GET", "/api/v1/treatments/"+strconv.FormatInt(winter.ID, 10), as(b.super), nil)
	if body := string(res.body); !strings.Contains(body, `"date_added":"2026-12-06T09:45:00+01:00"`) || !strings.Contains(body, `"routed_at":null`) {
		t.Errorf("winter treatment: %s", body)
	}
	res = b.do(t, "GET", "/api/v1/treatments", as(b.super), nil)
	if body := string(res.body); !strings.Contains(body, `"date_added":"2026-12-06T09:45:00+01:00"`) {
		t.Errorf("treatment list: %s", body)
	}

	// The outbox's message body embeds its list item (an unexported
	// struct): its created_at is in the zone too.
	res = b.do(t, "GET", "/api/v1/outbox/"+strconv.FormatInt(msg.ID, 10), as(b.super), nil)
	var m struct {
		CreatedAt string `json:"created_at"`
		SentAt    any    `json:"sent_at"`
	}
	res.decode(t, &m)
	at, err := time.Parse(time.RFC3339, m.CreatedAt)
	if err != nil || strings.HasSuffix(m.CreatedAt, "Z") || at.Format("-07:00") != at.In(paris).Format("-07:00") || m.SentAt != nil {
		t.Errorf("outbox message: created_at %q (%v), sent_at %v", m.CreatedAt, err, m.SentAt)
	}
}
