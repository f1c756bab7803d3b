package jobs_test

import (
	"context"
	"net"
	"testing"
	"time"

	"lectern"
	"lectern/jobs"
	"lectern/mail"
	"lectern/mail/smtptest"
	"lectern/sqldb"
)

// settle gives a wrongly duplicated delivery the time to show up.
const settle = 300 * time.Millisecond

func TestSendMailDeliversOnce(t *testing.T) {
	t.Parallel()
	srv := smtptest.Start(t, smtptest.Config{})
	b := setup(t, srv.URL())
	c := b.newClient(t, nil)
	start(t, c)
	id := b.queue(t, 1)
	got := srv.Wait(t, 1, 10*time.Second)
	m := b.waitState(t, id, lectern.MessageSent)
	if m.Attempts != 1 || m.LastError != "" || m.SentAt.IsZero() {
		t.Errorf("message after delivery = attempts %d, last_error %q, sent_at %v", m.Attempts, m.LastError, m.SentAt)
	}
	parts, err := got[0].Parts()
	if err != nil {
		t.Fatal(err)
	}
	if got[0].Subject() != "report 1" || parts["text/plain"] != "text 1\r\n" || parts["text/html"] != "<p>html 1</p>\r\n" {
		t.Errorf("received %q with parts %q", got[0].Subject(), parts)
	}
	time.Sleep(settle)
	if n := len(srv.Messages()); n != 1 {
		t.Errorf("%d deliveries, want 1", n)
	}
}

// Enqueued again while pending (its transition enqueued it once), then
// again once sent: one delivery.
func TestEnqueueTwiceDeliversOnce(t *testing.T) {
	t.Parallel()
	srv := smtptest.Start(t, smtptest.Config{})
	b := setup(t, srv.URL())
	c := b.newClient(t, nil)
	id := b.queue(t, 1)
	b.enqueue(t, jobs.SendMailArgs{MessageID: id})
	if n := b.jobStates(t); n["available"] != 1 || len(n) != 1 {
		t.Fatalf("jobs by state = %v, want one available", n)
	}
	start(t, c)
	b.waitState(t, id, lectern.MessageSent)
	waitFor(t, 10*time.Second, "the first job is not completed", func() bool { return b.jobStates(t)["completed"] == 1 })
	b.enqueue(t, jobs.SendMailArgs{MessageID: id})
	waitFor(t, 10*time.Second, "the second job is not completed", func() bool { return b.jobStates(t)["completed"] == 2 })
	time.Sleep(settle)
	if n := subjects(srv); n["report 1"] != 1 || len(n) != 1 {
		t.Errorf("received %v, want report 1 once", n)
	}
}

// The SMTP server is down: attempts are recorded and the message stays
// queued; once the server is up on the same port, it is delivered.
func TestSMTPDownThenUp(t *testing.T) {
	t.Parallel()
	addr := smtptest.Reserve(t)
	b := setup(t, "smtp://"+addr)
	c := b.newClient(t, nil)
	start(t, c)
	id := b.queue(t, 1)
	var m *lectern.Message
	waitFor(t, 10*time.Second, "no two failed attempts recorded", func() bool {
		m = b.message(t, id)
		return m.Attempts >= 2
	})
	if m.State != lectern.MessageQueued || m.LastError == "" {
		t.Errorf("while down: state %s, last_error %q; want queued with an error", m.State, m.LastError)
	}
	srv := smtptest.Start(t, smtptest.Config{Addr: addr})
	srv.Wait(t, 1, 10*time.Second)
	m = b.waitState(t, id, lectern.MessageSent)
	if m.LastError != "" || m.Attempts < 3 {
		t.Errorf("after delivery: attempts %d, last_error %q", m.Attempts, m.LastError)
	}
	time.Sleep(settle)
	if n := len(srv.Messages()); n != 1 {
		t.Errorf("%d deliveries, want 1", n)
	}
}

