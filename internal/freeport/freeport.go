// Package freeport finds loopback TCP ports that were free a moment ago,
// for the tests and benchmarks that start a real server: an FTP server's
// passive range must be chosen before it starts. A port found free may be
// taken by another process before it is used; callers that start many
// servers pick a new range for each.
//
// It is a leaf: it imports the standard library only.
package freeport

import (
	"fmt"
	"net"
)

// Range returns the first of n consecutive loopback ports that could all
// be listened on a moment ago.
func Range(n int) (int, error) {
	for range 100 {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return 0, err
		}
		first := l.Addr().(*net.TCPAddr).Port
		l.Close()
		if first+n > 65535 {
			continue
		}
		var ls []net.Listener
		for p := first; p < first+n; p++ {
			l, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", p))
			if err != nil {
				break
			}
			ls = append(ls, l)
		}
		for _, l := range ls {
			l.Close()
		}
		if len(ls) == n {
			return first, nil
		}
	}
	return 0, fmt.Errorf("no %d free loopback ports in a row", n)
}

// TB is the part of testing.TB that Must uses (this package does not
// import testing).
type TB interface {
	Helper()
	Fatal(args ...any)
}

// Must is Range for a test: it fails tb when no range is found.
func Must(tb TB, n int) int {
	tb.Helper()
	first, err := Range(n)
	if err != nil {
		tb.Fatal(err)
	}
	return first
}
