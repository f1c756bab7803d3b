package web

import (
	"cmp"
	"context"
	"net/http"
	"path/filepath"
	"slices"

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
	// Waiting are the newest deposits of the user's recorders that wait
	// for them; WaitingCount says how many there are in all.
	Waiting      []waitingDeposit
	WaitingCount string
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
}

// waitingDeposit is a deposit the user may publish, with its add form.
type waitingDeposit struct {
	treatmentRow
	AddURL string
}

// dashboardWaiting is the number of waiting deposits the dashboard shows.
const dashboardWaiting = 5

// waitingStates are the states of deposits that wait for a recorder's
// people (the claim list has the others).
var waitingStates = []string{lectern.TreatmentToNotify, lectern.TreatmentNotified, lectern.TreatmentToReport, lectern.TreatmentReported}

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
			waiting, n, err := s.waitingDeposits(ctx, u)
			if err != nil {
				s.serverError(w, r, err)
				return
			}
			rows, err := s.treatmentRows(ctx, p, s.recorderNames(nil), waiting)
			if err != nil {
				s.serverError(w, r, err)
				return
			}
			for i, t := range waiting {
				data.Waiting = append(data.Waiting, waitingDeposit{treatmentRow: rows[i], AddURL: addURL(t, "")})
			}
			data.WaitingCount = p.Plural("dashboard.waiting.count", n)
		}
	}
	s.render(w, r, http.StatusOK, "dashboard_show", data)
}

// waitingDeposits returns the newest deposits, at most dashboardWaiting,
// of the recorders u manages or helps with that still wait to be
// published (the email's link may be lost), and how many there are.
func (s *Server) waitingDeposits(ctx context.Context, u *lectern.User) ([]*lectern.Treatment, int, error) {
	recorders, err := collect(func(pg lectern.Page) ([]*lectern.Recorder, int, error) {
		return s.deps.Recorders.FindRecorders(ctx, lectern.RecorderFilter{Member: &u.ID, Page: pg})
	})
	if err != nil {
		return nil, 0, err
	}
	var all []*lectern.Treatment
	total := 0
	for _, rec := range recorders {
		for _, st := range waitingStates {
			list, n, err := s.deps.Treatments.FindTreatments(ctx, lectern.TreatmentFilter{RecorderID: &rec.ID, State: &st,
				Page: lectern.Page{Number: 1, Size: dashboardWaiting}})
			if err != nil {
				return nil, 0, err
			}
			all = append(all, list...)
			total += n
		}
	}
	slices.SortFunc(all, func(a, b *lectern.Treatment) int {
		if c := b.DateAdded.Compare(a.DateAdded); c != 0 {
			return c
		}
		return cmp.Compare(b.ID, a.ID)
	})
	return all[:min(len(all), dashboardWaiting)], total, nil
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
