package ftp

import (
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/netip"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
	"unsafe"

	"goftp.io/server/v2"
)

// acceptTimeout is how long a passive port waits for the client to
// connect (the library's and vsftpd's accept_timeout), at most
// DataTimeout.
const acceptTimeout = 60 * time.Second

// dataSocket is a session's data connection, passive or active. Lectern
// opens its own instead of the library's: the library binds passive ports
// on every interface, never closes the listener of an earlier PASV (55
// PASV held 55 ports for a minute) and has no timeout on a transfer that
// stalls. A session has at most one (conn.setData closes the previous
// one); it is closed after each transfer, at QUIT and when the control
// connection ends. Every read and write must make progress within
// DataTimeout, or the transfer fails.
type dataSocket struct {
	host    string
	port    int
	timeout time.Duration

	ready chan struct{} // closed once nc or err is set
	ln    net.Listener  // passive, until the client connected

	mu     sync.Mutex
	nc     net.Conn
	err    error
	closed bool
}

var _ server.DataSocket = (*dataSocket)(nil)

var errDataClosed = errors.New("data connection closed")

// listenPassive opens a passive port on the control connection's local
// address, from the configured range (every port of it is tried once,
// from a random one) or any free one.
func (s *Server) listenPassive(c *conn) (*dataSocket, error) {
	ip := localIP(c.Conn.LocalAddr())
	lo, hi := s.cfg.PassivePortLow, s.cfg.PassivePortHigh
	var ln net.Listener
	var err error
	if lo == 0 {
		ln, err = net.Listen("tcp", net.JoinHostPort(ip.String(), "0"))
	} else {
		n := hi - lo + 1
		first := rand.IntN(n)
		for i := range n {
			port := lo + (first+i)%n
			ln, err = net.Listen("tcp", net.JoinHostPort(ip.String(), strconv.Itoa(port)))
			if err == nil || !errors.Is(err, syscall.EADDRINUSE) {
				break
			}
		}
	}
	if err != nil {
		return nil, fmt.Errorf("listen for a passive data connection on %s: %w", ip, err)
	}
	ds := &dataSocket{host: ip.String(), port: ln.Addr().(*net.TCPAddr).Port, timeout: s.cfg.DataTimeout,
		ready: make(chan struct{}), ln: ln}
	var tlsCfg *tls.Config
	if c.isTLS() {
		tlsCfg = s.tls
	}
	go ds.accept(min(acceptTimeout, s.cfg.DataTimeout), tlsCfg)
	return ds, nil
}

// accept waits for the first connection to the passive port; whose it is
// is checked before the transfer (dataRefusal).
func (ds *dataSocket) accept(timeout time.Duration, tlsCfg *tls.Config) {
	_ = ds.ln.(*net.TCPListener).SetDeadline(time.Now().Add(timeout))
	nc, err := ds.ln.Accept()
	ds.ln.Close()
	if err == nil && tlsCfg != nil {
		nc = tls.Server(nc, tlsCfg)
	}
	ds.set(nc, err)
}

// dialActive opens an active (PORT, EPRT) data connection to addr, from
// the control connection's local address.
func (s *Server) dialActive(c *conn, addr string) (*dataSocket, error) {
	d := net.Dialer{Timeout: min(acceptTimeout, s.cfg.DataTimeout),
		LocalAddr: &net.TCPAddr{IP: localIP(c.Conn.LocalAddr()).AsSlice()}}
	nc, err := d.DialContext(s.ctx, "tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("open active data connection to %s: %w", addr, err)
	}
	host, port, _ := net.SplitHostPort(addr)
	p, _ := strconv.Atoi(port)
	ds := &dataSocket{host: host, port: p, timeout: s.cfg.DataTimeout, ready: make(chan struct{})}
	ds.set(nc, nil)
	return ds, nil
}

func (ds *dataSocket) set(nc net.Conn, err error) {
	ds.mu.Lock()
	if ds.closed && nc != nil {
		nc.Close()
		nc, err = nil, errDataClosed
	}
	ds.nc, ds.err = nc, err
	ds.mu.Unlock()
	close(ds.ready)
}

