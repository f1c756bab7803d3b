package web

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"html"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/alexedwards/scs/sqlite3store"
	"golang.org/x/crypto/bcrypt"

	"lectern"
	"lectern/ffmpeg"
	"lectern/jobs"
	"lectern/password"
	"lectern/sqldb"
)

func TestMain(m *testing.M) {
	password.Cost = bcrypt.MinCost
	code := m.Run()
	if clipDir != "" {
		_ = os.RemoveAll(clipDir)
	}
	os.Exit(code)
}

// testBundle is one server on a fresh database, with its services for
// arranging and checking rows directly.
type testBundle struct {
	tb         testing.TB
	server     *Server
	http       *httptest.Server
	root       string // DEFAULT_RECORDER_PATH
	users      lectern.UserService
	groups     lectern.GroupService
	types      lectern.VideoTypeService
	recorders  *lectern.RecorderDirectories
	treatments lectern.TreatmentService
	files      lectern.RecordingFileService
	recordings lectern.RecordingService
	messages   lectern.MessageService
	videos     lectern.VideoService
	mediaRoot  string // MEDIA_ROOT
	// videoTypeID is the type of the videos video() makes, created with
	// the first.
	videoTypeID int64
	intake      *lectern.Intake
	notifier    *lectern.Notifier
	queue       *testQueue
	media       *countingThumbnailer
	dataDir     string
	tokens      lectern.TokenService
	dbPath      string
	db          *sqldb.DB
	health      *sqldb.RecorderHealthService
	contacts    *lectern.ContactLog // the notifies' logins; Flush writes them
	events      *sqldb.EventService
	// jobs is the job pages' client (setupJobs): it enqueues, cancels and
	// retries, but is not started, so no job runs unless a test starts a
	// worker of its own (worker).
	jobs *jobs.Client
	// enrichments are the videos' slides (withSlides).
	enrichments lectern.EnrichmentService
	// deps are the server's (withDirectory serves them again with more).
	deps Deps
}

// podExtensions is Pod's VIDEO_ALLOWED_EXTENSIONS.
var podExtensions = []string{"3gp", "avi", "divx", "flv", "m2p", "m4v", "mkv", "mov", "mp4", "mpeg", "mpg", "mts", "wmv",
	"mp3", "ogg", "wav", "wma", "webm", "ts"}

// testMail renders fixed messages; the real renderer is package mail's.
type testMail struct{}

func (testMail) NewRecording(m lectern.NewRecordingMail) (*lectern.Message, error) {
	return &lectern.Message{Kind: lectern.MessageNewRecording, From: "lectern@univ.example", To: m.To,
		Subject: "[Lectern Test] New recording added", Text: "A new recording: " + filepath.Base(m.Treatment.File),
		HTML: "<p>A new recording: <b>" + html.EscapeString(filepath.Base(m.Treatment.File)) + "</b></p>"}, nil
}

func (testMail) AdminReport(m lectern.AdminReportMail) (*lectern.Message, error) {
	return &lectern.Message{Kind: lectern.MessageAdminReport, To: m.To, Subject: "report " + filepath.Base(m.Treatment.File),
		Text: "nobody gets it"}, nil
}

// testQueue is the store's lectern.Enqueuer: it records the messages
// whose delivery is enqueued (in the store's transaction, whether or not
// it commits), and hands the other jobs to River (next) in bundles with
// jobs (setupJobs), else drops them.
type testQueue struct {
	next lectern.Enqueuer
	mu   sync.Mutex
	ids  []int64
}

func (q *testQueue) EnqueueTx(ctx context.Context, tx *sql.Tx, args lectern.JobArgs) error {
	if m, ok := args.(lectern.SendMailArgs); ok {
		q.mu.Lock()
		defer q.mu.Unlock()
		q.ids = append(q.ids, m.MessageID)
		return nil
	}
	if q.next == nil {
		return nil
	}
	return q.next.EnqueueTx(ctx, tx, args)
}

// RetryTx implements lectern.Retrier through River (next), as the
// store's own enqueuer does.
func (q *testQueue) RetryTx(ctx context.Context, tx *sql.Tx, id int64) error {
	r, ok := q.next.(lectern.Retrier)
	if !ok {
		return fmt.Errorf("retry job %d: no job queue in this bundle", id)
	}
	return r.RetryTx(ctx, tx, id)
}

