package ldap

import (
	"context"
	"crypto/tls"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	goldap "github.com/go-ldap/ldap/v3"

	"lectern"
)

// Directory is the people directory over LDAP; it implements
// lectern.Directory. It is safe for concurrent use.
type Directory struct {
	addr         string
	bindDN       string
	bindPassword string
	base         string
	filter       string
	mapping      map[string]string
	attributes   []string
	timeout      time.Duration
	tlsConfig    *tls.Config
	logger       *slog.Logger
}

var _ lectern.Directory = (*Directory)(nil)

// Limits of a people search: a longer query finds nobody (no name is
// that long, and the filter stays small), and the directory is asked for
// at most searchCap entries, sorted here by username before the first
// limit are returned (LDAP servers sort only with an overlay, often not
// loaded). A username longer than maxQueryLen is nobody's either.
const (
	maxQueryLen   = 256 // bytes
	maxQueryWords = 8
	searchCap     = 200
)

// New returns the directory cfg describes, or why cfg is wrong. It does not
// connect: a directory that is down at start-up fails the calls, not the
// start.
func New(cfg Config) (*Directory, error) {
	addr, err := Address(cfg.URL, cfg.Port, cfg.UseSSL)
	if err != nil {
		return nil, fmt.Errorf("ldap: LDAP_SERVER: %w", err)
	}
	if err := CheckFilter(cfg.Filter); err != nil {
		return nil, fmt.Errorf("ldap: AUTH_LDAP_USER_SEARCH: %w", err)
	}
	if err := CheckDN(cfg.Base); err != nil {
		return nil, fmt.Errorf("ldap: AUTH_LDAP_USER_SEARCH: base %w", err)
	}
	if err := CheckDN(cfg.BindDN); err != nil {
		return nil, fmt.Errorf("ldap: AUTH_LDAP_BIND_DN: %w", err)
	}
	mapping := cfg.Mapping
	if mapping == nil {
		mapping = DefaultMapping()
	}
	if err := CheckMapping(mapping); err != nil {
		return nil, fmt.Errorf("ldap: USER_LDAP_MAPPING_ATTRIBUTES: %w", err)
	}
	d := &Directory{
		addr: addr, bindDN: cfg.BindDN, bindPassword: cfg.BindPassword,
		base: cfg.Base, filter: cfg.Filter,
		mapping:   maps.Clone(mapping),
		timeout:   cfg.Timeout,
		tlsConfig: cfg.TLSConfig,
		logger:    cfg.Logger,
	}
	if d.timeout <= 0 {
		d.timeout = DefaultTimeout
	}
	if d.tlsConfig == nil {
		d.tlsConfig = &tls.Config{MinVersion: tls.VersionTLS12}
	}
	if d.logger == nil {
		d.logger = slog.New(slog.DiscardHandler)
	}
	for _, k := range MappingKeys {
		if a := d.mapping[k]; a != "" && k != "establishment" && !slices.Contains(d.attributes, a) {
			d.attributes = append(d.attributes, a)
		}
	}
	return d, nil
}

// Address returns the URL the directory dials.
func (d *Directory) Address() string { return d.addr }

// String names the directory by its address, so that printing it (%v,
// %+v) never shows the bind password.
func (d *Directory) String() string { return "LDAP directory " + d.addr }

// GoString is String, for %#v.
func (d *Directory) GoString() string { return d.String() }

// LookupPerson returns the person whose username is username, found with
// AUTH_LDAP_USER_SEARCH's filter; ENOTFOUND when there is none.
func (d *Directory) LookupPerson(ctx context.Context, username string) (*lectern.Identity, error) {
	username = strings.TrimSpace(username)
	if username == "" || len(username) > maxQueryLen || !utf8.ValidString(username) || strings.IndexFunc(username, invisible) >= 0 {
		return nil, lectern.Errorf(lectern.ENOTFOUND, "The directory has nobody with this username.")
	}
	filter := formatFilter(d.filter, goldap.EscapeFilter(username))
	// Two, to tell a filter that matches several people from one.
	entries, err := d.search(ctx, filter, 2)
	if err != nil {
		return nil, fmt.Errorf("ldap: look up %q: %w", username, err)
	}
	switch len(entries) {
	case 0:
		return nil, lectern.Errorf(lectern.ENOTFOUND, "The directory has nobody with this username.")
	case 1:
	default:
		return nil, fmt.Errorf("ldap: look up %q: the filter of AUTH_LDAP_USER_SEARCH matches several entries (%s, %s)", username, entries[0].DN, entries[1].DN)
	}
	id := d.identity(entries[0])
	if id.Username == "" {
		id.Username = username
	}
	return &id, nil
}

