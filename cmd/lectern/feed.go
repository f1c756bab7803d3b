package main

import (
	"context"
	"log/slog"
	"time"

	"lectern"
	"lectern/ical"
)

// feedInterval is how often serve looks for iCalendar feeds due for a
// refresh (each feed's own interval, SCHEDULE_FEED_REFRESH by default,
// says whether it is).
const feedInterval = time.Minute

// feedPoll is feedInterval, unless a test set app.feedEvery.
func (a *app) feedPoll() time.Duration {
	if a.feedEvery > 0 {
		return a.feedEvery
	}
	return feedInterval
}

// feedImporter imports the recorders' iCalendar feeds: fetched by package
// ical over http(s), parsed in TIME_ZONE within the window
// SCHEDULE_FEED_HORIZON_DAYS ahead, owners looked up among accounts (and,
// with LDAP, adopted from the directory).
func (a *app) feedImporter(svc *services, accounts *lectern.Accounts) *lectern.FeedImporter {
	cfg := a.cfg
	im := &lectern.FeedImporter{
		Feeds: svc.feeds, Events: svc.events, Users: svc.users,
		Parser:  &ical.Parser{Location: cfg.Location(), Horizon: time.Duration(cfg.ScheduleFeedHorizonDays) * 24 * time.Hour},
		Fetcher: &ical.Fetcher{UserAgent: "Lectern (iCalendar feed import)", AllowPrivate: cfg.ScheduleFeedAllowPrivate},
		Refresh: time.Duration(cfg.ScheduleFeedRefresh),
		Logger:  a.logger.With("edge", "ical"),
	}
	if accounts != nil && accounts.Directory != nil {
		im.AdoptFunc = accounts.Adopt
	}
	return im
}

// startFeeds imports, every interval, the URL feeds whose refresh is due,
// until ctx ends or stop is called. Several nodes may run it: each feed
// is claimed by one (FeedService.ClaimFeed), and a feed another node has
// just imported is not due.
func startFeeds(ctx context.Context, im *lectern.FeedImporter, interval time.Duration, logger *slog.Logger) (stop func()) {
	return runEvery(ctx, interval, logger, "import due calendar feeds", "calendar feeds imported", "feeds", im.ImportDue)
}
