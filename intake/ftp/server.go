package ftp

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"lectern/throttle"
	"log/slog"
	"net"
	"net/netip"
	"path/filepath"
	"sync"
	"time"

	"goftp.io/server/v2"

	"lectern"
)

// Config configures the server; cmd/lectern fills it from the FTP_*
// settings. Zero durations and counts take the defaults given.
type Config struct {
	Addr                            string // FTP_ADDR, host:port; port 0 picks one
	PassivePortLow, PassivePortHigh int    // FTP_PASSIVE_PORTS; both 0: any free port
	PublicHost                      string // FTP_PUBLIC_HOST, the IPv4 address (or a name resolving to one) given in PASV answers; "": the address the client connected to
	TLSCert, TLSKey                 string // FTP_TLS_CERT, FTP_TLS_KEY; both empty: a self-signed certificate in CertDir
	CertDir                         string // DATA_DIR, where the self-signed certificate is kept; "": kept in memory
	RequireTLS                      bool   // FTP_REQUIRE_TLS: refuse USER/PASS before AUTH TLS
	CheckRecorderIP                 bool   // FTP_CHECK_RECORDER_IP
	Root                            string // DEFAULT_RECORDER_PATH, absolute

	// ConfirmAfter is how long the control connection must stay open and
	// silent after an upload's data connection reached EOF for the upload
	// to count as complete, when the client sends no next command. 1s.
	ConfirmAfter time.Duration
	// IdleTimeout closes a logged-in control connection on which no
	// command arrives for that long (FTP_IDLE_TIMEOUT). 10 minutes.
	IdleTimeout time.Duration
	// LoginTimeout closes a control connection that has not logged in
	// that long after it connected (FTP_LOGIN_TIMEOUT). 60s.
	LoginTimeout time.Duration
	// DataTimeout fails a transfer whose data connection makes no
	// progress for that long (FTP_DATA_TIMEOUT, vsftpd's
	// data_connection_timeout). 5 minutes.
	DataTimeout time.Duration
	// MaxClients control connections at once, MaxPerIP of them from one
	// address (FTP_MAX_CLIENTS, FTP_MAX_PER_IP; vsftpd's max_clients,
	// max_per_ip): beyond, a connection is answered 421 and closed. 200,
	// 20.
	MaxClients, MaxPerIP int
	// What a recorder may build in its directory: MaxDirs directories
	// (FTP_MAX_DIRS), nested at most MaxDepth deep (FTP_MAX_DEPTH, "/a/b"
	// is 2), and MaxFiles files (FTP_MAX_FILES). 100, 8, 10000.
	MaxDirs, MaxDepth, MaxFiles int
	// MaxLoginFailures failed logins from one address within LoginWindow
	// get the address refused for LoginBlock. 5, 10 minutes, 15 minutes.
	MaxLoginFailures int
	LoginWindow      time.Duration
	LoginBlock       time.Duration
	// LoginFailureDelay is waited before answering a failed login. 1s.
	LoginFailureDelay time.Duration
	// LoginFunc, when set, is told of every login attempt, its client
	// address and, when refused, why (the recorders' health page): a
	// lectern.ContactLog's Record, which never blocks and coalesces a
	// flood of attempts into a write now and then.
	LoginFunc func(lectern.LoginAttempt)
}

// Deps are the services the server uses.
type Deps struct {
	Recorders lectern.RecorderService
	Intake    *lectern.Intake
	Sightings lectern.SightingService
	Logger    *slog.Logger
}

// Server is the FTP server. Create it with New, then Start it.
type Server struct {
	cfg      Config
	deps     Deps
	log      *slog.Logger
	tls      *tls.Config
	throttle *throttle.Throttle

	pasvIP string // for PASV replies, set by Start

	mu      sync.Mutex
	ln      net.Listener
	conns   map[string]*conn   // by remote address
	perIP   map[netip.Addr]int // control connections by client address
	dirLock sync.Mutex         // MKD's bound checks and mkdir, one at a time
	started bool
	stopped bool
	ctx     context.Context
	cancel  context.CancelFunc
	wg      sync.WaitGroup // the serve loop and completions in flight
	done    chan struct{}
	stop    sync.Once
}

