package web

import (
	"cmp"
	"net/http"
	"slices"

	"lectern"
)

type adminRecordingShowPage struct {
	layout
	Row adminRecordingRow
	// Log is the recording's log, in the reader's language.
	Log []logLine
	// Jobs are the recording's processing and its video's encodes, newest
	// first; JobsOn tells whether the job pages exist.
	Jobs   jobTable
	JobsOn bool
	Encode *encodeForm // nil: no "Encode again" button
}

// handleAdminRecordingShow shows one recording: its fields, its log (the
// steps that made it a video, Pod's "comment"), its video, and the jobs
// that made it (its processing, its video's encodes).
func (s *Server) handleAdminRecordingShow(w http.ResponseWriter, r *http.Request) {
	rc, ok := pathObject(s, w, r, s.deps.Recordings.FindRecordingByID)
	if !ok {
		return
	}
	ctx := r.Context()
	rows, err := s.recordingRows(ctx, s.printer(r), s.recorderNames(nil), s.fullNames(), []*lectern.Recording{rc})
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	data := adminRecordingShowPage{layout: s.page(r, "admin.recording.show.title", "recordings"), Row: rows[0],
		JobsOn: s.deps.Jobs != nil, Log: recordingLog(s.printer(r), rc.Comment)}
	if s.deps.Jobs != nil {
		all := lectern.Page{Size: lectern.MaxPageSize}
		jobs, _, err := s.deps.Jobs.FindJobs(ctx, lectern.JobFilter{RecordingID: &rc.ID, Page: all})
		if err != nil {
			s.serverError(w, r, err)
			return
		}
		if v := data.Row.Video; v != nil {
			kind := lectern.JobEncodeVideo
			encodes, _, err := s.deps.Jobs.FindJobs(ctx, lectern.JobFilter{Kind: &kind, VideoID: &v.V.ID, Page: all})
			if err != nil {
				s.serverError(w, r, err)
				return
			}
			jobs = append(jobs, encodes...)
			data.Encode = s.encodeForm(data.layout, v.V)
		}
		slices.SortFunc(jobs, func(a, b *lectern.Job) int { return cmp.Compare(b.ID, a.ID) })
		targets := s.jobTargets()
		targets.recordings.names[rc.ID] = rc.Title
		data.Jobs.Compact = true
		if data.Jobs.Rows, err = s.jobRows(r, data.layout, targets, jobs); err != nil {
			s.serverError(w, r, err)
			return
		}
	}
	s.render(w, r, http.StatusOK, "admin_recording_show", data)
}
