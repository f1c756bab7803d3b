package ldap

import (
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	goldap "github.com/go-ldap/ldap/v3"
)

// Config is what New needs: Pod's LDAP settings as plain fields.
type Config struct {
	// URL, Port and UseSSL are LDAP_SERVER's url, port and use_ssl.
	URL    string
	Port   int
	UseSSL bool
	// BindDN and BindPassword are AUTH_LDAP_BIND_DN and
	// AUTH_LDAP_BIND_PASSWORD; an empty DN binds anonymously.
	BindDN       string
	BindPassword string
	// Base and Filter are AUTH_LDAP_USER_SEARCH's base and filter (with
	// %(uid)s).
	Base   string
	Filter string
	// Mapping is USER_LDAP_MAPPING_ATTRIBUTES; nil: DefaultMapping.
	Mapping map[string]string
	// Timeout bounds the dial and each request; 0: DefaultTimeout.
	Timeout time.Duration
	// TLSConfig is used for ldaps; nil: the system's roots, the URL's
	// host as server name.
	TLSConfig *tls.Config
	Logger    *slog.Logger
}

// DefaultTimeout bounds the dial and each request when Config.Timeout is 0.
const DefaultTimeout = 10 * time.Second

// UIDPlaceholder is where AUTH_LDAP_USER_SEARCH's filter takes the
// username, Python's formatting as in Pod.
const UIDPlaceholder = "%(uid)s"

// DefaultMapping returns Pod's USER_LDAP_MAPPING_ATTRIBUTES default.
func DefaultMapping() map[string]string {
	return map[string]string{
		"uid":                "uid",
		"mail":               "mail",
		"last_name":          "sn",
		"first_name":         "givenname",
		"primaryAffiliation": "eduPersonPrimaryAffiliation",
		"affiliations":       "eduPersonAffiliation",
		"groups":             "memberOf",
	}
}

// MappingKeys are the keys USER_LDAP_MAPPING_ATTRIBUTES may have, Pod's.
var MappingKeys = []string{"uid", "mail", "first_name", "last_name", "primaryAffiliation", "affiliations", "groups", "establishment"}

// Address returns the URL to dial for LDAP_SERVER's url, port and use_ssl
// (ldap://host:port or ldaps://host:port), or why they are wrong.
func Address(rawURL string, port int, useSSL bool) (string, error) {
	rawURL = strings.TrimSpace(rawURL)
	if rawURL == "" {
		return "", errors.New("url is empty")
	}
	if !strings.Contains(rawURL, "://") {
		rawURL = "ldap://" + rawURL // Pod's examples give a bare host
	}
	u, err := url.Parse(rawURL)
	if err != nil {
		return "", fmt.Errorf("url %q does not parse: %v", rawURL, err)
	}
	if u.Scheme != "ldap" && u.Scheme != "ldaps" {
		return "", fmt.Errorf("url %q: want ldap:// or ldaps://", rawURL)
	}
	if u.Hostname() == "" || u.User != nil || (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" {
		return "", fmt.Errorf("url %q: want ldap[s]://host[:port] and nothing more", rawURL)
	}
	if port < 0 || port > 65535 {
		return "", fmt.Errorf("port %d is not a TCP port (1-65535, or 0 for the default)", port)
	}
	scheme := u.Scheme
	if useSSL {
		scheme = "ldaps"
	}
	p := port
	if s := u.Port(); s != "" {
		up, err := strconv.Atoi(s)
		if err != nil || up < 1 || up > 65535 {
			return "", fmt.Errorf("url %q: port %q is not a TCP port", rawURL, s)
		}
		if port != 0 && port != up {
			return "", fmt.Errorf("url %q names port %d but port is %d", rawURL, up, port)
		}
		p = up
	}
	if p == 0 {
		p = 389
		if scheme == "ldaps" {
			p = 636
		}
	}
	return scheme + "://" + net.JoinHostPort(u.Hostname(), strconv.Itoa(p)), nil
}

// CheckFilter tells why AUTH_LDAP_USER_SEARCH's filter is wrong: it must
// hold %(uid)s and be a valid LDAP filter once a username is put there.
func CheckFilter(filter string) error {
	if !strings.Contains(filter, UIDPlaceholder) {
		return fmt.Errorf("filter %q has no %s for the username", filter, UIDPlaceholder)
	}
	for _, v := range []string{"jdupont", "*"} {
		if _, err := goldap.CompileFilter(formatFilter(filter, v)); err != nil {
			return fmt.Errorf("filter %q is not a valid LDAP filter: %v", filter, err)
		}
	}
	return nil
}

// CheckDN tells why AUTH_LDAP_USER_SEARCH's base or AUTH_LDAP_BIND_DN is
// not a DN.
func CheckDN(dn string) error {
	if _, err := goldap.ParseDN(dn); err != nil {
		return fmt.Errorf("%q is not a DN: %v", dn, err)
	}
	return nil
}

// CheckMapping tells why USER_LDAP_MAPPING_ATTRIBUTES is wrong: a key Pod
// does not know, an attribute name that is not one, or no uid.
func CheckMapping(m map[string]string) error {
	for k, v := range m {
		if !slices.Contains(MappingKeys, k) {
			return fmt.Errorf("unknown key %q (want among %s)", k, strings.Join(MappingKeys, ", "))
		}
		if v != "" && !validAttribute(v) {
			return fmt.Errorf("%s: %q is not an attribute name", k, v)
		}
	}
	if m["uid"] == "" {
		return errors.New("uid must name the username's attribute")
	}
	return nil
}

// validAttribute reports whether s is an attribute description: a
// name (letters, digits, hyphens) or an OID, optionally with options.
func validAttribute(s string) bool {
	if s == "" || len(s) > 128 {
		return false
	}
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '.' || c == ';') {
			return false
		}
	}
	return true
}

// formatFilter puts value, already escaped, where filter has %(uid)s, and
// turns %% into %, as Python's formatting does in Pod.
func formatFilter(filter, value string) string {
	var b strings.Builder
	for i := 0; i < len(filter); {
		switch {
		case strings.HasPrefix(filter[i:], UIDPlaceholder):
			b.WriteString(value)
			i += len(UIDPlaceholder)
		case strings.HasPrefix(filter[i:], "%%"):
			b.WriteByte('%')
			i += 2
		default:
			b.WriteByte(filter[i])
			i++
		}
	}
	return b.String()
}
