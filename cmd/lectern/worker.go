package main

import (
	"context"

	"github.com/spf13/cobra"
)

func (a *app) workerCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "worker",
		Short: "Run only the job workers (processing, encoding, thumbnails, mail) on the shared database and storage",
		Long: `Run only the job workers: recordings processed, videos encoded (ENCODE_WORKERS
at once), thumbnails taken and mail sent, for the whole installation, on its
shared database and storage (MEDIA_ROOT, DEFAULT_RECORDER_PATH); and the
deposits a cron 'recorder checkDirectory' records are routed. No HTTP, no
FTP, no watcher: those run in 'lectern serve' (WORKERS = false there leaves
every job to the worker nodes). Each node needs its own NODE_ID (default: the
host name). SIGTERM or SIGINT stops it: running jobs get 30 s to finish, an
encode is then interrupted and runs again on a node.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.worker(cmd.Context(), nil)
		},
	}
}

// worker runs the job workers until ctx ends; ready, when not nil, is
// closed once they work (tests).
func (a *app) worker(ctx context.Context, ready chan<- struct{}) error {
	if _, err := a.loadConfig(); err != nil {
		return err
	}
	svc, err := a.services(ctx)
	if err != nil {
		return err
	}
	defer svc.db.Close()
	cfg, logger := a.cfg, a.logger
	if err := checkStorage(ctx, svc.nodes, cfg); err != nil {
		return err
	}
	// Its own metrics, on METRICS_ADDR only (a worker has no HTTP
	// address of its own).
	stopMetrics, err := a.startMetrics(ctx, svc.db)
	if err != nil {
		return err
	}
	defer stopMetrics()
	_, stopJobs, err := a.startJobs(ctx, svc, cfg.Encoder(logger.With("edge", "ffmpeg")), true)
	if err != nil {
		return err
	}
	defer stopJobs()
	// Deposits recorded by a cron pass (`recorder checkDirectory`) are
	// routed by whichever node runs, serve or worker: the pending pass.
	stopPending := startPending(ctx, a.router(svc), svc.treatments, cfg.DatabaseURL, a.pendingPoll(), logger.With("edge", "routing"))
	defer stopPending()
	logger.Info("lectern worker running", "node_id", cfg.NodeID, "encode_workers", cfg.EncodeWorkers,
		"media_root", cfg.MediaRoot, "recorder_path", cfg.DefaultRecorderPath)
	if ready != nil {
		close(ready)
	}
	<-ctx.Done()
	logger.Info("shutting down")
	return nil
}
