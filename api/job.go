package api

import (
	"context"
	"net/http"
	"slices"
	"strconv"
	"time"

	"lectern"
	"lectern/httpjson"
)

// jobBody is a background job as the API shows it: what it works on
// (one of recording_id, video_id, message_id is set), its attempts and
// every failed attempt's error, oldest first.
type jobBody struct {
	ID          int64          `json:"id"`
	Kind        string         `json:"kind"`
	Queue       string         `json:"queue"`
	State       string         `json:"state"`
	Attempt     int            `json:"attempt"`
	MaxAttempts int            `json:"max_attempts"`
	RecordingID *int64         `json:"recording_id"`
	VideoID     *int64         `json:"video_id"`
	MessageID   *int64         `json:"message_id"`
	Errors      []jobErrorBody `json:"errors"`
	CreatedAt   time.Time      `json:"created_at"`
	ScheduledAt time.Time      `json:"scheduled_at"`
	AttemptedAt *time.Time     `json:"attempted_at"`
	FinalizedAt *time.Time     `json:"finalized_at"`
}

type jobErrorBody struct {
	At      time.Time `json:"at"`
	Attempt int       `json:"attempt"`
	Error   string    `json:"error"`
}

func newJobBody(j *lectern.Job) jobBody {
	b := jobBody{ID: j.ID, Kind: j.Kind, Queue: j.Queue, State: j.State, Attempt: j.Attempt, MaxAttempts: j.MaxAttempts,
		RecordingID: j.RecordingID, VideoID: j.VideoID, MessageID: j.MessageID, Errors: []jobErrorBody{},
		CreatedAt: j.CreatedAt, ScheduledAt: j.ScheduledAt, AttemptedAt: j.AttemptedAt, FinalizedAt: j.FinalizedAt}
	for _, e := range j.Errors {
		b.Errors = append(b.Errors, jobErrorBody{At: e.At, Attempt: e.Attempt, Error: e.Error})
	}
	return b
}

// handleJobList serves GET
// /api/v1/jobs?kind=&state=&recording=&video=&page=&page_size=
// (superuser), newest first.
func (h *Handler) handleJobList(w http.ResponseWriter, r *http.Request, _ *lectern.User) error {
	page, err := pageFromQuery(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	f := lectern.JobFilter{Page: page}
	if s := q.Get("kind"); s != "" {
		if !slices.Contains(lectern.JobKinds, s) {
			return invalid("Invalid filter.", map[string]string{"kind": "Select a valid kind."})
		}
		f.Kind = &s
	}
	if s := q.Get("state"); s != "" {
		if !slices.Contains(lectern.JobStates, s) {
			return invalid("Invalid filter.", map[string]string{"state": "Select a valid state."})
		}
		f.State = &s
	}
	if f.RecordingID, err = positiveID(q.Get("recording"), "recording", "Select a valid recording."); err != nil {
		return err
	}
	if f.VideoID, err = positiveID(q.Get("video"), "video", "Select a valid video."); err != nil {
		return err
	}
	list, total, err := h.deps.Jobs.FindJobs(r.Context(), f)
	if err != nil {
		return err
	}
	results := make([]jobBody, len(list))
	for i, j := range list {
		results[i] = newJobBody(j)
	}
	return h.writePage(w, r, page, total, results)
}

// positiveID reads an id filter: nil when s is empty, the field error msg
// unless it is a positive integer.
func positiveID(s, field, msg string) (*int64, error) {
	if s == "" {
		return nil, nil
	}
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil || id <= 0 {
		return nil, invalid("Invalid filter.", map[string]string{field: msg})
	}
	return &id, nil
}

// handleJobGet serves GET /api/v1/jobs/{id} (superuser).
func (h *Handler) handleJobGet(w http.ResponseWriter, r *http.Request, _ *lectern.User) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	j, err := h.deps.Jobs.FindJobByID(r.Context(), id)
	if err != nil {
		return err
	}
	httpjson.Write(w, http.StatusOK, newJobBody(j))
	return nil
}

// handleJobCancel serves POST /api/v1/jobs/{id}/cancel (superuser): a
// waiting job is cancelled for good, a running one asked to stop (the
// answer still says running; it stops within seconds). A finished job
// is 400.
func (h *Handler) handleJobCancel(w http.ResponseWriter, r *http.Request, _ *lectern.User) error {
	return h.jobAction(w, r, h.deps.Jobs.CancelJob)
}

// handleJobRetry serves POST /api/v1/jobs/{id}/retry (superuser): a
// failed or cancelled job, or one waiting for a retry, runs again as soon
// as a worker is free, with a fresh count of attempts. A running or
// completed job is 400.
func (h *Handler) handleJobRetry(w http.ResponseWriter, r *http.Request, _ *lectern.User) error {
	return h.jobAction(w, r, h.deps.Jobs.RetryJob)
}

// jobAction applies act to the job of the path and answers the job (the
// jobs client logs what admins do).
func (h *Handler) jobAction(w http.ResponseWriter, r *http.Request, act func(context.Context, int64) (*lectern.Job, error)) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	j, err := act(r.Context(), id)
	if err != nil {
		return err
	}
	httpjson.Write(w, http.StatusOK, newJobBody(j))
	return nil
}

// handleVideoEncode serves POST /api/v1/videos/{id}/encode (superuser):
// the video is encoded again (after a failure, or after the encoding
// settings changed) and answered, pending, with 202. A video whose
// encoding waits or runs is 409; one without a stored source is 400.
func (h *Handler) handleVideoEncode(w http.ResponseWriter, r *http.Request, _ *lectern.User) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	ctx := r.Context()
	if err := h.deps.Jobs.EncodeVideo(ctx, id); err != nil {
		return err
	}
	v, err := h.deps.Videos.FindVideoByID(ctx, id)
	if err != nil {
		return err
	}
	httpjson.Write(w, http.StatusAccepted, newVideoBody(h.base(), v))
	return nil
}
