package main

import (
	"os"
	"strings"
	"time"
	"unicode"
)

// checkNode validates the settings of a node among several (WORKERS,
// NODE_ID, JOB_RESCUE_AFTER); NODE_ID defaults to the host name.
func (c *Config) checkNode(bad func(key, format string, args ...any)) {
	if c.NodeID == "" {
		h, err := os.Hostname()
		if err != nil || h == "" {
			bad("NODE_ID", "empty, and the host name is unknown (%v): set one", err)
		}
		c.NodeID = h
	}
	if len(c.NodeID) > 100 || strings.IndexFunc(c.NodeID, func(r rune) bool { return unicode.IsSpace(r) || !unicode.IsPrint(r) }) >= 0 {
		bad("NODE_ID", "want a name of at most 100 characters without spaces, not %q", c.NodeID)
	}
	if time.Duration(c.JobRescueAfter) < time.Second {
		bad("JOB_RESCUE_AFTER", "must be 1s or more, not %s", time.Duration(c.JobRescueAfter))
	}
}
