package sftp

import (
	"context"
	"errors"
	"fmt"
	"lectern/throttle"
	"log/slog"
	"net"
	"net/netip"
	"path/filepath"
	"sync"
	"time"

	"golang.org/x/crypto/ssh"

	"lectern"
)

// Config configures the server; cmd/lectern fills it from the SFTP_*
// settings and, for the limits that mean the same, the FTP_* ones. Zero
// durations and counts take the defaults given.
type Config struct {
	Addr string // SFTP_ADDR, host:port; port 0 picks one
	// HostKeys are private key files (SFTP_HOST_KEYS); none: an Ed25519
	// and an RSA key generated into KeyDir on first start, reused after.
	HostKeys        []string
	KeyDir          string // DATA_DIR; "": keys kept in memory
	Root            string // DEFAULT_RECORDER_PATH, absolute
	CheckRecorderIP bool   // FTP_CHECK_RECORDER_IP

	// IdleTimeout closes a logged-in connection that sends nothing for
	// that long, or does not read what it is sent (FTP_IDLE_TIMEOUT).
	// 10 minutes.
	IdleTimeout time.Duration
	// LoginTimeout closes a connection that has not logged in that long
	// after it connected (FTP_LOGIN_TIMEOUT). 60s.
	LoginTimeout time.Duration
	// MaxClients connections at once, MaxPerIP of them from one address
	// (FTP_MAX_CLIENTS, FTP_MAX_PER_IP): beyond, a connection is closed
	// at once. 200, 20.
	MaxClients, MaxPerIP int
	// What a recorder may build in its directory (FTP_MAX_DIRS,
	// FTP_MAX_DEPTH, FTP_MAX_FILES). 100, 8, 10000.
	MaxDirs, MaxDepth, MaxFiles int
	// MaxLoginFailures failed logins from one address within LoginWindow
	// get the address refused for LoginBlock; each failure is answered
	// after LoginFailureDelay. 5, 10 minutes, 15 minutes, 1s.
	MaxLoginFailures  int
	LoginWindow       time.Duration
	LoginBlock        time.Duration
	LoginFailureDelay time.Duration
}

// Deps are the services the server uses.
type Deps struct {
	Recorders lectern.RecorderService
	Intake    *lectern.Intake
	Sightings lectern.SightingService
	Logger    *slog.Logger
}

// Server is the SFTP server. Create it with New, then Start it.
type Server struct {
	cfg      Config
	deps     Deps
	log      *slog.Logger
	keys     []ssh.Signer
	throttle *throttle.Throttle

	mu      sync.Mutex
	ln      net.Listener
	conns   map[net.Conn]struct{}
	perIP   map[netip.Addr]int
	dirLock sync.Mutex // mkdir's bound checks and mkdir, one at a time
	started bool
	stopped bool
	ctx     context.Context
	cancel  context.CancelFunc
	wg      sync.WaitGroup // the accept loop and the connections
	done    chan struct{}
	stop    sync.Once
}

// New checks cfg and loads (or generates and saves) the host keys.
func New(cfg Config, deps Deps) (*Server, error) {
	if deps.Recorders == nil || deps.Intake == nil || deps.Sightings == nil {
		return nil, errors.New("sftp server: Recorders, Intake and Sightings are required")
	}
	if !filepath.IsAbs(cfg.Root) {
		return nil, fmt.Errorf("sftp server: recorder root %q is not absolute", cfg.Root)
	}
	if _, _, err := net.SplitHostPort(cfg.Addr); err != nil {
		return nil, fmt.Errorf("sftp server: address %q: %w", cfg.Addr, err)
	}
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	defN := func(n *int, v int) {
		if *n <= 0 {
			*n = v
		}
	}
	def(&cfg.IdleTimeout, 10*time.Minute)
	def(&cfg.LoginTimeout, time.Minute)
	defN(&cfg.MaxClients, 200)
	defN(&cfg.MaxPerIP, 20)
	defN(&cfg.MaxDirs, 100)
	defN(&cfg.MaxDepth, 8)
	defN(&cfg.MaxFiles, 10000)
	defN(&cfg.MaxLoginFailures, 5)
	def(&cfg.LoginWindow, 10*time.Minute)
	def(&cfg.LoginBlock, 15*time.Minute)
	def(&cfg.LoginFailureDelay, time.Second)
	log := deps.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	keys, err := loadHostKeys(cfg, log)
	if err != nil {
		return nil, fmt.Errorf("sftp server: %w", err)
	}
	return &Server{cfg: cfg, deps: deps, log: log, keys: keys, conns: map[net.Conn]struct{}{}, perIP: map[netip.Addr]int{},
		done: make(chan struct{}), throttle: throttle.New(cfg.MaxLoginFailures, cfg.LoginWindow, cfg.LoginBlock)}, nil
}