// New checks cfg and prepares the TLS certificate (loading it, or
// generating and saving a self-signed one).
func New(cfg Config, deps Deps) (*Server, error) {
	if deps.Recorders == nil || deps.Intake == nil || deps.Sightings == nil {
		return nil, errors.New("ftp server: Recorders, Intake and Sightings are required")
	}
	if !filepath.IsAbs(cfg.Root) {
		return nil, fmt.Errorf("ftp server: recorder root %q is not absolute", cfg.Root)
	}
	if _, _, err := net.SplitHostPort(cfg.Addr); err != nil {
		return nil, fmt.Errorf("ftp server: address %q: %w", cfg.Addr, err)
	}
	lo, hi := cfg.PassivePortLow, cfg.PassivePortHigh
	if (lo != 0 || hi != 0) && (lo < 1 || hi > 65535 || lo > hi) {
		return nil, fmt.Errorf("ftp server: passive ports %d-%d: want 1 <= low <= high <= 65535", lo, hi)
	}
	if (cfg.TLSCert == "") != (cfg.TLSKey == "") {
		return nil, errors.New("ftp server: TLS certificate and key go together")
	}
	if a, err := netip.ParseAddr(cfg.PublicHost); err == nil && !a.Unmap().Is4() {
		return nil, fmt.Errorf("ftp server: public host %s: PASV answers need an IPv4 address", cfg.PublicHost)
	}
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&cfg.ConfirmAfter, time.Second)
	def(&cfg.IdleTimeout, 10*time.Minute)
	def(&cfg.LoginTimeout, time.Minute)
	def(&cfg.DataTimeout, 5*time.Minute)
	defN := func(n *int, v int) {
		if *n <= 0 {
			*n = v
		}
	}
	defN(&cfg.MaxClients, 200)
	defN(&cfg.MaxPerIP, 20)
	defN(&cfg.MaxDirs, 100)
	defN(&cfg.MaxDepth, 8)
	defN(&cfg.MaxFiles, 10000)
	def(&cfg.LoginWindow, 10*time.Minute)
	def(&cfg.LoginBlock, 15*time.Minute)
	def(&cfg.LoginFailureDelay, time.Second)
	defN(&cfg.MaxLoginFailures, 5)
	log := deps.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s := &Server{cfg: cfg, deps: deps, log: log, conns: map[string]*conn{}, perIP: map[netip.Addr]int{}, done: make(chan struct{}),
		throttle: throttle.New(cfg.MaxLoginFailures, cfg.LoginWindow, cfg.LoginBlock)}
	cert, err := loadOrCreateCert(cfg, log)
	if err != nil {
		return nil, fmt.Errorf("ftp server: %w", err)
	}
	s.tls = &tls.Config{
		Certificates:       []tls.Certificate{cert},
		MinVersion:         tls.VersionTLS12,
		NextProtos:         []string{"ftp"},
		GetConfigForClient: s.tlsConfigFor,
	}
	return s, nil
}

// Start listens on cfg.Addr and serves in the background until Stop is
// called or ctx is done. It returns once the server is listening.
func (s *Server) Start(ctx context.Context) error {
	s.mu.Lock()
	if s.started || s.stopped {
		s.mu.Unlock()
		return errors.New("ftp server: already started or stopped")
	}
	s.started = true
	s.mu.Unlock()

	publicIP, err := s.publicIP(ctx)
	if err != nil {
		return err
	}
	s.pasvIP = publicIP
	// Lectern opens passive ports itself (dataSocket), in this range,
	// both ends included.
	passive := "any"
	if s.cfg.PassivePortLow > 0 {
		passive = fmt.Sprintf("%d-%d", s.cfg.PassivePortLow, s.cfg.PassivePortHigh)
	}
	srv, err := server.NewServer(&server.Options{
		Commands: s.commands(),
		Driver:   &driver{s: s},
		Auth:     auth{s: s},
		Perm:     perm{},
		Name:     "Lectern",
		// ListenAndServe below must fail without listening: it is only
		// called to load TLSConfig, which Serve alone does not do.
		Hostname:       "127.0.0.1",
		Port:           -1,
		PublicIP:       publicIP,
		TLS:            true,
		ExplicitFTPS:   true,
		TLSConfig:      s.tls,
		WelcomeMessage: "Lectern FTP server ready.",
		Logger:         libLogger{s.log},
	})
	if err != nil {
		return fmt.Errorf("ftp server: %w", err)
	}
	if err := srv.ListenAndServe(); err == nil {
		return errors.New("ftp server: the library listened on an invalid port")
	}

	ln, err := net.Listen("tcp", s.cfg.Addr)
	if err != nil {
		return fmt.Errorf("ftp server: listen on %s: %w", s.cfg.Addr, err)
	}
	s.mu.Lock()
	if s.stopped {
		s.mu.Unlock()
		ln.Close()
		return errors.New("ftp server: stopped while starting")
	}
	s.ln = ln
	s.ctx, s.cancel = context.WithCancel(context.WithoutCancel(ctx))
	s.mu.Unlock()

	// Listening but not yet accepting: uploads the last run answered 226
	// but did not decide are settled first.
	s.completeEnded()
	s.mu.Lock()
	if s.stopped {
		s.mu.Unlock()
		return errors.New("ftp server: stopped while starting")
	}
	s.wg.Add(1)
	s.mu.Unlock()

	go func() {
		defer s.wg.Done()
		// Serve returns when Stop closes the listener.
		_ = srv.Serve(&listener{Listener: ln, s: s})
	}()
	go func() {
		select {
		case <-ctx.Done():
			s.Stop()
		case <-s.done:
		}
	}()
	s.log.Info("ftp server listening", "addr", ln.Addr().String(), "public_ip", publicIP,
		"passive_ports", passive, "require_tls", s.cfg.RequireTLS, "check_recorder_ip", s.cfg.CheckRecorderIP,
		"max_clients", s.cfg.MaxClients, "max_per_ip", s.cfg.MaxPerIP)
	return nil
}

