package web

import (
	"context"
	"net/http"

	"lectern"
	"lectern/locale"
)

// adminRecordingRow is a recording as the admin pages show it,
// translated, with the video made from it.
type adminRecordingRow struct {
	R        *lectern.Recording
	Recorder string // "" when gone
	User     string // "" when gone
	Type     string
	Added    when
	Video    *videoRow // nil: no video (yet)
}

// recordingRows translates recordings and finds their videos.
func (s *Server) recordingRows(ctx context.Context, p *locale.Printer, recorders, users *nameCache, list []*lectern.Recording) ([]adminRecordingRow, error) {
	rows := make([]adminRecordingRow, 0, len(list))
	for _, rc := range list {
		row := adminRecordingRow{R: rc, Type: s.recordingTypeLabel(p, rc.Type), Added: moment(p, rc.DateAdded)}
		var err error
		if row.Recorder, err = recorders.name(ctx, rc.RecorderID); err != nil {
			return nil, err
		}
		if row.User, err = users.name(ctx, rc.UserID); err != nil {
			return nil, err
		}
		if row.Video, err = s.recordingVideo(ctx, p, rc); err != nil {
			return nil, err
		}
		rows = append(rows, row)
	}
	return rows, nil
}

type adminRecordingListPage struct {
	layout
	Head       listHead
	Rows       []adminRecordingRow
	Pagination pagination
}

// handleAdminRecordingList lists the recordings, newest first, filtered
// by recorder and user, each with the video made from it.
func (s *Server) handleAdminRecordingList(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	p := s.printer(r)
	filter := lectern.RecordingFilter{RecorderID: queryID(r, "recorder"), UserID: queryID(r, "user"), Page: requestPage(r)}
	list, total, err := s.deps.Recordings.FindRecordings(ctx, filter)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	recorders, err := s.allRecorders(ctx)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	users, err := s.allUsers(ctx)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	rows, err := s.recordingRows(ctx, p, s.recorderNames(recorders), s.knownFullNames(users), list)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	l := s.page(r, "admin.recording.list.title", "recordings")
	s.render(w, r, http.StatusOK, "admin_recording_list", adminRecordingListPage{
		layout: l,
		Head: listHead{
			Path: "/admin/recordings/", Intro: p.T("admin.recording.list.intro"),
			Filters: []listFilter{recorderFilter(p, recorders, filter.RecorderID), userFilter(p, users, filter.UserID)},
			Count:   p.Plural("admin.recording.list.count", total), Empty: p.T("admin.recording.list.empty"),
		},
		Rows:       rows,
		Pagination: newPagination(r, filter.Page, total),
	})
}

// userFilter is the select of a list filtered by user.
func userFilter(p *locale.Printer, users []*lectern.User, selected *int64) listFilter {
	f := listFilter{Name: "user", Label: p.T("admin.recording.field.user"),
		Options: []option{{"", p.T("admin.recording.list.all_users"), selected == nil}}}
	for _, u := range users {
		f.Options = append(f.Options, option{id64(u.ID), userLabel(u), selected != nil && *selected == u.ID})
	}
	return f
}

// knownFullNames names users by their full name, starting with those
// already read.
func (s *Server) knownFullNames(known []*lectern.User) *nameCache {
	c := s.fullNames()
	for _, u := range known {
		c.names[u.ID] = u.FullName()
	}
	return c
}
