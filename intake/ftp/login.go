package ftp

import (
	"fmt"
	"log/slog"
	"net/netip"
	"os"
	"time"

	"goftp.io/server/v2"

	"lectern"
	"lectern/password"
)

// session is a logged-in recorder.
type session struct {
	rec   *lectern.Recorder
	login string
	dir   string   // Root/<Directory>, on the host
	root  *os.Root // dir; every file operation goes through it
	log   *slog.Logger
	// redirects: names the session asked for and got another (name).
	redirects redirects
}

// Why a login was refused, for the log; the client is told less.
const (
	refusedUnknown  = "unknown login"
	refusedNoFTP    = "the recorder has no FTP password"
	refusedPassword = "wrong password"
	refusedAddress  = "address is not the recorder's"
)

func (s *Server) user(c *conn, sess *server.Session, login string, lib server.Command) {
	if s.refuseBlocked(c, sess, login) || s.refuseClear(c, sess, login) {
		return
	}
	if c.session() != nil {
		sess.WriteMessage(503, "Already logged in.")
		return
	}
	c.user = login
	lib.Execute(sess, login)
}

// pass checks the password itself, then lets the library's PASS log the
// session in through auth.CheckPasswd.
func (s *Server) pass(c *conn, sess *server.Session, pw string, lib server.Command) {
	if s.refuseBlocked(c, sess, c.user) || s.refuseClear(c, sess, c.user) {
		return
	}
	if c.session() != nil {
		sess.WriteMessage(503, "Already logged in.")
		return
	}
	login := c.user
	c.user = ""
	if login == "" {
		sess.WriteMessage(503, "Send USER first.")
		return
	}
	log := s.log.With("login", login, "remote_addr", c.key)
	if !s.throttle.Begin(c.ip, time.Now()) {
		log.Warn("ftp login refused: too many attempts under way from this address", "max", s.cfg.MaxLoginFailures)
		s.reportLogin(0, login, c, lectern.LoginThrottled)
		sess.WriteMessage(421, "Too many login attempts under way from your address; try again in a moment.")
		sess.Close()
		return
	}
	rec, refused, err := s.authenticate(login, pw, c.ip)
	if err != nil {
		s.throttle.Release(c.ip)
		log.Error("ftp login: find recorder", "err", err)
		sess.WriteMessage(421, "Service not available, try again later.")
		sess.Close()
		return
	}
	if refused != "" {
		blocked := s.throttle.Fail(c.ip, time.Now())
		log.Warn("ftp login refused", "reason", refused, "blocked", blocked)
		var id int64
		if rec != nil {
			id = rec.ID
		}
		s.reportLogin(id, login, c, refusedReasons[refused])
		time.Sleep(s.cfg.LoginFailureDelay)
		if refused == refusedAddress {
			sess.WriteMessage(530, "Login not allowed from this address.")
		} else {
			sess.WriteMessage(530, "Login incorrect.")
		}
		return
	}
	s.throttle.Succeed(c.ip, time.Now())
	log = log.With("recorder", rec.Name)
	sn, err := s.openSession(rec, login, log)
	if err != nil {
		log.Error("ftp login: open recorder directory", "err", err)
		sess.WriteMessage(550, "Your directory is not available; ask the administrator.")
		return
	}
	c.mu.Lock()
	if c.dead {
		c.mu.Unlock()
		sn.root.Close()
		return
	}
	c.approved = login
	c.sess = sn
	c.loggedIn = true
	c.mu.Unlock()
	lib.Execute(sess, pw) // calls auth.CheckPasswd, answers 230
	s.reportLogin(rec.ID, login, c, "")
	log.Info("ftp login", "recorder_id", rec.ID, "directory", rec.Directory, "tls", c.isTLS())
}

