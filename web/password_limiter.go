package web

import (
	"log/slog"
	"net/http"
	"net/netip"
	"strconv"
	"sync"
	"time"
)

// passwordLimiter slows down password guessing on one form (the login
// form, or the video password forms). It keeps three kinds of bucket, each
// counting wrong passwords; once a bucket holds its threshold of failures,
// each further attempt waits a delay that starts at one second and doubles
// with each failure, up to the bucket's cap. An attempt is refused,
// without checking its password, while any of its buckets waits.
//
//   - pair (subject, address), threshold 5, cap 15 min: one address
//     guessing one account (or one video) gets 5 tries, then one try per
//     delay. This is what stops "60 wrong passwords in 5 s".
//   - address, threshold 20, cap 15 min: one address trying many accounts
//     (password spraying). Higher than the pair's so that users behind
//     one NAT, each mistyping their own password, do not lock each other
//     out; a success never empties it (else an attacker would log into
//     their own account between guesses).
//   - subject (account or video), threshold 10, cap 1 min: guesses at one
//     account spread over many addresses. Each address counts here at
//     most the pair's threshold (its later failures are its own pair's
//     business), so an attacker hammering alice from one address never
//     locks her out at her own address; and the cap is small on purpose:
//     it is the one bucket attackers can fill for someone else, so the
//     most an attack from many addresses can lock alice out is a minute
//     at a time.
//
// This is Django-axes' (username, address) lockout with per-address and
// per-user limits beside it, with delays rather than lockouts (OWASP's
// advice): the right password from another address keeps working, and
// nothing stays locked for good. Attempts in flight count as failures
// until they end, so parallel guesses get no more tries than serial ones.
// A right password empties its pair and subject buckets. A bucket is
// forgotten after an hour without failure.
//
// Limits: the buckets live in this process's memory, so several serve
// nodes each keep their own (an attacker spreading over N nodes gets N
// times the tries) and a restart forgets them; at most maxBuckets are
// kept, the oldest evicted beyond. The address is the TCP peer's
// (RemoteAddr): behind a reverse proxy every client shares the proxy's
// address bucket, as no forwarding header is trusted. IPv6 addresses are
// counted by /64, the block one subscriber usually holds.
type passwordLimiter struct {
	form   string // in logs: "login", "video_password"
	logger *slog.Logger
	now    func() time.Time

	mu      sync.Mutex
	buckets map[bucketKey]*bucket
}

type bucketKind int

const (
	byPair bucketKind = iota
	byAddress
	bySubject
)

var bucketNames = [...]string{byPair: "address_and_subject", byAddress: "address", bySubject: "subject"}

// bucketRules are each kind's threshold and cap (see passwordLimiter).
var bucketRules = [...]struct {
	threshold int
	cap       time.Duration
}{
	byPair:    {5, 15 * time.Minute},
	byAddress: {20, 15 * time.Minute},
	bySubject: {10, time.Minute},
}

const (
	firstDelay  = time.Second
	forgetAfter = time.Hour
	maxBuckets  = 20000
	// inFlightWait is what a refused attempt is told while others are
	// still being checked.
	inFlightWait = time.Second
	// maxSubject bounds a subject's length in memory (Django's usernames
	// are at most 150 characters).
	maxSubject = 150
)

type bucketKey struct {
	kind    bucketKind
	addr    netip.Prefix
	subject string
}

type bucket struct {
	failures int
	inFlight int
	last     time.Time // last failure
	until    time.Time // attempts wait until then
	warned   bool      // its throttle was logged
}

func newPasswordLimiter(form string, logger *slog.Logger) *passwordLimiter {
	return &passwordLimiter{form: form, logger: logger, now: time.Now, buckets: map[bucketKey]*bucket{}}
}

// attempt is one password check the limiter let through; it ends with
// fail, succeed or cancel (a check that could not be made).
type attempt struct {
	l     *passwordLimiter
	keys  [3]bucketKey
	ended bool
}

// clientAddr is the request's TCP peer; the zero address when RemoteAddr
// is not ip:port.
func clientAddr(r *http.Request) netip.Addr {
	ap, err := netip.ParseAddrPort(r.RemoteAddr)
	if err != nil {
		return netip.Addr{}
	}
	return ap.Addr().Unmap()
}

// addrPrefix is the block counted as one address: itself for IPv4, its
// /64 for IPv6.
func addrPrefix(ip netip.Addr) netip.Prefix {
	bits := ip.BitLen()
	if ip.Is6() {
		bits = 64
	}
	p, _ := ip.Prefix(bits)
	return p
}

