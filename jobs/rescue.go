package jobs

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/rivertype"

	"lectern"
)

// orphanError is the error recorded on a job rescued at start.
const orphanError = "orphaned: the process working this job stopped before it finished (crash or kill -9); run again at start"

// rescueOrphans runs again, at once, the jobs that this client's ID left
// in state running: a job is running under an ID only while a process
// with that ID works it, and IDs are unique among live processes, so at
// Start, before this client fetches anything, such a job is an orphan of
// a previous life of this process, killed before the job finished.
//
// River's own rescuer would find them too, but only RescueStuckJobsAfter
// (an hour) after they started, and never an encode (no timeout: a long
// lecture may take longer than any fixed limit). Rescuing by ID is right
// for any number of processes sharing the queue, as a global "running
// means orphaned" rule would not be.
//
// The update is River's own rescue (the driver's JobRescueMany, as its
// JobRescuer does): the error is appended to the job's errors, its
// rescue count incremented, and the job made available now rather than
// retryable (which waits for the leader's scheduler); a job that had
// used its last attempt is discarded, one an admin asked to cancel is
// cancelled. The attempt the crash interrupted counts: a job that kills
// the process every time (ffmpeg exhausting memory) ends discarded
// instead of crashing the server forever.
func (c *Client) rescueOrphans(ctx context.Context) error {
	return c.rescueRunning(ctx, func(by string) bool { return by == c.id }, orphanError, "job orphaned by a crash: rescued")
}

// rescueRunning rescues the running jobs whose last attempt is by a
// client for which match is true: they are listed and rescued in one
// serializable transaction (rescue), then the discarded encodes among
// them given up (giveUpEncodes).
func (c *Client) rescueRunning(ctx context.Context, match func(attemptedBy string) bool, reason, logMsg string) error {
	tx, err := c.pool.BeginTx(ctx, &sql.TxOptions{Isolation: sql.LevelSerializable})
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer tx.Rollback()
	found, err := c.runningJobs(ctx, tx, match)
	if err != nil || len(found) == 0 {
		return err
	}
	if err := c.rescue(ctx, tx, found, reason, logMsg); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit rescue: %w", err)
	}
	return c.giveUpEncodes(ctx, found)
}

// runningJobs lists in tx the running jobs whose last attempt is by a
// client for which match is true.
func (c *Client) runningJobs(ctx context.Context, tx *sql.Tx, match func(attemptedBy string) bool) ([]*rivertype.JobRow, error) {
	var found []*rivertype.JobRow
	params := river.NewJobListParams().States(rivertype.JobStateRunning).First(1000)
	for {
		res, err := c.river.JobListTx(ctx, tx, params)
		if err != nil {
			return nil, fmt.Errorf("list running jobs: %w", err)
		}
		for _, job := range res.Jobs {
			if n := len(job.AttemptedBy); n > 0 && match(job.AttemptedBy[n-1]) {
				found = append(found, job)
			}
		}
		if len(res.Jobs) < 1000 {
			return found, nil
		}
		params = params.After(res.LastCursor)
	}
}

// rescue makes the running jobs available again in tx, as River's
// JobRescuer does (see rescueOrphans), each with the error reason.
func (c *Client) rescue(ctx context.Context, tx *sql.Tx, jobs []*rivertype.JobRow, reason, logMsg string) error {
	now := time.Now().UTC()
	p := &riverdriver.JobRescueManyParams{StuckHorizon: now.Add(time.Second)}
	for _, job := range jobs {
		state := rivertype.JobStateAvailable
		var finalized *time.Time
		var meta struct {
			CancelAttemptedAt time.Time `json:"cancel_attempted_at"`
		}
		_ = json.Unmarshal(job.Metadata, &meta) // unreadable metadata: not cancelled
		switch {
		case !meta.CancelAttemptedAt.IsZero():
			state, finalized = rivertype.JobStateCancelled, &now
		case job.Attempt >= job.MaxAttempts:
			state, finalized = rivertype.JobStateDiscarded, &now
		}
		e, err := json.Marshal(rivertype.AttemptError{At: now, Attempt: max(job.Attempt, 0), Error: reason})
		if err != nil {
			return err
		}
		p.ID = append(p.ID, job.ID)
		p.Error = append(p.Error, e)
		p.FinalizedAt = append(p.FinalizedAt, finalized)
		p.ScheduledAt = append(p.ScheduledAt, now)
		p.State = append(p.State, string(state))
		job.State = state
		c.logger.Warn(logMsg, "job_id", job.ID, "job_kind", job.Kind, "attempt", job.Attempt,
			"attempted_by", job.AttemptedBy[len(job.AttemptedBy)-1], "state", state, "args", string(job.EncodedArgs))
	}
	if _, err := c.driver.UnwrapExecutor(tx).JobRescueMany(ctx, p); err != nil {
		return fmt.Errorf("rescue jobs: %w", err)
	}
	return nil
}

// giveUpEncodes marks the video of each rescued encode that was
// discarded (its last attempt used) as failed: an encode given up must
// not leave its video "running" for ever.
func (c *Client) giveUpEncodes(ctx context.Context, rescued []*rivertype.JobRow) error {
	for _, job := range rescued {
		var args EncodeVideoArgs
		if job.State != rivertype.JobStateDiscarded || job.Kind != args.Kind() || c.proc == nil ||
			json.Unmarshal(job.EncodedArgs, &args) != nil {
			continue
		}
		msg := fmt.Sprintf("encoding given up: its node stopped during each of its %d attempts; an admin may retry it", job.Attempt)
		if err := c.proc.videos.SetEncoding(ctx, args.VideoID, lectern.EncodingError, 0, msg); err != nil &&
			lectern.ErrorCode(err) != lectern.ENOTFOUND {
			return fmt.Errorf("rescue jobs: %w", err)
		}
		c.logger.Error(msg, "video_id", args.VideoID, "job_id", job.ID)
	}
	return nil
}
