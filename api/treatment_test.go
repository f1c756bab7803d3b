package api_test

import (
	"fmt"
	"io"
	"log/slog"
	"math"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"lectern"
	"lectern/api"
	"lectern/sqldb"
)

// depositBundle is a testBundle whose API also serves the deposit
// listings, with two recorders to deposit into.
type depositBundle struct {
	*testBundle
	treatments     lectern.TreatmentService
	recordingFiles lectern.RecordingFileService
	recs           [2]*lectern.Recorder
	staffID        int64
}

func setupDeposits(t *testing.T) *depositBundle {
	t.Helper()
	b := &depositBundle{testBundle: setup(t)}
	b.treatments = sqldb.NewTreatmentService(b.db, nil)
	b.recordingFiles = sqldb.NewRecordingFileService(b.db)
	mux := http.NewServeMux()
	b.srv = httptest.NewServer(mux)
	t.Cleanup(b.srv.Close)
	mux.Handle("/api/", checked(t, api.New(api.Deps{
		Users: b.users, Groups: sqldb.NewGroupService(b.db), Types: b.types, Recorders: b.recorders, Tokens: b.tokens,
		Treatments: b.treatments, RecordingFiles: b.recordingFiles,
		Recordings: sqldb.NewRecordingService(b.db, nil), Messages: sqldb.NewMessageService(b.db, nil),
		BaseURL: b.srv.URL + "/",
		Logger:  slog.New(slog.NewTextHandler(io.MultiWriter(b.log, t.Output()), nil)),
	})))
	for i := range b.recs {
		r := lectern.NewRecorder()
		r.Name, r.AddressIP, r.Directory, r.TypeID = fmt.Sprintf("Room %d", i), fmt.Sprintf("10.1.0.%d", i+1), fmt.Sprintf("room%d", i), b.typeID
		if err := b.recorders.CreateRecorder(b.ctx, r); err != nil {
			t.Fatal(err)
		}
		b.recs[i] = r
	}
	staffer, err := b.users.FindUserByUsername(b.ctx, "staffer")
	if err != nil {
		t.Fatal(err)
	}
	b.staffID = staffer.ID
	return b
}

// base is the time of the first deposit; deposit i is added i minutes
// later, first seen 1.5 s before it was found complete.
var base = time.Date(2025, 4, 1, 8, 0, 0, 0, time.UTC)

// treatment stores the i-th deposit of recorder rec in state.
func (b *depositBundle) treatment(t *testing.T, i int, rec *lectern.Recorder, state string) *lectern.Treatment {
	t.Helper()
	added := base.Add(time.Duration(i) * time.Minute)
	tr := &lectern.Treatment{File: fmt.Sprintf("%s/%s/lecture%02d.mp4", b.root, rec.Directory, i), FileSize: int64(1000 + i),
		RecorderID: &rec.ID, Type: lectern.RecordingTypeVideo, State: state, DetectedBy: lectern.Sources[i%len(lectern.Sources)],
		DateAdded: added, FirstSeenAt: added.Add(-1500 * time.Millisecond), CompletedAt: added, RoutedAt: added}
	if created, err := b.treatments.CreateTreatment(b.ctx, tr); err != nil || !created {
		t.Fatalf("create treatment %d: %v %v", i, created, err)
	}
	return tr
}

// treatmentJSON is the shape the tests read back.
type treatmentJSON struct {
	ID             int64      `json:"id"`
	File           string     `json:"file"`
	FileSize       int64      `json:"file_size"`
	Recorder       *int64     `json:"recorder"`
	State          string     `json:"state"`
	DetectedBy     string     `json:"detected_by"`
	DateAdded      time.Time  `json:"date_added"`
	DateEmailSent  *time.Time `json:"date_email_sent"`
	FirstSeenAt    *time.Time `json:"first_seen_at"`
	CompletedAt    *time.Time `json:"completed_at"`
	LatencySeconds float64    `json:"latency_seconds"`
}

type treatmentPage struct {
	Count    int             `json:"count"`
	Next     *string         `json:"next"`
	Previous *string         `json:"previous"`
	Results  []treatmentJSON `json:"results"`
}

