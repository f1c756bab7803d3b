// Package jobs runs Lectern's background work on River
// (github.com/riverqueue/river) with its SQLite driver, on the same
// database file as the store: a job is a row, so a restart, a crash or
// kill -9 loses none, and a job interrupted by a shutdown runs again at
// the next start.
//
// River's tables come from rivermigrate, applied by New (idempotent). River
// gets a pool of its own with one connection, as riversqlite advises;
// busy_timeout covers the waits between that pool and the store's.
//
// # Mail
//
// Every email is a row of the outbox (lectern.MessageService) before it is
// a job. EnqueueMessage inserts a SendMailArgs job, at most one per
// message while it waits or runs (unique by args), and ResumeQueued, called
// at start, enqueues every message still queued, so that an enqueue lost
// to a crash costs a delay, never a mail. The send_mail worker loads the
// message, skips it unless it is still queued, sends it, and records the
// delivery or the failed attempt (attempts, last_error) in the outbox. A
// failure is retried by River with RetryPolicy's backoff (seconds at
// first, then hours) up to MailMaxAttempts; the last failure marks the
// message failed, and an admin may queue it again. A message deleted in
// the meantime cancels its job.
//
// # Later
//
// Issue 5 adds the processing stage here: process (a recording becomes a
// video: source moved into media storage, audiovideocast slides), encode
// (ffmpeg renditions, progress) and thumbnail workers, each on its own
// queue, enqueued in the same transaction as the row that asks for them
// (InsertTx).
package jobs
