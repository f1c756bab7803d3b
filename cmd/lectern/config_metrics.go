package main

import (
	"io"
	"log/slog"
	"net"
)

// minMetricsToken is the shortest METRICS_TOKEN accepted: a bearer token
// guessed by no one (rand.Text gives 26 characters).
const minMetricsToken = 16

// checkMetrics validates LOG_FORMAT, METRICS_ADDR and METRICS_TOKEN.
func (c *Config) checkMetrics(bad func(key, format string, args ...any)) {
	switch c.LogFormat {
	case "text", "json":
	default:
		bad("LOG_FORMAT", "want text or json, not %q", c.LogFormat)
	}
	if c.MetricsAddr != "" {
		if _, _, err := net.SplitHostPort(c.MetricsAddr); err != nil {
			bad("METRICS_ADDR", "want host:port (or empty: no metrics address of their own), not %q", c.MetricsAddr)
		} else if _, port, _ := net.SplitHostPort(c.MetricsAddr); port != "0" && c.MetricsAddr == c.HTTPAddr {
			bad("METRICS_ADDR", "%s is HTTP_ADDR too: leave METRICS_ADDR empty and set METRICS_TOKEN to serve /metrics there", c.MetricsAddr)
		}
	}
	if c.MetricsToken != "" && len(c.MetricsToken) < minMetricsToken {
		bad("METRICS_TOKEN", "want at least %d characters (for example the output of `openssl rand -hex 24`)", minMetricsToken)
	}
}

// newLogger is the process's logger: slog's text handler, or its JSON
// handler (LOG_FORMAT = "json", one object per line with time, level and
// msg), at level.
func newLogger(w io.Writer, level, format string) *slog.Logger {
	var l slog.Level
	_ = l.UnmarshalText([]byte(level))
	opts := &slog.HandlerOptions{Level: l}
	if format == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}
