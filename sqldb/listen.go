package sqldb

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"
)

// TreatmentsChannel is the PostgreSQL channel on which CreateTreatment
// announces a new treatment, by a NOTIFY in its transaction (so at its
// commit, and never for one rolled back).
const TreatmentsChannel = "lectern_treatments"

// ListenTreatments calls created whenever any process creates a treatment
// in the PostgreSQL database at dsn, and once each time it starts
// listening (what was created while it was not), until ctx ends. A lost
// connection is logged and opened again after a second. It is what lets
// a serve node route deposits recorded by other processes at once rather
// than at its next poll.
func ListenTreatments(ctx context.Context, dsn string, logger *slog.Logger, created func()) {
	for {
		err := listenTreatments(ctx, dsn, created)
		if ctx.Err() != nil {
			return
		}
		logger.Warn("listen for new deposits on PostgreSQL; tried again in a second, the pending pass polls meanwhile",
			"database", RedactURL(dsn), "err", err)
		select {
		case <-ctx.Done():
			return
		case <-time.After(time.Second):
		}
	}
}

// listenTreatments listens on one connection until it fails or ctx ends.
func listenTreatments(ctx context.Context, dsn string, created func()) error {
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		return errors.New("cannot parse the URL") // pgx's message may quote the password
	}
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return err
	}
	defer func() {
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		conn.Close(ctx)
	}()
	if _, err := conn.Exec(ctx, "LISTEN "+TreatmentsChannel); err != nil {
		return fmt.Errorf("LISTEN %s: %w", TreatmentsChannel, err)
	}
	created()
	for {
		if _, err := conn.WaitForNotification(ctx); err != nil {
			return err
		}
		created()
	}
}
