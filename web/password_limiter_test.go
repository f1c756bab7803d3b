package web

import (
	"log/slog"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"lectern/internal/syncbuf"
)

// clientFrom is a browser whose connections come from ip (any 127.x.y.z
// on Linux's loopback), so that the server sees another client address.
func (b *testBundle) clientFrom(ip string) *client {
	c := b.client()
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}}
	c.hc.Transport = &http.Transport{DialContext: d.DialContext}
	jar, _ := cookiejar.New(nil)
	c.hc.Jar = jar
	return c
}

// frozenClock stops l's time at a moment the test moves with advance.
type frozenClock struct {
	mu sync.Mutex
	t  time.Time
}

func freeze(l *passwordLimiter) *frozenClock {
	c := &frozenClock{t: time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)}
	l.now = c.now
	return c
}

func (c *frozenClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *frozenClock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// syncBuffer is a log sink the server writes to while the test reads.
type syncBuffer struct{ syncbuf.Buffer }

func (s *syncBuffer) count(sub string) int { return strings.Count(s.String(), sub) }

// logTo sends l's logs to a buffer the test reads.
func logTo(l *passwordLimiter) *syncBuffer {
	buf := &syncBuffer{}
	l.logger = slog.New(slog.NewTextHandler(buf, nil))
	return buf
}

// wantThrottled checks a refused attempt: 429, Retry-After, the message.
func wantThrottled(t *testing.T, res response, retry int, msg string) {
	t.Helper()
	want(t, res, http.StatusTooManyRequests)
	if got := res.header.Get("Retry-After"); got != strconv.Itoa(retry) {
		t.Errorf("Retry-After = %q, want %d", got, retry)
	}
	wantBody(t, res, msg, `role="alert"`)
}

// loginAttack is a site with the given users, its login limiter's clock
// frozen, and an attacker's browser from 127.0.0.2.
func loginAttack(t *testing.T, users ...string) (*testBundle, *frozenClock, *client) {
	t.Helper()
	b := setup(t)
	for _, u := range users {
		b.user(u, false, false)
	}
	return b, freeze(b.server.loginLimit), b.clientFrom("127.0.0.2")
}

func TestLoginThrottle(t *testing.T) {
	t.Parallel()
	b, clock, attacker := loginAttack(t, "alice", "bob")
	logs := logTo(b.server.loginLimit)
	wrong := url.Values{"username": {"alice"}, "password": {"guess"}}

	// 60 wrong passwords in a row: 5 are checked, then each waits.
	for i := range 60 {
		res := attacker.post("/accounts/login/", wrong)
		if i < 5 {
			want(t, res, http.StatusOK)
			wantBody(t, res, "Please enter a correct username and password.")
			continue
		}
		wantThrottled(t, res, 1, "Too many failed attempts. Try again in 1 second.")
	}
	// Even the right password waits: it is not checked.
	res := attacker.post("/accounts/login/", url.Values{"username": {"alice"}, "password": {"secret-alice"}})
	wantThrottled(t, res, 1, "Too many failed attempts. Try again in 1 second.")
	attacker.language = "fr"
	wantThrottled(t, attacker.post("/accounts/login/", wrong), 1, "Trop de tentatives infructueuses. Réessayez dans 1 seconde.")
	attacker.language = ""

	// The delay doubles with each failure after it.
	clock.advance(time.Second)
	want(t, attacker.post("/accounts/login/", wrong), http.StatusOK)
	wantThrottled(t, attacker.post("/accounts/login/", wrong), 2, "Try again in 2 seconds.")
	for range 10 {
		clock.advance(20 * time.Minute) // each delay is over, the next is longer
		want(t, attacker.post("/accounts/login/", wrong), http.StatusOK)
	}
	wantThrottled(t, attacker.post("/accounts/login/", wrong), 900, "Try again in 15 minutes.")
	attacker.language = "fr"
	wantThrottled(t, attacker.post("/accounts/login/", wrong), 900, "Réessayez dans 15 minutes.")

	// The right password from elsewhere works, for another user and for
	// alice herself.
	bob := b.clientFrom("127.0.0.3")
	want(t, bob.post("/accounts/login/", url.Values{"username": {"bob"}, "password": {"secret-bob"}}), http.StatusSeeOther)
	alice := b.clientFrom("127.0.0.4")
	want(t, alice.post("/accounts/login/", url.Values{"username": {"alice"}, "password": {"secret-alice"}}), http.StatusSeeOther)
	wantBody(t, alice.get("/"), "Welcome, alice")

	// One warning for the throttled address and account, not one per
	// refused attempt.
	if n := logs.count("password guessing throttled"); n != 1 {
		t.Errorf("%d throttle warnings, want 1:\n%s", n, logs.String())
	}
}

// Parallel guesses get no more tries than serial ones.
func TestLoginThrottleInFlight(t *testing.T) {
	t.Parallel()
	_, _, attacker := loginAttack(t, "alice")
	token := attacker.token("/accounts/login/")
	var wg sync.WaitGroup
	statuses := make([]int, 40)
	for i := range statuses {
		wg.Go(func() {
			statuses[i] = attacker.postRaw("/accounts/login/", url.Values{"username": {"alice"}, "password": {"guess"}, "csrf_token": {token}}).status
		})
	}
	wg.Wait()
	checked := 0
	for _, st := range statuses {
		switch st {
		case http.StatusOK:
			checked++
		case http.StatusTooManyRequests:
		default:
			t.Errorf("status %d", st)
		}
	}
	if checked > 5 {
		t.Errorf("%d of 40 parallel guesses were checked, want at most 5", checked)
	}
}

// Many accounts tried from one address (spraying) are throttled too, and
// other addresses are not.
func TestLoginThrottleSpraying(t *testing.T) {
	t.Parallel()
	b, _, attacker := loginAttack(t, "bob")
	for i := range 25 {
		res := attacker.post("/accounts/login/", url.Values{"username": {"user" + strconv.Itoa(i)}, "password": {"Spring2026"}})
		if i < 20 {
			want(t, res, http.StatusOK)
		} else {
			want(t, res, http.StatusTooManyRequests)
		}
	}
	want(t, b.clientFrom("127.0.0.3").post("/accounts/login/", url.Values{"username": {"bob"}, "password": {"secret-bob"}}),
		http.StatusSeeOther)
}

func TestVideoPasswordThrottle(t *testing.T) {
	t.Parallel()
	b := setup(t)
	owner := b.user("owner", false, false)
	v := b.video(owner, "Secret lecture", protect("open-sesame"))
	w := b.video(owner, "Other lecture", protect("other"))
	logs := logTo(b.server.videoLimit)
	freeze(b.server.videoLimit)
	page := videoURL(v)
	attacker := b.clientFrom("127.0.0.2")
	for i := range 60 {
		res := attacker.post(page, url.Values{"password": {"guess"}})
		if i < 5 {
			want(t, res, http.StatusOK)
			wantBody(t, res, "The password is incorrect.")
			continue
		}
		wantThrottled(t, res, 1, "Too many failed attempts. Try again in 1 second.")
		wantBody(t, res, "Secret lecture")
	}
	attacker.language = "fr"
	wantThrottled(t, attacker.post(page, url.Values{"password": {"open-sesame"}}), 1,
		"Trop de tentatives infructueuses. Réessayez dans 1 seconde.")

	// Another video from the same address is its own pair; a viewer
	// elsewhere with the right password gets in.
	want(t, attacker.post(videoURL(w), url.Values{"password": {"other"}}), http.StatusSeeOther)
	viewer := b.clientFrom("127.0.0.3")
	want(t, viewer.post(page, url.Values{"password": {"open-sesame"}}), http.StatusSeeOther)
	wantBody(t, viewer.get(page), "Secret lecture")
	if n := logs.count("password guessing throttled"); n != 1 {
		t.Errorf("%d throttle warnings, want 1", n)
	}
}

// The rules of the buckets, on the limiter alone.
func TestPasswordLimiter(t *testing.T) {
	t.Parallel()
	l := newPasswordLimiter("test", slog.New(slog.DiscardHandler))
	clock := freeze(l)
	a, b := netip.MustParseAddr("192.0.2.1"), netip.MustParseAddr("192.0.2.2")
	failN := func(ip netip.Addr, subject string, n int) {
		t.Helper()
		for range n {
			try, wait := l.begin(ip, subject)
			if try == nil {
				t.Fatalf("refused for %s", wait)
			}
			try.fail()
		}
	}

	// Failures spread over addresses fill the subject's bucket, whose
	// delay never passes a minute.
	for i := range 10 {
		failN(netip.AddrFrom4([4]byte{198, 51, 100, byte(i)}), "carol", 1)
	}
	if try, wait := l.begin(b, "carol"); try != nil || wait != time.Second {
		t.Fatalf("carol after 10 failures: %v, wait %s", try, wait)
	}
	for i := range 20 {
		clock.advance(2 * time.Minute)
		failN(netip.AddrFrom4([4]byte{203, 0, 113, byte(i)}), "carol", 1)
	}
	if _, wait := l.begin(b, "carol"); wait != time.Minute {
		t.Errorf("carol's wait = %s, want the subject cap, 1m", wait)
	}
	clock.advance(time.Minute)
	try, _ := l.begin(b, "carol")
	try.succeed()
	if try, _ := l.begin(b, "carol"); try == nil {
		t.Error("carol still throttled after her right password")
	} else {
		try.cancel()
	}

	// A right password empties the pair bucket, not the address's.
	failN(a, "dave", 4)
	try, _ = l.begin(a, "dave")
	try.succeed()
	failN(a, "dave", 4)
	if l.buckets[bucketKey{kind: byAddress, addr: addrPrefix(a)}].failures != 8 {
		t.Error("the address bucket lost its failures on a success")
	}

	// A cancelled attempt counts nothing; an IPv6 /64 is one address.
	try, _ = l.begin(b, "erin")
	try.cancel()
	try.fail() // ended already: no effect
	if bk := l.buckets[bucketKey{kind: byPair, addr: addrPrefix(b), subject: "erin"}]; bk != nil {
		t.Errorf("cancelled attempt left %+v", bk)
	}
	v6a, v6b := netip.MustParseAddr("2001:db8:1:2::1"), netip.MustParseAddr("2001:db8:1:2:ffff::9")
	failN(v6a, "frank", 5)
	if try, _ := l.begin(v6b, "frank"); try != nil {
		t.Error("another address of the same /64 was not throttled")
	}
	if try, _ := l.begin(netip.MustParseAddr("2001:db8:1:3::1"), "frank"); try == nil {
		t.Error("another /64 was throttled by its pair bucket")
	}

	// Buckets are forgotten after an hour without failure.
	clock.advance(2 * time.Hour)
	l.mu.Lock()
	l.sweep(clock.now())
	n := len(l.buckets)
	l.mu.Unlock()
	if n > 3 { // frank's three, still in flight
		t.Errorf("%d buckets left after the sweep", n)
	}
}
