package mail

import (
	"context"
	"errors"
	"log/slog"

	"lectern"
)

// Sender delivers one message of the outbox.
type Sender interface {
	// Send returns nil once the server has accepted m for every
	// recipient. Any error means m may not have been delivered; it is
	// worth retrying unless IsPermanent(err).
	Send(ctx context.Context, m *lectern.Message) error
}

// NewSender returns the sender SMTP_URL names (see NewSMTPSender), with
// from as the sender address of messages that have none. An empty URL
// returns a nil Sender and no error: mail then stays in the outbox.
func NewSender(smtpURL, from string, logger *slog.Logger) (Sender, error) {
	if smtpURL == "" {
		return nil, nil
	}
	s, err := NewSMTPSender(SMTPConfig{URL: smtpURL, From: from}, logger)
	if err != nil {
		return nil, err
	}
	return s, nil
}

// PermanentError is a failure that retrying will not fix: a message with
// no recipient or with an address that does not parse. Answers of the
// server, even 5xx ones, are not permanent: most come from a
// configuration an admin can fix (relaying refused, authentication
// required).
type PermanentError struct{ Err error }

func (e *PermanentError) Error() string { return e.Err.Error() }
func (e *PermanentError) Unwrap() error { return e.Err }

// IsPermanent reports whether err is, or wraps, a PermanentError.
func IsPermanent(err error) bool {
	var p *PermanentError
	return errors.As(err, &p)
}

// LogSender logs each message instead of sending it: for development.
type LogSender struct {
	logger *slog.Logger
}

// NewLogSender returns a sender that logs to logger.
func NewLogSender(logger *slog.Logger) *LogSender {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &LogSender{logger: logger}
}

// Send implements Sender: it logs m, text part included, and succeeds.
func (s *LogSender) Send(ctx context.Context, m *lectern.Message) error {
	s.logger.InfoContext(ctx, "mail not sent (log sender)", "message_id", m.ID, "kind", m.Kind, "from", m.From,
		"to", m.To, "subject", m.Subject, "text", m.Text)
	return nil
}
