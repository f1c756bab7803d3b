// Package idptest gives tests real identity providers: an OpenLDAP
// directory (slapd) holding the test people, and LemonLDAP::NG, which is a
// CAS server, an OpenID Connect provider and a SAML 2.0 identity provider
// backed by that directory, behind nginx. For test code only.
//
// The first test that calls Start starts them for the test binary (one set
// per package tested) with scripts/idp/up, on free loopback ports, in a
// temporary folder; a watchdog process stops them (scripts/idp/down) and
// removes the folder when the test binary exits, however it ends. The
// packages come from scripts/idp/install (scripts/test runs it); a missing
// package fails the test, saying what to run, and never skips it. The
// daemons need root, as the tests run here (slapd and the portal drop to
// their own users).
//
// The identity providers know MaxApps applications, each a base URL on a
// loopback port chosen at start: a test takes one with App (the CAS
// service, the OIDC client with its secret, the SAML service provider with
// the SP key pair in SPCert/SPKey) and runs its Lectern there, with
// HTTP_ADDR = App.Addr and BASE_URL = App.URL + "/".
package idptest

import (
	"context"
	"fmt"
	mathrand "math/rand/v2"
	"net"
	"net/http"
	"net/http/cookiejar"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// MaxApps is how many applications the providers know at once.
const MaxApps = 4

// Host is the portal's host name (in /etc/hosts, added by scripts/idp/up):
// LemonLDAP::NG's cookie needs a domain name, not an address.
const Host = "auth.example.test"

// The directory's fixed names.
const (
	LDAPBase     = "dc=example,dc=test"
	PeopleBase   = "ou=people,dc=example,dc=test"
	GroupsBase   = "ou=groups,dc=example,dc=test"
	BindDN       = "cn=admin,dc=example,dc=test"
	BindPassword = "adminpw"
)

// Person is one of the test people, as the directory holds them.
type Person struct {
	Username, Password string
	FirstName          string // givenName
	LastName           string // sn
	Email              string // mail, and eduPersonPrincipalName
	PrimaryAffiliation string
	Affiliations       []string
	Groups             []string // the cn of each group; memberOf holds their DNs
}

// People are the directory's people: alice (staff), bob (faculty), carol
// (student), and dave (employee), whom tests never log in (the people
// pickers find him in the directory).
var People = map[string]Person{
	"alice": {"alice", "alicepw", "Alice", "Staff", "alice@example.test", "staff", []string{"staff", "member"}, []string{"lecturers"}},
	"bob":   {"bob", "bobpw", "Bob", "Faculty", "bob@example.test", "faculty", []string{"faculty", "member"}, []string{"lecturers"}},
	"carol": {"carol", "carolpw", "Carol", "Student", "carol@example.test", "student", []string{"student", "member"}, []string{"students"}},
	"dave":  {"dave", "davepw", "Dave", "Employee", "dave@example.test", "employee", []string{"employee", "member"}, nil},
}

// IdP is a running set of identity providers.
type IdP struct {
	// LDAPURL is the directory: ldap://127.0.0.1:<port>.
	LDAPURL string
	// Portal is LemonLDAP::NG's base URL, http://auth.example.test:<port>,
	// without a trailing slash; it is the OIDC issuer.
	Portal string
	// CASURL is the CAS server's URL (Portal + "/cas"), as CAS_SERVER_URL.
	CASURL string
	// SAMLMetadataURL is the SAML identity provider's metadata.
	SAMLMetadataURL string
	// SPCert and SPKey are the PEM files of the SAML service providers'
	// key pair: the identity provider's metadata of each SP has SPCert.
	SPCert, SPKey string
	// State is the providers' folder (logs in State/logs).
	State string

	apps chan *App
}

// App is an application the providers know.
type App struct {
	// URL is its base URL, http://127.0.0.1:<port>, without a trailing
	// slash; Addr is 127.0.0.1:<port>.
	URL, Addr string
	// ClientID and ClientSecret are its OIDC client; the redirect URI is
	// URL + "/oidc/callback/", the post-logout redirect URI URL +
	// "/accounts/login/", PKCE is required, scopes "openid profile email
	// eduperson" release every claim (eduperson_affiliation and groups
	// as arrays, eduperson_primary_affiliation, eduperson_principal_name).
	ClientID, ClientSecret string
	// SAMLEntityID is its SAML SP entity (URL + "/saml/metadata/"); its
	// ACS is URL + "/saml/acs/" (HTTP-POST), its SLO URL + "/saml/slo/".
	// The CAS service is any URL under URL + "/".
	SAMLEntityID string
}

var (
	once     sync.Once
	shared   *IdP
	startErr error
)

// Start returns the test binary's identity providers, starting them at
// the first call; it fails tb when they cannot start.
func Start(tb testing.TB) *IdP {
	tb.Helper()
	once.Do(func() { shared, startErr = start() })
	if startErr != nil {
		tb.Fatalf("test identity providers: %v", startErr)
	}
	return shared
}

// App takes one of the applications the providers know until tb ends,
// waiting while all are taken.
func (p *IdP) App(tb testing.TB) *App {
	tb.Helper()
	select {
	case a := <-p.apps:
		tb.Cleanup(func() { p.apps <- a })
		return a
	case <-time.After(5 * time.Minute):
		tb.Fatal("idptest: no free application after 5 minutes")
		return nil
	}
}

func start() (*IdP, error) {
	scripts, err := scriptsDir()
	if err != nil {
		return nil, err
	}
	if _, err := exec.LookPath("slapd"); err != nil {
		return nil, fmt.Errorf("slapd is not installed: run scripts/idp/install (as root)")
	}
	if _, err := os.Stat("/usr/sbin/llng-fastcgi-server"); err != nil {
		return nil, fmt.Errorf("LemonLDAP::NG is not installed: run scripts/idp/install (as root)")
	}
	if os.Geteuid() != 0 {
		return nil, fmt.Errorf("the test identity providers need root (slapd and LemonLDAP::NG drop to their own users)")
	}
	state, err := os.MkdirTemp("", "lectern-idp-")
	if err != nil {
		return nil, err
	}
	// slapd and the portal run as openldap and www-data: they must reach
	// their folders inside.
	if err := os.Chmod(state, 0o755); err != nil {
		return nil, err
	}
	first, err := quietPorts(2 + MaxApps)
	if err != nil {
		os.RemoveAll(state)
		return nil, err
	}
	p := &IdP{
		LDAPURL: fmt.Sprintf("ldap://127.0.0.1:%d", first),
		Portal:  fmt.Sprintf("http://%s:%d", Host, first+1),
		State:   state,
		SPCert:  filepath.Join(state, "sp", "sp.crt"),
		SPKey:   filepath.Join(state, "sp", "sp.key"),
		apps:    make(chan *App, MaxApps),
	}
	p.CASURL = p.Portal + "/cas"
	p.SAMLMetadataURL = p.Portal + "/saml/metadata"
	var urls []string
	for i := range MaxApps {
		port := first + 2 + i
		a := &App{URL: fmt.Sprintf("http://127.0.0.1:%d", port), Addr: fmt.Sprintf("127.0.0.1:%d", port),
			ClientID: fmt.Sprintf("app%d", i+1), ClientSecret: fmt.Sprintf("app%d-secret", i+1)}
		a.SAMLEntityID = a.URL + "/saml/metadata/"
		urls = append(urls, a.URL)
		p.apps <- a
	}
	// The state folder holds the SP's keys beside the providers' own
	// (which scripts/idp/up makes afresh in a subfolder).
	idpState := filepath.Join(state, "idp")
	if err := os.MkdirAll(filepath.Dir(p.SPCert), 0o755); err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if out, err := exec.CommandContext(ctx, "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "3650",
		"-subj", "/CN=lectern-test-sp", "-keyout", p.SPKey, "-out", p.SPCert).CombinedOutput(); err != nil {
		os.RemoveAll(state)
		return nil, fmt.Errorf("make the SP's key pair: %v: %s", err, out)
	}
	if err := watchdog(filepath.Join(scripts, "down"), idpState, state); err != nil {
		os.RemoveAll(state)
		return nil, err
	}
	cmd := exec.CommandContext(ctx, filepath.Join(scripts, "up"))
	cmd.Env = append(os.Environ(), "STATE="+idpState, "LDAP_PORT="+strconv.Itoa(first), "LLNG_PORT="+strconv.Itoa(first+1),
		"LLNG_HOST="+Host, "APP_URLS="+strings.Join(urls, " "), "SAML_SP_CERT="+p.SPCert)
	if out, err := cmd.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("scripts/idp/up: %v: %s", err, out)
	}
	return p, nil
}

