package opencast

import (
	"net/netip"
	"sync"
	"time"
)

// throttle counts failed logins per client address and refuses an
// address that failed max times within window, for block. A login that
// succeeds forgets nothing: the holder of one recorder's password would
// otherwise clear its address's count between guesses at another's
// (four wrong, one right, four wrong…) and guess without end. Failures
// leave the count as the window passes. It is a small
// copy of the FTP server's (intake/ftp), which is an edge this package may
// not import: the FTP one also counts attempts under way, which HTTP's
// short requests do not need.
type throttle struct {
	max           int
	window, block time.Duration

	mu    sync.Mutex
	addrs map[netip.Addr]*failures
}

type failures struct {
	times    []time.Time // within the window, oldest first
	until    time.Time   // refused until then
	inflight int         // logins being checked
}

// maxTracked bounds the memory an address scan can take.
const maxTracked = 10000

func newThrottle(max int, window, block time.Duration) *throttle {
	return &throttle{max: max, window: window, block: block, addrs: map[netip.Addr]*failures{}}
}

// blocked reports how long ip is still refused at now (0: it is not).
func (t *throttle) blocked(ip netip.Addr, now time.Time) time.Duration {
	t.mu.Lock()
	defer t.mu.Unlock()
	if f := t.addrs[ip]; f != nil && now.Before(f.until) {
		return f.until.Sub(now)
	}
	return 0
}

// begin reserves the check of one login from ip; false when ip is
// refused, or has as many logins being checked as failures left before
// it is: a hundred guesses sent at once are not all checked before the
// first failure counts. Each begin that returned true is followed by end.
func (t *throttle) begin(ip netip.Addr, now time.Time) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	f := t.addrs[ip]
	if f == nil {
		if len(t.addrs) >= maxTracked {
			t.sweep(now)
		}
		f = &failures{}
		t.addrs[ip] = f
	}
	f.times = recent(f.times, now.Add(-t.window))
	if now.Before(f.until) || f.inflight+len(f.times) >= t.max {
		return false
	}
	f.inflight++
	return true
}

// end ends a check begun (after fail, when it failed).
func (t *throttle) end(ip netip.Addr, now time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	f := t.addrs[ip]
	if f == nil {
		return
	}
	f.inflight = max(f.inflight-1, 0)
	if f.times = recent(f.times, now.Add(-t.window)); len(f.times) == 0 && f.inflight == 0 && !now.Before(f.until) {
		delete(t.addrs, ip)
	}
}

// fail counts a failure of ip and reports whether ip is now refused.
func (t *throttle) fail(ip netip.Addr, now time.Time) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	f := t.addrs[ip]
	if f == nil {
		if len(t.addrs) >= maxTracked {
			t.sweep(now)
		}
		f = &failures{}
		t.addrs[ip] = f
	}
	f.times = recent(f.times, now.Add(-t.window))
	f.times = append(f.times, now)
	if len(f.times) >= t.max {
		f.until, f.times = now.Add(t.block), nil
		return true
	}
	return false
}

func (t *throttle) sweep(now time.Time) {
	for ip, f := range t.addrs {
		if f.times = recent(f.times, now.Add(-t.window)); len(f.times) == 0 && f.inflight == 0 && !now.Before(f.until) {
			delete(t.addrs, ip)
		}
	}
}

// recent drops the times before since.
func recent(times []time.Time, since time.Time) []time.Time {
	i := 0
	for i < len(times) && times[i].Before(since) {
		i++
	}
	return times[i:]
}
