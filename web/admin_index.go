package web

import (
	"net/http"

	"lectern"
)

type adminIndexPage struct {
	layout
	Tiles []adminTile
}

// adminTile is one section of the administration, translated.
type adminTile struct {
	URL      string
	Title    string
	Text     string // the section's size
	AddURL   string // "" for no add button
	AddLabel string
}

// handleAdminIndex lists the administration sections with their sizes.
func (s *Server) handleAdminIndex(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	p := s.printer(r)
	_, recorders, err := s.deps.Recorders.FindRecorders(ctx, recorderCountFilter)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	_, types, err := s.deps.Types.FindVideoTypes(ctx, onePage)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	users, err := s.deps.Users.CountUsers(ctx)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	groups, err := s.deps.Groups.FindGroups(ctx)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	data := adminIndexPage{
		layout: s.page(r, "admin.index.title", "admin"),
		Tiles: []adminTile{
			{"/admin/recorders/", p.T("admin.recorder.list.title"), p.Plural("admin.index.recorders", recorders),
				"/admin/recorders/add/", p.T("admin.recorder.add.button")},
			{"/admin/types/", p.T("admin.type.list.title"), p.Plural("admin.index.types", types),
				"/admin/types/add/", p.T("admin.type.add.button")},
			{"/admin/users/", p.T("admin.user.list.title"), p.Plural("admin.index.users", users),
				"/admin/users/add/", p.T("admin.user.add.button")},
			{"/admin/groups/", p.T("admin.group.list.title"), p.Plural("admin.index.groups", len(groups)),
				"/admin/groups/add/", p.T("admin.group.add.button")},
		},
	}
	if s.deps.Treatments != nil {
		_, n, err := s.deps.Treatments.FindTreatments(ctx, lectern.TreatmentFilter{Page: onePage})
		if err != nil {
			s.serverError(w, r, err)
			return
		}
		data.Tiles = append(data.Tiles, adminTile{URL: "/admin/treatments/", Title: p.T("admin.treatment.list.title"),
			Text: p.Plural("admin.index.treatments", n)})
	}
	if s.deps.RecordingFiles != nil {
		_, n, err := s.deps.RecordingFiles.FindRecordingFiles(ctx, lectern.RecordingFileFilter{Page: onePage})
		if err != nil {
			s.serverError(w, r, err)
			return
		}
		data.Tiles = append(data.Tiles, adminTile{URL: "/admin/recording-files/", Title: p.T("admin.recording_file.list.title"),
			Text: p.Plural("admin.index.recording_files", n)})
	}
	if s.deps.Recordings != nil {
		_, n, err := s.deps.Recordings.FindRecordings(ctx, lectern.RecordingFilter{Page: onePage})
		if err != nil {
			s.serverError(w, r, err)
			return
		}
		data.Tiles = append(data.Tiles, adminTile{URL: "/admin/recordings/", Title: p.T("admin.recording.list.title"),
			Text: p.Plural("admin.index.recordings", n)})
	}
	if s.deps.Videos != nil {
		_, n, err := s.deps.Videos.FindVideos(ctx, lectern.VideoFilter{Page: onePage})
		if err != nil {
			s.serverError(w, r, err)
			return
		}
		text := p.Plural("admin.index.videos", n)
		for _, st := range []string{lectern.EncodingRunning, lectern.EncodingError} {
			_, k, err := s.deps.Videos.FindVideos(ctx, lectern.VideoFilter{State: &st, Page: onePage})
			if err != nil {
				s.serverError(w, r, err)
				return
			}
			if k > 0 && st == lectern.EncodingRunning {
				text += " · " + p.Plural("admin.index.videos_running", k)
			} else if k > 0 {
				text += " · " + p.Plural("admin.index.videos_failed", k)
			}
		}
		data.Tiles = append(data.Tiles, adminTile{URL: "/admin/videos/", Title: p.T("admin.video.list.title"), Text: text})
	}
	if s.deps.Jobs != nil {
		text, err := s.jobsTileText(r)
		if err != nil {
			s.serverError(w, r, err)
			return
		}
		data.Tiles = append(data.Tiles, adminTile{URL: "/admin/jobs/", Title: p.T("admin.job.list.title"), Text: text})
	}
	if s.deps.Messages != nil {
		failed := lectern.MessageFailed
		_, n, err := s.deps.Messages.FindMessages(ctx, lectern.MessageFilter{Page: onePage})
		if err != nil {
			s.serverError(w, r, err)
			return
		}
		_, nFailed, err := s.deps.Messages.FindMessages(ctx, lectern.MessageFilter{State: &failed, Page: onePage})
		if err != nil {
			s.serverError(w, r, err)
			return
		}
		text := p.Plural("admin.index.messages", n)
		if nFailed > 0 {
			text += " · " + p.Plural("admin.index.messages_failed", nFailed)
		}
		data.Tiles = append(data.Tiles, adminTile{URL: "/admin/outbox/", Title: p.T("outbox.list.title"), Text: text})
	}
	s.render(w, r, http.StatusOK, "admin_index", data)
}

// jobsTileText counts the jobs, those running and those that failed for
// good.
func (s *Server) jobsTileText(r *http.Request) (string, error) {
	ctx, p := r.Context(), s.printer(r)
	_, n, err := s.deps.Jobs.FindJobs(ctx, lectern.JobFilter{Page: onePage})
	if err != nil {
		return "", err
	}
	text := p.Plural("admin.index.jobs", n)
	for _, st := range []string{lectern.JobRunning, lectern.JobDiscarded} {
		_, k, err := s.deps.Jobs.FindJobs(ctx, lectern.JobFilter{State: &st, Page: onePage})
		if err != nil {
			return "", err
		}
		if k > 0 && st == lectern.JobRunning {
			text += " · " + p.Plural("admin.index.jobs_running", k)
		} else if k > 0 {
			text += " · " + p.Plural("admin.index.jobs_failed", k)
		}
	}
	return text, nil
}
