package main

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"lectern"
	"lectern/mail"
	"lectern/sqldb"
	"lectern/sqldb/pgtest"
)

// apiCount is the count of an API list at path.
func apiCount(tb testing.TB, s *server, token, path string) int {
	tb.Helper()
	status, body := s.get(tb, path, token)
	if status != http.StatusOK {
		tb.Fatalf("GET %s = %d %s", path, status, body)
	}
	var page struct {
		Count int `json:"count"`
	}
	if err := json.Unmarshal([]byte(body), &page); err != nil {
		tb.Fatal(err)
	}
	return page.Count
}

// TestE2ECronDeposit is Pod's cron line beside a running server, on each
// database: with the watcher off, `lectern recorder checkDirectory` run
// twice records the deposits (the second pass finds them complete), and
// the running server routes them within seconds (its pending pass; on
// PostgreSQL also woken by the NOTIFY of each new treatment, which it
// LISTENs for): the manager's mail is in the outbox, the --auto
// recorder's deposit is published, each once. postgres-notify polls only
// once an hour: NOTIFY alone routes the deposits in time.
func TestE2ECronDeposit(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"sqlite", "postgres", "postgres-notify"} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			env := []string{"LECTERN_RECORDER_WATCH=false"}
			if name != "sqlite" {
				env = append(env, "LECTERN_DATABASE_URL="+pgtest.NewDatabase(t))
			}
			var poll time.Duration
			if name == "postgres-notify" {
				poll = time.Hour
			}
			cronDeposit(t, newCLI(t, env...), poll)
		})
	}
}

// cronDeposit is TestE2ECronDeposit on c's database, with the server's
// pending pass every poll (0: pendingInterval).
func cronDeposit(t *testing.T, c *cli, poll time.Duration) {
	s := startServeApp(t, c, func(a *app) { a.pendingEvery = poll }, "LECTERN_HTTP_ADDR=127.0.0.1:0", "LECTERN_FTP_ADDR=127.0.0.1:0")
	typeID := fmt.Sprint(c.addType(t, "Course"))
	c.addUser(t, "boss", "--superuser")
	token := strings.TrimSpace(c.mustRun(t, "", "token", "create", "--username", "boss").stdout)
	c.mustRun(t, "", "recorder", "add", "--name", "Amphi A", "--ip", "10.1.2.3", "--directory", "amphi-a",
		"--type-id", typeID, "--manager", "boss")
	c.mustRun(t, "", "recorder", "add", "--name", "Amphi B", "--ip", "10.1.2.4", "--directory", "amphi-b",
		"--type-id", typeID, "--manager", "boss", "--auto")

	for _, rel := range []string{"amphi-a/lecture.mp4", "amphi-b/auto.mp4"} {
		if err := os.WriteFile(filepath.Join(c.dataDir, "recorders", rel), make([]byte, 4096), 0o640); err != nil {
			t.Fatal(err)
		}
	}
	first := c.mustRun(t, "", "recorder", "checkDirectory")
	if apiCount(t, s, token, "/api/v1/treatments") != 0 {
		t.Fatalf("the first pass made treatments: %s", first.stdout)
	}
	c.mustRun(t, "", "recorder", "checkDirectory")

	notified := waitTreatments(t, s, token, "?state=notified", 1)
	if tr := notified[0]; filepath.Base(tr.File) != "lecture.mp4" || tr.DetectedBy != lectern.SourceCron || !tr.EmailSent {
		t.Errorf("treatment %+v", tr)
	}
	waitTreatments(t, s, token, "?state=published", 1)
	// Several passes of the server later, still one of each.
	time.Sleep(3 * pendingInterval)
	if n := apiCount(t, s, token, "/api/v1/outbox"); n != 1 {
		t.Errorf("%d messages in the outbox, want 1", n)
	}
	if n := apiCount(t, s, token, "/api/v1/recordings"); n != 1 {
		t.Errorf("%d recordings, want 1", n)
	}
	if n := apiCount(t, s, token, "/api/v1/treatments"); n != 2 {
		t.Errorf("%d treatments, want 2", n)
	}
	if strings.Contains(s.log.String(), "listen for new deposits") {
		t.Errorf("the server could not listen for new deposits:\n%s", s.log)
	}
}

