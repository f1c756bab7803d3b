package mail

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/mail"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	gomail "github.com/wneessen/go-mail"
	"github.com/wneessen/go-mail/smtp"

	"lectern"
)

// Default ports of the two SMTP_URL schemes.
const (
	PortSubmission = 587 // smtp://: STARTTLS when offered
	PortSMTPS      = 465 // smtps://: implicit TLS
)

// DefaultTimeout bounds one delivery: connection, TLS, authentication and
// transfer together.
const DefaultTimeout = lectern.MailSendTimeout

// SMTPConfig configures an SMTPSender.
type SMTPConfig struct {
	// URL is SMTP_URL: smtp://[user:password@]host[:port] or
	// smtps://[user:password@]host[:port]. User and password are
	// URL-encoded (a "@" in a password is "%40").
	URL string
	// From is the sender of messages that have no From of their own
	// (DEFAULT_FROM_EMAIL).
	From string
	// Timeout bounds each delivery; zero means DefaultTimeout.
	Timeout time.Duration
	// TLSConfig verifies the server's certificate, for STARTTLS and
	// smtps. Nil means the system's roots; its ServerName defaults to the
	// URL's host. Tests set it to trust a self-signed certificate.
	TLSConfig *tls.Config
	// HELO is the name the sender gives in EHLO; empty means the
	// machine's host name.
	HELO string
}

// SMTPSender delivers messages to an SMTP server with
// github.com/wneessen/go-mail, one connection per message. It is safe for
// concurrent use.
type SMTPSender struct {
	host      string
	port      int
	implicit  bool // smtps
	user      string
	password  string
	hasAuth   bool
	from      string
	timeout   time.Duration
	tlsConfig *tls.Config
	helo      string
	logger    *slog.Logger
}

var _ lectern.MailSender = (*SMTPSender)(nil)

// NewSMTPSender checks cfg and returns a sender; it does not connect.
func NewSMTPSender(cfg SMTPConfig, logger *slog.Logger) (*SMTPSender, error) {
	u, err := url.Parse(cfg.URL)
	if err != nil {
		return nil, errors.New("SMTP_URL: not a URL")
	}
	s := &SMTPSender{host: u.Hostname(), from: cfg.From, timeout: cfg.Timeout, helo: cfg.HELO, logger: logger}
	switch u.Scheme {
	case "smtp":
		s.port = PortSubmission
	case "smtps":
		s.port, s.implicit = PortSMTPS, true
	default:
		return nil, fmt.Errorf("SMTP_URL: scheme %q, want smtp or smtps", u.Scheme)
	}
	if s.host == "" {
		return nil, errors.New("SMTP_URL: no host")
	}
	if p := u.Port(); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > 65535 {
			return nil, fmt.Errorf("SMTP_URL: bad port %q", p)
		}
		s.port = n
	}
	if u.User != nil {
		s.user = u.User.Username()
		s.password, _ = u.User.Password()
		s.hasAuth = s.user != ""
	}
	if s.timeout <= 0 {
		s.timeout = DefaultTimeout
	}
	if cfg.TLSConfig != nil {
		s.tlsConfig = cfg.TLSConfig.Clone()
	} else {
		s.tlsConfig = &tls.Config{MinVersion: tls.VersionTLS12}
	}
	if s.tlsConfig.ServerName == "" {
		s.tlsConfig.ServerName = s.host
	}
	if s.logger == nil {
		s.logger = slog.New(slog.DiscardHandler)
	}
	return s, nil
}

// Addr is the server's host:port.
func (s *SMTPSender) Addr() string { return net.JoinHostPort(s.host, strconv.Itoa(s.port)) }

// Send implements lectern.MailSender; a message that cannot be sent
// (no recipient, an address that does not parse) is a
// lectern.PermanentMailError.
func (s *SMTPSender) Send(ctx context.Context, m *lectern.Message) error {
	msg, err := s.build(m)
	if err != nil {
		return &lectern.PermanentMailError{Err: fmt.Errorf("message %d: %w", m.ID, err)}
	}
	opts := []gomail.Option{
		gomail.WithPort(s.port),
		gomail.WithTimeout(s.timeout),
		gomail.WithTLSConfig(s.tlsConfig),
	}
	if s.implicit {
		// dial does the TLS handshake; STARTTLS would be redundant.
		opts = append(opts, gomail.WithTLSPolicy(gomail.NoTLS))
	} else {
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSOpportunistic))
	}
	if s.helo != "" {
		opts = append(opts, gomail.WithHELO(s.helo))
	}
	if s.hasAuth {
		opts = append(opts, gomail.WithSMTPAuthCustom(&autoAuth{user: s.user, password: s.password, host: s.host}))
	}
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	opts = append(opts, gomail.WithDialContextFunc(func(dialCtx context.Context, network, addr string) (net.Conn, error) {
		return s.dial(ctx, dialCtx, network, addr)
	}))
	client, err := gomail.NewClient(s.host, opts...)
	if err != nil {
		return fmt.Errorf("smtp client for %s: %w", s.Addr(), err)
	}
	start := time.Now()
	if err := client.DialAndSendWithContext(ctx, msg); err != nil {
		// A 5xx answer is not taken as final: "relay access denied" or
		// "authentication required" come from a configuration an admin
		// can fix, and the retries leave time to do so.
		return fmt.Errorf("send message %d to %s: %w", m.ID, s.Addr(), err)
	}
	s.logger.InfoContext(ctx, "mail sent", "message_id", m.ID, "kind", m.Kind, "to", m.To, "server", s.Addr(),
		"duration", time.Since(start))
	return nil
}

