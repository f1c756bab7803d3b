package mail

import (
	"context"
	"log/slog"

	"lectern"
)

// NewSender returns the sender SMTP_URL names (see NewSMTPSender), with
// from as the sender address of messages that have none. An empty URL
// returns a nil sender and no error: mail then stays in the outbox.
func NewSender(smtpURL, from string, logger *slog.Logger) (lectern.MailSender, error) {
	if smtpURL == "" {
		return nil, nil
	}
	s, err := NewSMTPSender(SMTPConfig{URL: smtpURL, From: from}, logger)
	if err != nil {
		return nil, err
	}
	return s, nil
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

// Send implements lectern.MailSender: it logs m, text part included, and
// succeeds.
func (s *LogSender) Send(ctx context.Context, m *lectern.Message) error {
	s.logger.InfoContext(ctx, "mail not sent (log sender)", "message_id", m.ID, "kind", m.Kind, "from", m.From,
		"to", m.To, "subject", m.Subject, "text", m.Text)
	return nil
}
