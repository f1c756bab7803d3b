package web

import (
	"context"
	"net/http"
	"slices"
	"time"

	"lectern"
	"lectern/locale"
)

// jobClasses colour the job state badges: waiting, running, done, set
// aside, gone wrong.
var jobClasses = map[string]string{
	lectern.JobAvailable: "wait", lectern.JobScheduled: "wait", lectern.JobPending: "wait",
	lectern.JobRunning: "run", lectern.JobCompleted: "done", lectern.JobCancelled: "off",
	lectern.JobRetryable: "bad", lectern.JobDiscarded: "bad",
}

// lastErrorMax is how many characters of a job's last error its row
// shows; the job's page shows them all.
const lastErrorMax = 160

// jobRow is a job as the admin pages show it, translated, with what it
// works on.
type jobRow struct {
	J          *lectern.Job
	Kind       string
	State      string
	StateClass string
	// Target names what the job works on ("Recording #12"), TargetName
	// its title when it still exists, TargetURL its page ("" for none).
	Target     string
	TargetName string
	TargetURL  string
	Created    when
	Scheduled  when
	Attempted  when
	Finalized  when
	LastError  string // the last attempt's error, truncated
	Errors     []jobErrorRow
	Actions    jobActions
}

// jobErrorRow is one failed attempt.
type jobErrorRow struct {
	Attempt int
	At      when
	Error   string
}

// jobActions are the buttons of a job: cancel while it waits or runs,
// retry once it has finished or waits for a retry. Next is where the
// POST comes back to.
type jobActions struct {
	ID        int64
	Cancel    bool
	Retry     bool
	CSRFToken string
	Next      string
}

func jobKindLabel(p *locale.Printer, kind string) string { return label(p, "admin.job.kind.", kind) }

func jobStateLabel(p *locale.Printer, state string) string {
	return label(p, "admin.job.state.", state)
}

// momentOf is moment for an optional time.
func momentOf(p *locale.Printer, t *time.Time) when {
	if t == nil {
		return when{}
	}
	return moment(p, *t)
}

// jobTargets name what jobs work on, once per page.
type jobTargets struct {
	recordings, videos, messages *nameCache
}

func (s *Server) jobTargets() *jobTargets {
	named := func(find func(context.Context, int64) (string, error)) *nameCache {
		return &nameCache{names: map[int64]string{}, find: find}
	}
	return &jobTargets{
		recordings: named(func(ctx context.Context, id int64) (string, error) {
			if s.deps.Recordings == nil {
				return "", nil
			}
			rc, err := s.deps.Recordings.FindRecordingByID(ctx, id)
			if err != nil {
				return "", err
			}
			return rc.Title, nil
		}),
		videos: named(func(ctx context.Context, id int64) (string, error) {
			if s.deps.Videos == nil {
				return "", nil
			}
			v, err := s.deps.Videos.FindVideoByID(ctx, id)
			if err != nil {
				return "", err
			}
			return v.Title, nil
		}),
		messages: named(func(ctx context.Context, id int64) (string, error) {
			if s.deps.Messages == nil {
				return "", nil
			}
			m, err := s.deps.Messages.FindMessageByID(ctx, id)
			if err != nil {
				return "", err
			}
			return m.Subject, nil
		}),
	}
}

