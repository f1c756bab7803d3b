package web

import (
	"net/http"
	"net/url"
	"slices"

	"lectern"
)

type videoMinePage struct {
	layout
	Published  bool // the "Published by me" tab
	Tabs       []videoTab
	Head       listHead
	Rows       []videoMineRow
	Pagination pagination
}

type videoTab struct {
	Label   string
	URL     string
	Current bool
}

// videoMineRow is a video of "My videos", with its edit link.
type videoMineRow struct {
	videoRow
	Edit string
}

// handleVideoMine lists the user's videos (owned or co-owned), newest
// first, filtered by draft or public and by encoding state; with
// ?tab=published, the videos they published for someone else, with
// their owners (Pod's "My videos").
func (s *Server) handleVideoMine(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	p := s.printer(r)
	u := currentUser(r)
	q := r.URL.Query()
	published := q.Get("tab") == "published"
	filter := lectern.VideoFilter{Page: requestPage(r)}
	if published {
		filter.PublishedBy = &u.ID
	} else {
		filter.OwnerID = &u.ID
	}
	access := q.Get("access")
	switch access {
	case "draft", "public":
		draft := access == "draft"
		filter.Draft = &draft
	default:
		access = ""
	}
	if st := q.Get("state"); slices.Contains(lectern.EncodingStates, st) {
		filter.State = &st
	}
	list, total, err := s.deps.Videos.FindVideos(ctx, filter)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	rows, err := s.videoRows(ctx, p, s.fullNames(), list)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	mine := make([]videoMineRow, len(rows))
	for i, row := range rows {
		mine[i] = videoMineRow{videoRow: row}
		// Who published a draft for someone else neither edits nor
		// watches it: no edit link, and its thumbnail and live
		// progress only when they may watch it (its files and status
		// answer its viewers).
		if row.V.ManagedBy(u) {
			mine[i].Edit = editVideoURL(row.V)
		} else if s.videoAccess(r, row.V) != lectern.AccessAllowed {
			mine[i].Active, mine[i].Thumb = false, ""
		}
	}
	accessFilter := listFilter{Name: "access", Label: p.T("video.field.access"), Options: []option{
		{"", p.T("video.mine.all_access"), access == ""},
		{"draft", p.T("video.mine.drafts"), access == "draft"},
		{"public", p.T("video.mine.published"), access == "public"}}}
	stateFilter := listFilter{Name: "state", Label: p.T("video.field.state"),
		Options: []option{{"", p.T("admin.video.list.all_states"), filter.State == nil}}}
	for _, st := range lectern.EncodingStates {
		stateFilter.Options = append(stateFilter.Options, option{st, encodingLabel(p, st), filter.State != nil && *filter.State == st})
	}
	count, empty := "video.mine.count", "video.mine.empty"
	if published {
		count, empty = "video.mine.published_count", "video.mine.published_empty"
	}
	head := listHead{Path: "/video/my/", Filters: []listFilter{accessFilter, stateFilter},
		Count: p.Plural(count, total), Empty: p.T(empty)}
	l := s.page(r, "video.mine.title", "my_videos")
	s.render(w, r, http.StatusOK, "video_mine", videoMinePage{
		layout: l, Published: published,
		Tabs: []videoTab{{p.T("video.mine.tab_mine"), "/video/my/", !published},
			{p.T("video.mine.tab_published"), "/video/my/?" + url.Values{"tab": {"published"}}.Encode(), published}},
		Head: head, Rows: mine, Pagination: newPagination(r, filter.Page, total),
	})
}