// The last attempt marks the message failed.
func TestLastAttemptMarksFailed(t *testing.T) {
	t.Parallel()
	b := setupEnqueuer(t, "smtp://"+smtptest.Reserve(t), jobs.EnqueuerConfig{MailMaxAttempts: 3})
	c := b.newClient(t, nil)
	start(t, c)
	id := b.queue(t, 1)
	m := b.waitState(t, id, lectern.MessageFailed)
	if m.Attempts != 3 || m.LastError == "" {
		t.Errorf("failed message: attempts %d, last_error %q; want 3 and an error", m.Attempts, m.LastError)
	}
	waitFor(t, 10*time.Second, "the job is not discarded", func() bool { return b.jobStates(t)["discarded"] == 1 })
}

// Messages queued while no client ran, or while one without a sender
// (no SMTP_URL) ran, wait in the mail queue with their jobs; a client with
// a sender delivers each once. No pass at start looks for them.
func TestMailWaitsForASender(t *testing.T) {
	t.Parallel()
	srv := smtptest.Start(t, smtptest.Config{})
	m := setupMedia(t, "")
	b := m.testBundle
	b.smtpURL = srv.URL()

	c1 := b.newClient(t, nil)
	start(t, c1)
	first := b.queue(t, 1)
	b.waitState(t, first, lectern.MessageSent)
	if err := c1.Stop(); err != nil {
		t.Fatal(err)
	}
	if err := c1.Stop(); err != nil {
		t.Errorf("second Stop: %v", err)
	}

	// While stopped: one message; then a client without a sender works
	// the other queues for a while, and two more come.
	waiting := []int64{b.queue(t, 2)}
	quiet := m.newClient(t, nil)
	start(t, quiet)
	waiting = append(waiting, b.queue(t, 3), b.queue(t, 4))
	time.Sleep(settle)
	quiet.Stop()
	if n := b.jobStates(t); n["available"] != 3 {
		t.Fatalf("jobs without a sender: %v, want 3 available", n)
	}
	for _, id := range waiting {
		if msg := b.message(t, id); msg.State != lectern.MessageQueued || msg.Attempts != 0 {
			t.Errorf("message %d without a sender: %s, %d attempts; want queued, none", id, msg.State, msg.Attempts)
		}
	}

	c2 := b.newClient(t, nil)
	start(t, c2)
	for _, id := range waiting {
		b.waitState(t, id, lectern.MessageSent)
	}
	time.Sleep(settle)
	got := subjects(srv)
	for _, s := range []string{"report 1", "report 2", "report 3", "report 4"} {
		if got[s] != 1 {
			t.Errorf("%s received %d times, want once (all: %v)", s, got[s], got)
		}
	}
}

// A message deleted before its job runs cancels the job.
func TestDeletedMessageCancelsJob(t *testing.T) {
	t.Parallel()
	srv := smtptest.Start(t, smtptest.Config{})
	b := setup(t, srv.URL())
	c := b.newClient(t, nil)
	id := b.queue(t, 1)
	if _, err := b.db.SQL().Exec(q("DELETE FROM messages WHERE id = ?"), id); err != nil {
		t.Fatal(err)
	}
	start(t, c)
	waitFor(t, 10*time.Second, "the job is not cancelled", func() bool { return b.jobStates(t)["cancelled"] == 1 })
	if n := len(srv.Messages()); n != 0 {
		t.Errorf("%d deliveries, want none", n)
	}
}

// A message the server can never take (no recipient) fails at once.
func TestUnsendableMessageFailsAtOnce(t *testing.T) {
	t.Parallel()
	srv := smtptest.Start(t, smtptest.Config{})
	b := setup(t, srv.URL())
	c := b.newClient(t, nil)
	start(t, c)
	id := b.queue(t, 1)
	if _, err := b.db.SQL().Exec(q("UPDATE messages SET to_addrs = '[]' WHERE id = ?"), id); err != nil {
		t.Fatal(err)
	}
	m := b.waitState(t, id, lectern.MessageFailed)
	if m.Attempts != 1 {
		t.Errorf("attempts = %d, want 1", m.Attempts)
	}
}

