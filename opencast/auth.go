package opencast

import (
	"context"
	"fmt"
	"lectern/throttle"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"time"

	"lectern"
	"lectern/password"
)

// AuthConfig sets how capture agents log in.
type AuthConfig struct {
	// NonceLifetime is how long a Digest nonce is good for; 5 minutes
	// when zero. A client whose nonce expired is asked again with
	// stale=true and retries without a new password.
	NonceLifetime time.Duration
	// MaxLoginFailures failed logins from one address within LoginWindow
	// refuse that address for LoginBlock (5, 10 minutes and 15 minutes
	// when zero), as the FTP server does.
	MaxLoginFailures        int
	LoginWindow, LoginBlock time.Duration
	// LoginFailureDelay is spent before answering a failed login; 1s
	// when zero.
	LoginFailureDelay time.Duration
	// DigestSHA256 offers a SHA-256 Digest challenge after the MD5 one.
	// Off by default: curl (pyCA, Galicaster) takes the first, but some
	// clients read only the last challenge, and every agent speaks MD5,
	// as Opencast, which offers nothing else. A response in SHA-256 is
	// accepted either way.
	DigestSHA256 bool
	// LoginFunc, when set, is told of every login by Basic or Digest,
	// accepted (every request an agent makes) or refused, throttled ones
	// included, with Via lectern.ContactAgent: the recorder's health
	// (a lectern.ContactLog's Record). It must not block. A request
	// without credentials (Digest's first, which only asks for a nonce)
	// and a stale nonce are no login.
	LoginFunc func(lectern.LoginAttempt)
}

// Authenticator logs capture agents in as recorders, with a recorder's
// FTP login and password: by HTTP Basic (pyCA's default), or by Digest
// (RFC 7616, qop=auth, MD5 or SHA-256) when the client asks for it with
// X-Requested-Auth: Digest (Opencast's convention, which Galicaster and
// pyCA's auth_method = digest follow) or answers a Digest challenge.
// Failed logins are throttled per client address. It is shared by every
// route of the protocol (capture admin, scheduler, ingest).
type Authenticator struct {
	cfg       AuthConfig
	recorders lectern.RecorderService
	log       *slog.Logger
	nonces    *nonceStore
	throttle  *throttle.Throttle
	now       func() time.Time
}

