package sftp

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"os"
	"path"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/crypto/ssh"

	"lectern"
	"lectern/password"
)

// session is a logged-in recorder.
type session struct {
	rec     *lectern.Recorder
	dir     string   // Root/<Directory>, on the host
	root    *os.Root // dir; every file operation goes through it
	log     *slog.Logger
	handles atomic.Int32 // files and listings open

	mu sync.Mutex
	// redirects: names an upload asked for and got another (an earlier
	// deposit's name), for the rest of the session.
	redirects map[string]string
}

// redirect remembers that the upload asked as asked is stored as stored.
func (sn *session) redirect(asked, stored string) {
	sn.mu.Lock()
	defer sn.mu.Unlock()
	if sn.redirects == nil {
		sn.redirects = map[string]string{}
	}
	sn.redirects[asked] = stored
}

// name is the file a request about rel means: the file an upload of rel
// was stored as in this session, while it is there (so that a client
// that checks its upload with a stat finds what it sent), rel otherwise.
// As intake/ftp's redirects.
func (sn *session) name(rel string) string {
	sn.mu.Lock()
	stored, ok := sn.redirects[rel]
	sn.mu.Unlock()
	if ok {
		if _, err := sn.root.Lstat(stored); err == nil {
			return stored
		}
	}
	return rel
}

// forget drops the redirect of asked (deleted or renamed).
func (sn *session) forget(asked string) {
	sn.mu.Lock()
	delete(sn.redirects, asked)
	sn.mu.Unlock()
}

// maxHandles bounds the files and listings a connection holds open at
// once, so that a client cannot take the process's file descriptors.
const maxHandles = 64

// Keys of ssh.Permissions.Extensions set by a successful login.
const (
	recorderKey = "lectern-recorder-id"
	methodKey   = "lectern-method"
)

// Why a login was refused, for the log; the client is told nothing more
// than SSH's "permission denied".
const (
	refusedUnknown  = "unknown login"
	refusedNoFTP    = "the recorder has no FTP password"
	refusedPassword = "wrong password"
	refusedKey      = "key not authorized"
	refusedAddress  = "address is not the recorder's"
)

// errRefused is every refusal's error: SSH tells the client which
// methods are left, never why.
var errRefused = errors.New("permission denied")

// authState is what a connection's handshake tried, for the throttle.
type authState struct {
	login         string
	passwordTried bool
	keyRefused    bool
}

// sshConfig is the handshake's configuration for one connection from ip:
// passwords (the recorder's FTP password, counted by the throttle one by
// one) and public keys (its SFTPAuthorizedKeys); nothing else.
func (s *Server) sshConfig(ip netip.Addr, st *authState, log *slog.Logger) *ssh.ServerConfig {
	cfg := &ssh.ServerConfig{
		MaxAuthTries:  6,
		ServerVersion: "SSH-2.0-Lectern",
		PasswordCallback: func(md ssh.ConnMetadata, pw []byte) (*ssh.Permissions, error) {
			login := md.User()
			st.login, st.passwordTried = login, true
			log := log.With("login", login)
			if wait, blocked := s.throttle.Blocked(ip, time.Now()); blocked {
				log.Warn("sftp login refused: too many failures from this address", "retry_in", wait.Round(time.Second))
				return nil, errRefused
			}
			if !s.throttle.Begin(ip, time.Now()) {
				log.Warn("sftp login refused: too many attempts under way from this address", "max", s.cfg.MaxLoginFailures)
				return nil, errRefused
			}
			rec, refused, err := s.authenticate(login, func(rec *lectern.Recorder) (bool, string) {
				if rec == nil {
					password.CheckNone(string(pw))
					return false, refusedNoFTP
				}
				return password.Check(rec.CredentialsPasswordHash, string(pw)), refusedPassword
			}, ip)
			if err != nil {
				s.throttle.Release(ip)
				log.Error("sftp login: find recorder", "err", err)
				return nil, errRefused
			}
			if rec == nil {
				blocked := s.throttle.Fail(ip, time.Now())
				log.Warn("sftp login refused", "reason", refused, "blocked", blocked)
				time.Sleep(s.cfg.LoginFailureDelay)
				return nil, errRefused
			}
			return permissions(rec, "password"), nil
		},
		PublicKeyCallback: func(md ssh.ConnMetadata, key ssh.PublicKey) (*ssh.Permissions, error) {
			login := md.User()
			st.login = login
			if _, blocked := s.throttle.Blocked(ip, time.Now()); blocked {
				return nil, errRefused
			}
			rec, refused, err := s.authenticate(login, func(rec *lectern.Recorder) (bool, string) {
				return rec != nil && authorized(rec.SFTPAuthorizedKeys, key), refusedKey
			}, ip)
			if err != nil {
				log.Error("sftp login: find recorder", "login", login, "err", err)
				return nil, errRefused
			}
			if rec == nil {
				st.keyRefused = true
				log.Info("sftp key refused", "login", login, "reason", refused, "key", ssh.FingerprintSHA256(key))
				return nil, errRefused
			}
			return permissions(rec, "publickey "+ssh.FingerprintSHA256(key)), nil
		},
	}
	for _, k := range s.keys {
		cfg.AddHostKey(k)
	}
	return cfg
}

