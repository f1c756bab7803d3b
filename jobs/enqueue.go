package jobs

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"log/slog"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"lectern"
)

// Enqueuer implements lectern.Enqueuer with River's InsertTx: the store
// gives it its own transaction, so a job commits with the row that calls
// for it. It is an insert-only River client on a driver without a pool:
// InsertTx writes through the transaction it is given, whichever pool
// began it (the store's, on the same database file; SQLite serializes the
// writers of both pools, busy_timeout makes each wait for the other).
//
// The transaction is a *sql.Tx: River's SQLite driver takes one, and so
// does riverdatabasesql, its database/sql driver, on PostgreSQL
// (EnqueuerConfig.Postgres), so lectern.Enqueuer holds on both databases.
type Enqueuer struct {
	river       *river.Client[*sql.Tx]
	mailAttempt int
	logger      *slog.Logger
}

var _ lectern.Retrier = (*Enqueuer)(nil)

var _ lectern.Enqueuer = (*Enqueuer)(nil)

// EnqueuerConfig configures an Enqueuer.
type EnqueuerConfig struct {
	// MailMaxAttempts is how many times a message is tried before it is
	// marked failed; zero means MailMaxAttempts.
	MailMaxAttempts int
	// Postgres: the transactions are PostgreSQL's (River's
	// riverdatabasesql driver, whose insert also NOTIFYs the workers in
	// the transaction); otherwise SQLite's (riversqlite).
	Postgres bool
	Logger   *slog.Logger
}

// NewEnqueuer returns an Enqueuer. It needs no database of its own: River's
// tables must exist in the database of the transactions it is given
// (Migrate).
func NewEnqueuer(cfg EnqueuerConfig) (*Enqueuer, error) {
	logger := cfg.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	rc, err := river.NewClient(newDriver(nil, cfg.Postgres, nil), &river.Config{Logger: logger.With("component", "river")})
	if err != nil {
		return nil, fmt.Errorf("jobs: river client: %w", err)
	}
	return &Enqueuer{river: rc, mailAttempt: cmp.Or(max(cfg.MailMaxAttempts, 0), MailMaxAttempts), logger: logger}, nil
}

// EnqueueTx implements lectern.Enqueuer.
func (e *Enqueuer) EnqueueTx(ctx context.Context, tx *sql.Tx, args lectern.JobArgs) error {
	args, err := typedArgs(args)
	if err != nil {
		return err
	}
	opts, err := insertOpts(args, e.mailAttempt)
	if err != nil {
		return err
	}
	res, err := e.river.InsertTx(ctx, tx, args, opts)
	if err != nil {
		return fmt.Errorf("insert %s job: %w", args.Kind(), err)
	}
	if res.UniqueSkippedAsDuplicate {
		e.logger.Debug("job already enqueued", "job_kind", args.Kind(), "job_id", res.Job.ID, "job_state", res.Job.State)
	}
	return nil
}

// RetryTx implements lectern.Retrier.
func (e *Enqueuer) RetryTx(ctx context.Context, tx *sql.Tx, id int64) error {
	if _, err := e.river.JobRetryTx(ctx, tx, id); err != nil {
		return fmt.Errorf("retry job %d: %w", id, err)
	}
	return nil
}

// typedArgs returns args as the args type of its kind: args of another
// type (a job carried over from another database, its args as River
// stored them: sqldb.Copy) are decoded from their JSON into it.
func typedArgs(args lectern.JobArgs) (lectern.JobArgs, error) {
	switch args.(type) {
	case lectern.ProcessRecordingArgs, lectern.EncodeVideoArgs, lectern.SendMailArgs, MakeThumbnailArgs:
		return args, nil
	}
	b, err := json.Marshal(args)
	if err != nil {
		return nil, fmt.Errorf("jobs: args of a %s job: %w", args.Kind(), err)
	}
	switch args.Kind() {
	case lectern.JobProcessRecording:
		return decodeArgs[lectern.ProcessRecordingArgs](b)
	case lectern.JobEncodeVideo:
		return decodeArgs[lectern.EncodeVideoArgs](b)
	case lectern.JobSendMail:
		return decodeArgs[lectern.SendMailArgs](b)
	case lectern.JobMakeThumbnail:
		return decodeArgs[MakeThumbnailArgs](b)
	}
	return nil, fmt.Errorf("jobs: no queue for job kind %q", args.Kind())
}

// decodeArgs decodes b as args of type T.
func decodeArgs[T lectern.JobArgs](b []byte) (lectern.JobArgs, error) {
	var args T
	if err := json.Unmarshal(b, &args); err != nil {
		return nil, fmt.Errorf("jobs: args of a %s job: %w", args.Kind(), err)
	}
	return args, nil
}

// insertOpts are the queue, attempts and uniqueness of each kind.
func insertOpts(args lectern.JobArgs, mailAttempts int) (*river.InsertOpts, error) {
	switch args.(type) {
	case lectern.ProcessRecordingArgs:
		// One job per recording while it waits, runs or has completed
		// (River's default unique states; completed jobs are kept a day):
		// a recording is processed once. A cancelled or discarded job
		// does not count, so a recording can be processed again once its
		// problem is fixed.
		return &river.InsertOpts{Queue: QueueProcess, MaxAttempts: ProcessMaxAttempts, UniqueOpts: river.UniqueOpts{ByArgs: true}}, nil
	case lectern.EncodeVideoArgs:
		// ENCODE_WORKERS at once; one job per video while it waits or
		// runs (a finished one does not count, so an admin may encode
		// again).
		return &river.InsertOpts{Queue: QueueEncode, MaxAttempts: EncodeMaxAttempts,
			UniqueOpts: river.UniqueOpts{ByArgs: true, ByState: uniqueWhileActive}}, nil
	case lectern.SendMailArgs:
		// One job per message while it waits or runs (a message queued
		// again by an admin gets a new one). Without SMTP_URL no worker
		// takes the mail queue: the job waits there, the message stays
		// queued in the outbox, and both go once a server starts with
		// SMTP_URL.
		return &river.InsertOpts{Queue: QueueMail, MaxAttempts: mailAttempts,
			UniqueOpts: river.UniqueOpts{ByArgs: true, ByState: uniqueWhileActive}}, nil
	case MakeThumbnailArgs:
		return &river.InsertOpts{Queue: QueueProcess, MaxAttempts: 3,
			UniqueOpts: river.UniqueOpts{ByArgs: true, ByState: uniqueWhileActive}}, nil
	}
	return nil, fmt.Errorf("jobs: no queue for job kind %q", args.Kind())
}

// uniqueWhileActive are the states in which a job blocks another with
// the same args: waiting or running, not finished
// (lectern.JobActiveStates).
var uniqueWhileActive = func() []rivertype.JobState {
	states := make([]rivertype.JobState, len(lectern.JobActiveStates))
	for i, s := range lectern.JobActiveStates {
		states[i] = rivertype.JobState(s)
	}
	return states
}()
