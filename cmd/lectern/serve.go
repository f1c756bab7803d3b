package main

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"lectern"
	"lectern/api"
	"lectern/httpjson"
	"lectern/httplimit"
	"lectern/intake/ftp"
	"lectern/intake/sftp"
	"lectern/intake/upload"
	"lectern/intake/watch"
	"lectern/metrics"
	"lectern/password"
	"lectern/sqldb"
	"lectern/web"
)

// services are the store's implementations of the core interfaces, wired
// once for every command.
type services struct {
	db        *sqldb.DB
	users     lectern.UserService
	groups    lectern.GroupService
	types     lectern.VideoTypeService
	recorders lectern.RecorderService
	tokens    lectern.TokenService

	treatments     lectern.TreatmentService
	sightings      lectern.SightingService
	recordingFiles lectern.RecordingFileService
	recordings     lectern.RecordingService
	videos         lectern.VideoService
	enrichments    lectern.EnrichmentService
	messages       lectern.MessageService
	nodes          lectern.NodeService
	// once and ssoSessions back single sign-on: used tickets and
	// assertions, and the sessions single logout ends.
	once        lectern.OnceService
	ssoSessions lectern.SSOSessionService
	// events are the recorders' schedules; feeds their iCalendar feeds.
	events lectern.EventService
	// health keeps the recorders' logins (through a lectern.ContactLog)
	// and counts their deposits.
	health lectern.RecorderHealthService
	feeds  lectern.FeedService
	// agents are the Opencast capture agents' reports.
	agents lectern.CaptureAgentService
}

// newServices builds the store's services on db; those whose
// transactions call for a job enqueue it through q in the same
// transaction.
func newServices(db *sqldb.DB, q lectern.Enqueuer, cfg *Config) *services {
	return &services{
		db:        db,
		users:     sqldb.NewUserService(db),
		groups:    sqldb.NewGroupService(db),
		types:     sqldb.NewVideoTypeService(db),
		recorders: &lectern.RecorderDirectories{RecorderService: sqldb.NewRecorderService(db), Root: cfg.DefaultRecorderPath},
		tokens:    sqldb.NewTokenService(db),

		treatments:     sqldb.NewTreatmentService(db, q),
		sightings:      sqldb.NewSightingService(db),
		recordingFiles: sqldb.NewRecordingFileService(db),
		recordings:     sqldb.NewRecordingService(db, q),
		videos:         sqldb.NewVideoService(db, q),
		enrichments:    sqldb.NewEnrichmentService(db),
		messages:       sqldb.NewMessageService(db, q),
		nodes:          sqldb.NewNodeService(db),
		once:           sqldb.NewOnceService(db),
		ssoSessions:    sqldb.NewSSOSessionService(db),
		events:         sqldb.NewEventService(db),
		health:         sqldb.NewRecorderHealthService(db),
		feeds:          sqldb.NewFeedService(db),
		agents:         sqldb.NewCaptureAgentService(db),
	}
}

// initialAdminFile is where the first-run admin password is written.
const initialAdminFile = "initial-admin-password"

func (a *app) serveCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "serve",
		Short: "Run Lectern: web UI, API, FTP and SFTP servers, watcher and job workers (unless WORKERS = false)",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.serve(cmd.Context(), nil)
		},
	}
}