func permissions(rec *lectern.Recorder, method string) *ssh.Permissions {
	return &ssh.Permissions{Extensions: map[string]string{recorderKey: strconv.FormatInt(rec.ID, 10), methodKey: method}}
}

// authenticate finds the recorder of login, lets check verify the
// credential (called with nil when there is no such recorder with FTP
// access, so that a password costs the same bcrypt time either way) and
// checks the client address; nil and the reason when refused.
func (s *Server) authenticate(login string, check func(*lectern.Recorder) (bool, string), ip netip.Addr) (*lectern.Recorder, string, error) {
	rec, err := lectern.FindRecorder(s.ctx, s.deps.Recorders, lectern.RecorderFilter{CredentialsLogin: &login})
	if lectern.ErrorCode(err) == lectern.ENOTFOUND {
		check(nil)
		return nil, refusedUnknown, nil
	} else if err != nil {
		return nil, "", err
	}
	if !rec.HasFTP() || rec.CredentialsLogin != login {
		check(nil)
		return nil, refusedNoFTP, nil
	}
	if ok, why := check(rec); !ok {
		return nil, why, nil
	}
	if s.cfg.CheckRecorderIP {
		if want, err := netip.ParseAddr(rec.AddressIP); err != nil || want.Unmap() != ip {
			return nil, refusedAddress, nil
		}
	}
	return rec, "", nil
}

// authorized reports whether key is one of the authorized_keys lines.
func authorized(lines string, key ssh.PublicKey) bool {
	want := key.Marshal()
	rest := []byte(lines)
	for len(rest) > 0 {
		k, _, _, r, err := ssh.ParseAuthorizedKey(rest)
		if err != nil {
			return false // nothing more to read
		}
		if bytes.Equal(k.Marshal(), want) {
			return true
		}
		rest = r
	}
	return false
}

// openSession reads the recorder that logged in again, creates its
// directory when missing (0750) and opens it as the session's root.
func (s *Server) openSession(id int64, log *slog.Logger) (*session, error) {
	rec, err := s.deps.Recorders.FindRecorderByID(s.ctx, id)
	if err != nil {
		return nil, fmt.Errorf("find recorder %d: %w", id, err)
	}
	dir, root, err := lectern.OpenRecorderFolder(s.cfg.Root, rec.Directory)
	if err != nil {
		return nil, fmt.Errorf("recorder %d: %w", rec.ID, err)
	}
	return &session{rec: rec, dir: dir, root: root, log: log.With("recorder", rec.Name)}, nil
}

// relPath turns a path as the client sees it (absolute and clean from
// the library, ".." already resolved against "/") into a name for
// os.Root.
func relPath(p string) string {
	r := strings.TrimPrefix(path.Clean("/"+p), "/")
	if r == "" {
		return "."
	}
	return r
}
