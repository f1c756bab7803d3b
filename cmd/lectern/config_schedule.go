package main

import "time"

// checkSchedule validates the settings of routing by schedule
// (SCHEDULE_TOLERANCE) and of the missed-recordings pass
// (SCHEDULE_MISSED_GRACE, SCHEDULE_MISSED_INTERVAL).
func (c *Config) checkSchedule(bad func(key, format string, args ...any)) {
	if d := time.Duration(c.ScheduleTolerance); d < time.Second || d > 12*time.Hour {
		bad("SCHEDULE_TOLERANCE", "must be between 1s and 12h, not %s", d)
	}
	if d := time.Duration(c.ScheduleMissedGrace); d < time.Second || d > 7*24*time.Hour {
		bad("SCHEDULE_MISSED_GRACE", "must be between 1s and 168h, not %s", d)
	}
	if d := time.Duration(c.ScheduleMissedInterval); d < 100*time.Millisecond {
		bad("SCHEDULE_MISSED_INTERVAL", "must be 100ms or more, not %s", d)
	}
}
