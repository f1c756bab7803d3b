package jobs

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"lectern"
)

var _ lectern.JobService = (*Client)(nil)

// jobArgs are the arguments of every kind, decoded to tell what a job
// works on.
type jobArgs struct {
	RecordingID *int64 `json:"recording_id"`
	VideoID     *int64 `json:"video_id"`
	MessageID   *int64 `json:"message_id"`
}

// toJob turns River's row into the core's Job.
func toJob(row *rivertype.JobRow) *lectern.Job {
	j := &lectern.Job{ID: row.ID, Kind: row.Kind, Queue: row.Queue, State: string(row.State),
		Attempt: row.Attempt, MaxAttempts: row.MaxAttempts, CreatedAt: row.CreatedAt.UTC(),
		ScheduledAt: row.ScheduledAt.UTC(), AttemptedAt: row.AttemptedAt, FinalizedAt: row.FinalizedAt,
		AttemptedBy: row.AttemptedBy}
	var args jobArgs
	if err := json.Unmarshal(row.EncodedArgs, &args); err == nil {
		j.RecordingID, j.VideoID, j.MessageID = args.RecordingID, args.VideoID, args.MessageID
	}
	for _, e := range row.Errors {
		j.Errors = append(j.Errors, lectern.JobError{At: e.At.UTC(), Attempt: e.Attempt, Error: e.Error})
	}
	return j
}

// FindJobs implements lectern.JobService. The page's ids and the count
// are chosen by SQL on River's table (its columns id, kind, state and
// args, which every River driver has; River's JobList pages by cursor and
// counts nothing), written for both databases (dialect), then the rows
// are read through River, which decodes them.
func (c *Client) FindJobs(ctx context.Context, f lectern.JobFilter) ([]*lectern.Job, int, error) {
	clause, args, err := c.jobWhere("FindJobs", f)
	if err != nil {
		return nil, 0, err
	}
	total, err := c.countJobs(ctx, clause, args)
	if err != nil {
		return nil, 0, err
	}
	p := f.Page.Normalize()
	n := len(args)
	rows, err := c.pool.QueryContext(ctx, "SELECT id FROM river_job"+clause+" ORDER BY id DESC LIMIT "+c.dialect.arg(n+1)+
		" OFFSET "+c.dialect.arg(n+2), append(args, p.Size, p.Offset())...)
	if err != nil {
		return nil, 0, fmt.Errorf("list jobs: %w", err)
	}
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return nil, 0, fmt.Errorf("list jobs: %w", err)
		}
		ids = append(ids, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, 0, fmt.Errorf("list jobs: %w", err)
	}
	if len(ids) == 0 {
		return nil, total, nil
	}
	res, err := c.river.JobList(ctx, river.NewJobListParams().IDs(ids...).First(len(ids)))
	if err != nil {
		return nil, 0, fmt.Errorf("list jobs: %w", err)
	}
	jobs := make([]*lectern.Job, 0, len(res.Jobs))
	for _, row := range res.Jobs {
		jobs = append(jobs, toJob(row))
	}
	slices.SortFunc(jobs, func(a, b *lectern.Job) int { return cmp.Compare(b.ID, a.ID) })
	return jobs, total, nil
}

// CountJobs implements lectern.JobService: one count on River's table
// (its state index answers a count by state).
func (c *Client) CountJobs(ctx context.Context, f lectern.JobFilter) (int, error) {
	clause, args, err := c.jobWhere("CountJobs", f)
	if err != nil {
		return 0, err
	}
	return c.countJobs(ctx, clause, args)
}

func (c *Client) countJobs(ctx context.Context, clause string, args []any) (int, error) {
	var total int
	if err := c.pool.QueryRowContext(ctx, "SELECT count(*) FROM river_job"+clause, args...).Scan(&total); err != nil {
		return 0, fmt.Errorf("count jobs: %w", err)
	}
	return total, nil
}

// jobWhere is the WHERE clause of f on River's table (" WHERE ...", or
// "" for every job) and its arguments, in the dialect's placeholders.
func (c *Client) jobWhere(op string, f lectern.JobFilter) (string, []any, error) {
	var where []string
	var args []any
	add := func(cond string, arg any) { // cond's placeholder: %s
		args = append(args, arg)
		where = append(where, fmt.Sprintf(cond, c.dialect.arg(len(args))))
	}
	if f.Kind != nil {
		add("kind = %s", *f.Kind)
	}
	if f.State != nil {
		if !slices.Contains(lectern.JobStates, *f.State) {
			return "", nil, &lectern.Error{Op: op, Code: lectern.EINVALID, Message: "Unknown job state."}
		}
		add("state = %s", *f.State)
	}
	if f.RecordingID != nil {
		add(c.dialect.argsInt("recording_id")+" = %s", *f.RecordingID)
	}
	if f.VideoID != nil {
		add(c.dialect.argsInt("video_id")+" = %s", *f.VideoID)
	}
	if len(where) == 0 {
		return "", args, nil
	}
	return " WHERE " + strings.Join(where, " AND "), args, nil
}

