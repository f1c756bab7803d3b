package main

import (
	"time"

	"lectern"
)

// checkFeeds validates the iCalendar feeds' settings.
func (c *Config) checkFeeds(bad func(key, format string, args ...any)) {
	if d := time.Duration(c.ScheduleFeedRefresh); d < lectern.FeedMinRefresh || d > lectern.FeedMaxRefresh {
		bad("SCHEDULE_FEED_REFRESH", "must be between %s and %s, not %s", lectern.FeedMinRefresh, lectern.FeedMaxRefresh, d)
	}
	if c.ScheduleFeedHorizonDays < 1 || c.ScheduleFeedHorizonDays > 730 {
		bad("SCHEDULE_FEED_HORIZON_DAYS", "must be between 1 and 730 days, not %d", c.ScheduleFeedHorizonDays)
	}
}