// serve runs until ctx ends. When ready is not nil it receives the HTTP
// address once the server listens (tests start on port 0).
//
// Each part is built once, in the order it needs the others: the store
// (its services enqueue through River in their own transactions), the
// router and the intake that dispatches through it, the notify rules, the
// job queue, the pending pass, then the edges that take deposits in
// (watcher, FTP) and the HTTP server. Each is stopped by a defer, so in
// the reverse order.
func (a *app) serve(ctx context.Context, ready chan<- string) error {
	if _, err := a.loadConfig(); err != nil {
		return err
	}
	svc, err := a.services(ctx)
	if err != nil {
		return err
	}
	db := svc.db
	defer db.Close()
	cfg, logger := a.cfg, a.logger

	if err := ensureInitialAdmin(ctx, svc.users, cfg.DataDir, logger); err != nil {
		return err
	}
	// MEDIA_ROOT and DEFAULT_RECORDER_PATH (made on the first start) must be
	// the storage the other nodes share (its marker).
	if err := checkStorage(ctx, svc.nodes, cfg); err != nil {
		return err
	}
	// The metrics, before the edges whose hooks count into them.
	stopMetrics, err := a.startMetrics(ctx, db)
	if err != nil {
		return err
	}
	defer stopMetrics()

	// The recorders' logins, written coalesced; stopped after the edges
	// that report them, before the database closes.
	contacts, stopContacts := startContactLog(ctx, svc.health, logger.With("edge", "health"))
	defer stopContacts()

	router := a.router(svc)
	dispatch, waitDispatch := dispatchNow(router, logger)
	defer waitDispatch() // before the database closes
	in := a.intake(svc, dispatch)
	notifier := &lectern.Notifier{Root: cfg.DefaultRecorderPath, Recorders: svc.recorders, Treatments: svc.treatments,
		Intake: in, Router: router, Logger: logger.With("edge", "notify"), Quiescence: time.Duration(cfg.RecorderQuiescence)}
	// One ffmpeg runner encodes (jobs) and takes thumbnails (web).
	media := cfg.Encoder(logger.With("edge", "ffmpeg"))
	// Admins follow, cancel and retry its jobs (web, api).
	jobQueue, stopJobs, err := a.startJobs(ctx, svc, media, cfg.Workers)
	if err != nil {
		return err
	}
	defer stopJobs()
	stopPending := startPending(ctx, router, svc.treatments, cfg.DatabaseURL, a.pendingPoll(), logger.With("edge", "routing"))
	defer stopPending()
	defer a.startMissed(ctx, svc)()
	stopAssembler := a.startAssembler(ctx, in, svc.events, logger.With("edge", "parts"))
	defer stopAssembler()
	if cfg.RecorderWatch {
		w := watch.New(watch.Config{
			Root:         cfg.DefaultRecorderPath,
			ScanInterval: time.Duration(cfg.RecorderScanInterval),
			Quiescence:   time.Duration(cfg.RecorderQuiescence),
		}, watch.Deps{Intake: in, Treatments: svc.treatments, Sightings: svc.sightings, Logger: logger.With("edge", "watch")})
		if err := w.Start(ctx); err != nil {
			return fmt.Errorf("start watcher: %w", err)
		}
		defer w.Stop()
	}

	if cfg.FTPEnabled {
		ftpCfg := cfg.ftpConfig()
		ftpCfg.LoginFunc, ftpCfg.SessionFunc, ftpCfg.ReceivedFunc = a.ftpHooks(contacts.Record)
		ftpd, err := ftp.New(ftpCfg,
			ftp.Deps{Recorders: svc.recorders, Intake: in, Sightings: svc.sightings, Logger: logger.With("edge", "ftp")})
		if err != nil {
			return fmt.Errorf("FTP server: %w", err)
		}
		if err := ftpd.Start(ctx); err != nil {
			return fmt.Errorf("start FTP server on FTP_ADDR %s: %w", cfg.FTPAddr, err)
		}
		defer ftpd.Stop()
		a.ftpAddr = ftpd.Addr()
	}
	var sftpKeys []string // host key fingerprints, for the recorder pages
	if cfg.SFTPEnabled {
		sftpCfg := cfg.sftpConfig()
		sftpCfg.SessionFunc = a.metrics.SessionFunc(metrics.ProtocolSFTP)
		sftpCfg.ReceivedFunc = a.metrics.ReceivedFunc(metrics.ProtocolSFTP)
		sftpCfg.LoginFailedFunc = func(reason string) { a.metrics.LoginFailed(metrics.ProtocolSFTP, reason) }
		sftpd, err := sftp.New(sftpCfg,
			sftp.Deps{Recorders: svc.recorders, Intake: in, Sightings: svc.sightings, Logger: logger.With("edge", "sftp")})
		if err != nil {
			return fmt.Errorf("SFTP server: %w", err)
		}
		if err := sftpd.Start(ctx); err != nil {
			return fmt.Errorf("start SFTP server on SFTP_ADDR %s: %w", cfg.SFTPAddr, err)
		}
		defer sftpd.Stop()
		a.sftpAddr = sftpd.Addr()
		sftpKeys = sftpd.Fingerprints()
	}

	sessions := sessionStore(db)
	defer sessions.StopCleanup()
	idp, err := newIdentity(cfg, svc, logger)
	if err != nil {
		return err
	}
	feeds := a.feedImporter(svc, idp.accounts)
	stopFeeds := startFeeds(ctx, feeds, a.feedPoll(), logger.With("edge", "ical"))
	defer stopFeeds()
	pages, err := web.New(web.Config{
		SiteTitle:           cfg.SiteTitle,
		BaseURL:             cfg.BaseURL,
		LanguageCode:        cfg.LanguageCode,
		Location:            cfg.Location(),
		RecordingTypes:      cfg.RecorderType,
		DefaultRecorderPath: cfg.DefaultRecorderPath,
		DefaultTypeID:       cfg.DefaultRecorderTypeID,
		FTPHost:             cfg.FTPPublicHost,
		FTPPort:             cfg.FTPPort(),
		SFTPPort:            cfg.SFTPPort(),
		SFTPHostKeys:        sftpKeys,

		AllowManualRecordingClaiming:       cfg.AllowManualRecordingClaiming,
		AllowRecorderManagerChoiceVidOwner: cfg.AllowRecorderManagerChoiceVidOwner,
		DefaultRecorderUserID:              cfg.DefaultRecorderUserID,
		UseRecordPreview:                   cfg.UseRecordPreview,
		PublicRecordDir:                    cfg.PublicRecordDir,
		UseCAS:                             cfg.UseCAS,
		NativeCAS:                          idp.nativeCAS,
		LoginMethods:                       idp.methods,
		LogoutURLs:                         idp.logouts,
		DataDir:                            cfg.DataDir,
		MediaRoot:                          cfg.MediaRoot,
		VideoAllowedExtensions:             cfg.VideoAllowedExtensions,
		ZipLimits:                          cfg.ZipLimits(),
		SMTPConfigured:                     cfg.SMTPURL != "",
		MissedGrace:                        time.Duration(cfg.ScheduleMissedGrace),
	}, web.Deps{
		Users: svc.users, Groups: svc.groups, Types: svc.types, Recorders: svc.recorders,
		Treatments: svc.treatments, RecordingFiles: svc.recordingFiles,
		Notifier: notifier, Recordings: svc.recordings, Messages: svc.messages, Videos: svc.videos,
		Enrichments: svc.enrichments, Jobs: jobQueue, Tokens: svc.tokens, Events: svc.events,
		Thumbnails: media,
		Sessions:   sessions, Accounts: idp.accounts, SSOSessions: svc.ssoSessions, Directory: idp.accounts.Directory,
		Health: svc.health, LoginFunc: contacts.Record,
		Feeds: svc.feeds, FeedImporter: feeds, Agents: svc.agents,
		Logger: logger.With("edge", "web"),
	})
	if err != nil {
		return err
	}
	if err := idp.mount(pages); err != nil {
		return err
	}
	restAPI := api.New(api.Deps{
		Users: svc.users, Groups: svc.groups, Types: svc.types, Recorders: svc.recorders, Tokens: svc.tokens,
		Treatments: svc.treatments, RecordingFiles: svc.recordingFiles, Recordings: svc.recordings, Messages: svc.messages,
		Videos: svc.videos, Enrichments: svc.enrichments, Jobs: jobQueue, MediaRoot: cfg.MediaRoot, Events: svc.events,
		BaseURL: cfg.BaseURL, Logger: logger.With("edge", "api"), Location: cfg.Location(),
	})

	uploads, err := upload.New(upload.Config{
		Root: cfg.DefaultRecorderPath, TempDir: filepath.Join(cfg.DataDir, "uploads"),
		MaxSize: cfg.RecordingFileMaxSize, BaseURL: cfg.BaseURL, Expiry: time.Duration(cfg.UploadExpiry),
		Location: cfg.Location(),
	}, upload.Deps{Recorders: svc.recorders, RecordingFiles: svc.recordingFiles, Tokens: svc.tokens, Intake: in,
		Logger: logger.With("edge", "upload")})
	if err != nil {
		return err
	}
	// Finish resumable uploads whose last byte arrived before a stop.
	if err := uploads.Recover(ctx); err != nil {
		logger.Error("recover uploads", "err", err)
	}
	// Then sweep expired uploads (UPLOAD_EXPIRY) while serving.
	uploads.Start(ctx)
	defer uploads.Stop()

	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		fmt.Fprintln(w, "ok")
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		if err := db.Ping(ctx); err != nil {
			logger.Error("readiness check", "err", err)
			http.Error(w, "database unreachable", http.StatusServiceUnavailable)
			return
		}
		fmt.Fprintln(w, "ok")
	})
	// Request bodies: every route but the uploads must arrive whole within
	// HTTP_READ_TIMEOUT; an upload may take as long as it keeps moving
	// (HTTP_UPLOAD_STALL_TIMEOUT) and hold RECORDING_FILE_MAX_SIZE (a
	// multipart form's fields or a tus chunk's framing add less than
	// 1 MiB). The pages and the API bound their bodies' sizes themselves.
	readLimit := httplimit.Limit{ReadTimeout: time.Duration(cfg.HTTPReadTimeout)}
	uploadLimit := httplimit.Limit{Max: cfg.RecordingFileMaxSize + 1<<20, StallTimeout: time.Duration(cfg.HTTPUploadStallTimeout)}
	uploadTooLarge := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		httpjson.WriteError(w, r, &httpjson.Error{Status: http.StatusRequestEntityTooLarge, Detail: fmt.Sprintf(
			"The request body is larger than the limit of %d bytes (RECORDING_FILE_MAX_SIZE).", cfg.RecordingFileMaxSize)}, logger, "upload")
	})
	// The capture agents' protocol; its Authenticator logs agents in
	// for the ingest too.
	ocAuth := a.mountOpencast(mux, svc, logger, contacts.Record)
	mux.Handle("/api/", restAPI)
	mux.Handle("POST /api/v1/recording-files", uploads)
	mux.Handle("/api/v1/uploads/", uploads)
	ocIngest := a.opencastIngest(svc, in, ocAuth)
	ocIngest.Start(ctx)
	defer ocIngest.Stop()
	mux.Handle("/ingest/", ocIngest.Handler())
	mux.Handle("/", pages.Handler())
	a.mountMetrics(mux)

	ln, err := net.Listen("tcp", cfg.HTTPAddr)
	if err != nil {
		return fmt.Errorf("listen on HTTP_ADDR %s: %w", cfg.HTTPAddr, err)
	}
	srv := &http.Server{
		// Counted by route pattern: the main mux's, or the pages' and the
		// API's own for their subtrees.
		Handler: a.metrics.HTTP(httplimit.Handler(requestLimit(readLimit, uploadLimit), mux, uploadTooLarge),
			routeOf(mux, map[string]patterner{"/": pages, "/api/": restAPI})),
		ReadHeaderTimeout: min(10*time.Second, time.Duration(cfg.HTTPReadTimeout)),
		IdleTimeout:       time.Duration(cfg.HTTPIdleTimeout),
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
		BaseContext:       func(net.Listener) context.Context { return ctx },
	}
	logger.Info("lectern listening", "http_addr", ln.Addr().String(), "base_url", cfg.BaseURL,
		"data_dir", cfg.DataDir, "recorder_path", cfg.DefaultRecorderPath)
	if ready != nil {
		ready <- ln.Addr().String()
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("http server: %w", err)
	case <-ctx.Done():
	}
	logger.Info("shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("http shutdown: %w", err)
	}
	return nil
}