// FindJobByID implements lectern.JobService.
func (c *Client) FindJobByID(ctx context.Context, id int64) (*lectern.Job, error) {
	row, err := c.river.JobGet(ctx, id)
	if err != nil {
		return nil, jobError("FindJobByID", id, err)
	}
	return toJob(row), nil
}

// CancelJob implements lectern.JobService. A running job's context is
// cancelled by the client working it (within seconds: River polls for
// cancellations when it has no notifier); its worker records the
// cancellation on the recording or video.
func (c *Client) CancelJob(ctx context.Context, id int64) (*lectern.Job, error) {
	const op = "CancelJob"
	j, err := c.FindJobByID(ctx, id)
	if err != nil {
		return nil, err
	}
	if !j.Active() {
		return nil, &lectern.Error{Op: op, Code: lectern.EINVALID, Message: "This job has finished: there is nothing to cancel."}
	}
	row, err := c.river.JobCancel(ctx, id)
	if err != nil {
		return nil, jobError(op, id, err)
	}
	c.logger.Info("job cancelled by an admin", "job_id", id, "job_kind", row.Kind, "job_state", row.State)
	return toJob(row), nil
}

// RetryJob implements lectern.JobService.
func (c *Client) RetryJob(ctx context.Context, id int64) (*lectern.Job, error) {
	const op = "RetryJob"
	j, err := c.FindJobByID(ctx, id)
	if err != nil {
		return nil, err
	}
	if !j.Retryable() {
		return nil, &lectern.Error{Op: op, Code: lectern.EINVALID, Message: "This job is running or about to: it cannot be retried now."}
	}
	if j.Kind == lectern.JobEncodeVideo && j.VideoID != nil && c.proc != nil {
		// The video shows it waits again, in the transaction of the
		// retry: both or neither.
		err := c.proc.videos.RetryEncoding(ctx, *j.VideoID, id)
		if err == nil {
			c.logger.Info("job retried by an admin", "job_id", id, "job_kind", j.Kind)
			return c.FindJobByID(ctx, id)
		}
		if lectern.ErrorCode(err) != lectern.ENOTFOUND {
			return nil, jobError(op, id, err)
		}
		// The video is gone: the job alone runs again (and finds no video).
	}
	row, err := c.river.JobRetry(ctx, id)
	if err != nil {
		return nil, jobError(op, id, err)
	}
	c.logger.Info("job retried by an admin", "job_id", id, "job_kind", row.Kind)
	return toJob(row), nil
}

// EncodeVideo implements lectern.JobService.
func (c *Client) EncodeVideo(ctx context.Context, id int64) error {
	const op = "EncodeVideo"
	if c.proc == nil {
		return &lectern.Error{Op: op, Code: lectern.EINVALID, Message: "Videos are not processed by this server."}
	}
	v, err := c.proc.videos.FindVideoByID(ctx, id)
	if err != nil {
		return err
	}
	if v.SourceFile == "" {
		return &lectern.Error{Op: op, Code: lectern.EINVALID, Message: "This video has no stored source yet: its recording is still being processed."}
	}
	state := lectern.JobRunning
	kind := lectern.JobEncodeVideo
	active, _, err := c.FindJobs(ctx, lectern.JobFilter{Kind: &kind, VideoID: &id, Page: lectern.Page{Size: lectern.MaxPageSize}})
	if err != nil {
		return err
	}
	for _, j := range active {
		if j.Active() {
			msg := "This video's encoding is already waiting for a worker."
			if j.State == state {
				msg = "This video is being encoded."
			}
			return &lectern.Error{Op: op, Code: lectern.ECONFLICT, Message: msg}
		}
	}
	// The video marked pending and its job commit together, or neither.
	if err := c.proc.videos.EncodeAgain(ctx, id); err != nil {
		return fmt.Errorf("encode video %d again: %w", id, err)
	}
	if v.RecordingID != nil {
		c.proc.note(ctx, v.RecordingID, "encoding queued again by an admin")
	}
	c.logger.Info("video encoding queued again by an admin", "video_id", id)
	return nil
}

// jobError turns River's not-found into the core's.
func jobError(op string, id int64, err error) error {
	if errors.Is(err, rivertype.ErrNotFound) || errors.Is(err, river.ErrNotFound) {
		return &lectern.Error{Op: op, Code: lectern.ENOTFOUND, Message: "Job not found.", Err: err}
	}
	return fmt.Errorf("job %d: %w", id, err)
}