func TestNewChecks(t *testing.T) {
	t.Parallel()
	b := setup(t, "smtp://127.0.0.1:1")
	ctx := context.Background()
	if _, err := jobs.New(ctx, jobs.Config{}, jobs.Deps{Messages: b.messages}); err == nil {
		t.Error("no path: no error")
	}
	sender := mail.NewLogSender(logger(t))
	if _, err := jobs.New(ctx, jobs.Config{DB: b.pool}, jobs.Deps{Sender: sender}); err == nil {
		t.Error("a sender without the outbox: no error")
	}
	if _, err := jobs.New(ctx, jobs.Config{DB: b.pool}, jobs.Deps{Videos: sqldb.NewVideoService(b.db, b.enq)}); err == nil {
		t.Error("videos without the other processing services: no error")
	}
	// Migrations are idempotent: a second client on the same file.
	c1, c2 := b.newClient(t, nil), b.newClient(t, nil)
	start(t, c1)
	if err := c1.Start(ctx); err == nil {
		t.Error("second Start: no error")
	}
	c1.Stop()
	c2.Stop()
	if err := c2.Start(ctx); err == nil {
		t.Error("Start after Stop: no error")
	}
}

func TestRetryDelays(t *testing.T) {
	t.Parallel()
	var total time.Duration
	for n := 1; n < jobs.MailMaxAttempts; n++ {
		d := jobs.RetryDelay(n)
		if n > 1 && d < jobs.RetryDelay(n-1) {
			t.Errorf("delay %d (%s) shorter than the one before", n, d)
		}
		total += d
	}
	if jobs.RetryDelay(1) > 30*time.Second || total < 4*time.Hour || total > 24*time.Hour {
		t.Errorf("first retry after %s, all within %s: want seconds, then hours", jobs.RetryDelay(1), total)
	}
	if jobs.RetryDelay(100) != jobs.RetryDelays[len(jobs.RetryDelays)-1] {
		t.Error("delays do not stop growing")
	}
}

// A delivery cut by a shutdown spends no attempt and resumes at the next
// start.
func TestShutdownInterruptsDelivery(t *testing.T) {
	t.Parallel()
	// A server that accepts connections and never answers.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	accepted := make(chan net.Conn, 4)
	go func() {
		for {
			conn, err := l.Accept()
			if err != nil {
				return
			}
			accepted <- conn
		}
	}()
	addr := l.Addr().String()
	b := setup(t, "smtp://"+addr)
	c := b.newClient(t, func(cfg *jobs.Config) { cfg.StopTimeout = 200 * time.Millisecond })
	start(t, c)
	id := b.queue(t, 1)
	select {
	case conn := <-accepted:
		defer conn.Close()
	case <-time.After(10 * time.Second):
		t.Fatal("the worker never connected")
	}
	if err := c.Stop(); err != nil {
		t.Fatal(err)
	}
	l.Close()
	if m := b.message(t, id); m.State != lectern.MessageQueued || m.Attempts != 0 {
		t.Errorf("after an interrupted delivery: state %s, attempts %d; want queued, 0", m.State, m.Attempts)
	}

	srv := smtptest.Start(t, smtptest.Config{Addr: addr})
	c2 := b.newClient(t, nil)
	start(t, c2)
	srv.Wait(t, 1, 10*time.Second)
	if m := b.waitState(t, id, lectern.MessageSent); m.Attempts != 1 {
		t.Errorf("attempts = %d, want 1", m.Attempts)
	}
}

// Cancelling Start's context stops the client; Stop afterwards is quiet.
func TestStopAfterStartContextEnds(t *testing.T) {
	t.Parallel()
	srv := smtptest.Start(t, smtptest.Config{})
	b := setup(t, srv.URL())
	c := b.newClient(t, nil)
	ctx, cancel := context.WithCancel(context.Background())
	if err := c.Start(ctx); err != nil {
		t.Fatal(err)
	}
	cancel()
	if err := c.Stop(); err != nil {
		t.Errorf("Stop after the start context ended: %v", err)
	}
}