// begin asks to check a password for subject (a username, a video) from
// ip. It returns the attempt to end, or nil and how long to wait.
func (l *passwordLimiter) begin(ip netip.Addr, subject string) (*attempt, time.Duration) {
	if len(subject) > maxSubject {
		subject = subject[:maxSubject]
	}
	p := addrPrefix(ip)
	a := &attempt{l: l, keys: [3]bucketKey{
		byPair: {kind: byPair, addr: p, subject: subject}, byAddress: {kind: byAddress, addr: p}, bySubject: {kind: bySubject, subject: subject},
	}}
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	var wait time.Duration
	for _, k := range a.keys {
		b := l.buckets[k]
		if b == nil {
			continue
		}
		if w := b.until.Sub(now); w > wait {
			wait = w
		}
		// Past the threshold, one attempt at a time.
		if b.inFlight > 0 && b.failures+b.inFlight >= bucketRules[k.kind].threshold {
			wait = max(wait, inFlightWait)
		}
	}
	if wait > 0 {
		return nil, wait
	}
	for _, k := range a.keys {
		l.bucket(k, now).inFlight++
	}
	return a, 0
}

// bucket returns k's bucket, made (room made first) when missing.
func (l *passwordLimiter) bucket(k bucketKey, now time.Time) *bucket {
	if b := l.buckets[k]; b != nil {
		return b
	}
	if len(l.buckets) >= maxBuckets {
		l.sweep(now)
	}
	for old := range l.buckets { // still full: any idle one goes
		if len(l.buckets) < maxBuckets {
			break
		}
		if l.buckets[old].inFlight == 0 {
			delete(l.buckets, old)
		}
	}
	b := &bucket{}
	l.buckets[k] = b
	return b
}

// sweep forgets the idle buckets that had no failure for forgetAfter.
func (l *passwordLimiter) sweep(now time.Time) {
	for k, b := range l.buckets {
		if b.inFlight == 0 && now.Sub(b.until) > forgetAfter && now.Sub(b.last) > forgetAfter {
			delete(l.buckets, k)
		}
	}
}

// fail counts a wrong password in each bucket of a; a bucket at its
// threshold makes the next attempts wait, and is logged the first time.
func (a *attempt) fail() {
	l := a.l
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	if a.ended {
		return
	}
	a.ended = true
	pairOver := false
	for _, k := range a.keys { // the pair first
		b := l.bucket(k, now)
		b.inFlight = max(b.inFlight-1, 0)
		if now.Sub(b.last) > forgetAfter && now.Sub(b.until) > forgetAfter {
			*b = bucket{inFlight: b.inFlight}
		}
		if k.kind == bySubject && pairOver {
			continue // one address counts at most its pair's threshold here
		}
		b.failures++
		if k.kind == byPair {
			pairOver = b.failures > bucketRules[byPair].threshold
		}
		b.last = now
		rule := bucketRules[k.kind]
		if b.failures < rule.threshold {
			continue
		}
		delay := rule.cap
		if n := b.failures - rule.threshold; n < 20 {
			delay = min(firstDelay<<n, rule.cap)
		}
		b.until = now.Add(delay)
		if !b.warned {
			b.warned = true
			l.logger.Warn("password guessing throttled", "form", l.form, "bucket", bucketNames[k.kind],
				"address", k.addr.String(), "subject", a.keys[bySubject].subject, "failures", b.failures,
				"retry_in", delay)
		}
	}
}

// succeed ends a with the right password: its pair and subject buckets
// are emptied, its address bucket keeps its failures.
func (a *attempt) succeed() {
	a.end(func(k bucketKey, b *bucket) bool { return k.kind != byAddress })
}

// cancel ends an attempt whose password could not be checked.
func (a *attempt) cancel() { a.end(func(bucketKey, *bucket) bool { return false }) }

// end releases a's buckets, dropping those reset says to and those left
// empty.
func (a *attempt) end(reset func(bucketKey, *bucket) bool) {
	l := a.l
	l.mu.Lock()
	defer l.mu.Unlock()
	if a.ended {
		return
	}
	a.ended = true
	for _, k := range a.keys {
		b := l.buckets[k]
		if b == nil {
			continue
		}
		b.inFlight = max(b.inFlight-1, 0)
		if b.inFlight == 0 && (b.failures == 0 || reset(k, b)) {
			delete(l.buckets, k)
		} else if reset(k, b) {
			*b = bucket{inFlight: b.inFlight}
		}
	}
}

// retryAfter is the Retry-After header's value for wait: whole seconds,
// rounded up.
func retryAfter(wait time.Duration) string {
	return strconv.FormatInt(int64((wait+time.Second-1)/time.Second), 10)
}

// refuseGuess answers an attempt the limiter refused: 429 with
// Retry-After, and the message saying when to try again, for the page
// to show.
func (s *Server) refuseGuess(w http.ResponseWriter, r *http.Request, wait time.Duration) string {
	w.Header().Set("Retry-After", retryAfter(wait))
	p := s.printer(r)
	if secs := int((wait + time.Second - 1) / time.Second); secs < 120 {
		return p.Plural("form.throttled.seconds", secs)
	}
	return p.Plural("form.throttled.minutes", int((wait+time.Minute-1)/time.Minute))
}
