package api

import (
	"net/http"
	"slices"
	"time"

	"lectern"
	"lectern/httpjson"
)

// outboxItemBody is a message of the outbox as the list shows it: no
// bodies, and sent_at null until it is sent.
type outboxItemBody struct {
	ID          int64      `json:"id"`
	Kind        string     `json:"kind"`
	TreatmentID *int64     `json:"treatment"`
	From        string     `json:"from"`
	To          []string   `json:"to"`
	Subject     string     `json:"subject"`
	State       string     `json:"state"`
	Attempts    int        `json:"attempts"`
	LastError   string     `json:"last_error"`
	CreatedAt   time.Time  `json:"created_at"`
	SentAt      *time.Time `json:"sent_at"`
}

func newOutboxItemBody(m *lectern.Message) outboxItemBody {
	to := m.To
	if to == nil {
		to = []string{}
	}
	return outboxItemBody{ID: m.ID, Kind: m.Kind, TreatmentID: m.TreatmentID, From: m.From, To: to, Subject: m.Subject,
		State: m.State, Attempts: m.Attempts, LastError: m.LastError, CreatedAt: m.CreatedAt, SentAt: optionalTime(m.SentAt)}
}

// outboxMessageBody is one message in full, with its text and HTML parts.
type outboxMessageBody struct {
	outboxItemBody
	Text string `json:"text"`
	HTML string `json:"html"`
}

// handleOutboxList serves GET /api/v1/outbox?state=&page=&page_size=
// (superuser), newest first.
func (h *Handler) handleOutboxList(w http.ResponseWriter, r *http.Request, _ *lectern.User) error {
	page, err := pageFromQuery(r)
	if err != nil {
		return err
	}
	f := lectern.MessageFilter{Page: page}
	if s := r.URL.Query().Get("state"); s != "" {
		if !slices.Contains(lectern.MessageStates, s) {
			return invalid("Invalid filter.", map[string]string{"state": "Select a valid state."})
		}
		f.State = &s
	}
	list, total, err := h.deps.Messages.FindMessages(r.Context(), f)
	if err != nil {
		return err
	}
	results := make([]outboxItemBody, len(list))
	for i, m := range list {
		results[i] = newOutboxItemBody(m)
	}
	return h.writePage(w, r, page, total, results)
}

// handleOutboxGet serves GET /api/v1/outbox/{id} (superuser).
func (h *Handler) handleOutboxGet(w http.ResponseWriter, r *http.Request, _ *lectern.User) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	m, err := h.deps.Messages.FindMessageByID(r.Context(), id)
	if err != nil {
		return err
	}
	httpjson.Write(w, http.StatusOK, outboxMessageBody{outboxItemBody: newOutboxItemBody(m), Text: m.Text, HTML: m.HTML})
	return nil
}
