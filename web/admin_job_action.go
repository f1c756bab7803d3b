package web

import (
	"context"
	"net/http"
	"strconv"

	"lectern"
)

// handleAdminJobCancel cancels a waiting job for good, or asks the
// running one to stop (its worker says so on the recording or video
// within seconds).
func (s *Server) handleAdminJobCancel(w http.ResponseWriter, r *http.Request) {
	s.jobAction(w, r, s.deps.Jobs.CancelJob, func(j *lectern.Job) string {
		if j.State == lectern.JobRunning {
			return "admin.job.cancel.asked"
		}
		return "admin.job.cancel.done"
	})
}

// handleAdminJobRetry runs a failed or cancelled job again, or one
// waiting for a retry now, as soon as a worker is free; a completed one is
// refused (Job.Retryable).
func (s *Server) handleAdminJobRetry(w http.ResponseWriter, r *http.Request) {
	s.jobAction(w, r, s.deps.Jobs.RetryJob, func(*lectern.Job) string { return "admin.job.retry.done" })
}

// jobAction applies act to the job of the path and goes back to the
// form's next (a local path) or the list, with done's flash message, or
// the translated message of the core's refusal. A job that does not exist
// answers 404.
func (s *Server) jobAction(w http.ResponseWriter, r *http.Request, act func(context.Context, int64) (*lectern.Job, error),
	done func(*lectern.Job) string) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		s.renderError(w, r, http.StatusNotFound, "")
		return
	}
	back := safeNext(r.PostFormValue("next"), "/admin/jobs/")
	j, err := act(r.Context(), id)
	s.actionDone(w, r, err, back, func() { s.flash(r, "success", done(j), id64(id)) })
}

// actionDone ends a POST action on the jobs: on success success
// flashes; a refusal (EINVALID, ECONFLICT) is flashed in the reader's
// language; both go back to back; a missing object is its 404 page, any
// other error the 500 page.
func (s *Server) actionDone(w http.ResponseWriter, r *http.Request, err error, back string, success func()) {
	switch code := lectern.ErrorCode(err); {
	case err == nil:
		success()
	case code == lectern.ENOTFOUND:
		s.serviceError(w, r, err)
		return
	case code == lectern.EINVALID || code == lectern.ECONFLICT:
		s.flashError(r, err)
	default:
		s.serverError(w, r, err)
		return
	}
	http.Redirect(w, r, back, http.StatusSeeOther)
}
