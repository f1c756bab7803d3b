package web

import (
	"net/http"
	"slices"

	"lectern"
)

type adminVideoListPage struct {
	layout
	Head       listHead
	Rows       []adminVideoRow
	Pagination pagination
	Actions    bool // the rows may have buttons
}

// adminVideoRow is a video of the admin list, with its "Encode again"
// button once its encoding failed or is done (when the job pages exist).
type adminVideoRow struct {
	videoRow
	Encode *encodeForm // nil: no button
}

// handleAdminVideoList lists every video, newest first, filtered by
// encoding state and owner, with its live progress while it encodes, and
// a button to encode it again once its encoding failed or is done.
func (s *Server) handleAdminVideoList(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	p := s.printer(r)
	filter := lectern.VideoFilter{OwnerID: queryID(r, "owner"), Page: requestPage(r)}
	if st := r.URL.Query().Get("state"); slices.Contains(lectern.EncodingStates, st) {
		filter.State = &st
	}
	list, total, err := s.deps.Videos.FindVideos(ctx, filter)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	users, err := s.allUsers(ctx)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	rows, err := s.videoRows(ctx, p, s.knownFullNames(users), list)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	stateFilter := listFilter{Name: "state", Label: p.T("video.field.state"),
		Options: []option{{"", p.T("admin.video.list.all_states"), filter.State == nil}}}
	for _, st := range lectern.EncodingStates {
		stateFilter.Options = append(stateFilter.Options, option{st, encodingLabel(p, st), filter.State != nil && *filter.State == st})
	}
	owners := userFilter(p, users, filter.OwnerID)
	owners.Name, owners.Label, owners.Options[0].Label = "owner", p.T("video.field.owner"), p.T("admin.video.list.all_owners")
	l := s.page(r, "admin.video.list.title", "videos")
	adminRows := make([]adminVideoRow, len(rows))
	for i, row := range rows {
		adminRows[i] = adminVideoRow{videoRow: row, Encode: s.encodeForm(l, row.V)}
	}
	s.render(w, r, http.StatusOK, "admin_video_list", adminVideoListPage{
		layout: l,
		Head: listHead{
			Path: "/admin/videos/", Intro: p.T("admin.video.list.intro"), Filters: []listFilter{stateFilter, owners},
			Count: p.Plural("admin.video.list.count", total), Empty: p.T("admin.video.list.empty"),
		},
		Rows:       adminRows,
		Pagination: newPagination(r, filter.Page, total),
		Actions:    s.deps.Jobs != nil,
	})
}
