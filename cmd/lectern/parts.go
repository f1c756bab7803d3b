package main

import (
	"context"
	"log/slog"
	"regexp"
	"time"

	"lectern"
)

// checkParts validates RECORDING_PART_PATTERN and RECORDING_PART_QUIET.
func (c *Config) checkParts(bad func(key, format string, args ...any)) {
	if _, err := lectern.CompilePartPattern(c.RecordingPartPattern); err != nil {
		bad("RECORDING_PART_PATTERN", "%v", err)
	}
	if c.RecordingPartQuiet <= 0 {
		bad("RECORDING_PART_QUIET", "must be positive, not %s", time.Duration(c.RecordingPartQuiet))
	}
}

// partPattern is RECORDING_PART_PATTERN compiled (checked at start);
// nil when empty: no file is a part.
func (c *Config) partPattern() *regexp.Regexp {
	re, _ := lectern.CompilePartPattern(c.RecordingPartPattern)
	return re
}

// assembleEvery is how often serve's assembly pass runs: a quarter of
// RECORDING_PART_QUIET, between 100ms and 15s, so a split recording is
// one deposit within about the quiet period and a quarter after its
// last part.
func assembleEvery(quiet time.Duration) time.Duration {
	return min(max(quiet/4, 100*time.Millisecond), 15*time.Second)
}

// startAssembler runs the assembly pass of split recordings
// (lectern.PartAssembler) every assembleEvery, on every node (the pass
// is safe with several), until stop. It runs with RECORDING_PART_PATTERN
// empty too, so that parts held before are not left waiting.
func (a *app) startAssembler(ctx context.Context, in *lectern.Intake, events lectern.EventService, logger *slog.Logger) (stop func()) {
	quiet := time.Duration(a.cfg.RecordingPartQuiet)
	asm := &lectern.PartAssembler{Intake: in, Events: events, Quiet: quiet, Logger: logger}
	return runEvery(ctx, assembleEvery(quiet), logger, "assemble split recordings", "split recordings assembled", "deposits", asm.Pass)
}
