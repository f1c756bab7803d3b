// Package lectern is the core of Lectern: the domain types of a deposit's
// life, the rules that apply to them, and the contracts (service
// interfaces, job arguments, a video's folder) that the edges implement or
// consume. It imports the standard library only; the edges import it, and
// leaf helpers (locale, httpjson, httplimit, password, avc, throttle), never each
// other; cmd/lectern wires them (fence_test.go checks it).
//
// # The life of a deposit
//
// A recorder in a lecture room exports a file into its own directory under
// DEFAULT_RECORDER_PATH. Follow it from there to its video page, one file
// per step.
//
// 1. It enters. Each way in ends in one call, Intake.Complete (intake.go),
// once the file is whole:
//
//   - by FTP, through Lectern's own server: intake/ftp (server.go,
//     driver.go; upload.go completes an upload before its 226);
//   - by SFTP, through Lectern's own server: intake/sftp (doc.go, the
//     same logins and folders as FTP; upload.go completes a file once
//     its handle is closed whole);
//   - from a capture agent speaking Opencast (pyCA, Galicaster, an
//     Extron SMP, an Epiphan Pearl): package opencast. The agent logs in
//     as its recorder (auth.go, Basic or Digest), reads what to record
//     from the recorder's schedule as iCalendar (calendar.go), reports
//     its states (admin.go), and ingests: its tracks wait in a staging
//     folder inside the recorder's (ingest_store.go) until its ingest
//     call completes them as one deposit of several parts naming its
//     event (ingest_complete.go; Deposit.EventUID, Deposit.Parts);
//   - dropped by any other means (a share): the watcher, intake/watch
//     (watch.go, scan.go; pending.go completes a file once quiet);
//   - Pod's cron line, `lectern recorder checkDirectory`: intake/watch
//     (check.go), from cmd/lectern/cli_check.go;
//   - over HTTP, a multipart form or tus: intake/upload (upload.go,
//     multipart.go, tus_done.go; deposit.go completes it);
//   - Pod's notify URL: Notifier.Notify (notify.go, served by
//     web/record_notify.go), which checks the key (NotifyKey) and the path
//     (ResolveDeposit, deposit.go).
//
// 2. Its treatment is written, exactly once. Intake.Complete finds the
// recorder by the file's directory (RecorderDirectories,
// recorder_directory.go) and writes one Treatment row (treatment.go;
// the store, sqldb/treatment.go, keeps files unique), its state chosen by
// InitialState (treatment.go): to notify, to publish, to claim or to
// report. A deposit recorded in one of its recorder's scheduled events
// (intake_event.go: the event its ingest names, else the media's
// creation time, else the file's modification time) is the event
// owner's instead (InitialStateFor): the Router mails them or publishes
// for them (routing_event.go), and an event that ends with no deposit
// raises one alert (schedule_missed.go). Events (schedule.go) are booked
// by hand (web/schedule_*.go, the API's /api/v1/events) or imported
// from a timetable's iCalendar feed (feed.go; package ical). A recorder
// that splits a long recording into files (RECORDING_PART_PATTERN) has
// each part wait, to assemble (intake_parts.go), until the last one is
// quiet: the parts then become one treatment of several parts, routed
// once.
//
// 3. It is routed. Router.Dispatch (routing.go) acts on that state, at
// once for the server's own deposits (cmd/lectern/routing.go); those
// recorded elsewhere (a cron pass, another node) by the pending pass of
// any running node, serve or worker (cmd/lectern/routing_pending.go):
// every second, and at once on PostgreSQL, woken by the NOTIFY each new
// treatment sends (sqldb.ListenTreatments):
// the manager is mailed a link to the add form, or the admins a report,
// each message rendered by package mail (render.go) and stored in the
// outbox with its send_mail job, in the treatment's transaction
// (TreatmentService.TransitionTreatment, message.go); or the deposit is
// published for its manager. A claimable deposit waits in the claim list
// (web/record_claim_list.go).
//
// 4. It is published. The add form (web/record_add.go), a claim, or the
// Router for an automatic publication creates a Recording (recording.go)
// with RecordingService.CreateRecording, whose transaction also moves the
// treatment to published and enqueues the recording's process_recording
// job (Enqueuer, job.go; package jobs implements it with River's
// InsertTx, jobs/enqueue.go). The row and its job commit together or not
// at all.
//
// 5. It becomes a video. The process_recording job (jobs/process.go)
// creates the Video with the recorder's defaults (NewVideo, video.go),
// moves the source into the video's folder (VideoDir, VideoSource,
// media.go; jobs/move.go), or for an audiovideocast ZIP streams its media
// and slides out of it (jobs/avc.go, package avc; NewSlides,
// enrichment.go), or for a deposit of several parts joins the camera's
// parts into one source and the screen's into a second picture
// (jobs/parts.go; media_join.go), then stores the source with
// VideoService.SetSource, whose transaction enqueues the encode_video
// job.
//
// 6. It is encoded. The encode_video job (jobs/encode.go) runs the Encoder
// (media.go; package ffmpeg, encode.go) into the video's folder, storing
// its progress, then the renditions and thumbnail (VideoService.SetEncoded).
// Meanwhile the send_mail job (jobs/send_mail.go) delivers the outbox
// through a MailSender (message.go; package mail, smtp.go).
//
// 7. It is watched. The video page (web/video_show.go) shows the player
// over the renditions, served from the video's folder
// (web/video_media.go), with its slides (web/video_slides.go), to whom
// Video.CanView lets in (video.go).
//
// Every state is a database row, never only memory, and every job is
// written with the row that calls for it: a restart, a crash or kill -9 at
// any point loses nothing and publishes nothing twice. A job a killed
// process was running is run again by another node once that process's
// heartbeat is older than JOB_RESCUE_AFTER, or by the process itself at
// its next start (jobs/node.go, jobs/rescue.go).
//
// # Names
//
// Types and fields keep the names of Esup-Pod's models (Recorder.AddressIP,
// Recorder.Salt, Recorder.IsDraft...) so that administrators moving from Pod
// recognise them; JSON uses Pod's snake_case field names.
package lectern
