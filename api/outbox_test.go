package api_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"lectern"
	"lectern/sqldb"
)

type outboxJSON struct {
	ID        int64      `json:"id"`
	Kind      string     `json:"kind"`
	Treatment *int64     `json:"treatment"`
	From      string     `json:"from"`
	To        []string   `json:"to"`
	Subject   string     `json:"subject"`
	State     string     `json:"state"`
	Attempts  int        `json:"attempts"`
	LastError string     `json:"last_error"`
	CreatedAt time.Time  `json:"created_at"`
	SentAt    *time.Time `json:"sent_at"`
	Text      *string    `json:"text"`
	HTML      *string    `json:"html"`
}

type outboxPage struct {
	Count    int          `json:"count"`
	Next     *string      `json:"next"`
	Previous *string      `json:"previous"`
	Results  []outboxJSON `json:"results"`
}

// message queues the i-th deposit's admin report, the way the Router does.
func (b *depositBundle) message(t *testing.T, i int) *lectern.Message {
	t.Helper()
	tr := b.treatment(t, i, b.recs[i%2], lectern.TreatmentToReport)
	m := &lectern.Message{Kind: lectern.MessageAdminReport, From: "lectern@univ.example", To: []string{"a@univ.example", "b@univ.example"},
		Subject: fmt.Sprintf("[Lectern] report %d", i), Text: fmt.Sprintf("text %d", i), HTML: fmt.Sprintf("<p>html %d</p>", i)}
	if ok, err := b.treatments.TransitionTreatment(b.ctx, tr.ID, lectern.TreatmentToReport, lectern.TreatmentReported, m); err != nil || !ok {
		t.Fatalf("transition: %v %v", ok, err)
	}
	return m
}

func TestOutboxList(t *testing.T) {
	t.Parallel()
	b := setupDeposits(t)
	messages := sqldb.NewMessageService(b.db, nil)
	var ids []int64
	for i := range 22 {
		ids = append(ids, b.message(t, i).ID)
	}
	sentAt := time.Date(2025, 5, 6, 7, 8, 9, 0, time.UTC)
	for _, id := range ids[:5] {
		if err := messages.MarkMessageSent(b.ctx, id, sentAt); err != nil {
			t.Fatal(err)
		}
	}
	if err := messages.MarkMessageAttempt(b.ctx, ids[5], "dial tcp: connection refused", false); err != nil {
		t.Fatal(err)
	}
	if err := messages.MarkMessageAttempt(b.ctx, ids[6], "550 no such user", true); err != nil {
		t.Fatal(err)
	}

	var page outboxPage
	r := b.do(t, "GET", "/api/v1/outbox", as(b.super), nil)
	want(t, r, http.StatusOK)
	r.decode(t, &page)
	if page.Count != 22 || len(page.Results) != lectern.DefaultPageSize || page.Next == nil || page.Previous != nil {
		t.Fatalf("first page: %s", r.body)
	}
	newest := page.Results[0]
	if newest.ID != ids[21] || newest.Subject != "[Lectern] report 21" || newest.State != lectern.MessageQueued ||
		newest.Kind != lectern.MessageAdminReport || newest.Treatment == nil || strings.Join(newest.To, ",") != "a@univ.example,b@univ.example" ||
		newest.From != "lectern@univ.example" || newest.CreatedAt.IsZero() || newest.SentAt != nil {
		t.Errorf("newest message = %+v", newest)
	}
	if newest.Text != nil || newest.HTML != nil {
		t.Errorf("the list shows the bodies: %s", r.body)
	}
	if !strings.Contains(string(r.body), `"sent_at":null`) {
		t.Errorf("an unsent message's sent_at is not null: %s", r.body)
	}
	for i := 1; i < len(page.Results); i++ {
		if page.Results[i].ID > page.Results[i-1].ID {
			t.Fatalf("not newest first at %d", i)
		}
	}
	next, err := url.Parse(*page.Next)
	if err != nil {
		t.Fatal(err)
	}
	r = b.do(t, "GET", next.RequestURI(), as(b.super), nil)
	want(t, r, http.StatusOK)
	r.decode(t, &page)
	if len(page.Results) != 2 || page.Results[1].ID != ids[0] || page.Results[1].State != lectern.MessageSent ||
		page.Results[1].SentAt == nil || !page.Results[1].SentAt.Equal(sentAt) || page.Results[1].Attempts != 1 {
		t.Fatalf("second page: %s", r.body)
	}

	// ?state=, kept in the page links.
	for state, wantCount := range map[string]int{lectern.MessageQueued: 16, lectern.MessageSent: 5, lectern.MessageFailed: 1} {
		r := b.do(t, "GET", "/api/v1/outbox?page_size=2&state="+state, as(b.super), nil)
		want(t, r, http.StatusOK)
		r.decode(t, &page)
		if page.Count != wantCount {
			t.Errorf("state=%s: count %d, want %d", state, page.Count, wantCount)
		}
		for _, m := range page.Results {
			if m.State != state {
				t.Errorf("state=%s: %s let through", state, m.State)
			}
		}
		if page.Next != nil && !strings.Contains(*page.Next, "state="+state) {
			t.Errorf("state=%s: next link lost the filter: %s", state, *page.Next)
		}
	}
	r = b.do(t, "GET", "/api/v1/outbox?state=failed", as(b.super), nil)
	r.decode(t, &page)
	if f := page.Results[0]; f.ID != ids[6] || f.Attempts != 1 || f.LastError != "550 no such user" {
		t.Errorf("failed message = %+v", f)
	}
	r = b.do(t, "GET", "/api/v1/outbox?state=queued&page_size=100", as(b.super), nil)
	r.decode(t, &page)
	if q := page.Results[len(page.Results)-1]; q.ID != ids[5] || q.Attempts != 1 || q.LastError != "dial tcp: connection refused" {
		t.Errorf("retried message = %+v", q)
	}
	r = b.do(t, "GET", "/api/v1/outbox?state=lost", as(b.super), nil)
	want(t, r, http.StatusBadRequest)
	if r.fields(t)["state"] == "" {
		t.Errorf("no message for state: %s", r.body)
	}
	want(t, b.do(t, "GET", "/api/v1/outbox?page=4", as(b.super), nil), http.StatusNotFound)

	// Superusers only.
	want(t, b.do(t, "GET", "/api/v1/outbox", "", nil), http.StatusUnauthorized)
	want(t, b.do(t, "GET", "/api/v1/outbox", as(b.staff), nil), http.StatusForbidden)
	want(t, b.do(t, "GET", "/api/v1/outbox", as(b.user), nil), http.StatusForbidden)
}

func TestOutboxGet(t *testing.T) {
	t.Parallel()
	b := setupDeposits(t)
	m := b.message(t, 3)
	path := fmt.Sprintf("/api/v1/outbox/%d", m.ID)
	var got outboxJSON
	r := b.do(t, "GET", path, as(b.super), nil)
	want(t, r, http.StatusOK)
	r.decode(t, &got)
	if got.ID != m.ID || got.Text == nil || *got.Text != "text 3" || got.HTML == nil || *got.HTML != "<p>html 3</p>" ||
		got.Subject != m.Subject || got.State != lectern.MessageQueued || got.Treatment == nil || *got.Treatment != *m.TreatmentID {
		t.Errorf("message = %s", r.body)
	}
	want(t, b.do(t, "GET", "/api/v1/outbox/999", as(b.super), nil), http.StatusNotFound)
	want(t, b.do(t, "GET", path, as(b.staff), nil), http.StatusForbidden)
	want(t, b.do(t, "GET", path, "", nil), http.StatusUnauthorized)
}