// NewAuthenticator returns an Authenticator reading recorders.
func NewAuthenticator(cfg AuthConfig, recorders lectern.RecorderService, logger *slog.Logger) *Authenticator {
	if cfg.NonceLifetime <= 0 {
		cfg.NonceLifetime = 5 * time.Minute
	}
	if cfg.MaxLoginFailures <= 0 {
		cfg.MaxLoginFailures = 5
	}
	if cfg.LoginWindow <= 0 {
		cfg.LoginWindow = 10 * time.Minute
	}
	if cfg.LoginFailureDelay <= 0 {
		cfg.LoginFailureDelay = time.Second
	}
	if cfg.LoginBlock <= 0 {
		cfg.LoginBlock = 15 * time.Minute
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &Authenticator{cfg: cfg, recorders: recorders, log: logger, nonces: newNonceStore(cfg.NonceLifetime),
		throttle: throttle.New(cfg.MaxLoginFailures, cfg.LoginWindow, cfg.LoginBlock), now: time.Now}
}

// Recorder logs the request's client in and returns its recorder. When
// it returns false it has answered: 401 with a challenge (no or wrong
// credentials, a stale nonce), 429 (too many failures from the address),
// 400 (a malformed Authorization header) or 500.
func (a *Authenticator) Recorder(w http.ResponseWriter, r *http.Request) (*lectern.Recorder, bool) {
	ip := clientIP(r)
	log := a.log.With("remote_addr", r.RemoteAddr, "path", r.URL.Path)
	if wait, blocked := a.throttle.Blocked(ip, a.now()); blocked {
		log.Warn("capture agent login refused: too many failures from this address", "retry_in", wait.Round(time.Second))
		a.report(0, triedLogin(r), ip, lectern.LoginThrottled)
		w.Header().Set("Retry-After", fmt.Sprint(int(wait/time.Second)+1))
		http.Error(w, "Too many failed logins from your address; try again later.", http.StatusTooManyRequests)
		return nil, false
	}
	scheme, params, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	if strings.EqualFold(scheme, "Basic") || strings.EqualFold(scheme, "Digest") {
		if !a.throttle.Begin(ip, a.now()) {
			log.Warn("capture agent login refused: too many logins being checked from this address")
			w.Header().Set("Retry-After", "1")
			http.Error(w, "Too many logins at once from your address; try again in a moment.", http.StatusTooManyRequests)
			return nil, false
		}
		defer a.throttle.Release(ip)
	}
	switch {
	case strings.EqualFold(scheme, "Basic"):
		login, pw, ok := r.BasicAuth()
		if !ok {
			http.Error(w, "Malformed Basic credentials.", http.StatusBadRequest)
			return nil, false
		}
		return a.basic(w, r, log.With("login", login, "auth", "basic"), ip, login, pw)
	case strings.EqualFold(scheme, "Digest"):
		c, err := parseDigest(params)
		if err != nil {
			log.Warn("capture agent login refused: malformed Digest credentials", "err", err)
			http.Error(w, "Malformed Digest credentials: "+err.Error()+".", http.StatusBadRequest)
			return nil, false
		}
		return a.digest(w, r, log.With("login", c.username, "auth", "digest"), ip, c)
	}
	a.challenge(w, r, false, "Log in with the recorder's FTP login and password.")
	return nil, false
}

// wantsDigest reports whether the client asked for Digest.
func wantsDigest(r *http.Request) bool {
	return strings.EqualFold(strings.TrimSpace(r.Header.Get("X-Requested-Auth")), "Digest") ||
		strings.HasPrefix(strings.ToLower(r.Header.Get("Authorization")), "digest ")
}

// challenge answers 401 with the challenge the client expects: Digest
// (MD5, then SHA-256 when DigestSHA256) for one asking for Digest, else
// Basic.
func (a *Authenticator) challenge(w http.ResponseWriter, r *http.Request, stale bool, msg string) {
	if wantsDigest(r) {
		n := a.nonces.issue(a.now())
		algorithms := []string{"MD5"}
		if a.cfg.DigestSHA256 {
			algorithms = append(algorithms, "SHA-256")
		}
		for _, alg := range algorithms {
			w.Header().Add("WWW-Authenticate", fmt.Sprintf(`Digest realm=%s, qop="auth", algorithm=%s, nonce=%s, opaque=%s, stale=%t`,
				quote(password.DigestRealm), alg, quote(n), quote("lectern"), stale))
		}
	} else {
		w.Header().Set("WWW-Authenticate", `Basic realm=`+quote(password.DigestRealm)+`, charset="UTF-8"`)
	}
	http.Error(w, msg, http.StatusUnauthorized)
}

// findRecorder returns the recorder whose FTP login is login, nil when
// none may log in with it.
func (a *Authenticator) findRecorder(ctx context.Context, login string) (*lectern.Recorder, error) {
	if login == "" {
		return nil, nil
	}
	rec, err := lectern.FindRecorder(ctx, a.recorders, lectern.RecorderFilter{CredentialsLogin: &login})
	if lectern.ErrorCode(err) == lectern.ENOTFOUND {
		return nil, nil
	} else if err != nil {
		return nil, err
	}
	if !rec.HasFTP() || rec.CredentialsLogin != login {
		return nil, nil
	}
	return rec, nil
}

func (a *Authenticator) basic(w http.ResponseWriter, r *http.Request, log *slog.Logger, ip netip.Addr, login, pw string) (*lectern.Recorder, bool) {
	rec, err := a.findRecorder(r.Context(), login)
	if err != nil {
		log.Error("capture agent login: find recorder", "err", err)
		http.Error(w, "Internal error.", http.StatusInternalServerError)
		return nil, false
	}
	if rec == nil {
		password.CheckNone(pw) // an unknown login costs what a wrong password does
		return a.refuse(w, r, log, ip, 0, login, lectern.LoginUnknown, "unknown login")
	}
	if !password.Check(rec.CredentialsPasswordHash, pw) {
		return a.refuse(w, r, log, ip, rec.ID, login, lectern.LoginWrongPassword, "wrong password")
	}
	a.report(rec.ID, rec.CredentialsLogin, ip, "")
	return rec, true
}

func (a *Authenticator) digest(w http.ResponseWriter, r *http.Request, log *slog.Logger, ip netip.Addr, c *digestCredentials) (*lectern.Recorder, bool) {
	nc, ncOK := c.nonceCount()
	_, algOK := digestHash(c.algorithm)
	switch {
	case c.userhash:
		return a.refuse(w, r, log, ip, 0, c.username, lectern.LoginBadDigest, "userhash is not supported")
	case !strings.EqualFold(c.qop, "auth") || c.cnonce == "" || !ncOK:
		return a.refuse(w, r, log, ip, 0, c.username, lectern.LoginBadDigest, "qop=auth with cnonce and nc is required")
	case !algOK:
		return a.refuse(w, r, log, ip, 0, c.username, lectern.LoginBadDigest, "unsupported algorithm "+c.algorithm)
	case c.realm != password.DigestRealm:
		return a.refuse(w, r, log, ip, 0, c.username, lectern.LoginBadDigest, "wrong realm")
	case c.uri != r.RequestURI:
		return a.refuse(w, r, log, ip, 0, c.username, lectern.LoginBadDigest, "the uri parameter is not the request's")
	}
	rec, err := a.findRecorder(r.Context(), c.username)
	if err != nil {
		log.Error("capture agent login: find recorder", "err", err)
		http.Error(w, "Internal error.", http.StatusInternalServerError)
		return nil, false
	}
	if rec == nil {
		return a.refuse(w, r, log, ip, 0, c.username, lectern.LoginUnknown, "unknown login")
	}
	ha1, ok := password.DigestHA1(rec.CredentialsDigest, c.algorithm, rec.CredentialsLogin)
	if !ok {
		// Not counted as a failure: the agent is right, the server lacks
		// what Digest needs.
		log.Warn("capture agent login refused: this recorder's password was set before Lectern kept Digest secrets "+
			"(or under another login): set its FTP password again, or use Basic", "recorder", rec.Name)
		a.challenge(w, r, false, "Digest is not available for this login until its password is set again; use Basic or ask the administrator.")
		return nil, false
	}
	if !c.check(ha1, r.Method) {
		return a.refuse(w, r, log, ip, rec.ID, c.username, lectern.LoginWrongPassword, "wrong password")
	}
	switch a.nonces.use(c.nonce, nc, a.now()) {
	case nonceStale:
		log.Info("capture agent login: stale nonce, asked again")
		a.challenge(w, r, true, "The nonce expired; log in again.")
		return nil, false
	case nonceReplay:
		return a.refuse(w, r, log, ip, rec.ID, c.username, lectern.LoginBadDigest, "nonce count used already (a replay)")
	}
	a.report(rec.ID, rec.CredentialsLogin, ip, "")
	return rec, true
}

// refuse answers a failed login, counted against the address and
// reported (code, a lectern.Login* reason) for recorder (0: none found)
// and login; reason is logged.
func (a *Authenticator) refuse(w http.ResponseWriter, r *http.Request, log *slog.Logger, ip netip.Addr,
	recorder int64, login, code, reason string) (*lectern.Recorder, bool) {
	blocked := a.throttle.Count(ip, a.now())
	a.report(recorder, login, ip, code)
	log.Warn("capture agent login refused", "reason", reason, "blocked", blocked)
	t := time.NewTimer(a.cfg.LoginFailureDelay)
	select {
	case <-t.C:
	case <-r.Context().Done():
		t.Stop()
	}
	a.challenge(w, r, false, "Login incorrect.")
	return nil, false
}

// clientIP is the address of the request's peer.
func clientIP(r *http.Request) netip.Addr {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	ip, _ := netip.ParseAddr(host)
	return ip.Unmap()
}

// report tells LoginFunc of a login (reason empty: accepted).
func (a *Authenticator) report(recorder int64, login string, ip netip.Addr, reason string) {
	if a.cfg.LoginFunc == nil || login == "" {
		return
	}
	a.cfg.LoginFunc(lectern.LoginAttempt{RecorderID: recorder, Login: login, Addr: ip.String(), Via: lectern.ContactAgent,
		At: a.now().UTC(), Reason: reason})
}

// triedLogin is the login a request's credentials name, Basic or
// Digest; "" when none.
func triedLogin(r *http.Request) string {
	if login, _, ok := r.BasicAuth(); ok {
		return login
	}
	if scheme, params, _ := strings.Cut(r.Header.Get("Authorization"), " "); strings.EqualFold(scheme, "Digest") {
		if c, err := parseDigest(params); err == nil {
			return c.username
		}
	}
	return ""
}