// isStopped tells whether Stop has begun.
func (s *Server) isStopped() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.stopped
}

// Addr returns the control address the server listens on ("" before
// Start).
func (s *Server) Addr() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ln == nil {
		return ""
	}
	return s.ln.Addr().String()
}

// Stop closes the listener and every control connection, waits for the
// completions already under way and returns. Uploads not yet confirmed
// stay held. Stop may be called more than once.
func (s *Server) Stop() {
	s.stop.Do(func() {
		s.mu.Lock()
		s.stopped = true
		ln := s.ln
		conns := make([]*conn, 0, len(s.conns))
		for _, c := range s.conns {
			conns = append(conns, c)
		}
		s.mu.Unlock()
		if ln != nil {
			ln.Close()
		}
		for _, c := range conns {
			c.Close()
		}
		s.wg.Wait()
		if s.cancel != nil {
			s.cancel()
		}
		close(s.done)
		if ln != nil {
			s.log.Info("ftp server stopped")
		}
	})
}

// publicIP is the IPv4 address for PASV answers: PublicHost, resolved when
// it is a name.
func (s *Server) publicIP(ctx context.Context) (string, error) {
	h := s.cfg.PublicHost
	if h == "" {
		return "", nil
	}
	if a, err := netip.ParseAddr(h); err == nil {
		return a.Unmap().String(), nil
	}
	addrs, err := net.DefaultResolver.LookupNetIP(ctx, "ip4", h)
	if err != nil || len(addrs) == 0 {
		return "", fmt.Errorf("ftp server: resolve public host %s: %v", h, err)
	}
	return addrs[0].Unmap().String(), nil
}

// tlsConfigFor marks a control connection as encrypted once its handshake
// is verified. Data connections (not ours) use the base configuration.
func (s *Server) tlsConfigFor(hello *tls.ClientHelloInfo) (*tls.Config, error) {
	c, ok := hello.Conn.(*conn)
	if !ok {
		return nil, nil
	}
	cfg := s.tls.Clone()
	cfg.GetConfigForClient = nil
	cfg.VerifyConnection = func(tls.ConnectionState) error {
		c.setTLS()
		return nil
	}
	return cfg, nil
}

// listener tracks every control connection, so that sessions can find
// their state and Stop can close them.
type listener struct {
	net.Listener
	s *Server
}

// Accept hands the library the next connection within the budget
// (MaxClients, MaxPerIP); one beyond is answered 421 and closed here, so
// that idle connections cannot take every file descriptor of the process.
func (l *listener) Accept() (net.Conn, error) {
	for {
		nc, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		c := newConn(l.s, nc)
		l.s.mu.Lock()
		if l.s.stopped {
			l.s.mu.Unlock()
			nc.Close()
			return nil, net.ErrClosed
		}
		var over string
		switch {
		case len(l.s.conns) >= l.s.cfg.MaxClients:
			over = fmt.Sprintf("Too many connections (%d); try again later.", l.s.cfg.MaxClients)
		case l.s.perIP[c.ip] >= l.s.cfg.MaxPerIP:
			over = fmt.Sprintf("Too many connections from your address (%d); try again later.", l.s.cfg.MaxPerIP)
		default:
			l.s.conns[c.key] = c
			l.s.perIP[c.ip]++
		}
		l.s.mu.Unlock()
		if over == "" {
			return c, nil
		}
		l.s.log.Warn("ftp connection refused: over the connection budget", "remote_addr", c.key, "reason", over)
		go func() {
			_ = nc.SetWriteDeadline(time.Now().Add(time.Second))
			_, _ = fmt.Fprintf(nc, "421 %s\r\n", over)
			nc.Close()
		}()
	}
}

func (s *Server) untrack(c *conn) {
	s.mu.Lock()
	if s.conns[c.key] == c {
		delete(s.conns, c.key)
		if s.perIP[c.ip]--; s.perIP[c.ip] <= 0 {
			delete(s.perIP, c.ip)
		}
	}
	s.mu.Unlock()
}

// connOf returns the state of a session's control connection.
func (s *Server) connOf(sess *server.Session) *conn {
	if c, ok := sess.Data[dataKey].(*conn); ok {
		return c
	}
	s.mu.Lock()
	c := s.conns[sess.RemoteAddr().String()]
	s.mu.Unlock()
	if c != nil {
		sess.Data[dataKey] = c
	}
	return c
}

const dataKey = "lectern.conn"

// remoteIP is the client's address without port, IPv4 unmapped.
func remoteIP(a net.Addr) netip.Addr {
	if ta, ok := a.(*net.TCPAddr); ok {
		if ip, ok := netip.AddrFromSlice(ta.IP); ok {
			return ip.Unmap()
		}
	}
	host, _, _ := net.SplitHostPort(a.String())
	ip, _ := netip.ParseAddr(host)
	return ip.Unmap()
}
