package lectern_test

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"lectern"
	"lectern/sqldb"
)

// testMail renders fixed messages; the real renderer is package mail.
type testMail struct{}

func (testMail) NewRecording(m lectern.NewRecordingMail) (*lectern.Message, error) {
	return &lectern.Message{Kind: lectern.MessageNewRecording, To: m.To, Subject: "new " + filepath.Base(m.Treatment.File),
		Text: "course " + m.CourseTitle}, nil
}

func (testMail) AdminReport(m lectern.AdminReportMail) (*lectern.Message, error) {
	return &lectern.Message{Kind: lectern.MessageAdminReport, To: m.To, Subject: "report " + filepath.Base(m.Treatment.File)}, nil
}

// recordingQueue is the store's lectern.Enqueuer: it records the
// messages whose delivery the store enqueued.
type recordingQueue struct {
	mu  sync.Mutex
	ids []int64
}

func (q *recordingQueue) EnqueueTx(_ context.Context, _ *sql.Tx, args lectern.JobArgs) error {
	if m, ok := args.(lectern.SendMailArgs); ok {
		q.mu.Lock()
		defer q.mu.Unlock()
		q.ids = append(q.ids, m.MessageID)
	}
	return nil
}

type routingBundle struct {
	*intakeBundle
	router   *lectern.Router
	notifier *lectern.Notifier
	queue    *recordingQueue
	messages lectern.MessageService
	recs     lectern.RecordingService
}

func newRouting(tb testing.TB) *routingBundle {
	tb.Helper()
	b := &routingBundle{intakeBundle: newIntake(tb), queue: &recordingQueue{}}
	ctx := context.Background()
	users := sqldb.NewUserService(b.db)
	b.manager.Email = "manager@univ.example"
	if err := users.UpdateUser(ctx, b.manager); err != nil {
		tb.Fatal(err)
	}
	admin := &lectern.User{Username: "root", Email: "root@univ.example", IsActive: true, IsSuperuser: true, IsStaff: true}
	if err := users.CreateUser(ctx, admin); err != nil {
		tb.Fatal(err)
	}
	b.messages = sqldb.NewMessageService(b.db, nil)
	b.recs = sqldb.NewRecordingService(b.db, nil)
	// The router's treatments enqueue each message's delivery.
	b.router = &lectern.Router{Recorders: b.in.Recorders, Users: users, Treatments: sqldb.NewTreatmentService(b.db, b.queue),
		Recordings: b.recs, Mail: testMail{}}
	b.in.RoutedFunc = func(ctx context.Context, t *lectern.Treatment) {
		if _, err := b.router.Dispatch(ctx, t, ""); err != nil {
			tb.Error(err)
		}
	}
	// The files these tests notify are whole when written: no quiet
	// period (TestNotifyGrowingFile sets one).
	b.notifier = &lectern.Notifier{Root: b.root, Recorders: b.in.Recorders, Treatments: b.in.Treatments, Intake: b.in, Router: b.router,
		Quiescence: time.Nanosecond}
	return b
}

func (b *routingBundle) outbox(tb testing.TB) []*lectern.Message {
	tb.Helper()
	msgs, _, err := b.messages.FindMessages(context.Background(), lectern.MessageFilter{})
	if err != nil {
		tb.Fatal(err)
	}
	return msgs
}

func TestRouterMailsManagerOnce(t *testing.T) {
	t.Parallel()
	b := newRouting(t)
	ctx := context.Background()
	mgr := b.manager.ID
	b.recorder("managed", "managed", func(r *lectern.Recorder) { r.UserID = &mgr })
	tr, _, err := b.in.Complete(ctx, lectern.Deposit{Path: b.file(t, "managed/a.mp4", 10), Source: lectern.SourceFTP})
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 3; i++ {
		if answer, err := b.router.Dispatch(ctx, tr, "Maths"); err != nil || answer != "ok" {
			t.Fatalf("route again: %q %v", answer, err)
		}
	}
	msgs := b.outbox(t)
	if len(msgs) != 1 || msgs[0].To[0] != "manager@univ.example" || msgs[0].Kind != lectern.MessageNewRecording {
		t.Fatalf("outbox %+v", msgs)
	}
	if len(b.queue.ids) != 1 || b.queue.ids[0] != msgs[0].ID {
		t.Fatalf("enqueued %v", b.queue.ids)
	}
	got, _ := b.in.Treatments.FindTreatmentByID(ctx, tr.ID)
	if got.State != lectern.TreatmentNotified || !got.EmailSent {
		t.Fatalf("treatment %+v", got)
	}
}

