package ldap

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/url"

	goldap "github.com/go-ldap/ldap/v3"
)

// session is one connection, bound, for one call (see the package doc for
// why there is no pool).
type session struct {
	conn *goldap.Conn
	stop func() bool // stops closing conn when the context ends
}

// open dials the directory, bounded by the timeout and ctx, and binds.
// The connection is closed as soon as ctx ends, which makes any request
// on it return at once.
func (d *Directory) open(ctx context.Context) (*session, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("connect to %s: %w", d.addr, err)
	}
	u, _ := url.Parse(d.addr) // checked by New
	dialer := &net.Dialer{Timeout: d.timeout}
	var c net.Conn
	var err error
	if u.Scheme == "ldaps" {
		cfg := d.tlsConfig.Clone()
		if cfg.ServerName == "" {
			cfg.ServerName = u.Hostname()
		}
		c, err = (&tls.Dialer{NetDialer: dialer, Config: cfg}).DialContext(ctx, "tcp", u.Host)
	} else {
		c, err = dialer.DialContext(ctx, "tcp", u.Host)
	}
	if err != nil {
		return nil, fmt.Errorf("connect to %s: %w", d.addr, err)
	}
	conn := goldap.NewConn(c, u.Scheme == "ldaps")
	conn.SetTimeout(d.timeout)
	conn.Start()
	s := &session{conn: conn, stop: context.AfterFunc(ctx, func() { conn.Close() })}
	if d.bindDN != "" {
		if err := conn.Bind(d.bindDN, d.bindPassword); err != nil {
			s.close()
			return nil, d.requestError(ctx, fmt.Sprintf("bind to %s as %s", d.addr, d.bindDN), err)
		}
	}
	return s, nil
}

// close ends the session.
func (s *session) close() {
	s.stop()
	s.conn.Close()
}

// requestError wraps err of what (a bind, a search): ctx's own error when
// the context ended (the connection was closed under the request), a
// plainer message for the usual directory answers.
func (d *Directory) requestError(ctx context.Context, what string, err error) error {
	if ctx.Err() != nil {
		return fmt.Errorf("%s: %w", what, ctx.Err())
	}
	var lerr *goldap.Error
	if errors.As(err, &lerr) {
		switch lerr.ResultCode {
		case goldap.LDAPResultInvalidCredentials:
			return fmt.Errorf("%s: the directory refused AUTH_LDAP_BIND_DN and AUTH_LDAP_BIND_PASSWORD: %w", what, err)
		case goldap.ErrorNetwork:
			return fmt.Errorf("%s: the connection failed or timed out after %s: %w", what, d.timeout, err)
		}
	}
	return fmt.Errorf("%s: %w", what, err)
}
