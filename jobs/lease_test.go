package jobs_test

import (
	"context"
	"testing"
	"time"

	"lectern"
	"lectern/ffmpeg"
	"lectern/jobs"
	"lectern/mail/smtptest"
	"lectern/sqldb"
)

// cutSender delivers a message only after it has cut its node from the
// database (broken) and its job's context has ended (the lease lost):
// a delivery that returns after its node lost its lease.
type cutSender struct {
	lectern.MailSender
	nodes *brokenNodes
}

func (s cutSender) Send(ctx context.Context, m *lectern.Message) error {
	close(s.nodes.broken)
	<-ctx.Done()
	return s.MailSender.Send(context.WithoutCancel(ctx), m)
}

// jobOfKind is the state of the only job of kind.
func (b *testBundle) jobOfKind(tb testing.TB, kind string) string {
	tb.Helper()
	var state string
	if err := b.db.SQL().QueryRow(q("SELECT state FROM river_job WHERE kind = ?"), kind).Scan(&state); err != nil {
		tb.Fatal(err)
	}
	return state
}

// A job that ends after its node lost its lease has its outcome left
// unwritten (the lease's end-of-work hook): it may run on another node
// already, whose outcome this one must not overwrite. Here a delivery
// that succeeds late is not recorded as completed.
func TestLeaseLostOutcomeNotWritten(t *testing.T) {
	t.Parallel()
	srv := smtptest.Start(t, smtptest.Config{})
	b := setup(t, srv.URL())
	nodes := &brokenNodes{NodeService: sqldb.NewNodeService(b.db), broken: make(chan struct{})}
	c := b.newClientDeps(t, func(cfg *jobs.Config) { cfg.ID, cfg.RescueAfter = "late-mail", 3*time.Second },
		func(d *jobs.Deps) { d.Nodes, d.Sender = nodes, cutSender{MailSender: d.Sender, nodes: nodes} })
	start(t, c)
	b.queue(t, 1)
	waitFor(t, 20*time.Second, "the message is not delivered", func() bool { return len(subjects(srv)) == 1 })
	waitFor(t, 10*time.Second, "the job is still running", func() bool { return b.jobOfKind(t, lectern.JobSendMail) != lectern.JobRunning })
	if state := b.jobOfKind(t, lectern.JobSendMail); state == lectern.JobCompleted {
		t.Errorf("the job of a node that lost its lease is %s; want its outcome unwritten", state)
	}
}

// cutEncoder encodes for real, then cuts its node from the database
// (broken) and returns its result only once its job's context has ended
// (the lease lost): an encode that finishes after its node lost its lease.
type cutEncoder struct {
	lectern.Encoder
	nodes *brokenNodes
}

func (e cutEncoder) Encode(ctx context.Context, src, dir string, progress func(float64)) (*lectern.EncodeResult, error) {
	res, err := e.Encoder.Encode(ctx, src, dir, progress)
	close(e.nodes.broken)
	<-ctx.Done()
	return res, err
}

// An encode that finishes after its node lost its lease stores nothing:
// the video may be encoding on another node already.
func TestLeaseLostEncodeStoresNothing(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	m := setupMedia(t, "")
	nodes := &brokenNodes{NodeService: sqldb.NewNodeService(m.db), broken: make(chan struct{})}
	c := m.newClient(t, func(cfg *jobs.Config, deps *jobs.Deps) {
		// Long enough that a loaded machine keeps the lease until the
		// encode breaks the database (with 1 s the node's own beats timed
		// out first under the whole suite on PostgreSQL: no encode began).
		cfg.ID, cfg.RescueAfter = "late-encode", 3*time.Second
		deps.Nodes = nodes
		deps.Encoder = cutEncoder{Encoder: &ffmpeg.Runner{Preset: "ultrafast", Logger: logger(t)}, nodes: nodes}
	})
	start(t, c)
	rec := m.deposit(t, m.recordings, "lecture.mp4", nil)
	waitClosed(t, nodes.broken, 60*time.Second)
	waitFor(t, 20*time.Second, "the encode job is still running", func() bool {
		return m.jobOfKind(t, lectern.JobEncodeVideo) != lectern.JobRunning
	})
	for _, v := range m.videosOf(t, rec.ID) {
		got, err := m.videos.FindVideoByID(ctx, v.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.EncodingState == lectern.EncodingDone || len(got.Renditions) > 0 {
			t.Errorf("video of a node that lost its lease: state %s, %d renditions; want nothing stored", got.EncodingState, len(got.Renditions))
		}
	}
}

// waitClosed fails the test unless ch is closed within timeout.
func waitClosed(tb testing.TB, ch chan struct{}, timeout time.Duration) {
	tb.Helper()
	select {
	case <-ch:
	case <-time.After(timeout):
		tb.Fatal("timed out")
	}
}
