package sftp

import (
	"encoding/binary"
	"net"
	"net/netip"
	"strconv"
	"sync"
	"time"

	"github.com/pkg/sftp"
	"golang.org/x/crypto/ssh"
)

// maxSessions is how many SFTP sessions (channels) one connection may
// hold at once: a recorder uses one; a few more allow a client that
// lists in one while uploading in another.
const maxSessions = 4

// timedConn arms the login timeout until the handshake has logged the
// client in, then the idle timeout at every read and write: a client
// that sends nothing, or reads nothing it is sent, for IdleTimeout is
// cut off (SSH keepalives count as traffic, as they do for sshd's
// ClientAliveInterval).
type timedConn struct {
	net.Conn
	s *Server

	mu       sync.Mutex
	loggedIn bool
	deadline time.Time // of the login
}

func (c *timedConn) arm(write bool) {
	c.mu.Lock()
	d := c.deadline
	if c.loggedIn {
		d = time.Now().Add(c.s.cfg.IdleTimeout)
	}
	c.mu.Unlock()
	if write {
		_ = c.Conn.SetWriteDeadline(d)
	} else {
		_ = c.Conn.SetReadDeadline(d)
	}
}

func (c *timedConn) Read(p []byte) (int, error) {
	c.arm(false)
	return c.Conn.Read(p)
}

func (c *timedConn) Write(p []byte) (int, error) {
	c.arm(true)
	return c.Conn.Write(p)
}

// serveConn runs the SSH handshake, then serves the connection's
// channels: "session" channels asking for the "sftp" subsystem, nothing
// else (no shell, exec, pty, env, port forwarding, agent or X11).
func (s *Server) serveConn(nc net.Conn, ip netip.Addr) {
	c := &timedConn{Conn: nc, s: s, deadline: time.Now().Add(s.cfg.LoginTimeout)}
	log := s.log.With("remote_addr", nc.RemoteAddr().String())
	st := &authState{}
	sc, chans, reqs, err := ssh.NewServerConn(c, s.sshConfig(ip, st, log))
	if err != nil {
		if st.keyRefused && !st.passwordTried {
			// A connection that offered only keys, none of them good, is
			// one failure (a client tries each key of its agent in turn).
			blocked := s.throttle.Fail(ip, time.Now())
			log.Warn("sftp login refused", "login", st.login, "reason", "no authorized key", "blocked", blocked)
		} else {
			log.Debug("sftp handshake ended", "err", err)
		}
		return
	}
	defer sc.Close()
	s.throttle.Succeed(ip, time.Now())
	// Global requests (tcpip-forward, keepalives) are all answered no.
	go ssh.DiscardRequests(reqs)
	id, _ := strconv.ParseInt(sc.Permissions.Extensions[recorderKey], 10, 64)
	log = log.With("login", sc.User())
	sn, err := s.openSession(id, log)
	if err != nil {
		log.Error("sftp login: open recorder directory", "err", err)
		return
	}
	defer sn.root.Close()
	c.mu.Lock()
	c.loggedIn = true
	c.mu.Unlock()
	// The read under way still has the login's deadline: the idle
	// timeout starts now.
	_ = nc.SetReadDeadline(time.Now().Add(s.cfg.IdleTimeout))
	sn.log.Info("sftp login", "recorder_id", sn.rec.ID, "directory", sn.rec.Directory, "method", sc.Permissions.Extensions[methodKey])

	var wg sync.WaitGroup
	defer wg.Wait()
	active := make(chan struct{}, maxSessions)
	for nch := range chans {
		if nch.ChannelType() != "session" {
			sn.log.Warn("sftp channel refused", "type", nch.ChannelType())
			_ = nch.Reject(ssh.Prohibited, "only SFTP sessions are served here")
			continue
		}
		select {
		case active <- struct{}{}:
		default:
			_ = nch.Reject(ssh.ResourceShortage, "too many sessions on this connection")
			continue
		}
		ch, creqs, err := nch.Accept()
		if err != nil {
			<-active
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-active }()
			s.serveChannel(ch, creqs, sn)
		}()
	}
}

// serveChannel answers a session channel's requests: the first
// "subsystem sftp" starts the SFTP server on it; every other request
// (shell, exec, pty-req, env, another subsystem) is refused.
func (s *Server) serveChannel(ch ssh.Channel, reqs <-chan *ssh.Request, sn *session) {
	defer ch.Close()
	var once sync.Once
	for req := range reqs {
		ok := false
		if req.Type == "subsystem" && subsystem(req.Payload) == "sftp" {
			once.Do(func() {
				ok = true
				go func() {
					s.serveSFTP(ch, sn)
					ch.Close()
				}()
			})
		}
		if !ok {
			sn.log.Warn("sftp session request refused", "request", req.Type, "subsystem", subsystem(req.Payload))
		}
		if req.WantReply {
			_ = req.Reply(ok, nil)
		}
	}
}

// subsystem is the name a "subsystem" request's payload asks for (an SSH
// string: its length, then its bytes).
func subsystem(payload []byte) string {
	if len(payload) < 4 {
		return ""
	}
	n := binary.BigEndian.Uint32(payload)
	if uint64(n) > uint64(len(payload)-4) {
		return ""
	}
	return string(payload[4 : 4+n])
}

// serveSFTP runs pkg/sftp's request server on the channel, every request
// going to the session's handlers (handler.go).
func (s *Server) serveSFTP(ch ssh.Channel, sn *session) {
	h := &handler{s: s, sn: sn}
	rs := sftp.NewRequestServer(ch, sftp.Handlers{FileGet: h, FilePut: h, FileCmd: h, FileList: h},
		sftp.WithStartDirectory("/"))
	err := rs.Serve()
	_ = rs.Close()
	sn.log.Debug("sftp session ended", "err", err)
}
