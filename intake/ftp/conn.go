package ftp

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"sync"
	"time"

	"goftp.io/server/v2"
)

// conn is a control connection and the state Lectern keeps for its
// session. The library reads and writes through it, which is how the
// server learns that the client went away.
type conn struct {
	net.Conn
	s   *Server
	key string     // remote address, the key in Server.conns
	ip  netip.Addr // client address

	closeOnce sync.Once

	mu       sync.Mutex
	tls      bool
	dead     bool
	sess     *session
	pending  *upload     // ended cleanly, waiting for the client's next move
	carried  *upload     // taken from pending by RNTO or DELE of the same file
	approved string      // login PASS accepted, for auth.CheckPasswd
	xfer     io.Closer   // data connection of the upload under way
	data     *dataSocket // the session's data connection, if any
	loggedIn bool        // the idle timeout replaces the login timeout

	// Owned by the goroutine that reads (the library's session loop).
	connected time.Time // when the client connected
	lineLen   int       // bytes since the last line feed (clear text)
	rawSince  int       // bytes read since the last command (TLS)
	rawMode   bool      // AUTH was sent: the stream is no longer clear text

	// Owned by the session's goroutine.
	user       string // from USER
	rest       int64  // REST offset, -1: none
	xferOffset int64  // REST offset of the transfer under way, -1: none
	renameFrom string // RNFR path
}

func newConn(s *Server, nc net.Conn) *conn {
	return &conn{Conn: nc, s: s, key: nc.RemoteAddr().String(), ip: remoteIP(nc.RemoteAddr()), rest: -1, xferOffset: -1,
		connected: time.Now()}
}

// MaxLineBytes is the longest command line, CRLF included (vsftpd's
// VSFTP_MAX_COMMAND_LINE): a longer one closes the connection. The
// library reads lines without a limit, so the cap is kept here, under
// it. On a TLS session the bytes read are encrypted and line feeds cannot
// be seen: there, more than maxRawBytes read without a command closes the
// connection.
const (
	MaxLineBytes = 4096
	maxRawBytes  = 64 << 10
)

var errLineTooLong = errors.New("command line too long")

// Read arms the login or idle timeout, caps the length of a command line
// and notices the end of the connection. Before login the client has
// LoginTimeout from its connection to log in, however often it sends a
// command; after, IdleTimeout between commands.
func (c *conn) Read(p []byte) (int, error) {
	c.mu.Lock()
	loggedIn := c.loggedIn
	c.mu.Unlock()
	deadline := time.Now().Add(c.s.cfg.IdleTimeout)
	if !loggedIn {
		deadline = c.connected.Add(c.s.cfg.LoginTimeout)
	}
	_ = c.Conn.SetReadDeadline(deadline)
	n, err := c.Conn.Read(p)
	if err == nil && c.overLong(p[:n]) {
		c.s.log.Warn("ftp command line too long: connection closed", "remote_addr", c.key, "max_bytes", MaxLineBytes)
		c.refuse(500, fmt.Sprintf("Command line too long (more than %d bytes); closing the connection.", MaxLineBytes))
		n, err = 0, errLineTooLong
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		if loggedIn {
			c.s.log.Info("ftp connection idle: closed", "remote_addr", c.key, "idle_timeout", c.s.cfg.IdleTimeout)
			c.refuse(421, "Idle timeout; closing the connection.")
		} else {
			c.s.log.Warn("ftp connection closed: no login in time", "remote_addr", c.key, "login_timeout", c.s.cfg.LoginTimeout)
			c.refuse(421, "Login timeout; closing the connection.")
		}
	}
	if err != nil {
		c.gone()
	}
	return n, err
}

// Write gives a client that does not read its replies as long to take
// them as it has to send a command, then the connection fails.
func (c *conn) Write(p []byte) (int, error) {
	c.mu.Lock()
	loggedIn := c.loggedIn
	c.mu.Unlock()
	wait := c.s.cfg.IdleTimeout
	if !loggedIn {
		wait = c.s.cfg.LoginTimeout
	}
	_ = c.Conn.SetWriteDeadline(time.Now().Add(wait))
	return c.Conn.Write(p)
}

// overLong counts the bytes of the line being read, and reports whether
// it is beyond the cap.
func (c *conn) overLong(b []byte) bool {
	if c.rawMode {
		c.rawSince += len(b)
		return c.rawSince > maxRawBytes
	}
	for len(b) > 0 {
		i := bytes.IndexByte(b, '\n')
		if i < 0 {
			c.lineLen += len(b)
			break
		}
		c.lineLen = 0
		b = b[i+1:]
	}
	return c.lineLen > MaxLineBytes
}

// commandRead tells the cap that a command was read.
func (c *conn) commandRead() {
	c.rawSince = 0
}

// refuse answers code and text before the connection is closed, on a
// clear-text connection only (a TLS one cannot be written from here), and
// without waiting for a client that does not read.
func (c *conn) refuse(code int, text string) {
	if c.rawMode {
		return
	}
	_ = c.Conn.SetWriteDeadline(time.Now().Add(time.Second))
	_, _ = fmt.Fprintf(c.Conn, "%d %s\r\n", code, text)
}