// Fingerprints are the host keys' types and SHA256 fingerprints, as
// recorders show them when they first connect ("ssh-ed25519 SHA256:…").
func (s *Server) Fingerprints() []string { return Fingerprints(s.keys) }

// Start listens on cfg.Addr and serves in the background until Stop is
// called or ctx is done. It returns once the server is listening.
func (s *Server) Start(ctx context.Context) error {
	s.mu.Lock()
	if s.started || s.stopped {
		s.mu.Unlock()
		return errors.New("sftp server: already started or stopped")
	}
	s.started = true
	s.mu.Unlock()
	ln, err := net.Listen("tcp", s.cfg.Addr)
	if err != nil {
		return fmt.Errorf("sftp server: listen on %s: %w", s.cfg.Addr, err)
	}
	s.mu.Lock()
	if s.stopped {
		s.mu.Unlock()
		ln.Close()
		return errors.New("sftp server: stopped while starting")
	}
	s.ln = ln
	s.ctx, s.cancel = context.WithCancel(context.WithoutCancel(ctx))
	s.wg.Add(1)
	s.mu.Unlock()
	// Listening but not yet accepting: uploads whose handle was closed
	// but not decided when the server stopped are settled first.
	s.completeEnded()
	go s.acceptLoop(ln)
	go func() {
		select {
		case <-ctx.Done():
			s.Stop()
		case <-s.done:
		}
	}()
	s.log.Info("sftp server listening", "addr", ln.Addr().String(), "check_recorder_ip", s.cfg.CheckRecorderIP,
		"max_clients", s.cfg.MaxClients, "max_per_ip", s.cfg.MaxPerIP, "host_keys", s.Fingerprints())
	return nil
}

// Addr returns the address the server listens on ("" before Start).
func (s *Server) Addr() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ln == nil {
		return ""
	}
	return s.ln.Addr().String()
}

// Stop closes the listener and every connection (their uploads under way
// are broken off and stay held), waits for the completions already under
// way and returns. Stop may be called more than once.
func (s *Server) Stop() {
	s.stop.Do(func() {
		s.mu.Lock()
		s.stopped = true
		ln := s.ln
		conns := make([]net.Conn, 0, len(s.conns))
		for c := range s.conns {
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
			s.log.Info("sftp server stopped")
		}
	})
}

// acceptLoop hands each connection within the budget (MaxClients,
// MaxPerIP) to serveConn; one beyond is closed at once, before its
// handshake, so that idle connections cannot take the process's file
// descriptors. An address refused for its failed logins is closed too.
func (s *Server) acceptLoop(ln net.Listener) {
	defer s.wg.Done()
	for {
		nc, err := ln.Accept()
		if err != nil {
			if !errors.Is(err, net.ErrClosed) {
				s.log.Error("sftp server: accept", "err", err)
			}
			return
		}
		ip := remoteIP(nc.RemoteAddr())
		var over string
		s.mu.Lock()
		switch {
		case s.stopped:
			over = "stopping"
		case len(s.conns) >= s.cfg.MaxClients:
			over = fmt.Sprintf("too many connections (%d)", s.cfg.MaxClients)
		case s.perIP[ip] >= s.cfg.MaxPerIP:
			over = fmt.Sprintf("too many connections from the address (%d)", s.cfg.MaxPerIP)
		default:
			if wait, blocked := s.throttle.Blocked(ip, time.Now()); blocked {
				over = fmt.Sprintf("too many failed logins from the address; refused for %s still", wait.Round(time.Second))
				break
			}
			s.conns[nc] = struct{}{}
			s.perIP[ip]++
			s.wg.Add(1)
		}
		s.mu.Unlock()
		if over != "" {
			s.log.Warn("sftp connection refused", "remote_addr", nc.RemoteAddr().String(), "reason", over)
			nc.Close()
			continue
		}
		go func() {
			defer s.wg.Done()
			defer s.untrack(nc, ip)
			s.serveConn(nc, ip)
		}()
	}
}

func (s *Server) untrack(nc net.Conn, ip netip.Addr) {
	nc.Close()
	s.mu.Lock()
	if _, ok := s.conns[nc]; ok {
		delete(s.conns, nc)
		if s.perIP[ip]--; s.perIP[ip] <= 0 {
			delete(s.perIP, ip)
		}
	}
	s.mu.Unlock()
}

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
