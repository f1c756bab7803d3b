package main

import (
	"strings"
	"testing"
)

// TestConfigMetrics: LOG_FORMAT, METRICS_ADDR and METRICS_TOKEN, their
// defaults, and a bad value refused naming its key.
func TestConfigMetrics(t *testing.T) {
	t.Parallel()
	data := t.TempDir()
	cfg := mustLoadConfig(t, "", "LECTERN_DATA_DIR="+data)
	if cfg.LogFormat != "text" || cfg.MetricsAddr != "" || cfg.MetricsToken != "" {
		t.Fatalf("defaults: LOG_FORMAT %q, METRICS_ADDR %q, METRICS_TOKEN %q", cfg.LogFormat, cfg.MetricsAddr, cfg.MetricsToken)
	}
	cfg = mustLoadConfig(t, "", "LECTERN_DATA_DIR="+data, "LECTERN_LOG_FORMAT=json", "LECTERN_METRICS_ADDR=127.0.0.1:9464",
		"LECTERN_METRICS_TOKEN="+metricsToken)
	if cfg.LogFormat != "json" || cfg.MetricsAddr != "127.0.0.1:9464" || cfg.MetricsToken != metricsToken {
		t.Fatalf("set: %+v", cfg)
	}
	for _, tt := range []struct {
		name    string
		environ []string
		want    []string
	}{
		{"LOG_FORMAT neither text nor json", []string{"LECTERN_LOG_FORMAT=logfmt"}, []string{"LOG_FORMAT", `"logfmt"`}},
		{"LOG_FORMAT in capitals", []string{"LECTERN_LOG_FORMAT=JSON"}, []string{"LOG_FORMAT"}},
		{"METRICS_ADDR without a port", []string{"LECTERN_METRICS_ADDR=9464"}, []string{"METRICS_ADDR"}},
		{"METRICS_ADDR the HTTP_ADDR", []string{"LECTERN_METRICS_ADDR=127.0.0.1:8080", "LECTERN_HTTP_ADDR=127.0.0.1:8080"}, []string{"METRICS_ADDR", "HTTP_ADDR"}},
		{"METRICS_TOKEN too short", []string{"LECTERN_METRICS_TOKEN=secret"}, []string{"METRICS_TOKEN", "16"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := LoadConfig("", append([]string{"LECTERN_DATA_DIR=" + data}, tt.environ...))
			if err == nil {
				t.Fatalf("no error, want one naming %q", tt.want)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not name %q", err, w)
				}
			}
			if strings.Contains(err.Error(), "secret") {
				t.Errorf("error %q shows the token", err)
			}
		})
	}
}
