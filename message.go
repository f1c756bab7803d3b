package lectern

import (
	"context"
	"time"
)

// Message kinds.
const (
	MessageNewRecording = "new_recording" // a manager is told of a deposit
	MessageAdminReport  = "admin_report"  // the admins are told of a deposit nobody gets
)

// Message states.
const (
	MessageQueued = "queued" // waiting for delivery (or for SMTP_URL to be set)
	MessageSent   = "sent"
	MessageFailed = "failed" // every attempt failed; an admin may retry
)

// Message is an email in the outbox: rendered once, stored, then
// delivered with retries. Nothing is lost while the SMTP server is down.
type Message struct {
	ID          int64     `json:"id"`
	Kind        string    `json:"kind"`
	TreatmentID *int64    `json:"treatment"`
	From        string    `json:"from"`
	To          []string  `json:"to"`
	Subject     string    `json:"subject"`
	Text        string    `json:"text"`
	HTML        string    `json:"html"`
	State       string    `json:"state"`
	Attempts    int       `json:"attempts"`
	LastError   string    `json:"last_error"`
	CreatedAt   time.Time `json:"created_at"`
	SentAt      time.Time `json:"sent_at"`
}

// MessageFilter selects messages; zero fields match everything.
type MessageFilter struct {
	ID    *int64
	State *string
	Page  Page
}

// MessageService stores the outbox.
type MessageService interface {
	// FindMessageByID returns ENOTFOUND when no message has that id.
	FindMessageByID(ctx context.Context, id int64) (*Message, error)
	// FindMessages returns one page of matching messages, newest first,
	// and the number of all matching messages.
	FindMessages(ctx context.Context, filter MessageFilter) ([]*Message, int, error)
	// QueuedMessageIDs returns the ids of every queued message, oldest
	// first, so that delivery can resume after a restart.
	QueuedMessageIDs(ctx context.Context) ([]int64, error)
	// MarkMessageSent records a delivery.
	MarkMessageSent(ctx context.Context, id int64, at time.Time) error
	// MarkMessageAttempt records a failed attempt; failed marks it
	// MessageFailed (no more retries).
	MarkMessageAttempt(ctx context.Context, id int64, errText string, failed bool) error
	// RequeueMessage puts a failed message back in the queue and, in the
	// same transaction, enqueues its delivery (SendMailArgs).
	RequeueMessage(ctx context.Context, id int64) error
}