// authenticate finds the recorder of login and checks pw and the client
// address; the reason when refused, with the recorder when one has the
// login. Every refusal costs one bcrypt comparison, so that timing does
// not tell which logins exist.
func (s *Server) authenticate(login, pw string, ip netip.Addr) (*lectern.Recorder, string, error) {
	rec, err := lectern.FindRecorder(s.ctx, s.deps.Recorders, lectern.RecorderFilter{CredentialsLogin: &login})
	if lectern.ErrorCode(err) == lectern.ENOTFOUND {
		password.CheckNone(pw)
		return nil, refusedUnknown, nil
	} else if err != nil {
		return nil, "", err
	}
	if rec.CredentialsLogin != login {
		password.CheckNone(pw)
		return nil, refusedUnknown, nil
	}
	if !rec.HasFTP() {
		password.CheckNone(pw)
		return rec, refusedNoFTP, nil
	}
	if !password.Check(rec.CredentialsPasswordHash, pw) {
		return rec, refusedPassword, nil
	}
	if s.cfg.CheckRecorderIP {
		if want, err := netip.ParseAddr(rec.AddressIP); err != nil || want.Unmap() != ip {
			return rec, refusedAddress, nil
		}
	}
	return rec, "", nil
}

// refusedReasons are the refusals as the recorders' health keeps them.
var refusedReasons = map[string]string{
	refusedUnknown:  lectern.LoginUnknown,
	refusedNoFTP:    lectern.LoginNoPassword,
	refusedPassword: lectern.LoginWrongPassword,
	refusedAddress:  lectern.LoginRefusedAddress,
}

// reportLogin tells Config.LoginFunc of an attempt (reason empty: it
// succeeded); recorder is 0 when it was not looked up, and an attempt
// without a login (PASS before USER) is not reported. LoginFunc must not
// block: it is called for every attempt, throttled ones included.
func (s *Server) reportLogin(recorder int64, login string, c *conn, reason string) {
	if s.cfg.LoginFunc == nil || login == "" {
		return
	}
	s.cfg.LoginFunc(lectern.LoginAttempt{RecorderID: recorder, Login: login, Addr: c.ip.String(),
		Via: lectern.ContactFTP, At: time.Now().UTC(), Reason: reason})
}

func (s *Server) refuseBlocked(c *conn, sess *server.Session, login string) bool {
	wait, blocked := s.throttle.Blocked(c.ip, time.Now())
	if !blocked {
		return false
	}
	s.log.Warn("ftp login refused: too many failures from this address", "remote_addr", c.key,
		"retry_in", wait.Round(time.Second))
	s.reportLogin(0, login, c, lectern.LoginThrottled)
	minutes := int((wait + time.Minute - 1) / time.Minute)
	sess.WriteMessage(421, fmt.Sprintf("Too many failed logins from your address; try again in %d minute(s).", minutes))
	sess.Close()
	return true
}

func (s *Server) refuseClear(c *conn, sess *server.Session, login string) bool {
	if !s.cfg.RequireTLS || c.isTLS() {
		return false
	}
	s.reportLogin(0, login, c, lectern.LoginTLSRequired)
	sess.WriteMessage(530, "This server requires TLS: send AUTH TLS before logging in.")
	return true
}

// openSession creates the recorder's directory when missing (0750) and
// opens it as the session's root.
func (s *Server) openSession(rec *lectern.Recorder, login string, log *slog.Logger) (*session, error) {
	dir, root, err := lectern.OpenRecorderFolder(s.cfg.Root, rec.Directory)
	if err != nil {
		return nil, fmt.Errorf("recorder %d: %w", rec.ID, err)
	}
	return &session{rec: rec, login: login, dir: dir, root: root, log: log}, nil
}

// auth lets the library's PASS log in the login that pass approved; it
// does no check of its own.
type auth struct{ s *Server }

func (a auth) CheckPasswd(ctx *server.Context, name, _ string) (bool, error) {
	c := a.s.connOf(ctx.Sess)
	if c == nil {
		return false, nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	ok := c.approved != "" && c.approved == name
	c.approved = ""
	return ok, nil
}
