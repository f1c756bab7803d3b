package httplimit_test

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"lectern/httplimit"
)

// echo answers the length of the body it read, or 413 / 408 on the
// limit's errors.
var echo = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	n, err := io.Copy(io.Discard, r.Body)
	switch {
	case httplimit.TooLarge(err):
		http.Error(w, "too large", http.StatusRequestEntityTooLarge)
	case err != nil:
		http.Error(w, "read: "+err.Error(), http.StatusRequestTimeout)
	default:
		fmt.Fprint(w, n)
	}
})

func TestMax(t *testing.T) {
	t.Parallel()
	read := false
	h := httplimit.Limit{Max: 10}.Wrap(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		read = true
		echo(w, r)
	}), nil)
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	for _, c := range []struct {
		name   string
		body   io.Reader
		status int
		read   bool
	}{
		{"within", strings.NewReader("0123456789"), 200, true},
		{"declared too large", strings.NewReader("0123456789x"), 413, false},
		{"chunked too large", io.MultiReader(strings.NewReader("0123456789x")), 413, true},
	} {
		read = false
		resp, err := http.Post(srv.URL, "text/plain", c.body)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != c.status || read != c.read {
			t.Errorf("%s: status %d, handler ran %v; want %d, %v", c.name, resp.StatusCode, read, c.status, c.read)
		}
	}
}

// dribble sends a POST whose body of n bytes comes one byte per every,
// and returns the status line of the answer.
func dribble(t *testing.T, addr string, n int, every time.Duration) string {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(time.Minute))
	fmt.Fprintf(conn, "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n", n)
	for range n {
		if _, err := conn.Write([]byte("x")); err != nil {
			break // cut off
		}
		time.Sleep(every)
	}
	line, err := bufio.NewReader(conn).ReadString('\n')
	if err != nil && line == "" {
		return "closed"
	}
	return strings.TrimSpace(line)
}

func TestReadTimeout(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(httplimit.Limit{ReadTimeout: 300 * time.Millisecond}.Wrap(echo, nil))
	t.Cleanup(srv.Close)
	// 20 bytes over 2 s: more than the whole body may take.
	if got := dribble(t, srv.Listener.Addr().String(), 20, 100*time.Millisecond); strings.Contains(got, "200") {
		t.Errorf("a slow body was read whole: %q", got)
	}
}

func TestStallTimeout(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(httplimit.Limit{StallTimeout: 500 * time.Millisecond}.Wrap(echo, nil))
	t.Cleanup(srv.Close)
	addr := srv.Listener.Addr().String()
	// Slow but steady: 15 bytes over 1.5 s, never 500 ms without one.
	if got := dribble(t, addr, 15, 100*time.Millisecond); !strings.Contains(got, "200") {
		t.Errorf("a moving body was cut off: %q", got)
	}
	// Stalled: a byte, then nothing for longer than the stall timeout.
	if got := dribble(t, addr, 3, 1500*time.Millisecond); strings.Contains(got, "200") {
		t.Errorf("a stalled body was read whole: %q", got)
	}
}

// TestMaxAnswerSeen: a client that writes its whole body before reading
// the answer, and is slower than the server's 500 ms before it closes a
// connection with unread data, still reads the 413 of a body somewhat
// over the limit rather than a reset connection.
func TestMaxAnswerSeen(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(httplimit.Limit{Max: 1 << 20}.Wrap(echo, nil))
	t.Cleanup(srv.Close)
	conn, err := net.Dial("tcp", srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(20 * time.Second))
	half := make([]byte, 1<<20)
	fmt.Fprintf(conn, "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n", 2*len(half))
	_, _ = conn.Write(half)
	time.Sleep(time.Second)
	if _, err := conn.Write(half); err != nil {
		t.Fatalf("the rest of the body: %v", err)
	}
	line, err := bufio.NewReader(conn).ReadString('\n')
	if err != nil || !strings.Contains(line, "413") {
		t.Fatalf("answer %q, %v; want 413", line, err)
	}
}