// dial connects to the server and, for smtps, does the TLS handshake.
// go-mail bounds each step with the timeout but only watches a context
// while connecting: the connection is closed when sendCtx ends, so that a
// cancelled or timed-out delivery stops at once.
func (s *SMTPSender) dial(sendCtx, dialCtx context.Context, network, addr string) (net.Conn, error) {
	var d net.Dialer
	conn, err := d.DialContext(dialCtx, network, addr)
	if err != nil {
		return nil, err
	}
	context.AfterFunc(sendCtx, func() { conn.Close() })
	if !s.implicit {
		return conn, nil
	}
	tc := tls.Client(conn, s.tlsConfig)
	if err := tc.HandshakeContext(dialCtx); err != nil {
		conn.Close()
		return nil, fmt.Errorf("tls: %w", err)
	}
	return tc, nil
}

// build turns an outbox message into a MIME message: text and HTML as
// multipart/alternative (in a multipart/related with the HTML's pictures,
// inline.go), and a Message-ID that is the same on every
// attempt, so that a duplicate delivery can be recognised.
func (s *SMTPSender) build(m *lectern.Message) (*gomail.Msg, error) {
	msg := gomail.NewMsg(gomail.WithNoDefaultUserAgent())
	from := m.From
	if from == "" {
		from = s.from
	}
	if err := msg.From(from); err != nil {
		return nil, fmt.Errorf("from %q: %w", from, err)
	}
	if len(m.To) == 0 {
		return nil, errors.New("no recipient")
	}
	if err := msg.To(m.To...); err != nil {
		return nil, fmt.Errorf("to %q: %w", m.To, err)
	}
	msg.Subject(m.Subject)
	msg.SetDateWithValue(time.Now())
	id := messageID(m, from)
	msg.SetMessageIDWithValue(id)
	msg.SetGenHeader(gomail.Header("Auto-Submitted"), "auto-generated")
	msg.SetGenHeader(gomail.HeaderXMailer, "Lectern")
	msg.SetBodyString(gomail.TypeTextPlain, m.Text)
	if m.HTML != "" {
		body, pics := inlinePictures(m.HTML, id)
		msg.AddAlternativeString(gomail.TypeTextHTML, body)
		if err := embedPictures(msg, pics); err != nil {
			return nil, err
		}
	}
	return msg, nil
}

// messageID is <lectern.<id>.<created, unix ns>@<the sender's domain>>:
// unique per outbox message, and stable across its attempts.
func messageID(m *lectern.Message, from string) string {
	domain := "localhost"
	if a, err := mail.ParseAddress(from); err == nil {
		if _, d, ok := strings.Cut(a.Address, "@"); ok && d != "" {
			domain = d
		}
	}
	return fmt.Sprintf("lectern.%d.%d@%s", m.ID, m.CreatedAt.UnixNano(), domain)
}

// autoAuth picks PLAIN, else LOGIN, from the mechanisms the server
// offers. Both refuse to send the credentials over a connection that is
// neither TLS nor to a loopback server.
type autoAuth struct {
	user, password, host string
	mech                 smtp.Auth
}

func (a *autoAuth) Start(server *smtp.ServerInfo) (string, []byte, error) {
	switch {
	case slices.Contains(server.Auth, "PLAIN"):
		a.mech = smtp.PlainAuth("", a.user, a.password, a.host, false)
	case slices.Contains(server.Auth, "LOGIN"):
		a.mech = smtp.LoginAuth(a.user, a.password, a.host, false)
	default:
		return "", nil, fmt.Errorf("the server offers no PLAIN or LOGIN authentication (it offers %q)", server.Auth)
	}
	return a.mech.Start(server)
}

func (a *autoAuth) Next(fromServer []byte, more bool) ([]byte, error) {
	return a.mech.Next(fromServer, more)
}