func (q *testQueue) enqueued() []int64 {
	q.mu.Lock()
	defer q.mu.Unlock()
	return append([]int64(nil), q.ids...)
}

// lateCheck is the real ffmpeg runner that passes every source at the
// process job's check, as a file replaced after it would pass: its
// encode job then refuses it.
type lateCheck struct{ *ffmpeg.Runner }

func (lateCheck) Probe(context.Context, string) (lectern.MediaInfo, error) {
	return lectern.MediaInfo{HasVideo: true}, nil
}

// countingThumbnailer is the real ffmpeg runner, counting its runs;
// failThumbnails makes its thumbnails fail.
type countingThumbnailer struct {
	ffmpeg.Runner
	probes, thumbnails atomic.Int32
	failThumbnails     atomic.Bool
}

func (c *countingThumbnailer) Probe(ctx context.Context, path string) (lectern.MediaInfo, error) {
	c.probes.Add(1)
	return c.Runner.Probe(ctx, path)
}

func (c *countingThumbnailer) Thumbnail(ctx context.Context, src, dst string, at float64, width int) error {
	c.thumbnails.Add(1)
	if c.failThumbnails.Load() {
		return errors.New("thumbnail: failing as told")
	}
	return c.Runner.Thumbnail(ctx, src, dst, at, width)
}

func (c *countingThumbnailer) ScalePicture(ctx context.Context, src, dst string, width int) error {
	c.thumbnails.Add(1)
	if c.failThumbnails.Load() {
		return errors.New("scale picture: failing as told")
	}
	return c.Runner.ScalePicture(ctx, src, dst, width)
}

// setup starts a server; change, when given, edits its Config.
func setup(tb testing.TB, change ...func(*Config)) *testBundle {
	tb.Helper()
	return newBundle(tb, false, change...)
}

// setupJobs starts a server with the job pages, backed by a job client on
// its database that works no job (testBundle.jobs).
func setupJobs(tb testing.TB, change ...func(*Config)) *testBundle {
	tb.Helper()
	return newBundle(tb, true, change...)
}