func TestRouterPublishesAutomatically(t *testing.T) {
	t.Parallel()
	b := newRouting(t)
	ctx := context.Background()
	mgr := b.manager.ID
	b.recorder("Amphi A", "auto", func(r *lectern.Recorder) { r.UserID = &mgr; r.PublicationAuto = true })
	paris, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Fatal(err)
	}
	b.router.Location, b.router.Language = paris, "fr"
	tr, _, err := b.in.Complete(ctx, lectern.Deposit{Path: b.file(t, "auto/b.mp4", 10), Source: lectern.SourceWatch})
	if err != nil {
		t.Fatal(err)
	}
	if answer, err := b.router.Dispatch(ctx, tr, ""); answer != "auto" || err != nil {
		t.Fatalf("answer %q %v", answer, err)
	}
	recs, n, _ := b.recs.FindRecordings(ctx, lectern.RecordingFilter{})
	// The default title: the recorder's name and the deposit's local
	// time, in LANGUAGE_CODE; never the file's name.
	title := "Amphi A – " + lectern.DateTime(tr.DateAdded, paris, "fr")
	if n != 1 || recs[0].UserID != mgr || recs[0].Title != title || recs[0].SourceFile != tr.File {
		t.Fatalf("recordings %+v", recs)
	}
	if len(b.outbox(t)) != 0 {
		t.Fatal("auto publication mailed someone")
	}
}

func TestRouterReportsToAdminsOnce(t *testing.T) {
	t.Parallel()
	b := newRouting(t)
	ctx := context.Background()
	for _, rel := range []string{"unknown/c.mp4", "unknown/d.mp4"} {
		if _, _, err := b.in.Complete(ctx, lectern.Deposit{Path: b.file(t, rel, 10), Source: lectern.SourceRescan}); err != nil {
			t.Fatal(err)
		}
		// Seen again by a scan: no second report.
		b.in.Complete(ctx, lectern.Deposit{Path: filepath.Join(b.root, rel), Source: lectern.SourceCron})
	}
	msgs := b.outbox(t)
	if len(msgs) != 2 || msgs[0].Kind != lectern.MessageAdminReport || msgs[0].To[0] != "root@univ.example" {
		t.Fatalf("outbox %+v", msgs)
	}
}

func TestRouterClaimWaits(t *testing.T) {
	t.Parallel()
	b := newRouting(t)
	b.in.AllowClaiming = true
	b.recorder("claim", "claim", nil)
	tr, _, err := b.in.Complete(context.Background(), lectern.Deposit{Path: b.file(t, "claim/e.mp4", 10), Source: lectern.SourceWatch})
	if err != nil || tr.State != lectern.TreatmentToClaim || len(b.outbox(t)) != 0 {
		t.Fatalf("%+v %v, %d messages", tr, err, len(b.outbox(t)))
	}
}