// setData records the session's new data connection (nil: none), closing
// the one before it. It reports false when the connection is closed.
func (c *conn) setData(ds *dataSocket) bool {
	c.mu.Lock()
	old := c.data
	c.data = ds
	dead := c.dead
	if dead {
		c.data = nil
	}
	c.mu.Unlock()
	if old != nil && old != ds {
		old.Close()
	}
	return !dead
}

// Close closes the connection once, leaving any pending upload held.
func (c *conn) Close() error {
	var err error
	c.closeOnce.Do(func() {
		c.gone()
		err = c.Conn.Close()
		c.s.untrack(c)
		c.mu.Lock()
		sess, xfer, data := c.sess, c.xfer, c.data
		c.data = nil
		c.mu.Unlock()
		if sess != nil {
			sess.root.Close()
		}
		if data != nil {
			data.Close()
		}
		if xfer != nil {
			xfer.Close() // breaks the upload under way off
		}
	})
	return err
}

// gone records that the client went away: a pending upload was not
// confirmed, so it stays held. When the server is stopping, it closed the
// connection itself: the upload is left undecided, for the next start.
func (c *conn) gone() {
	c.mu.Lock()
	u := c.pending
	c.pending = nil
	c.dead = true
	c.mu.Unlock()
	if u == nil {
		return
	}
	u.timer.Stop()
	if c.s.isStopped() {
		c.s.leavePending(u)
		return
	}
	c.s.keepHeld(u, "the control connection closed before the next command")
}

func (c *conn) setTLS() {
	c.mu.Lock()
	c.tls = true
	c.mu.Unlock()
}

func (c *conn) isTLS() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.tls
}

func (c *conn) session() *session {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.sess
}

// setPending makes u wait for the client's next move, or for ConfirmAfter.
func (c *conn) setPending(u *upload) {
	c.mu.Lock()
	if c.dead {
		c.mu.Unlock()
		c.s.keepHeld(u, "the control connection closed during the transfer")
		return
	}
	prev := c.pending
	c.pending = u
	u.timer = time.AfterFunc(c.s.cfg.ConfirmAfter, func() { c.expire(u) })
	c.mu.Unlock()
	if prev != nil { // not expected: the STOR command decided it
		prev.timer.Stop()
		c.s.confirm(prev, "a new upload")
	}
}

// expire confirms u if the client stayed connected and silent.
func (c *conn) expire(u *upload) {
	c.mu.Lock()
	if c.pending != u || c.dead {
		c.mu.Unlock()
		return
	}
	c.pending = nil
	c.mu.Unlock()
	c.s.confirm(u, "control connection still open")
}

// Commands that do not decide a pending upload: they prepare a transfer or
// only look.
var neutral = map[string]bool{
	"NOOP": true, "TYPE": true, "PASV": true, "EPSV": true, "PORT": true, "EPRT": true, "REST": true,
	"SIZE": true, "MDTM": true, "PWD": true, "FEAT": true, "SYST": true, "OPTS": true, "PBSZ": true,
	"PROT": true, "MLST": true, "STAT": true, "MODE": true, "STRU": true, "ALLO": true, "CLNT": true,
}

// decide applies the client's next command to a pending upload (see the
// package documentation). It runs before the command itself.
func (c *conn) decide(name string, sess *server.Session, param string) {
	c.mu.Lock()
	u := c.pending
	if u == nil || neutral[name] {
		c.mu.Unlock()
		return
	}
	same := func() bool { return param != "" && sess.BuildPath(param) == u.vpath }
	verdict := "confirm"
	switch name {
	case "ABOR":
		verdict = "the client sent ABOR"
	case "STOR", "APPE":
		if same() {
			verdict = "the client restarted the upload"
		}
	case "RNFR":
		if same() {
			// Wait for RNTO, which carries the upload to its new name.
			u.timer.Reset(c.s.cfg.ConfirmAfter)
			c.mu.Unlock()
			return
		}
	case "RNTO":
		if c.renameFrom == u.vpath {
			verdict = "carry"
		}
	case "DELE":
		if same() {
			verdict = "carry"
		}
	}
	c.pending = nil
	u.timer.Stop()
	if verdict == "carry" {
		c.carried = u
	}
	c.mu.Unlock()
	switch verdict {
	case "carry":
	case "confirm":
		c.s.confirm(u, "next command "+name)
	default:
		c.s.keepHeld(u, verdict)
	}
}

// setXfer records the data connection of the upload under way (nil when
// it ends), so that closing the session breaks the upload off.
func (c *conn) setXfer(x io.Closer) {
	c.mu.Lock()
	c.xfer = x
	c.mu.Unlock()
}

// settleCarried confirms an upload that RNTO or DELE carried but did not
// use (the command was refused before reaching the driver).
func (c *conn) settleCarried() {
	if u := c.takeCarried(); u != nil {
		c.s.confirm(u, "next command")
	}
}

// takeCarried returns the upload RNTO or DELE took over, if any.
func (c *conn) takeCarried() *upload {
	c.mu.Lock()
	defer c.mu.Unlock()
	u := c.carried
	c.carried = nil
	return u
}
