package web

import (
	"net/http"
	"strconv"
	"time"

	"lectern"
	"lectern/locale"
)

type feedListPage struct {
	layout
	Recorder *lectern.Recorder
	Feeds    []feedRow
}

// feedRow is a feed in the list, and on its own page.
type feedRow struct {
	Feed       *lectern.Feed
	URL        string // the feed's page
	Refresh    string // "every 1 hour", or "uploaded"
	Rule       string
	LastImport when
	LastError  string // translated
}

// handleFeedList shows a recorder's iCalendar feeds: where each comes
// from, its mapping rule, and how its last import went.
func (s *Server) handleFeedList(w http.ResponseWriter, r *http.Request) {
	rec, ok := s.feedRecorder(w, r)
	if !ok {
		return
	}
	feeds, err := s.deps.Feeds.FindFeeds(r.Context(), lectern.FeedFilter{RecorderID: &rec.ID})
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	p := s.printer(r)
	data := feedListPage{layout: s.page(r, "feed.list.title", "recorders"), Recorder: rec}
	data.Title = p.T("feed.list.title_of", rec.Name)
	for _, f := range feeds {
		data.Feeds = append(data.Feeds, s.feedRow(p, rec, f))
	}
	s.render(w, r, http.StatusOK, "feed_list", data)
}

func (s *Server) feedRow(p *locale.Printer, rec *lectern.Recorder, f *lectern.Feed) feedRow {
	row := feedRow{Feed: f, URL: feedURL(rec.ID, f.ID), LastImport: moment(p, f.LastImportAt), LastError: p.Error(f.LastError)}
	if f.URL == "" {
		row.Refresh = p.T("feed.refresh.uploaded")
	} else {
		row.Refresh = p.T("feed.refresh.every", refreshLabel(p, f.Refresh(s.deps.FeedImporter.Refresh)))
	}
	row.Rule = p.T("feed.rule." + ruleKey(f.Rule.Kind))
	if f.Rule.Kind == lectern.FeedRuleRegexp {
		row.Rule += " · " + f.Rule.Property + " · " + f.Rule.Pattern
	}
	return row
}

func ruleKey(k lectern.FeedRuleKind) string {
	if k == lectern.FeedRuleNone {
		return "none"
	}
	return string(k)
}

func feedsURL(recorderID int64) string { return "/recorders/" + id64(recorderID) + "/feeds/" }

func feedURL(recorderID, feedID int64) string { return feedsURL(recorderID) + id64(feedID) + "/" }

// feedRecorder returns the recorder of the path's {id}, when the user may
// manage its feeds: a superuser or its manager (not its additional users,
// whom its deposits are for). Others get 403; an unknown recorder 404.
func (s *Server) feedRecorder(w http.ResponseWriter, r *http.Request) (*lectern.Recorder, bool) {
	rec, ok := pathObject(s, w, r, s.deps.Recorders.FindRecorderByID)
	if !ok {
		return nil, false
	}
	if u := currentUser(r); !u.IsSuperuser && !rec.IsManager(u) {
		s.renderError(w, r, http.StatusForbidden, "")
		return nil, false
	}
	return rec, true
}

// feedOf returns the recorder and the feed of the path, the feed being
// that recorder's (else 404).
func (s *Server) feedOf(w http.ResponseWriter, r *http.Request) (*lectern.Recorder, *lectern.Feed, bool) {
	rec, ok := s.feedRecorder(w, r)
	if !ok {
		return nil, nil, false
	}
	id, err := strconv.ParseInt(r.PathValue("feed"), 10, 64)
	if err != nil {
		s.renderError(w, r, http.StatusNotFound, "")
		return nil, nil, false
	}
	f, err := s.deps.Feeds.FindFeedByID(r.Context(), id)
	if lectern.ErrorCode(err) == lectern.ENOTFOUND || err == nil && f.RecorderID != rec.ID {
		s.renderError(w, r, http.StatusNotFound, "")
		return nil, nil, false
	} else if err != nil {
		s.serverError(w, r, err)
		return nil, nil, false
	}
	return rec, f, true
}

// feedRefreshChoices are the refresh intervals the form offers; zero is
// the server's default.
var feedRefreshChoices = []time.Duration{0, 15 * time.Minute, 30 * time.Minute, time.Hour, 2 * time.Hour,
	6 * time.Hour, 12 * time.Hour, 24 * time.Hour}