func TestNotify(t *testing.T) {
	t.Parallel()
	b := newRouting(t)
	ctx := context.Background()
	mgr := b.manager.ID
	managed := b.recorder("managed", "managed", func(r *lectern.Recorder) { r.UserID = &mgr; r.AddressIP = "192.168.1.10"; r.Salt = "pepper" })
	b.recorder("auto", "auto", func(r *lectern.Recorder) { r.UserID = &mgr; r.PublicationAuto = true; r.AddressIP = "192.168.1.11" })
	b.recorder("other", "other", func(r *lectern.Recorder) { r.AddressIP = "192.168.1.12" })
	b.file(t, "managed/lecture.mp4", 100)
	b.file(t, "auto/lecture.mp4", 100)
	b.file(t, "other/secret.mp4", 100)
	outside := filepath.Join(t.TempDir(), "outside.mp4")
	os.WriteFile(outside, []byte("x"), 0o600)
	os.Symlink(outside, filepath.Join(b.root, "managed", "link.mp4"))

	key := lectern.NotifyKey("192_168_1_10", "pepper")
	autoKey := lectern.NotifyKey("192_168_1_11", "")
	if key == lectern.NotifyKey("192.168.1.10", "pepper") {
		t.Fatal("the key must be computed on the underscored place")
	}
	for _, c := range []struct{ place, media, key, want string }{
		{"", "lecture.mp4", key, lectern.NotifyMissing},
		{"192_168_1_10", "", key, lectern.NotifyMissing},
		{"192_168_1_10", "lecture.mp4", "", lectern.NotifyMissing},
		{"10_9_9_9", "lecture.mp4", key, lectern.NotifyNoRecorder},
		{"192_168_1_10", "lecture.mp4", "0123456789abcdef0123456789abcdef", lectern.NotifyBadKey},
		{"192_168_1_10", "../other/secret.mp4", key, lectern.NotifyBadMediapath},
		{"192_168_1_10", filepath.Join(b.root, "other", "secret.mp4"), key, lectern.NotifyBadMediapath},
		{"192_168_1_10", "/etc/passwd", key, lectern.NotifyBadMediapath},
		{"192_168_1_10", "link.mp4", key, lectern.NotifyBadMediapath},
		{"192_168_1_10", "missing.mp4", key, lectern.NotifyBadMediapath},
		{"192_168_1_10", "lecture.mp4", key, lectern.NotifyOK},
		{"192_168_1_10", filepath.Join(b.root, "managed", "lecture.mp4"), key, lectern.NotifyOK},
		{"192_168_1_11", "lecture.mp4", autoKey, lectern.NotifyAuto},
		{"192_168_1_11", "lecture.mp4", autoKey, lectern.NotifyAuto},
	} {
		if got := b.notifier.Notify(ctx, c.place, c.media, c.key, "Cours de maths"); got != c.want {
			t.Errorf("Notify(%q, %q, %q) = %q, want %q", c.place, c.media, c.key, got, c.want)
		}
	}
	msgs := b.outbox(t)
	if len(msgs) != 1 {
		t.Fatalf("%d messages, want one for the managed recorder", len(msgs))
	}
	recs, n, _ := b.recs.FindRecordings(ctx, lectern.RecordingFilter{})
	if n != 1 || recs[0].RecorderID == managed.ID {
		t.Fatalf("recordings: %d %+v", n, recs)
	}
	// Nothing was made for the refused paths.
	if _, n, _ := b.in.Treatments.FindTreatments(ctx, lectern.TreatmentFilter{}); n != 2 {
		t.Errorf("%d treatments, want 2", n)
	}
}

func TestDispatchPending(t *testing.T) {
	t.Parallel()
	b := newRouting(t)
	ctx := context.Background()
	b.in.RoutedFunc = nil // as if the process died before routing
	mgr := b.manager.ID
	b.recorder("managed", "managed", func(r *lectern.Recorder) { r.UserID = &mgr })
	b.recorder("auto", "auto", func(r *lectern.Recorder) { r.UserID = &mgr; r.PublicationAuto = true })
	for _, rel := range []string{"managed/a.mp4", "auto/b.mp4", "nobody/c.mp4"} {
		if _, _, err := b.in.Complete(ctx, lectern.Deposit{Path: b.file(t, rel, 10), Source: lectern.SourceRescan}); err != nil {
			t.Fatal(err)
		}
	}
	n, err := dispatchPending(ctx, b.router)
	if err != nil || n != 3 {
		t.Fatalf("dispatchPending = %d, %v", n, err)
	}
	if n, _ := dispatchPending(ctx, b.router); n != 0 {
		t.Fatalf("second dispatchPending routed %d", n)
	}
	if len(b.outbox(t)) != 2 {
		t.Fatalf("%d messages, want 2", len(b.outbox(t)))
	}
	if _, n, _ := b.recs.FindRecordings(ctx, lectern.RecordingFilter{}); n != 1 {
		t.Fatalf("%d recordings, want 1", n)
	}
}

// dispatchPending dispatches every treatment waiting in a routing state
// (serve's pending pass does so in cmd/lectern) and returns how many.
func dispatchPending(ctx context.Context, rt *lectern.Router) (int, error) {
	n := 0
	for _, state := range lectern.TreatmentRoutingStates {
		ts, _, err := rt.Treatments.FindTreatments(ctx, lectern.TreatmentFilter{State: &state, Page: lectern.Page{Size: lectern.MaxPageSize}})
		if err != nil {
			return n, err
		}
		for _, t := range ts {
			if _, err := rt.Dispatch(ctx, t, ""); err != nil {
				return n, err
			}
			n++
		}
	}
	return n, nil
}
