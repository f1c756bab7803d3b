package lectern

import (
	"context"
	"database/sql"
	"slices"
	"time"
)

// Job kinds: what the background workers do.
const (
	JobProcessRecording = "process_recording" // a recording becomes a video
	JobEncodeVideo      = "encode_video"      // a video's renditions are made
	JobSendMail         = "send_mail"         // an outbox message is delivered
	JobMakeThumbnail    = "make_thumbnail"    // a video's thumbnail is taken again
)

// JobArgs are a job's arguments: Kind names the worker that runs it;
// the value is stored as JSON with the job.
type JobArgs interface {
	Kind() string
}

// ProcessRecordingArgs ask for a recording to be made into a video (its
// row with the recorder's defaults, its source moved into media storage).
type ProcessRecordingArgs struct {
	RecordingID int64 `json:"recording_id"`
}

// Kind implements JobArgs.
func (ProcessRecordingArgs) Kind() string { return JobProcessRecording }

// EncodeVideoArgs ask for a video's source to be encoded into its
// renditions.
type EncodeVideoArgs struct {
	VideoID int64 `json:"video_id"`
}

// Kind implements JobArgs.
func (EncodeVideoArgs) Kind() string { return JobEncodeVideo }

// SendMailArgs ask for one message of the outbox to be delivered.
type SendMailArgs struct {
	MessageID int64 `json:"message_id"`
}

// Kind implements JobArgs.
func (SendMailArgs) Kind() string { return JobSendMail }

// Enqueuer inserts a job in the caller's transaction (package jobs, with
// River's InsertTx): the row that calls for the job and the job commit
// together or not at all, so a crash at any point neither loses a job nor
// leaves one for a row that was never stored. The store calls it inside
// its own transactions (a recording and its process_recording job, a
// video's stored source and its encode_video job, an outbox message and
// its send_mail job).
//
// The transaction is a *sql.Tx on both databases: River's SQLite driver
// (riversqlite) and its database/sql driver for PostgreSQL
// (riverdatabasesql, over pgx's stdlib) both take one.
type Enqueuer interface {
	// EnqueueTx inserts the job args ask for in tx. A job with the same
	// args already waiting or running is not inserted twice (each kind
	// says which states count); that is not an error.
	EnqueueTx(ctx context.Context, tx *sql.Tx, args JobArgs) error
}

// Retrier is an Enqueuer that also makes a finished job (failed,
// cancelled, completed) run again in the caller's transaction (package
// jobs: River's JobRetryTx), with the row that says it waits again.
type Retrier interface {
	// RetryTx makes job id available again in tx.
	RetryTx(ctx context.Context, tx *sql.Tx, id int64) error
}

// Job states (the queue's own).
const (
	JobAvailable = "available" // waiting for a worker
	JobScheduled = "scheduled" // waiting for its time
	JobRetryable = "retryable" // failed; will run again
	JobRunning   = "running"
	JobPending   = "pending"
	JobCompleted = "completed"
	JobCancelled = "cancelled" // by an admin, or given up because it cannot succeed
	JobDiscarded = "discarded" // failed too many times
)

// JobStates lists every state, in the order admins filter by.
var JobStates = []string{JobRunning, JobAvailable, JobScheduled, JobRetryable, JobPending,
	JobCompleted, JobCancelled, JobDiscarded}

// JobActiveStates are the states of a job that waits or runs: one an
// admin may cancel, and one that keeps another with the same arguments
// from being enqueued.
var JobActiveStates = []string{JobAvailable, JobScheduled, JobRetryable, JobRunning, JobPending}

// JobKinds lists every kind.
var JobKinds = []string{JobProcessRecording, JobEncodeVideo, JobMakeThumbnail, JobSendMail}

// Job is a unit of background work, as admins follow it.
type Job struct {
	ID          int64
	Kind        string
	Queue       string
	State       string
	Attempt     int // attempts made so far
	MaxAttempts int
	// The object the job works on, from its arguments: one of them is set.
	RecordingID *int64
	VideoID     *int64
	MessageID   *int64
	Errors      []JobError // oldest first
	CreatedAt   time.Time
	ScheduledAt time.Time
	AttemptedAt *time.Time
	FinalizedAt *time.Time
	// AttemptedBy are the nodes (NODE_ID) that worked it, one per
	// attempt, oldest first.
	AttemptedBy []string
}

// JobError is one failed attempt.
type JobError struct {
	At      time.Time
	Attempt int
	Error   string
}

// Active tells whether the job waits or runs (an admin may cancel it).
func (j *Job) Active() bool { return slices.Contains(JobActiveStates, j.State) }

// Retryable tells whether an admin may run the job again: it has
// finished, or waits for a later retry.
func (j *Job) Retryable() bool {
	switch j.State {
	case JobCancelled, JobDiscarded, JobCompleted, JobRetryable, JobScheduled:
		return true
	}
	return false
}

// JobFilter selects jobs; nil fields match every job.
type JobFilter struct {
	Kind        *string
	State       *string
	RecordingID *int64
	VideoID     *int64
	Page        Page
}

// JobService lets admins follow, cancel and retry the background work.
type JobService interface {
	// FindJobs returns one page of matching jobs, newest first, and the
	// number of all matching jobs.
	FindJobs(ctx context.Context, filter JobFilter) ([]*Job, int, error)
	// CountJobs returns the number of matching jobs (the filter's Page
	// is ignored).
	CountJobs(ctx context.Context, filter JobFilter) (int, error)
	// FindJobByID returns ENOTFOUND when no job has that id.
	FindJobByID(ctx context.Context, id int64) (*Job, error)
	// CancelJob stops a waiting job for good, or asks the running one to
	// stop (its worker records why on the recording or video). A job
	// that has finished is EINVALID.
	CancelJob(ctx context.Context, id int64) (*Job, error)
	// RetryJob runs a finished or waiting job again as soon as a worker
	// is free, with a fresh count of attempts. A running job is EINVALID.
	RetryJob(ctx context.Context, id int64) (*Job, error)
	// EncodeVideo encodes video id again (an admin's retry after a
	// failure, or after the encoding settings changed), unless an
	// encoding of it waits or runs; its source must be stored.
	EncodeVideo(ctx context.Context, id int64) error
	// MakeThumbnail takes video id's thumbnail again, at second at of
	// it (a frame that shows the lecture better than the default one).
	// The video must be encoded and have a picture (EINVALID otherwise).
	MakeThumbnail(ctx context.Context, id int64, at float64) error
}