// TestE2ERouteRace races the server's own routing (the intake's
// RoutedFunc) against the passes over pending treatments, on the real
// database: each deposit is mailed or published once.
func TestE2ERouteRace(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c := newCLI(t)
	typeID := fmt.Sprint(c.addType(t, "Course"))
	c.addUser(t, "boss", "--superuser")
	c.mustRun(t, "", "recorder", "add", "--name", "Managed", "--ip", "10.0.0.1", "--directory", "managed",
		"--type-id", typeID, "--manager", "boss")
	c.mustRun(t, "", "recorder", "add", "--name", "Auto", "--ip", "10.0.0.2", "--directory", "auto",
		"--type-id", typeID, "--manager", "boss", "--auto")
	const perRecorder = 10
	// Treatments recorded with nobody routing them, as a cron pass does.
	var pending []*lectern.Treatment
	for _, dir := range []string{"managed", "auto", "nobody"} {
		if err := os.MkdirAll(filepath.Join(c.dataDir, "recorders", dir), 0o750); err != nil {
			t.Fatal(err)
		}
		for i := range perRecorder {
			path := filepath.Join(c.dataDir, "recorders", dir, fmt.Sprintf("lecture-%d.mp4", i))
			if err := os.WriteFile(path, make([]byte, 100), 0o640); err != nil {
				t.Fatal(err)
			}
			pending = append(pending, &lectern.Treatment{File: path})
		}
	}
	db := c.open(t)
	recorders := &lectern.RecorderDirectories{RecorderService: sqldb.NewRecorderService(db), Root: filepath.Join(c.dataDir, "recorders")}
	treatments, recordings, messages := sqldb.NewTreatmentService(db, nil), sqldb.NewRecordingService(db, nil), sqldb.NewMessageService(db, nil)
	in := &lectern.Intake{Root: recorders.Root, Extensions: []string{"mp4"}, Recorders: recorders, Treatments: treatments}
	for i, tr := range pending {
		got, created, err := in.Complete(ctx, lectern.Deposit{Path: tr.File, Source: lectern.SourceCron})
		if err != nil || !created {
			t.Fatalf("complete %s: %v, %v", tr.File, created, err)
		}
		pending[i] = got
	}
	router := &lectern.Router{Recorders: recorders, Users: sqldb.NewUserService(db), Treatments: treatments, Recordings: recordings,
		Mail: mail.NewRenderer(mail.RendererConfig{SiteTitle: "Lectern", BaseURL: "http://lectern.example/"})}

	// Each treatment routed by four callers at once, as RoutedFunc would,
	// while four pending routers pass over them all.
	var wg sync.WaitGroup
	start := make(chan struct{})
	for _, tr := range pending {
		for range 4 {
			own := *tr
			wg.Go(func() {
				<-start
				if _, err := router.Dispatch(ctx, &own, ""); err != nil {
					t.Errorf("route %d: %v", own.ID, err)
				}
			})
		}
	}
	for range 4 {
		p := newPendingRouter(router, treatments, slog.New(slog.DiscardHandler))
		wg.Go(func() {
			<-start
			if _, err := p.pass(ctx); err != nil {
				t.Errorf("pass: %v", err)
			}
		})
	}
	close(start)
	wg.Wait()

	msgs, _, err := messages.FindMessages(ctx, lectern.MessageFilter{Page: lectern.Page{Size: lectern.MaxPageSize}})
	if err != nil {
		t.Fatal(err)
	}
	perTreatment := map[int64]int{}
	for _, m := range msgs {
		perTreatment[*m.TreatmentID]++
	}
	if len(msgs) != 2*perRecorder || len(perTreatment) != 2*perRecorder {
		t.Errorf("%d messages for %d treatments, want one for each of %d (managed, and nobody's reports)",
			len(msgs), len(perTreatment), 2*perRecorder)
	}
	recs, n, err := recordings.FindRecordings(ctx, lectern.RecordingFilter{Page: lectern.Page{Size: lectern.MaxPageSize}})
	if err != nil || n != perRecorder || len(recs) != perRecorder {
		t.Errorf("%d recordings (%v), want %d", n, err, perRecorder)
	}
	for _, state := range lectern.TreatmentRoutingStates {
		if _, n, _ := treatments.FindTreatments(ctx, lectern.TreatmentFilter{State: &state}); n != 0 {
			t.Errorf("%d treatments still %s", n, state)
		}
	}
}