// SearchPeople returns at most limit people, sorted by username, whose
// username, email, first or last name or cn contains each word of query
// (case-insensitively, as the directory's schema compares those
// attributes). Words without a letter or a digit are left out. A query
// with none, with a control or format character (which the directory's
// string preparation, RFC 4518, would drop, leaving "**"), not UTF-8, of
// more than 256 bytes or 8 words, or a limit of 0 finds nobody: whatever
// someone types in a people picker, only the directory failing is an
// error.
func (d *Directory) SearchPeople(ctx context.Context, query string, limit int) ([]lectern.Identity, error) {
	if len(query) > maxQueryLen || len(strings.Fields(query)) > maxQueryWords || !utf8.ValidString(query) ||
		strings.IndexFunc(query, invisible) >= 0 {
		return nil, nil
	}
	var words []string
	for _, w := range strings.Fields(query) {
		if strings.IndexFunc(w, func(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }) >= 0 {
			words = append(words, w)
		}
	}
	if len(words) == 0 || limit <= 0 {
		return nil, nil
	}
	var attrs []string
	for _, k := range []string{"uid", "mail", "first_name", "last_name"} {
		if a := d.mapping[k]; a != "" && !slices.ContainsFunc(attrs, func(s string) bool { return strings.EqualFold(s, a) }) {
			attrs = append(attrs, a)
		}
	}
	if !slices.ContainsFunc(attrs, func(s string) bool { return strings.EqualFold(s, "cn") }) {
		attrs = append(attrs, "cn")
	}
	var b strings.Builder
	b.WriteString("(&")
	b.WriteString(formatFilter(d.filter, "*"))
	for _, w := range words {
		esc := goldap.EscapeFilter(w)
		b.WriteString("(|")
		for _, a := range attrs {
			fmt.Fprintf(&b, "(%s=*%s*)", a, esc)
		}
		b.WriteString(")")
	}
	b.WriteString(")")
	entries, err := d.search(ctx, b.String(), max(limit, searchCap))
	if err != nil {
		return nil, fmt.Errorf("ldap: search people %q: %w", query, err)
	}
	people := make([]lectern.Identity, 0, len(entries))
	for _, e := range entries {
		if id := d.identity(e); id.Username != "" {
			people = append(people, id)
		}
	}
	slices.SortFunc(people, func(a, b lectern.Identity) int { return strings.Compare(a.Username, b.Username) })
	if len(people) > limit {
		people = people[:limit]
	}
	return people, nil
}

// invisible tells the characters a directory's string preparation (RFC
// 4518) maps to nothing or refuses: controls and format characters.
func invisible(r rune) bool {
	return unicode.IsControl(r) || unicode.Is(unicode.Cf, r) || r == utf8.RuneError
}

// search runs one subtree search under the base, on its own connection,
// and returns up to size entries (a server's size limit is no error).
func (d *Directory) search(ctx context.Context, filter string, size int) ([]*goldap.Entry, error) {
	start := time.Now()
	s, err := d.open(ctx)
	if err != nil {
		return nil, err
	}
	defer s.close()
	req := goldap.NewSearchRequest(d.base, goldap.ScopeWholeSubtree, goldap.NeverDerefAliases,
		size, int(d.timeout/time.Second), false, filter, d.attributes, nil)
	res, err := s.conn.Search(req)
	if err != nil && !goldap.IsErrorWithCode(err, goldap.LDAPResultSizeLimitExceeded) {
		if goldap.IsErrorWithCode(err, goldap.LDAPResultNoSuchObject) {
			return nil, fmt.Errorf("search under %s: AUTH_LDAP_USER_SEARCH's base is not in the directory: %w", d.base, err)
		}
		return nil, d.requestError(ctx, "search under "+d.base, err)
	}
	d.logger.DebugContext(ctx, "ldap search", "filter", filter, "entries", len(res.Entries), "duration", time.Since(start))
	return res.Entries, nil
}
