// Package smtptest runs a real SMTP server in the test process, over TCP
// on the loopback interface, and records what it receives: the outside
// world of package mail's and package jobs' tests (and of any end-to-end
// test that follows a link from an email). It is built on
// github.com/emersion/go-smtp; import it from tests only.
//
//	srv := smtptest.Start(t, smtptest.Config{})
//	sender, _ := mail.NewSender(srv.URL(), "lectern@example.org", logger)
//	...
//	msgs := srv.Wait(t, 1, 10*time.Second)
//	parts, _ := msgs[0].Parts() // "text/plain", "text/html"
package smtptest

import (
	"bytes"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/url"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// Config describes the server to run.
type Config struct {
	// Addr is where to listen; empty means 127.0.0.1 on a free port. Give
	// the Addr of a closed server (or of Reserve) to start one on the same
	// port.
	Addr string
	// TLS, when set, is offered through STARTTLS; with Implicit the
	// connection is TLS from its first byte (smtps). NewTLS makes one.
	TLS      *tls.Config
	Implicit bool
	// Username and Password, when set, make AUTH PLAIN mandatory before
	// MAIL FROM. Authentication is allowed without TLS (the server is on
	// the loopback interface).
	Username, Password string
	// RejectRcpt, when set, answers RCPT TO with its error (an
	// *smtp.SMTPError such as Permanent) for the recipients it refuses.
	RejectRcpt func(to string) error
}

// Permanent is a 550 answer, for RejectRcpt.
var Permanent = &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "No such user"}

// Message is one message the server accepted.
type Message struct {
	From     string
	To       []string
	Data     []byte // as received: headers and MIME body
	TLS      bool   // the connection was encrypted
	AuthUser string // who authenticated, if anyone
}

// Server is a running SMTP server.
type Server struct {
	cfg  Config
	srv  *smtp.Server
	addr string

	mu       sync.Mutex
	messages []Message
	changed  chan struct{} // closed and replaced when a message arrives
	closed   bool
}

// Start runs a server until the test ends (or Close).
func Start(tb testing.TB, cfg Config) *Server {
	tb.Helper()
	s, err := start(cfg)
	if err != nil {
		tb.Fatalf("smtptest: %v", err)
	}
	tb.Cleanup(s.Close)
	return s
}

func start(cfg Config) (*Server, error) {
	addr := cfg.Addr
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	var l net.Listener
	var err error
	// The port of a server just closed may take a moment to be free.
	for i := 0; ; i++ {
		if l, err = net.Listen("tcp", addr); err == nil || i == 50 {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil {
		return nil, err
	}
	s := &Server{cfg: cfg, addr: l.Addr().String(), changed: make(chan struct{})}
	srv := smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) {
		_, isTLS := c.TLSConnectionState()
		return &session{s: s, tls: isTLS}, nil
	}))
	srv.Domain = "localhost"
	srv.AllowInsecureAuth = true
	srv.ReadTimeout, srv.WriteTimeout = 10*time.Second, 10*time.Second
	srv.ErrorLog = log.New(io.Discard, "", 0)
	if cfg.TLS != nil && !cfg.Implicit {
		srv.TLSConfig = cfg.TLS
	}
	if cfg.TLS != nil && cfg.Implicit {
		l = tls.NewListener(l, cfg.TLS)
	}
	s.srv = srv
	go srv.Serve(l)
	return s, nil
}

// Addr is the server's host:port.
func (s *Server) Addr() string { return s.addr }

// URL is the server's SMTP_URL: smtp:// (smtps:// when Implicit), with
// the credentials when the server requires them.
func (s *Server) URL() string {
	u := url.URL{Scheme: "smtp", Host: s.addr}
	if s.cfg.Implicit {
		u.Scheme = "smtps"
	}
	if s.cfg.Username != "" {
		u.User = url.UserPassword(s.cfg.Username, s.cfg.Password)
	}
	return u.String()
}

// Close stops the server and drops its connections; what it received
// stays readable. It is idempotent.
func (s *Server) Close() {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return
	}
	s.closed = true
	s.mu.Unlock()
	s.srv.Close()
}

// Messages returns what the server accepted so far, oldest first.
func (s *Server) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.messages)
}

// Wait waits until the server has accepted at least n messages, and fails
// the test after timeout.
func (s *Server) Wait(tb testing.TB, n int, timeout time.Duration) []Message {
	tb.Helper()
	deadline := time.After(timeout)
	for {
		s.mu.Lock()
		got, changed := len(s.messages), s.changed
		s.mu.Unlock()
		if got >= n {
			return s.Messages()
		}
		select {
		case <-changed:
		case <-deadline:
			tb.Fatalf("smtptest: %d message(s) received after %s, want %d", got, timeout, n)
			return nil
		}
	}
}

func (s *Server) add(m Message) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.messages = append(s.messages, m)
	close(s.changed)
	s.changed = make(chan struct{})
}

// Reserve returns a loopback address with a free port and nothing
// listening on it: the address of a server that is down, to Start later.
func Reserve(tb testing.TB) string {
	tb.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

// session is one SMTP connection.
type session struct {
	s        *Server
	tls      bool
	authUser string
	from     string
	to       []string
}

var _ smtp.AuthSession = (*session)(nil)

func (ss *session) AuthMechanisms() []string {
	if ss.s.cfg.Username == "" {
		return nil
	}
	return []string{sasl.Plain}
}

func (ss *session) Auth(mech string) (sasl.Server, error) {
	if mech != sasl.Plain || ss.s.cfg.Username == "" {
		return nil, smtp.ErrAuthUnsupported
	}
	return sasl.NewPlainServer(func(identity, username, password string) error {
		if username != ss.s.cfg.Username || password != ss.s.cfg.Password || (identity != "" && identity != username) {
			return errors.New("invalid username or password")
		}
		ss.authUser = username
		return nil
	}), nil
}

func (ss *session) Mail(from string, _ *smtp.MailOptions) error {
	if ss.s.cfg.Username != "" && ss.authUser == "" {
		return smtp.ErrAuthRequired
	}
	ss.from = from
	return nil
}

func (ss *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	if f := ss.s.cfg.RejectRcpt; f != nil {
		if err := f(to); err != nil {
			return err
		}
	}
	ss.to = append(ss.to, to)
	return nil
}

func (ss *session) Data(r io.Reader) error {
	var b bytes.Buffer
	if _, err := io.Copy(&b, r); err != nil {
		return fmt.Errorf("read data: %w", err)
	}
	ss.s.add(Message{From: ss.from, To: slices.Clone(ss.to), Data: b.Bytes(), TLS: ss.tls, AuthUser: ss.authUser})
	return nil
}

func (ss *session) Reset() { ss.from, ss.to = "", nil }

func (ss *session) Logout() error { return nil }
