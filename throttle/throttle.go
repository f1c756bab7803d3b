// Package throttle counts failed logins per client address and refuses an
// address that failed too often: one rule for every server recorders log
// in to (the FTP and SFTP servers, the capture agents' HTTP logins), each
// with its own counts. It is a leaf: edges do not import each other.
package throttle

import (
	"net/netip"
	"sync"
	"time"
)

// Throttle counts failed logins per client address and refuses an address
// that failed max times within window, for block. Attempts under way
// count too: an address may have at most max minus its recent failures
// passwords being checked at once, so that parallel attempts cannot all
// be evaluated before the first failure is counted.
type Throttle struct {
	max           int
	window, block time.Duration

	mu    sync.Mutex
	addrs map[netip.Addr]*failures
}

type failures struct {
	times    []time.Time // failures within the window, oldest first
	until    time.Time   // refused until then
	inflight int         // attempts being checked
}

// maxTracked bounds the memory an address scan can take: beyond it, stale
// entries are swept.
const maxTracked = 10000

// New returns a throttle that refuses an address for block once it failed
// max times within window.
func New(max int, window, block time.Duration) *Throttle {
	return &Throttle{max: max, window: window, block: block, addrs: map[netip.Addr]*failures{}}
}

// Blocked reports whether ip is refused at now, and for how long still.
func (t *Throttle) Blocked(ip netip.Addr, now time.Time) (time.Duration, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	f := t.addrs[ip]
	if f == nil || !now.Before(f.until) {
		return 0, false
	}
	return f.until.Sub(now), true
}

// entry returns the failures of ip, created when missing.
func (t *Throttle) entry(ip netip.Addr, now time.Time) *failures {
	f := t.addrs[ip]
	if f == nil {
		if len(t.addrs) >= maxTracked {
			t.sweep(now)
		}
		f = &failures{}
		t.addrs[ip] = f
	}
	return f
}

// Begin reserves the check of one attempt from ip; false when ip has as
// many attempts under way as failures left before it is refused. Each
// Begin that returned true is followed by Fail, Release or Succeed (a
// failure counted with Count is ended by a Release).
func (t *Throttle) Begin(ip netip.Addr, now time.Time) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	f := t.entry(ip, now)
	f.times = recent(f.times, now.Add(-t.window))
	if len(f.times)+f.inflight >= t.max {
		return false
	}
	f.inflight++
	return true
}

// Fail ends an attempt that failed, counts it and reports whether ip is
// now refused.
func (t *Throttle) Fail(ip netip.Addr, now time.Time) bool {
	return t.count(ip, now, true)
}

// Count counts a failure of ip without ending its attempt (whose end a
// Release deferred at its Begin makes), and reports whether ip is now
// refused.
func (t *Throttle) Count(ip netip.Addr, now time.Time) bool {
	return t.count(ip, now, false)
}

func (t *Throttle) count(ip netip.Addr, now time.Time, end bool) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	f := t.entry(ip, now)
	if end {
		f.inflight = max(f.inflight-1, 0)
	}
	f.times = recent(f.times, now.Add(-t.window))
	f.times = append(f.times, now)
	if len(f.times) >= t.max {
		f.until = now.Add(t.block)
		f.times = nil
		return true
	}
	return false
}

// Release ends an attempt that could not be checked (the store
// failed): it counts neither way.
func (t *Throttle) Release(ip netip.Addr) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if f := t.addrs[ip]; f != nil {
		f.inflight = max(f.inflight-1, 0)
	}
}

// Succeed ends an attempt that succeeded. It forgets no failure: the
// holder of one recorder's password would otherwise clear its address's
// count between guesses at another's; failures leave the count as the
// window passes.
func (t *Throttle) Succeed(ip netip.Addr, now time.Time) {
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

func (t *Throttle) sweep(now time.Time) {
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