func newBundle(tb testing.TB, withJobs bool, change ...func(*Config)) *testBundle {
	tb.Helper()
	dir := tb.TempDir()
	db, err := sqldb.Open(context.Background(), filepath.Join(dir, "lectern.db"), nil)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	queue := &testQueue{}
	if withJobs {
		if err := jobs.Migrate(context.Background(), db.SQL(), nil); err != nil {
			tb.Fatal(err)
		}
		if queue.next, err = jobs.NewEnqueuer(jobs.EnqueuerConfig{}); err != nil {
			tb.Fatal(err)
		}
	}
	b := &testBundle{
		tb:         tb,
		root:       filepath.Join(dir, "recorders"),
		users:      sqldb.NewUserService(db),
		groups:     sqldb.NewGroupService(db),
		types:      sqldb.NewVideoTypeService(db),
		recorders:  &lectern.RecorderDirectories{RecorderService: sqldb.NewRecorderService(db), Root: filepath.Join(dir, "recorders")},
		treatments: sqldb.NewTreatmentService(db, queue),
		files:      sqldb.NewRecordingFileService(db),
		recordings: sqldb.NewRecordingService(db, queue),
		messages:   sqldb.NewMessageService(db, queue),
		videos:     sqldb.NewVideoService(db, queue),
		mediaRoot:  filepath.Join(dir, "media"),
		queue:      queue,
		media:      &countingThumbnailer{},
		dataDir:    filepath.Join(dir, "data"),
		tokens:     sqldb.NewTokenService(db),
		dbPath:     db.Path(),
		db:         db,
		health:     sqldb.NewRecorderHealthService(db),
		events:     sqldb.NewEventService(db),
	}
	b.contacts = &lectern.ContactLog{Store: b.health}
	b.enrichments = sqldb.NewEnrichmentService(db)
	if err := os.MkdirAll(b.root, 0o750); err != nil {
		tb.Fatal(err)
	}
	cfg := Config{
		SiteTitle:              "Lectern Test",
		BaseURL:                "http://lectern.example/",
		LanguageCode:           "en",
		RecordingTypes:         [][]string{{"video", "Video"}, {"audiovideocast", "Audiovideocast"}},
		DefaultRecorderPath:    b.root,
		DataDir:                b.dataDir,
		VideoAllowedExtensions: podExtensions,
		MediaRoot:              b.mediaRoot,
	}
	for _, f := range change {
		f(&cfg)
	}
	logger := slog.New(slog.NewTextHandler(tb.Output(), nil))
	b.intake = &lectern.Intake{Root: b.root, Extensions: podExtensions, AllowClaiming: cfg.AllowManualRecordingClaiming,
		Recorders: b.recorders, Treatments: b.treatments, Sightings: sqldb.NewSightingService(db), Logger: logger}
	router := &lectern.Router{Recorders: b.recorders, Users: b.users, Treatments: b.treatments, Recordings: b.recordings,
		Mail: testMail{}, Logger: logger, Location: cfg.Location, Language: cfg.LanguageCode}
	// The files these tests notify are whole when written: no quiet period.
	b.notifier = &lectern.Notifier{Root: b.root, Recorders: b.recorders, Treatments: b.treatments, Intake: b.intake,
		Router: router, Logger: logger, Quiescence: time.Nanosecond}
	deps := Deps{
		Users: b.users, Groups: b.groups, Types: b.types, Recorders: b.recorders,
		Treatments: b.treatments, RecordingFiles: b.files,
		Notifier: b.notifier, Recordings: b.recordings, Messages: b.messages, Thumbnails: b.media,
		Videos: b.videos, Enrichments: b.enrichments, Tokens: b.tokens,
		Sessions: sqlite3store.NewWithCleanupInterval(db.SQL(), 0),
		Health:   b.health, LoginFunc: b.contacts.Record, Events: b.events,
		Logger: logger,
	}
	if withJobs {
		b.jobs = b.jobClient("", logger)
		deps.Jobs = b.jobs
	}
	b.deps = deps
	b.server, err = New(cfg, deps)
	if err != nil {
		tb.Fatal(err)
	}
	b.http = httptest.NewServer(b.server.Handler())
	tb.Cleanup(b.http.Close)
	return b
}

// jobClient makes a job client on the bundle's database that processes
// recordings and encodes with the real ffmpeg once started, and stops it
// when the test ends. id names it among the clients of the queue.
func (b *testBundle) jobClient(id string, logger *slog.Logger) *jobs.Client {
	b.tb.Helper()
	return b.jobClientWith(id, logger, &ffmpeg.Runner{Preset: "ultrafast", Logger: logger})
}

// jobClientWith is jobClient with enc as the encoder.
func (b *testBundle) jobClientWith(id string, logger *slog.Logger, enc lectern.Encoder) *jobs.Client {
	b.tb.Helper()
	pool, err := sqldb.OpenPool(context.Background(), b.dbPath, 1) // River's own, as cmd/lectern opens it
	if err != nil {
		b.tb.Fatal(err)
	}
	b.tb.Cleanup(func() { pool.Close() })
	c, err := jobs.New(context.Background(), jobs.Config{DB: pool, ID: id, MediaRoot: b.mediaRoot,
		FetchPollInterval: 100 * time.Millisecond, StopTimeout: 5 * time.Second},
		jobs.Deps{Videos: b.videos, Recordings: b.recordings, Recorders: b.recorders, Enrichments: b.enrichments,
			Encoder: enc, Logger: logger})
	if err != nil {
		b.tb.Fatal(err)
	}
	b.tb.Cleanup(func() { c.Stop() })
	return c
}

// user creates an active user with password "secret-<username>".
func (b *testBundle) user(username string, staff, superuser bool) *lectern.User {
	b.tb.Helper()
	hash, err := password.Hash("secret-" + username)
	if err != nil {
		b.tb.Fatal(err)
	}
	u := &lectern.User{Username: username, IsStaff: staff, IsSuperuser: superuser, IsActive: true, PasswordHash: hash}
	if err := b.users.CreateUser(context.Background(), u); err != nil {
		b.tb.Fatal(err)
	}
	return u
}

