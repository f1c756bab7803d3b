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
	"math/rand/v2"
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
		if free(first, n) {
			return first, nil
		}
	}
	return 0, fmt.Errorf("no %d free loopback ports in a row", n)
}

// Quiet is Range below the kernel's usual ephemeral range (32768 and
// up), for ports chosen long before they are listened on (an identity
// provider told of an application's address before the application
// starts): any outgoing connection of the machine may meanwhile take a
// port of the ephemeral range, none takes one below it.
func Quiet(n int) (int, error) {
	for range 200 {
		first := 20000 + rand.IntN(12000-n)
		if free(first, n) {
			return first, nil
		}
	}
	return 0, fmt.Errorf("no %d free loopback ports in a row below 32768", n)
}

// free tells whether the n ports from first could all be listened on.
func free(first, n int) bool {
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
	return len(ls) == n
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