// flakyMail fails to render while down, for the treatments' files it
// names; otherwise it renders as package mail does.
type flakyMail struct {
	lectern.MailRenderer
	mu   sync.Mutex
	down map[string]bool
}

func (m *flakyMail) NewRecording(r lectern.NewRecordingMail) (*lectern.Message, error) {
	m.mu.Lock()
	down := m.down[filepath.Base(r.Treatment.File)]
	m.mu.Unlock()
	if down {
		return nil, fmt.Errorf("template broken")
	}
	return m.MailRenderer.NewRecording(r)
}

// A deposit whose routing fails is logged once and tried again later, the
// others go on; a notify's deposit waits for its request for a while.
func TestE2EPendingRouterRetries(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c := newCLI(t)
	typeID := fmt.Sprint(c.addType(t, "Course"))
	c.addUser(t, "boss")
	c.mustRun(t, "", "recorder", "add", "--name", "Managed", "--ip", "10.0.0.1", "--directory", "managed",
		"--type-id", typeID, "--manager", "boss")
	db := c.open(t)
	recorders := &lectern.RecorderDirectories{RecorderService: sqldb.NewRecorderService(db), Root: filepath.Join(c.dataDir, "recorders")}
	treatments, messages := sqldb.NewTreatmentService(db, nil), sqldb.NewMessageService(db, nil)
	in := &lectern.Intake{Root: recorders.Root, Extensions: []string{"mp4"}, Recorders: recorders, Treatments: treatments}
	deposit := func(name, source string) {
		t.Helper()
		path := filepath.Join(recorders.Root, "managed", name)
		if err := os.WriteFile(path, make([]byte, 100), 0o640); err != nil {
			t.Fatal(err)
		}
		if _, _, err := in.Complete(ctx, lectern.Deposit{Path: path, Source: source}); err != nil {
			t.Fatal(err)
		}
	}
	deposit("broken.mp4", lectern.SourceCron)
	deposit("notified.mp4", lectern.SourceNotify)
	m := &flakyMail{MailRenderer: mail.NewRenderer(mail.RendererConfig{SiteTitle: "Lectern", BaseURL: "http://lectern.example/"}),
		down: map[string]bool{"broken.mp4": true}}
	router := &lectern.Router{Recorders: recorders, Users: sqldb.NewUserService(db), Treatments: treatments,
		Recordings: sqldb.NewRecordingService(db, nil), Mail: m}
	log := &syncBuffer{}
	p := newPendingRouter(router, treatments, slog.New(slog.NewTextHandler(log, nil)))
	now := time.Now()
	p.now = func() time.Time { return now }
	outbox := func() int {
		_, n, err := messages.FindMessages(ctx, lectern.MessageFilter{})
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	pass := func(want int) {
		t.Helper()
		if n, err := p.pass(ctx); err != nil || n != want {
			t.Fatalf("pass = %d, %v; want %d routed", n, err, want)
		}
	}

	pass(0) // broken fails; the notify's deposit is left to its request
	pass(0) // broken waits for its retry
	if outbox() != 0 {
		t.Fatal("mail sent for a deposit left to its notify request")
	}
	now = now.Add(p.notifyGrace + time.Second)
	pass(1) // broken fails again, the notify's deposit is routed
	if outbox() != 1 {
		t.Fatalf("%d messages, want 1", outbox())
	}
	m.mu.Lock()
	m.down = nil
	m.mu.Unlock()
	pass(0) // broken waits twice as long now
	now = now.Add(2 * firstRetry)
	pass(1)
	pass(0)
	if outbox() != 2 {
		t.Fatalf("%d messages, want 2", outbox())
	}
	if n := strings.Count(log.String(), "route deposit; tried again later"); n != 1 {
		t.Errorf("the failure was logged %d times, want once:\n%s", n, log)
	}
}