// ensureInitialAdmin creates the superuser "admin" with a random password
// when the database has no user at all, logs the password once and writes
// it to DATA_DIR/initial-admin-password (mode 0600).
func ensureInitialAdmin(ctx context.Context, users lectern.UserService, dataDir string, logger *slog.Logger) error {
	n, err := users.CountUsers(ctx)
	if err != nil || n > 0 {
		return err
	}
	pw := rand.Text()
	hash, err := password.Hash(pw)
	if err != nil {
		return err
	}
	u := &lectern.User{Username: "admin", IsStaff: true, IsSuperuser: true, IsActive: true, PasswordHash: hash}
	if err := users.CreateUser(ctx, u); err != nil {
		if lectern.ErrorCode(err) == lectern.ECONFLICT {
			return nil // another process made it first
		}
		return fmt.Errorf("create initial admin: %w", err)
	}
	// Log first: if the file cannot be written, the password is still seen.
	path := filepath.Join(dataDir, initialAdminFile)
	logger.Warn("created the first superuser: log in as admin and change this password",
		"username", "admin", "password", pw, "password_file", path)
	if err := writeNewFile(path, []byte(pw+"\n"), 0o600); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

// writeNewFile replaces whatever is at path (a file left by an earlier
// database, a symlink) with a new file of mode perm: os.WriteFile would
// keep an existing file's mode and follow a symlink.
func writeNewFile(path string, data []byte, perm os.FileMode) error {
	if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, perm)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