// conn waits for the connection to be there.
func (ds *dataSocket) conn() (net.Conn, error) {
	<-ds.ready
	ds.mu.Lock()
	defer ds.mu.Unlock()
	if ds.closed {
		return nil, errDataClosed
	}
	return ds.nc, ds.err
}

// peer is the address the data connection comes from; invalid when none
// came.
func (ds *dataSocket) peer() netip.Addr {
	nc, err := ds.conn()
	if err != nil {
		return netip.Addr{}
	}
	if tc, ok := nc.(*tls.Conn); ok {
		return remoteIP(tc.NetConn().RemoteAddr())
	}
	return remoteIP(nc.RemoteAddr())
}

func (ds *dataSocket) Host() string { return ds.host }
func (ds *dataSocket) Port() int    { return ds.port }

func (ds *dataSocket) Read(p []byte) (int, error) {
	nc, err := ds.conn()
	if err != nil {
		return 0, err
	}
	_ = nc.SetReadDeadline(time.Now().Add(ds.timeout))
	n, err := nc.Read(p)
	return n, stalled(err, ds.timeout)
}

func (ds *dataSocket) Write(p []byte) (int, error) {
	nc, err := ds.conn()
	if err != nil {
		return 0, err
	}
	_ = nc.SetWriteDeadline(time.Now().Add(ds.timeout))
	n, err := nc.Write(p)
	return n, stalled(err, ds.timeout)
}

// ReadFrom sends r (RETR), each write within the timeout.
func (ds *dataSocket) ReadFrom(r io.Reader) (int64, error) {
	return io.Copy(writerOnly{ds}, r)
}

// Close closes the listener and the connection, and wakes a transfer
// waiting for the client to connect.
func (ds *dataSocket) Close() error {
	ds.mu.Lock()
	if ds.closed {
		ds.mu.Unlock()
		return nil
	}
	ds.closed = true
	nc := ds.nc
	ds.mu.Unlock()
	if ds.ln != nil {
		ds.ln.Close() // accept returns and sets err
	}
	if nc != nil {
		return nc.Close()
	}
	return nil
}

// stalled names a data timeout for the log.
func stalled(err error, d time.Duration) error {
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return fmt.Errorf("data connection stalled for %s: %w", d, err)
	}
	return err
}

// localIP is the address a control connection came in on, IPv4 unmapped.
func localIP(a net.Addr) netip.Addr {
	return remoteIP(a)
}

// setDataConn makes ds the session's data connection. The library keeps
// it unexported and offers no way to give it another socket; its type is
// checked and the result read back through Session.DataConn: if a new
// version changes it, PASV answers 425 and every transfer test fails.
func setDataConn(sess *server.Session, ds server.DataSocket) bool {
	v := reflect.ValueOf(sess).Elem()
	f := v.FieldByName("dataConn")
	if !f.IsValid() || f.Type() != reflect.TypeFor[server.DataSocket]() {
		return false
	}
	*(*server.DataSocket)(unsafe.Pointer(f.UnsafeAddr())) = ds
	return sess.DataConn() == ds
}

// dataRefusal checks, before a transfer, that its data connection comes
// from the control connection's client (vsftpd's pasv_promiscuous=NO): a
// third party that connected first to the passive port announced in a
// PASV reply must not get the listing or the file, nor upload in the
// recorder's name. It waits for the client to connect, as the transfer
// itself would. A refused data connection is closed.
func dataRefusal(c *conn, sock server.DataSocket) reply {
	ds, ok := sock.(*dataSocket)
	if !ok {
		c.s.log.Error("ftp data connection of an unknown kind: refused", "remote_addr", c.key, "type", reflect.TypeOf(sock).String())
		_ = sock.Close()
		return reply{425, "Data connection refused: its origin cannot be checked."}
	}
	if ds.ln == nil {
		return reply{} // active: activeRefusal checked the address
	}
	peer := ds.peer()
	switch {
	case !peer.IsValid():
		_ = ds.Close()
		return reply{425, "No data connection was opened: send PASV or EPSV again, then connect."}
	case peer != c.ip:
		c.s.log.Warn("ftp data connection from another address: refused", "remote_addr", c.key, "data_addr", peer.String())
		_ = ds.Close()
		return reply{425, "Data connection refused: it must come from the same address as the control connection."}
	}
	return reply{}
}