// jobRows translates jobs for the page of r, naming what each works on.
func (s *Server) jobRows(r *http.Request, l layout, targets *jobTargets, list []*lectern.Job) ([]jobRow, error) {
	ctx, p := r.Context(), s.printer(r)
	rows := make([]jobRow, 0, len(list))
	for _, j := range list {
		row := jobRow{J: j, Kind: jobKindLabel(p, j.Kind), State: jobStateLabel(p, j.State), StateClass: jobClasses[j.State],
			Created: moment(p, j.CreatedAt), Scheduled: moment(p, j.ScheduledAt), Attempted: momentOf(p, j.AttemptedAt),
			Finalized: momentOf(p, j.FinalizedAt),
			Actions: jobActions{ID: j.ID, Cancel: j.Active(), Retry: j.Retryable(),
				CSRFToken: l.CSRFToken, Next: l.Next}}
		if row.StateClass == "" {
			row.StateClass = "off"
		}
		var err error
		switch {
		case j.RecordingID != nil:
			row.Target = p.T("admin.job.target.recording", *j.RecordingID)
			row.TargetName, err = targets.recordings.name(ctx, *j.RecordingID)
			if s.deps.Recordings != nil {
				row.TargetURL = "/admin/recordings/" + id64(*j.RecordingID) + "/"
			}
		case j.VideoID != nil:
			row.Target = p.T("admin.job.target.video", *j.VideoID)
			row.TargetName, err = targets.videos.name(ctx, *j.VideoID)
			if s.deps.Videos != nil {
				row.TargetURL = "/video/" + id64(*j.VideoID) + "/"
			}
		case j.MessageID != nil:
			row.Target = p.T("admin.job.target.message", *j.MessageID)
			row.TargetName, err = targets.messages.name(ctx, *j.MessageID)
			if s.deps.Messages != nil {
				row.TargetURL = "/admin/outbox/" + id64(*j.MessageID) + "/"
			}
		}
		if err != nil {
			return nil, err
		}
		for _, e := range j.Errors {
			row.Errors = append(row.Errors, jobErrorRow{Attempt: e.Attempt, At: moment(p, e.At), Error: e.Error})
		}
		if n := len(j.Errors); n > 0 {
			row.LastError = truncate(j.Errors[n-1].Error, lastErrorMax)
		}
		rows = append(rows, row)
	}
	return rows, nil
}

// jobTable is what the job_table partial lists.
type jobTable struct {
	Rows    []jobRow
	Compact bool // leave out what the jobs work on
}

type adminJobListPage struct {
	layout
	Head       listHead
	Table      jobTable
	Pagination pagination
}

// handleAdminJobList lists the background jobs, newest first, filtered by
// kind and state, with their last error and buttons to cancel or retry.
func (s *Server) handleAdminJobList(w http.ResponseWriter, r *http.Request) {
	p := s.printer(r)
	q := r.URL.Query()
	filter := lectern.JobFilter{Page: requestPage(r)}
	if k := q.Get("kind"); slices.Contains(lectern.JobKinds, k) {
		filter.Kind = &k
	}
	if st := q.Get("state"); slices.Contains(lectern.JobStates, st) {
		filter.State = &st
	}
	list, total, err := s.deps.Jobs.FindJobs(r.Context(), filter)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	kindFilter := listFilter{Name: "kind", Label: p.T("admin.job.field.kind"),
		Options: []option{{"", p.T("admin.job.list.all_kinds"), filter.Kind == nil}}}
	for _, k := range lectern.JobKinds {
		kindFilter.Options = append(kindFilter.Options, option{k, jobKindLabel(p, k), filter.Kind != nil && *filter.Kind == k})
	}
	stateFilter := listFilter{Name: "state", Label: p.T("admin.job.field.state"),
		Options: []option{{"", p.T("admin.job.list.all_states"), filter.State == nil}}}
	for _, st := range lectern.JobStates {
		stateFilter.Options = append(stateFilter.Options, option{st, jobStateLabel(p, st), filter.State != nil && *filter.State == st})
	}
	l := s.page(r, "admin.job.list.title", "jobs")
	rows, err := s.jobRows(r, l, s.jobTargets(), list)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "admin_job_list", adminJobListPage{
		layout: l,
		Head: listHead{
			Path: "/admin/jobs/", Intro: p.T("admin.job.list.intro"), Filters: []listFilter{kindFilter, stateFilter},
			Count: p.Plural("admin.job.list.count", total), Empty: p.T("admin.job.list.empty"),
		},
		Table:      jobTable{Rows: rows},
		Pagination: newPagination(r, filter.Page, total),
	})
}
