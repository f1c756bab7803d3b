package main

import (
	"context"
	"log/slog"
	"time"

	"lectern"
)

// contactInterval is how often at most the recorders' logins are
// written: the first after a quiet spell at once, the rest of a burst
// (a recorder retrying, someone guessing passwords) together, at most
// once per interval. Not a setting: a health page needs no more.
const contactInterval = 5 * time.Second

// startContactLog runs a ContactLog writing to store until stop is
// called; stop writes what is pending and returns when it is written.
func startContactLog(ctx context.Context, store lectern.RecorderHealthService, logger *slog.Logger) (*lectern.ContactLog, func()) {
	l := &lectern.ContactLog{Store: store, Interval: contactInterval, Logger: logger}
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		l.Run(ctx)
	}()
	return l, func() {
		cancel()
		<-done
	}
}
