package web

import (
	"net/http"
	"strconv"
	"time"

	"lectern"
	"lectern/locale"
)

type feedFormPage struct {
	layout
	Recorder *lectern.Recorder
	Feed     *lectern.Feed
	IsNew    bool
	Cancel   string
	Refresh  selectField
	Rule     selectField
	Property selectField
	formErrors
}

var feedFields = []string{"name", "url", "refresh_interval", "rule", "rule_property", "rule_pattern"}

// handleFeedForm shows (GET) and saves (POST) a new feed of the recorder,
// or the one named by {feed}.
func (s *Server) handleFeedForm(w http.ResponseWriter, r *http.Request) {
	var rec *lectern.Recorder
	f := &lectern.Feed{}
	isNew := r.PathValue("feed") == ""
	ok := false
	if isNew {
		rec, ok = s.feedRecorder(w, r)
	} else {
		rec, f, ok = s.feedOf(w, r)
	}
	if !ok {
		return
	}
	if isNew {
		f.RecorderID, f.CreatedByID = rec.ID, &currentUser(r).ID
	}
	status, fields := http.StatusOK, map[string]string(nil)
	if r.Method == http.MethodPost {
		f.Name = r.PostFormValue("name")
		f.URL = r.PostFormValue("url")
		f.Rule = lectern.FeedRule{Kind: lectern.FeedRuleKind(r.PostFormValue("rule")),
			Property: r.PostFormValue("rule_property"), Pattern: r.PostFormValue("rule_pattern")}
		f.RefreshInterval = -1
		minutes, err := strconv.Atoi(r.PostFormValue("refresh_interval"))
		for _, d := range feedRefreshChoices {
			if err == nil && time.Duration(minutes)*time.Minute == d {
				f.RefreshInterval = d
			}
		}
		done := "feed.changed"
		if f.RefreshInterval < 0 {
			err = &lectern.Error{Code: lectern.EINVALID, Message: "The feed is not valid.",
				Fields: map[string]string{"refresh_interval": "Select a valid choice."}}
		} else if isNew {
			err, done = s.deps.Feeds.CreateFeed(r.Context(), f), "feed.added"
		} else {
			err = s.deps.Feeds.UpdateFeed(r.Context(), f)
		}
		next := feedsURL(rec.ID)
		if err == nil {
			next = feedURL(rec.ID, f.ID)
			s.logger.Info("feed saved", "feed_id", f.ID, "recorder_id", rec.ID, "user_id", currentUser(r).ID)
		}
		var answered bool
		if fields, answered = s.saved(w, r, err, next, done, f.Name); answered {
			return
		}
		status = http.StatusBadRequest
	}
	p := s.printer(r)
	title := "feed.change.title"
	cancel := feedURL(rec.ID, f.ID)
	if isNew {
		title, cancel = "feed.add.title", feedsURL(rec.ID)
	}
	fe := newFormErrors(p, fields, feedFields)
	s.render(w, r, status, "feed_form", feedFormPage{
		layout:     s.page(r, title, "recorders"),
		Recorder:   rec,
		Feed:       f,
		IsNew:      isNew,
		Cancel:     cancel,
		Refresh:    fe.Select("refresh_interval", p.T("feed.field.refresh"), true, s.refreshOptions(p, f.RefreshInterval)),
		Rule:       fe.Select("rule", p.T("feed.field.rule"), true, ruleOptions(p, f.Rule.Kind)),
		Property:   fe.Select("rule_property", p.T("feed.field.rule_property"), false, propertyOptions(f.Rule.Property)),
		formErrors: fe,
	})
}

func (s *Server) refreshOptions(p *locale.Printer, cur time.Duration) []option {
	var opts []option
	for _, d := range feedRefreshChoices {
		o := option{Value: strconv.Itoa(int(d / time.Minute)), Selected: d == cur}
		if d == 0 {
			o.Label = p.T("feed.refresh.default", refreshLabel(p, s.deps.FeedImporter.Refresh))
		} else {
			o.Label = refreshLabel(p, d)
		}
		opts = append(opts, o)
	}
	return opts
}

// refreshLabel writes an interval in whole hours or minutes.
func refreshLabel(p *locale.Printer, d time.Duration) string {
	if d >= time.Hour && d%time.Hour == 0 {
		return p.T("feed.refresh.hours", int(d/time.Hour))
	}
	return p.T("feed.refresh.minutes", int(d/time.Minute))
}

func ruleOptions(p *locale.Printer, cur lectern.FeedRuleKind) []option {
	var opts []option
	for _, k := range lectern.FeedRuleKinds {
		opts = append(opts, option{Value: string(k), Label: p.T("feed.rule." + ruleKey(k)), Selected: k == cur})
	}
	return opts
}

func propertyOptions(cur string) []option {
	var opts []option
	for _, v := range lectern.FeedRuleProperties {
		opts = append(opts, option{Value: v, Label: v, Selected: v == cur})
	}
	return opts
}
