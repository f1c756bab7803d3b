package main

import (
	"net/http"
	"time"

	"lectern"
	"lectern/opencast"
	"lectern/password"
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
	}, opencast.IngestDeps{Auth: auth, Events: svc.events, Intake: in, Logger: a.logger.With("edge", "opencast")})
}

// recorderBasicAuth authenticates a capture agent by HTTP Basic with its
// recorder's FTP login and password. It stands in for the capture-agent
// side's opencast.Authenticator (Basic and Digest), which replaces it when
// both parts are merged.
type recorderBasicAuth struct{ recorders lectern.RecorderService }

// Recorder implements opencast.AgentAuth.
func (a recorderBasicAuth) Recorder(w http.ResponseWriter, r *http.Request) (*lectern.Recorder, bool) {
	login, pw, ok := r.BasicAuth()
	if ok && login != "" {
		rec, err := lectern.FindRecorder(r.Context(), a.recorders, lectern.RecorderFilter{CredentialsLogin: &login})
		if err == nil && rec.HasFTP() && password.Check(rec.CredentialsPasswordHash, pw) {
			return rec, true
		}
		if err != nil {
			password.CheckNone(pw)
		}
	}
	w.Header().Set("WWW-Authenticate", `Basic realm="Opencast"`)
	http.Error(w, "Full authentication is required to access this resource.", http.StatusUnauthorized)
	return nil, false
}