// videoType creates a video type.
func (b *testBundle) videoType(title string) *lectern.VideoType {
	b.tb.Helper()
	t := &lectern.VideoType{Title: title}
	if err := b.types.CreateVideoType(context.Background(), t); err != nil {
		b.tb.Fatal(err)
	}
	return t
}

// recorder creates a recorder through the directory wrapper.
func (b *testBundle) recorder(name, ip, dir string, typeID int64, edit ...func(*lectern.Recorder)) *lectern.Recorder {
	b.tb.Helper()
	r := lectern.NewRecorder()
	r.Name, r.AddressIP, r.Directory, r.TypeID = name, ip, dir, typeID
	for _, f := range edit {
		f(r)
	}
	if err := b.recorders.CreateRecorder(context.Background(), r); err != nil {
		b.tb.Fatal(err)
	}
	return r
}

// client is a browser: a cookie jar, no automatic redirects, and the
// Origin header browsers send with forms.
type client struct {
	tb       testing.TB
	b        *testBundle
	hc       *http.Client
	language string // Accept-Language
}

func (b *testBundle) client() *client {
	jar, _ := cookiejar.New(nil)
	return &client{tb: b.tb, b: b, hc: &http.Client{
		Jar:           jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

// response is a read answer.
type response struct {
	status   int
	location string
	body     string
	header   http.Header
}

func (c *client) do(req *http.Request) response {
	c.tb.Helper()
	if c.language != "" {
		req.Header.Set("Accept-Language", c.language)
	}
	res, err := c.hc.Do(req)
	if err != nil {
		c.tb.Fatal(err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		c.tb.Fatal(err)
	}
	return response{status: res.StatusCode, location: res.Header.Get("Location"), body: string(body), header: res.Header}
}

func (c *client) get(path string) response {
	c.tb.Helper()
	req, err := http.NewRequest(http.MethodGet, c.b.http.URL+path, nil)
	if err != nil {
		c.tb.Fatal(err)
	}
	return c.do(req)
}

// postRaw posts form as it is, with the Origin a browser would send.
func (c *client) postRaw(path string, form url.Values) response {
	c.tb.Helper()
	req, err := http.NewRequest(http.MethodPost, c.b.http.URL+path, strings.NewReader(form.Encode()))
	if err != nil {
		c.tb.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", c.b.http.URL)
	return c.do(req)
}

var csrfRE = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)

// token reads the CSRF token from the form of the page at path.
func (c *client) token(path string) string {
	c.tb.Helper()
	res := c.get(path)
	m := csrfRE.FindStringSubmatch(res.body)
	if m == nil {
		c.tb.Fatalf("GET %s (%d): no csrf_token in the page", path, res.status)
	}
	return html.UnescapeString(m[1])
}

// post submits form to path with the CSRF token of the page at path, or
// of any page (every page's language switch holds one) when path has no
// page.
func (c *client) post(path string, form url.Values) response {
	c.tb.Helper()
	if form == nil {
		form = url.Values{}
	}
	m := csrfRE.FindStringSubmatch(c.get(path).body)
	if m == nil {
		m = csrfRE.FindStringSubmatch(c.get("/no-such-page/").body)
	}
	if m == nil {
		c.tb.Fatalf("no csrf_token for POST %s", path)
	}
	form.Set("csrf_token", html.UnescapeString(m[1]))
	return c.postRaw(path, form)
}

// login logs in as username with the password user() gave it.
func (c *client) login(username string) {
	c.tb.Helper()
	res := c.post("/accounts/login/", url.Values{"username": {username}, "password": {"secret-" + username}})
	if res.status != http.StatusSeeOther {
		c.tb.Fatalf("login %s: status %d, want 303\n%s", username, res.status, res.body)
	}
}

// want fails unless res has status.
func want(tb testing.TB, res response, status int) {
	tb.Helper()
	if res.status != status {
		tb.Fatalf("status = %d, want %d; location %q\n%s", res.status, status, res.location, res.body)
	}
}

// wantBody fails unless the body holds every string.
func wantBody(tb testing.TB, res response, subs ...string) {
	tb.Helper()
	for _, s := range subs {
		if !strings.Contains(res.body, s) {
			tb.Errorf("body lacks %q\n%s", s, res.body)
		}
	}
}

func stringsReader(s string) io.Reader { return strings.NewReader(s) }
