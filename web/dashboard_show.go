package web

import (
	"context"
	"net/http"
	"path/filepath"

	"lectern"
	"lectern/locale"
)

// dashboardPageSize is the number of recordings the dashboard lists.
const dashboardPageSize = 10

// dashboardVideos is the number of video cards a page of the dashboard
// shows (?vpage= pages through them).
const dashboardVideos = 12

type dashboardPage struct {
	layout
	IsStaff     bool
	IsSuperuser bool
	Recordings  []recordingRow
	// RecordingsOn tells whether there are recordings to show at all
	// (the service is there).
	RecordingsOn bool
	Count        string
	Pagination   pagination
	// Waiting is a page of the deposits of the user's recorders that
	// wait for them (nil: not staff, or no deposit pages).
	Waiting *waitingList
	// Status are the staff's tiles counting what waits or went wrong.
	Status []statusTile
	// Missed are the recordings scheduled events missed, for superusers
	// (dashboard_missed.go).
	Missed []missedRow
	// Videos are the user's videos (owned or co-owned), newest first,
	// when the video pages exist (VideosOn).
	VideosOn         bool
	Videos           []videoRow
	VideoCount       string
	VideosPagination pagination
	// Published is the recording the user just published for someone
	// else (?published=), PublishedOwner its owner's name; Live tells
	// that an entry follows its progress (progress.js).
	Published      *recordingRow
	PublishedOwner string
	Live           bool
	// ScheduleURL leads to the schedules ("" when there are none, or
	// for someone who is not staff and owns no upcoming event).
	ScheduleURL string
}

// recordingRow is one of the user's recordings, translated.
type recordingRow struct {
	R        *lectern.Recording
	Recorder string
	File     string // the source file's base name
	Source   string // its path as the user may see it (shownPath)
	Type     string
	Added    when
	Video    *videoRow // the video made from it; nil: none yet
	// StatusURL, while its video is not made yet or encodes, is where
	// the entry polls its progress; "" once done.
	StatusURL string
}

// handleDashboard welcomes a logged-in user with what they may do, and
// lists their recordings, newest first (the processing stage turns them
// into videos).
func (s *Server) handleDashboard(w http.ResponseWriter, r *http.Request) {
	u := currentUser(r)
	data := dashboardPage{
		layout:       s.page(r, "dashboard.title", "home"),
		IsStaff:      isStaff(u),
		IsSuperuser:  u.IsSuperuser,
		RecordingsOn: s.deps.Recordings != nil,
		VideosOn:     s.deps.Videos != nil,
	}
	if err := s.dashboardSchedule(r, u, &data); err != nil {
		s.serverError(w, r, err)
		return
	}
	if s.deps.Videos != nil {
		ctx := r.Context()
		p := s.printer(r)
		page := requestPageOf(r, "vpage")
		page.Size = dashboardVideos
		list, total, err := s.deps.Videos.FindVideos(ctx, lectern.VideoFilter{OwnerID: &u.ID, Page: page})
		if err != nil {
			s.serverError(w, r, err)
			return
		}
		if data.Videos, err = s.videoRows(ctx, p, nil, list); err != nil {
			s.serverError(w, r, err)
			return
		}
		data.VideoCount = p.Plural("dashboard.videos.count", total)
		data.VideosPagination = newPaginationOf(r, "vpage", page, total).withFragment("videos")
	}
	if s.deps.Recordings != nil {
		ctx := r.Context()
		p := s.printer(r)
		page := requestPage(r)
		page.Size = dashboardPageSize
		list, total, err := s.deps.Recordings.FindRecordings(ctx, lectern.RecordingFilter{UserID: &u.ID, Page: page})
		if err != nil {
			s.serverError(w, r, err)
			return
		}
		names := s.recorderNames(nil)
		for _, rc := range list {
			name, err := names.name(ctx, rc.RecorderID)
			if err != nil {
				s.serverError(w, r, err)
				return
			}
			row := recordingRow{R: rc, Recorder: name, File: filepath.Base(rc.SourceFile),
				Source: s.shownPath(u, rc.SourceFile),
				Type:   s.recordingTypeLabel(p, rc.Type), Added: moment(p, rc.DateAdded)}
			if row.Video, err = s.recordingVideo(ctx, p, rc); err != nil {
				s.serverError(w, r, err)
				return
			}
			if row.Video == nil || row.Video.Active {
				row.StatusURL = recordingStatusURL(rc.ID)
				data.Live = true
			}
			data.Recordings = append(data.Recordings, row)
		}
		if data.Published, data.PublishedOwner, err = s.publishedEntry(r, p, u, r.URL.Query().Get("published")); err != nil {
			s.serverError(w, r, err)
			return
		}
		if data.Published != nil && data.Published.StatusURL != "" {
			data.Live = true
		}
		data.Count = p.Plural("dashboard.recordings.count", total)
		data.Pagination = newPagination(r, page, total)
		if data.IsStaff && s.deps.Treatments != nil {
			waiting, err := s.waitingList(r, p, data.layout, "wpage", dashboardWaiting)
			if err != nil {
				s.serverError(w, r, err)
				return
			}
			if waiting.Total > dashboardWaiting {
				waiting.AllURL, waiting.AllLabel = waitingListPath, p.T("dashboard.waiting.all", waiting.Total)
			}
			waiting.Pagination = waiting.Pagination.withFragment("waiting")
			data.Waiting = &waiting
		}
	}
	if data.IsStaff {
		var err error
		if data.Status, err = s.statusTiles(r.Context(), s.printer(r), u); err != nil {
			s.serverError(w, r, err)
			return
		}
		if data.Missed, err = s.missedRecordings(r.Context(), s.printer(r), u); err != nil {
			s.serverError(w, r, err)
			return
		}
	}
	s.render(w, r, http.StatusOK, "dashboard_show", data)
}

// recordingVideo returns the video made from rc, nil when there is none
// (yet) or no video pages.
func (s *Server) recordingVideo(ctx context.Context, p *locale.Printer, rc *lectern.Recording) (*videoRow, error) {
	if s.deps.Videos == nil {
		return nil, nil
	}
	videos, _, err := s.deps.Videos.FindVideos(ctx, lectern.VideoFilter{RecordingID: &rc.ID, Page: onePage})
	if err != nil || len(videos) == 0 {
		return nil, err
	}
	rows, err := s.videoRows(ctx, p, nil, videos)
	if err != nil {
		return nil, err
	}
	return &rows[0], nil
}
