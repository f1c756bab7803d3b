// Package jobs runs Lectern's background work on River
// (github.com/riverqueue/river), on the store's database: a job is a
// row, so a restart, a crash or kill -9 loses none. A job interrupted by
// a shutdown is free again at once, for any other running node or this
// one when it restarts; a killed node's running jobs are rescued by the
// others after JOB_RESCUE_AFTER (its heartbeat stopped), or by itself at
// its next start.
//
// The driver follows the database (driver.go): riversqlite on SQLite,
// riverdatabasesql on PostgreSQL, both on a *sql.Tx, so one client type
// and one Enqueuer serve both. River's tables come from rivermigrate with
// that driver (Migrate, and New; idempotent). On SQLite River gets a pool
// of its own with one connection, as riversqlite advises; busy_timeout
// covers the waits between that pool and the store's. On PostgreSQL it
// shares the store's pool, and LISTENs through a pgx pool of its own
// (Config.Listener, riverpgxv5's listener).
//
// # Enqueueing
//
// Jobs are enqueued by the store, in the transaction of the row that calls
// for them: Enqueuer implements lectern.Enqueuer with River's InsertTx on
// the store's own *sql.Tx. A recording commits with its process_recording
// job, a video's stored source with its encode_video job, an outbox
// message with its send_mail job, or neither does: no job is lost between
// two transactions, and none runs for a row that was rolled back. So no
// pass at start looks for work without a job. Admins' requests (encode
// again, a thumbnail, a retry) are inserted by the Client.
//
// # Mail
//
// Every email is a row of the outbox (lectern.MessageService), written
// with its SendMailArgs job, at most one per message while it waits or
// runs (unique by args). The send_mail worker loads the
// message, skips it unless it is still queued, sends it, and records the
// delivery or the failed attempt (attempts, last_error) in the outbox. A
// failure is retried by River with RetryPolicy's backoff (seconds at
// first, then hours) up to MailMaxAttempts; the last failure marks the
// message failed, and an admin may queue it again. A message deleted in
// the meantime cancels its job.
//
// Without a Sender (no SMTP_URL) no worker takes the mail queue: the jobs
// wait there and their messages stay queued in the outbox, until a client
// with a Sender starts and delivers them.
//
// # Processing
//
// A recording becomes a video in two jobs, each on its own queue:
//
//   - process_recording (ProcessRecordingArgs, queue "process"): creates
//     the video with the recorder's defaults (lectern.NewVideo), or finds
//     the one an earlier attempt created (one video per recording is a
//     UNIQUE constraint); moves the source to
//     MEDIA_ROOT/videos/<video id>/source<.ext> (a rename, or across file
//     systems a copy, fsync, rename and directory fsync before the
//     original is removed: see moveFile); records it with SetSource,
//     whose transaction enqueues the encode. An audiovideocast ZIP (see
//     avc.go) is checked whole first (package avc: layout, SMIL, limits,
//     hostile entries); its
//     media is streamed out to the same place, its slides into slides/
//     and stored as the video's enrichments (lectern.NewSlides), and once
//     the video has its source (SetSource, which enqueues the encode in
//     its transaction) the ZIP is renamed <file>_treated. A
//     refused archive leaves the reason in the recording's log, the ZIP
//     where it was, and the job cancelled for an admin to retry once the
//     file is fixed.
//   - encode_video (EncodeVideoArgs, queue "encode", ENCODE_WORKERS at
//     once): runs the lectern.Encoder into the video's directory, writing
//     the progress at most every second, then the renditions. A source
//     that is not media cancels the job and leaves the video in state
//     error, its source kept; another failure is retried with backoff
//     (EncodeMaxAttempts), an admin may retry after; a shutdown puts the
//     video back to pending and snoozes the job (river.JobSnooze(0)), taken
//     at once by another running node, or by this one when it restarts,
//     without spending an attempt.
//
// Each step appends a line to the recording's log, shown to admins.
//
// Admins follow, cancel and retry jobs through lectern.JobService (see
// admin.go): a cancelled running encode has its context cancelled within
// seconds (River polls for cancellations), the video says so and keeps
// its source; EncodeVideo encodes a video again.
//
// Both jobs are unique by args, so enqueueing twice runs once.
//
// # Crashes
//
// Every step converges when run again, whatever was done before a crash:
// the video is found rather than created twice; a source gone from the
// recorder's directory but present in the video's was moved; a source in
// both places (a crash after a cross-device copy) is copied again, then
// removed; a source in neither cancels the job and the video shows the
// error. The job itself survives the crash: it was written with its row.
//
// River leaves the job a killed process was working in state running; its
// rescuer would only take it back an hour later (never an encode, which
// has no timeout). Start first rescues the jobs that this client's ID
// (Config.ID, stable across restarts, unique among live processes) left
// running: they are orphans, made available again at once. See
// rescueOrphans.
//
// Several nodes (`lectern serve`, `lectern worker` on other machines) may
// work one queue, each under its own ID. With Deps.Nodes each node writes
// a heartbeat, and the running jobs of a node silent for RescueAfter are
// rescued by the others; a node that could not beat for half of that
// stops itself first (LeaseLostFunc), so that no job runs on two nodes at
// once. See lease in node.go.
package jobs
