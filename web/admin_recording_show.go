package web

import (
	"cmp"
	"net/http"
	"path/filepath"
	"slices"

	"lectern"
)

type adminRecordingShowPage struct {
	layout
	Row adminRecordingRow
	// Log is the recording's log, in the reader's language.
	Log []logLine
	// Source is where the recording's file is now: moved into its
	// video's directory once processed (Received says where it came
	// in), else where it was deposited. Archive is an audiovideocast
	// ZIP renamed once its video had everything.
	Source, Received, Archive string
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
	data.Source, data.Received, data.Archive = s.sourceNow(rc, data.Row.Video)
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

// sourceNow tells where rc's file is now: in its video's directory under
// MEDIA_ROOT once the processing stored it there (then received is where
// it was deposited), else where it was deposited. An audiovideocast's
// media is extracted into the video; its ZIP, renamed <file>_treated once
// used (its log says so), is archive (and received is then left out).
func (s *Server) sourceNow(rc *lectern.Recording, v *videoRow) (now, received, archive string) {
	now = rc.SourceFile
	if v != nil && v.V.SourceFile != "" {
		now, received = v.V.SourceFile, rc.SourceFile
		if s.cfg.MediaRoot != "" {
			now = filepath.Join(s.cfg.MediaRoot, filepath.FromSlash(v.V.SourceFile))
		}
	}
	for _, e := range lectern.ParseRecordingLog(rc.Comment) {
		if e.Key == "archive_renamed" {
			archive, received = rc.SourceFile+"_treated", ""
		}
	}
	return now, received, archive
}
