package lectern

import (
	"context"
	"errors"
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

// MessageStates lists the outbox states, in the order a message goes
// through them.
var MessageStates = []string{MessageQueued, MessageSent, MessageFailed}

// MessageUnsentStates are the states of a message nobody has received
// (yet): waiting, or failed.
var MessageUnsentStates = []string{MessageQueued, MessageFailed}

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
	ID     *int64
	State  *string
	States []string // any of these states (with State: both must hold)
	Page   Page
}

// MessageService stores the outbox.
type MessageService interface {
	// FindMessageByID returns ENOTFOUND when no message has that id.
	FindMessageByID(ctx context.Context, id int64) (*Message, error)
	// FindMessages returns one page of matching messages, newest first,
	// and the number of all matching messages.
	FindMessages(ctx context.Context, filter MessageFilter) ([]*Message, int, error)
	// CountMessages returns the number of matching messages (the
	// filter's Page is ignored).
	CountMessages(ctx context.Context, filter MessageFilter) (int, error)
	// MarkMessageSent records a delivery.
	MarkMessageSent(ctx context.Context, id int64, at time.Time) error
	// MarkMessageAttempt records a failed attempt; failed marks it
	// MessageFailed (no more retries).
	MarkMessageAttempt(ctx context.Context, id int64, errText string, failed bool) error
	// RequeueMessage puts a failed message back in the queue and, in the
	// same transaction, enqueues its delivery (SendMailArgs).
	RequeueMessage(ctx context.Context, id int64) error
}

// MailSendTimeout is the longest one delivery takes by default
// (connection, TLS, authentication and transfer: package mail's bound);
// the delivery job gives the sender that and a margin.
const MailSendTimeout = 30 * time.Second

// MailSender delivers one message of the outbox (package mail: SMTP, or a
// sender that logs). The delivery job (package jobs) gets one from
// cmd/lectern; without one (no SMTP_URL) mail stays in the outbox.
type MailSender interface {
	// Send returns nil once the server has accepted m for every
	// recipient. Any error means m may not have been delivered; it is
	// worth retrying unless IsPermanentMailError(err).
	Send(ctx context.Context, m *Message) error
}

// PermanentMailError is a delivery failure that retrying will not fix: a
// message with no recipient or with an address that does not parse.
// Answers of the server, even 5xx ones, are not permanent: most come from
// a configuration an admin can fix (relaying refused, authentication
// required).
type PermanentMailError struct{ Err error }

func (e *PermanentMailError) Error() string { return e.Err.Error() }
func (e *PermanentMailError) Unwrap() error { return e.Err }

// IsPermanentMailError reports whether err is, or wraps, a
// PermanentMailError: the message is marked failed at once.
func IsPermanentMailError(err error) bool {
	var p *PermanentMailError
	return errors.As(err, &p)
}