func TestTreatmentList(t *testing.T) {
	t.Parallel()
	b := setupDeposits(t)
	states := []string{lectern.TreatmentToClaim, lectern.TreatmentToNotify, lectern.TreatmentIgnored}
	for i := 0; i < 25; i++ {
		b.treatment(t, i, b.recs[i%2], states[i%3])
	}

	// The first page: newest first, default size, a next link.
	var page treatmentPage
	r := b.do(t, "GET", "/api/v1/treatments", as(b.super), nil)
	want(t, r, http.StatusOK)
	r.decode(t, &page)
	if page.Count != 25 || len(page.Results) != lectern.DefaultPageSize || page.Previous != nil || page.Next == nil {
		t.Fatalf("first page: %s", r.body)
	}
	first := page.Results[0]
	if !strings.HasSuffix(first.File, "/lecture24.mp4") || first.Recorder == nil || *first.Recorder != b.recs[0].ID ||
		first.DetectedBy != lectern.Sources[24%len(lectern.Sources)] || math.Abs(first.LatencySeconds-1.5) > 1e-9 ||
		first.DateEmailSent != nil || first.FirstSeenAt == nil || first.CompletedAt == nil || first.FileSize != 1024 {
		t.Fatalf("newest treatment %+v", first)
	}
	if !strings.Contains(string(r.body), `"date_email_sent":null`) {
		t.Errorf("an unknown time is not null: %s", r.body)
	}
	for i := 1; i < len(page.Results); i++ {
		if page.Results[i].DateAdded.After(page.Results[i-1].DateAdded) {
			t.Fatalf("not newest first at %d", i)
		}
	}
	next, err := url.Parse(*page.Next)
	if err != nil || next.Query().Get("page") != "2" {
		t.Fatalf("next = %s", *page.Next)
	}
	r = b.do(t, "GET", next.RequestURI(), as(b.super), nil)
	want(t, r, http.StatusOK)
	r.decode(t, &page)
	if len(page.Results) != 5 || page.Next != nil || page.Previous == nil || !strings.HasSuffix(page.Results[4].File, "/lecture00.mp4") {
		t.Fatalf("second page: %s", r.body)
	}

	// Filters, alone and together, kept in the page links.
	for query, wantCount := range map[string]int{
		fmt.Sprintf("recorder=%d", b.recs[1].ID):               12,
		"state=to_claim":                                       9,
		"search=LECTURE1":                                      10,
		fmt.Sprintf("recorder=%d&state=ignored", b.recs[0].ID): 4,
		fmt.Sprintf("recorder=%d&state=to_notify&search=lecture1", b.recs[1].ID): 2,
		fmt.Sprintf("recorder=%d&page_size=5&state=to_claim", b.recs[0].ID):      5,
	} {
		r := b.do(t, "GET", "/api/v1/treatments?"+query, as(b.super), nil)
		want(t, r, http.StatusOK)
		r.decode(t, &page)
		if page.Count != wantCount {
			t.Errorf("%s: count %d, want %d", query, page.Count, wantCount)
		}
		q, _ := url.ParseQuery(query)
		for _, tr := range page.Results {
			if s := q.Get("state"); s != "" && tr.State != s {
				t.Errorf("%s: state %s let through", query, tr.State)
			}
			if s := q.Get("recorder"); s != "" && fmt.Sprint(*tr.Recorder) != s {
				t.Errorf("%s: recorder %d let through", query, *tr.Recorder)
			}
		}
		if page.Next != nil && !strings.Contains(*page.Next, "state=") {
			t.Errorf("%s: next link lost the filter: %s", query, *page.Next)
		}
	}

	// Bad filter values: 400 naming the field; a page past the end: 404.
	for query, field := range map[string]string{
		"recorder=abc": "recorder", "recorder=0": "recorder", "recorder=-3": "recorder", "recorder=999": "recorder",
		"state=nope": "state", "state=TO_CLAIM": "state",
	} {
		r := b.do(t, "GET", "/api/v1/treatments?"+query, as(b.super), nil)
		want(t, r, http.StatusBadRequest)
		if r.fields(t)[field] == "" {
			t.Errorf("%s: no message for %s: %s", query, field, r.body)
		}
	}
	want(t, b.do(t, "GET", "/api/v1/treatments?page=3", as(b.super), nil), http.StatusNotFound)
	want(t, b.do(t, "GET", "/api/v1/treatments?page=x", as(b.super), nil), http.StatusNotFound)

	// Staff only.
	want(t, b.do(t, "GET", "/api/v1/treatments", "", nil), http.StatusUnauthorized)
	want(t, b.do(t, "GET", "/api/v1/treatments", "Token nope", nil), http.StatusUnauthorized)
	want(t, b.do(t, "GET", "/api/v1/treatments", as(b.user), nil), http.StatusForbidden)
	want(t, b.do(t, "GET", "/api/v1/treatments", "Bearer "+b.super, nil), http.StatusOK)
}

func TestTreatmentListEmpty(t *testing.T) {
	t.Parallel()
	b := setupDeposits(t)
	r := b.do(t, "GET", "/api/v1/treatments", as(b.super), nil)
	want(t, r, http.StatusOK)
	if got := strings.TrimSpace(string(r.body)); got != `{"count":0,"next":null,"previous":null,"results":[]}` {
		t.Errorf("empty list = %s", got)
	}
}

func TestTreatmentGet(t *testing.T) {
	t.Parallel()
	b := setupDeposits(t)
	tr := b.treatment(t, 3, b.recs[1], lectern.TreatmentToClaim)
	tr.State, tr.EmailSent, tr.DateEmailSent = lectern.TreatmentNotified, true, base.Add(time.Hour)
	if err := b.treatments.UpdateTreatment(b.ctx, tr); err != nil {
		t.Fatal(err)
	}
	path := fmt.Sprintf("/api/v1/treatments/%d", tr.ID)
	r := b.do(t, "GET", path, as(b.super), nil)
	want(t, r, http.StatusOK)
	var got treatmentJSON
	r.decode(t, &got)
	if got.ID != tr.ID || got.File != tr.File || got.State != lectern.TreatmentNotified || got.DetectedBy != tr.DetectedBy ||
		got.DateEmailSent == nil || !got.DateEmailSent.Equal(tr.DateEmailSent) || math.Abs(got.LatencySeconds-1.5) > 1e-9 {
		t.Fatalf("got %+v from %s", got, r.body)
	}
	m := r.object(t)
	for _, k := range []string{"type", "require_manual_claim", "email_sent", "reason", "routed_at"} {
		if _, ok := m[k]; !ok {
			t.Errorf("no %q in %s", k, r.body)
		}
	}
	for _, p := range []string{"/api/v1/treatments/999", "/api/v1/treatments/abc", "/api/v1/treatments/0"} {
		want(t, b.do(t, "GET", p, as(b.super), nil), http.StatusNotFound)
	}
	want(t, b.do(t, "GET", path, "", nil), http.StatusUnauthorized)
	want(t, b.do(t, "GET", path, as(b.user), nil), http.StatusForbidden)
	want(t, b.do(t, "DELETE", path, as(b.super), nil), http.StatusMethodNotAllowed)
}
