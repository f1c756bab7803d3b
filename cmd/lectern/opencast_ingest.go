package main

import (
	"time"

	"lectern"
	"lectern/opencast"
)

// opencastIngest returns Opencast's ingest service, mounted on /ingest/:
// capture agents upload their recordings there, into a staging folder
// inside their recorder's own, and each ingest completes one deposit
// through in. Its track and archive uploads get the upload limits
// (requestLimit, opencast.UploadPath); a package never ingested is
// removed once idle for UPLOAD_EXPIRY (Start).
func (a *app) opencastIngest(svc *services, in *lectern.Intake, auth opencast.AgentAuth) *opencast.Ingest {
	cfg := a.cfg
	return opencast.NewIngest(opencast.IngestConfig{
		Root: cfg.DefaultRecorderPath, BaseURL: cfg.BaseURL, MaxSize: cfg.RecordingFileMaxSize,
		Zip:    opencast.ZipLimits{MaxEntries: cfg.ZipMaxEntries, MaxUncompressed: cfg.ZipMaxUncompressed, MaxRatio: cfg.ZipMaxRatio},
		Expiry: time.Duration(cfg.UploadExpiry),
	}, opencast.IngestDeps{Auth: auth, Events: svc.events, Intake: in, Agents: svc.agents, Logger: a.logger.With("edge", "opencast")})
}