// dataCommand is Lectern's PASV, EPSV, PORT and EPRT (see dataSocket).
type dataCommand struct {
	s    *Server
	name string
}

func (d dataCommand) IsExtend() bool     { return d.name == "EPSV" || d.name == "EPRT" }
func (d dataCommand) RequireParam() bool { return d.name == "PORT" || d.name == "EPRT" }
func (d dataCommand) RequireAuth() bool  { return true }

func (d dataCommand) Execute(sess *server.Session, param string) {
	c := d.s.connOf(sess)
	if c == nil {
		sess.WriteMessage(421, "Service not available, closing control connection.")
		sess.Close()
		return
	}
	// One data connection per session: a new PASV closes the last one,
	// and its port is free for another recorder.
	if old := sess.DataConn(); old != nil {
		_ = old.Close()
		setDataConn(sess, nil)
	}
	c.setData(nil)
	var ds *dataSocket
	var err error
	switch d.name {
	case "PASV", "EPSV":
		if d.name == "PASV" && d.s.pasvHost(c) == "" {
			sess.WriteMessage(522, "PASV needs IPv4: use EPSV.")
			return
		}
		ds, err = d.s.listenPassive(c)
	default:
		ds, err = d.s.dialActive(c, activeAddr(d.name, param))
	}
	if err != nil {
		c.s.log.Warn("ftp data connection failed", "remote_addr", c.key, "command", d.name, "err", err)
		if d.name == "PASV" || d.name == "EPSV" {
			sess.WriteMessage(425, "No passive port is free; try again in a moment.")
		} else {
			sess.WriteMessage(425, "Cannot open the data connection.")
		}
		return
	}
	if !setDataConn(sess, ds) {
		ds.Close()
		c.s.log.Error("ftp: cannot give the library a data connection (library changed?)")
		sess.WriteMessage(425, "Data connection failed.")
		return
	}
	if !c.setData(ds) {
		ds.Close()
		return
	}
	switch d.name {
	case "PASV":
		ip := d.s.pasvHost(c)
		sess.WriteMessage(227, fmt.Sprintf("Entering Passive Mode (%s,%d,%d)",
			strings.ReplaceAll(ip, ".", ","), ds.port/256, ds.port%256))
	case "EPSV":
		sess.WriteMessage(229, fmt.Sprintf("Entering Extended Passive Mode (|||%d|)", ds.port))
	default:
		sess.WriteMessage(200, "Connection established ("+strconv.Itoa(ds.port)+")")
	}
}

// pasvHost is the IPv4 address a PASV reply gives: PublicHost, or the
// address the client connected to; "" when that is IPv6.
func (s *Server) pasvHost(c *conn) string {
	if s.pasvIP != "" {
		return s.pasvIP
	}
	if ip := localIP(c.Conn.LocalAddr()); ip.Is4() {
		return ip.String()
	}
	return ""
}

// activeAddr is the host:port of a PORT or EPRT argument that
// activeRefusal accepted.
func activeAddr(name, param string) string {
	if name == "PORT" {
		f := strings.Split(param, ",")
		p1, _ := strconv.Atoi(strings.TrimSpace(f[4]))
		p2, _ := strconv.Atoi(strings.TrimSpace(f[5]))
		host := strings.Join(f[:4], ".")
		return net.JoinHostPort(strings.ReplaceAll(host, " ", ""), strconv.Itoa(p1*256+p2))
	}
	f := strings.Split(param, param[:1])
	return net.JoinHostPort(f[2], f[3])
}
