package ftp_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"lectern"
	"lectern/intake/ftp"
)

// contactOf flushes the logins reported and returns what the store keeps
// of rec.
func (b *bundle) contactOf(tb testing.TB, rec *lectern.Recorder) lectern.RecorderContact {
	tb.Helper()
	ctx := context.Background()
	if err := b.contacts.Flush(ctx); err != nil {
		tb.Fatal(err)
	}
	h, err := b.health.FindRecorderHealth(ctx, []int64{rec.ID}, time.Now().Add(-time.Hour), time.Time{})
	if err != nil {
		tb.Fatal(err)
	}
	return h[rec.ID].Contact
}

func (b *bundle) loginFailures(tb testing.TB) map[string]*lectern.LoginFailure {
	tb.Helper()
	if err := b.contacts.Flush(context.Background()); err != nil {
		tb.Fatal(err)
	}
	fs, err := b.health.FindLoginFailures(context.Background(), lectern.LoginFailureFilter{})
	if err != nil {
		tb.Fatal(err)
	}
	out := map[string]*lectern.LoginFailure{}
	for _, f := range fs {
		out[f.Login] = f
	}
	return out
}

// TestLoginsRecorded: a real client's wrong password, unknown login and
// success reach the recorder's health with the client's address and the
// reason; an unknown login is kept under the login tried.
func TestLoginsRecorded(t *testing.T) {
	t.Parallel()
	b := newServer(t, nil)
	rec := b.recorder(t, "room1", "rec1", "secret1", nil)
	noPass := b.recorder(t, "room2", "rec2", "", func(r *lectern.Recorder) { r.CredentialsLogin = "" })

	if err := b.dial(t).Login("rec1", "nope"); ftpCode(err) != 530 {
		t.Fatalf("wrong password: %v", err)
	}
	c := b.contactOf(t, rec)
	if c.FailureReason != lectern.LoginWrongPassword || c.FailureAddr != "127.0.0.1" || c.FailureLogin != "rec1" ||
		c.FailureVia != lectern.ContactFTP || c.Failures != 1 || c.FailureAt.IsZero() || !c.LoginAt.IsZero() {
		t.Fatalf("after a wrong password: %+v", c)
	}

	if err := b.dial(t).Login("ghost", "secret1"); ftpCode(err) != 530 {
		t.Fatalf("unknown login: %v", err)
	}
	if f := b.loginFailures(t)["ghost"]; f == nil || f.Reason != lectern.LoginUnknown || f.Addr != "127.0.0.1" || f.Count != 1 {
		t.Fatalf("unknown login kept: %+v", f)
	}

	b.login(t, "rec1", "secret1")
	c = b.contactOf(t, rec)
	if c.LoginAddr != "127.0.0.1" || c.LoginVia != lectern.ContactFTP || c.LoginAt.IsZero() || c.Failures != 0 ||
		c.FailureReason != lectern.LoginWrongPassword {
		t.Fatalf("after a login: %+v", c)
	}
	if c := b.contactOf(t, noPass); !c.LoginAt.IsZero() || !c.FailureAt.IsZero() {
		t.Errorf("a recorder nobody tried: %+v", c)
	}
}

// TestLoginRefusedAddressRecorded: with FTP_CHECK_RECORDER_IP, the
// right password from another address is kept as such.
func TestLoginRefusedAddressRecorded(t *testing.T) {
	t.Parallel()
	b := newServer(t, func(c *ftp.Config) { c.CheckRecorderIP = true })
	rec := b.recorder(t, "room1", "rec1", "secret1", nil) // 10.0.0.x, not 127.0.0.1
	if err := b.dial(t).Login("rec1", "secret1"); ftpCode(err) != 530 {
		t.Fatalf("login from elsewhere: %v", err)
	}
	if c := b.contactOf(t, rec); c.FailureReason != lectern.LoginRefusedAddress || c.FailureAddr != "127.0.0.1" {
		t.Fatalf("refused address: %+v", c)
	}
}

// countedHealth counts the writes of a ContactLog.
type countedHealth struct {
	lectern.RecorderHealthService
	writes *atomic.Int64
}

func (c countedHealth) SaveContacts(ctx context.Context, u []lectern.ContactUpdate) error {
	c.writes.Add(1)
	return c.RecorderHealthService.SaveContacts(ctx, u)
}

// TestLoginHammeringBoundedWrites: 200 failed logins (the first ones
// wrong passwords, the rest throttled) make at most two writes (the
// first attempt at once, the rest when the log stops), and the
// recorder's health says it is throttled, every attempt counted.
func TestLoginHammeringBoundedWrites(t *testing.T) {
	t.Parallel()
	b := newServer(t, func(c *ftp.Config) { c.LoginBlock = time.Hour })
	rec := b.recorder(t, "room1", "rec1", "secret1", nil)
	var writes atomic.Int64
	b.contacts.Store = countedHealth{b.health, &writes}
	b.contacts.Interval = time.Hour
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { b.contacts.Run(ctx); close(done) }()

	throttled := 0
	for range 200 {
		c := b.dial(t)
		err := c.Login("rec1", "guess")
		if code := ftpCode(err); code == 421 || code == 0 && err != nil {
			throttled++
		}
		c.Quit()
	}
	cancel()
	<-done
	if n := writes.Load(); n > 2 {
		t.Fatalf("%d writes for 200 failed logins, want at most 2", n)
	}
	if throttled < 190 {
		t.Fatalf("%d attempts throttled", throttled)
	}
	b.contacts.Store = b.health
	c := b.contactOf(t, rec)
	if c.FailureReason != lectern.LoginThrottled || c.Failures != 200 || c.FailureAddr != "127.0.0.1" {
		t.Fatalf("after hammering: %+v", c)
	}
}