// quietPorts returns the first of n consecutive loopback ports, free a
// moment ago, below the kernel's ephemeral range (32768 and up): the
// applications' ports are chosen now and listened on much later, by each
// test's serve, and a port of the ephemeral range may meanwhile be taken
// by any outgoing connection of the machine (a browser's, a database
// client's), which no port below it is.
func quietPorts(n int) (int, error) {
	for range 200 {
		first := 20000 + mathrand.IntN(12000-n)
		var ls []net.Listener
		for p := first; p < first+n; p++ {
			l, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", p))
			if err != nil {
				break
			}
			ls = append(ls, l)
		}
		for _, l := range ls {
			l.Close()
		}
		if len(ls) == n {
			return first, nil
		}
	}
	return 0, fmt.Errorf("idptest: no %d free loopback ports in a row below 32768", n)
}

// scriptsDir finds the module's scripts/idp from the test's folder.
func scriptsDir() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if b, err := os.ReadFile(filepath.Join(dir, "go.mod")); err == nil && strings.HasPrefix(string(b), "module lectern\n") {
			return filepath.Join(dir, "scripts", "idp"), nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("idptest: no lectern module above the test's folder")
		}
		dir = parent
	}
}

// watchdog starts a process of its own session that waits for this one to
// end, then stops the providers and removes their folder.
func watchdog(down, idpState, dir string) error {
	script := `while kill -0 "$1" 2>/dev/null; do sleep 0.5; done; STATE="$3" "$2" >/dev/null 2>&1; rm -rf "$4"`
	cmd := exec.Command("sh", "-c", script, "idptest-watchdog", strconv.Itoa(os.Getpid()), down, idpState, dir)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start the identity providers' watchdog: %w", err)
	}
	go cmd.Wait()
	return nil
}

// NewClient returns an HTTP client with a cookie jar that stops at every
// redirect (the caller reads Location), as tests driving the providers by
// hand need.
func NewClient() *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}
