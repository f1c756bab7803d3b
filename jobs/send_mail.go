package jobs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/riverqueue/river"

	"lectern"
)

// MailMaxAttempts is how many times a message is tried by default: with
// RetryPolicy, the attempts span about eight hours.
const MailMaxAttempts = 10

// SendMailArgs is the job that delivers one message of the outbox. The
// store enqueues it with the message (lectern.TreatmentService's
// TransitionTreatment, lectern.MessageService's RequeueMessage).
type SendMailArgs = lectern.SendMailArgs

// sendMailWorker works SendMailArgs jobs.
type sendMailWorker struct {
	river.WorkerDefaults[SendMailArgs]
	messages lectern.MessageService
	sender   lectern.MailSender
	logger   *slog.Logger
}

// Timeout leaves the sender its own timeout, and a margin.
func (w *sendMailWorker) Timeout(*river.Job[SendMailArgs]) time.Duration {
	return lectern.MailSendTimeout + 30*time.Second
}

// recordTimeout bounds the outbox writes that follow a delivery; they run
// even when the job's context ends, so that a sent message is never left
// queued because of a shutdown.
const recordTimeout = 15 * time.Second

func (w *sendMailWorker) Work(ctx context.Context, job *river.Job[SendMailArgs]) error {
	id := job.Args.MessageID
	log := w.logger.With("message_id", id, "job_id", job.ID, "attempt", job.Attempt)
	m, err := w.messages.FindMessageByID(ctx, id)
	if lectern.ErrorCode(err) == lectern.ENOTFOUND {
		log.Info("mail not sent: the message was deleted")
		return river.JobCancel(fmt.Errorf("message %d was deleted", id))
	} else if err != nil {
		return fmt.Errorf("load message %d: %w", id, err)
	}
	if m.State != lectern.MessageQueued {
		log.Debug("mail not sent: no longer queued", "state", m.State)
		return nil
	}

	sendErr := w.sender.Send(ctx, m)
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), recordTimeout)
	defer cancel()
	if sendErr == nil {
		if err := w.messages.MarkMessageSent(rctx, id, time.Now().UTC()); err != nil {
			// Not retried: the message went out. It stays queued in the
			// outbox, where an admin sees it was not recorded.
			log.Error("mail sent but not recorded as sent", "err", err)
		}
		return nil
	}
	if errors.Is(ctx.Err(), context.Canceled) {
		// Shutdown: free again at once for another node (or this one
		// when it restarts), without spending an attempt.
		log.Info("mail delivery interrupted by shutdown", "err", sendErr)
		return river.JobSnooze(0)
	}
	permanent := lectern.IsPermanentMailError(sendErr)
	last := permanent || job.Attempt >= job.MaxAttempts
	if err := w.messages.MarkMessageAttempt(rctx, id, sendErr.Error(), last); err != nil {
		log.Error("record mail attempt", "err", err)
	}
	switch {
	case permanent:
		log.Error("mail not sendable: marked failed", "err", sendErr)
		return river.JobCancel(sendErr)
	case last:
		log.Error("mail failed on its last attempt: marked failed", "err", sendErr, "attempts", job.Attempt)
	default:
		log.Warn("mail attempt failed; will retry", "err", sendErr)
	}
	return sendErr
}
