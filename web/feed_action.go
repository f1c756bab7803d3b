package web

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strconv"

	"lectern"
)

// handleFeedImport imports a feed from its URL now, and goes back to its
// page with the outcome.
func (s *Server) handleFeedImport(w http.ResponseWriter, r *http.Request) {
	rec, f, ok := s.feedOf(w, r)
	if !ok {
		return
	}
	report, err := s.deps.FeedImporter.Import(r.Context(), f.ID, nil)
	s.imported(w, r, rec, f, report, err)
}

// handleFeedUpload imports an uploaded iCalendar file (.ics, at most
// lectern.FeedMaxBytes) into the feed.
func (s *Server) handleFeedUpload(w http.ResponseWriter, r *http.Request) {
	rec, f, ok := s.feedOf(w, r)
	if !ok {
		return
	}
	file, _, err := r.FormFile("file")
	if err != nil {
		s.flash(r, "error", "feed.upload.missing")
		http.Redirect(w, r, feedURL(rec.ID, f.ID), http.StatusSeeOther)
		return
	}
	defer file.Close()
	data, err := io.ReadAll(io.LimitReader(file, lectern.FeedMaxBytes+1))
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	if len(data) > lectern.FeedMaxBytes {
		s.flash(r, "error", "feed.upload.too_large", strconv.Itoa(lectern.FeedMaxBytes>>20))
		http.Redirect(w, r, feedURL(rec.ID, f.ID), http.StatusSeeOther)
		return
	}
	report, err := s.deps.FeedImporter.Import(r.Context(), f.ID, data)
	s.imported(w, r, rec, f, report, err)
}

// imported flashes an import's outcome and goes back to the feed's page:
// its counts, or why it failed (a fetch, a file that is not iCalendar,
// another import running).
func (s *Server) imported(w http.ResponseWriter, r *http.Request, rec *lectern.Recorder, f *lectern.Feed, rep *lectern.FeedReport, err error) {
	switch code := lectern.ErrorCode(err); {
	case err == nil:
		s.logger.Info("feed imported", "feed_id", f.ID, "recorder_id", rec.ID, "user_id", currentUser(r).ID,
			"created", rep.Created, "changed", rep.Changed, "removed", rep.Removed)
		s.flash(r, "success", "feed.imported", strconv.Itoa(rep.Created), strconv.Itoa(rep.Changed), strconv.Itoa(rep.Removed),
			strconv.Itoa(rep.Unmapped))
	case code == lectern.EINVALID || code == lectern.ECONFLICT:
		s.logger.Info("feed not imported", "feed_id", f.ID, "recorder_id", rec.ID, "user_id", currentUser(r).ID, "err", err)
		s.flashError(r, err)
	case errors.Is(err, context.Canceled):
		return
	default:
		s.serverError(w, r, err)
		return
	}
	http.Redirect(w, r, feedURL(rec.ID, f.ID), http.StatusSeeOther)
}

type feedDeletePage struct {
	layout
	Recorder *lectern.Recorder
	Feed     *lectern.Feed
	Cancel   string
	Error    string
}

// handleFeedDelete asks (GET), then deletes (POST) a feed and its events
// no recording used. It is the admin's confirmation page, with the
// recorder's crumbs: a recorder's manager has no administration to go
// back to.
func (s *Server) handleFeedDelete(w http.ResponseWriter, r *http.Request) {
	rec, f, ok := s.feedOf(w, r)
	if !ok {
		return
	}
	status, errMsg := http.StatusOK, ""
	if r.Method == http.MethodPost {
		err := s.deps.Feeds.DeleteFeed(r.Context(), f.ID)
		switch lectern.ErrorCode(err) {
		case "":
			s.logger.Info("feed deleted", "feed_id", f.ID, "recorder_id", rec.ID, "user_id", currentUser(r).ID)
			s.flash(r, "success", "feed.deleted", f.Name)
			http.Redirect(w, r, feedsURL(rec.ID), http.StatusSeeOther)
			return
		case lectern.ECONFLICT:
			status, errMsg = http.StatusConflict, s.printer(r).Error(lectern.ErrorMessage(err))
		default:
			s.serviceError(w, r, err)
			return
		}
	}
	s.render(w, r, status, "feed_delete", feedDeletePage{layout: s.page(r, "feed.delete.title", "recorders"),
		Recorder: rec, Feed: f, Cancel: feedURL(rec.ID, f.ID), Error: errMsg})
}
