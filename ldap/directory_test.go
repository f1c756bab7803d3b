package ldap_test

import (
	"context"
	"errors"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"lectern"
	"lectern/idptest"
	"lectern/ldap"
)

// newDirectory returns the test directory's people, as a site configures
// it with Pod's defaults, with change applied to the configuration.
func newDirectory(tb testing.TB, change func(*ldap.Config)) *ldap.Directory {
	tb.Helper()
	idp := idptest.Start(tb)
	cfg := ldap.Config{
		URL: idp.LDAPURL, BindDN: idptest.BindDN, BindPassword: idptest.BindPassword,
		Base: idptest.PeopleBase, Filter: "(uid=%(uid)s)",
	}
	if change != nil {
		change(&cfg)
	}
	d, err := ldap.New(cfg)
	if err != nil {
		tb.Fatal(err)
	}
	return d
}

// person is the identity the directory should give for a test person.
func person(username string) lectern.Identity {
	p := idptest.People[username]
	return lectern.Identity{
		Source: lectern.AuthLDAP, Username: p.Username, Email: p.Email,
		FirstName: p.FirstName, LastName: p.LastName,
		PrimaryAffiliation: p.PrimaryAffiliation, Affiliations: p.Affiliations, Groups: p.Groups,
	}
}

var sortLists = cmp.Transformer("sort", func(s []string) []string {
	s = slices.Clone(s)
	slices.Sort(s)
	return s
})

func TestLookupPerson(t *testing.T) {
	t.Parallel()
	d := newDirectory(t, nil)
	ctx := context.Background()
	for _, name := range []string{"alice", "bob", "carol", "dave"} {
		got, err := d.LookupPerson(ctx, name)
		if err != nil {
			t.Errorf("LookupPerson(%q): %v", name, err)
			continue
		}
		if diff := cmp.Diff(person(name), *got, sortLists); diff != "" {
			t.Errorf("LookupPerson(%q) (-want +got):\n%s", name, diff)
		}
	}
	for _, name := range []string{"nobody", "", "  ", "ali", "Alice Staff", "alice@example.test"} {
		if got, err := d.LookupPerson(ctx, name); lectern.ErrorCode(err) != lectern.ENOTFOUND {
			t.Errorf("LookupPerson(%q) = %+v, %v; want ENOTFOUND", name, got, err)
		}
	}
}

// A site's own mapping: other attributes, no groups.
func TestLookupPersonMapping(t *testing.T) {
	t.Parallel()
	d := newDirectory(t, func(c *ldap.Config) {
		c.Mapping = map[string]string{"uid": "uid", "mail": "eduPersonPrincipalName", "last_name": "cn", "affiliations": "eduPersonAffiliation"}
	})
	got, err := d.LookupPerson(context.Background(), "bob")
	if err != nil {
		t.Fatal(err)
	}
	want := lectern.Identity{Source: lectern.AuthLDAP, Username: "bob", Email: "bob@example.test", LastName: "Bob Faculty",
		Affiliations: []string{"faculty", "member"}}
	if diff := cmp.Diff(want, *got, sortLists); diff != "" {
		t.Errorf("LookupPerson(bob) (-want +got):\n%s", diff)
	}
}

func TestSearchPeople(t *testing.T) {
	t.Parallel()
	d := newDirectory(t, nil)
	ctx := context.Background()
	for _, tc := range []struct {
		query string
		limit int
		want  []string
	}{
		{"ali", 10, []string{"alice"}},            // part of a username
		{"CAROL", 10, []string{"carol"}},          // any case
		{"Facul", 10, []string{"bob"}},            // part of a last name
		{"Dave", 10, []string{"dave"}},            // a first name, never logged in
		{"bob@example.test", 10, []string{"bob"}}, // an email
		{"example.test", 10, []string{"alice", "bob", "carol", "dave"}},
		{"example.test", 2, []string{"alice", "bob"}}, // the limit, by username
		{"Staff Alice", 10, []string{"alice"}},        // every word, any order
		{"Alice Student", 10, nil},
		{"nobody", 10, nil},
		{"", 10, nil},
		{"bob", 0, nil},
		{"lecturers", 10, nil}, // groups are not people
	} {
		got, err := d.SearchPeople(ctx, tc.query, tc.limit)
		if err != nil {
			t.Errorf("SearchPeople(%q, %d): %v", tc.query, tc.limit, err)
			continue
		}
		var names []string
		for _, p := range got {
			names = append(names, p.Username)
		}
		if !slices.Equal(names, tc.want) {
			t.Errorf("SearchPeople(%q, %d) = %q, want %q", tc.query, tc.limit, names, tc.want)
		}
	}
	got, err := d.SearchPeople(ctx, "dave", 5)
	if err != nil || len(got) != 1 {
		t.Fatalf("SearchPeople(dave) = %+v, %v", got, err)
	}
	if diff := cmp.Diff(person("dave"), got[0], sortLists); diff != "" {
		t.Errorf("SearchPeople(dave) (-want +got):\n%s", diff)
	}
	for _, q := range []string{strings.Repeat("a ", 20), strings.Repeat("é", 200), "bob\xff"} {
		if got, err := d.SearchPeople(ctx, q, 5); err != nil || len(got) != 0 {
			t.Errorf("SearchPeople(%q) = %d people, %v; want none and no error", q, len(got), err)
		}
	}
}

// A site whose filter has its own condition keeps it in the people
// search, under a base that holds groups too.
func TestSearchPeopleSiteFilter(t *testing.T) {
	t.Parallel()
	d := newDirectory(t, func(c *ldap.Config) {
		c.Base = idptest.LDAPBase
		c.Filter = "(&(eduPersonPrimaryAffiliation=faculty)(uid=%(uid)s))"
	})
	got, err := d.SearchPeople(context.Background(), "example", 10)
	if err != nil || len(got) != 1 || got[0].Username != "bob" {
		t.Errorf("SearchPeople(example) with a faculty-only filter = %+v, %v; want bob", got, err)
	}
	if _, err := d.LookupPerson(context.Background(), "alice"); lectern.ErrorCode(err) != lectern.ENOTFOUND {
		t.Errorf("LookupPerson(alice) with a faculty-only filter = %v, want ENOTFOUND", err)
	}
}

// Values are escaped in filters: what would widen the filter, end it or
// break it is matched as text, finds nobody extra and is no error.
func TestFilterInjection(t *testing.T) {
	t.Parallel()
	d := newDirectory(t, nil)
	ctx := context.Background()
	for _, s := range []string{
		"*", "**", "*)(uid=*", "bob)(|(uid=*", "*)(|(objectClass=*", "bob)(uid=alice",
		`\00`, "\x00", "bob\x00", "\u00ad", "bob\u200b", `\2a`, "(", ")", `\`, "*bob*", "b*b", "a*e", "a\x00", "éçà", "*)(objectClass=*))(&(uid=*",
	} {
		got, err := d.SearchPeople(ctx, s, 10)
		if err != nil || len(got) != 0 {
			t.Errorf("SearchPeople(%q) = %d people, %v; want none and no error", s, len(got), err)
		}
		if p, err := d.LookupPerson(ctx, s); lectern.ErrorCode(err) != lectern.ENOTFOUND {
			t.Errorf("LookupPerson(%q) = %+v, %v; want ENOTFOUND", s, p, err)
		}
	}
	// Without a wildcard, "bob)" is looked for as it is: part of no name.
	if got, err := d.SearchPeople(ctx, "bob)", 10); err != nil || len(got) != 0 {
		t.Errorf("SearchPeople(bob)) = %+v, %v", got, err)
	}
}

func TestWrongBindPassword(t *testing.T) {
	t.Parallel()
	d := newDirectory(t, func(c *ldap.Config) { c.BindPassword = "wrong" })
	for _, call := range []func() error{
		func() error { _, err := d.LookupPerson(context.Background(), "bob"); return err },
		func() error { _, err := d.SearchPeople(context.Background(), "bob", 5); return err },
	} {
		err := call()
		if err == nil || !strings.Contains(err.Error(), "refused AUTH_LDAP_BIND_DN and AUTH_LDAP_BIND_PASSWORD") ||
			lectern.ErrorCode(err) == lectern.ENOTFOUND {
			t.Errorf("with a wrong bind password: %v; want an error naming the bind settings", err)
		}
	}
}

func TestWrongBase(t *testing.T) {
	t.Parallel()
	d := newDirectory(t, func(c *ldap.Config) { c.Base = "ou=nowhere,dc=example,dc=test" })
	_, err := d.LookupPerson(context.Background(), "bob")
	if err == nil || !strings.Contains(err.Error(), "base is not in the directory") {
		t.Errorf("with a base not in the directory: %v", err)
	}
}

// A directory that is down fails the call at once with the address; one
// that accepts and never answers fails it at the timeout; the caller's
// context ends it whatever the timeout.
func TestDirectoryDown(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens there now

	d, err := ldap.New(ldap.Config{URL: "ldap://" + addr, Base: "dc=x", Filter: "(uid=%(uid)s)"})
	if err != nil {
		t.Fatal(err)
	}
	_, err = d.LookupPerson(context.Background(), "bob")
	if err == nil || !strings.Contains(err.Error(), "connect to ldap://"+addr) || lectern.ErrorCode(err) == lectern.ENOTFOUND {
		t.Errorf("directory down: %v; want an error naming its address", err)
	}

	silent, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { silent.Close() })
	asked := make(chan struct{}, 10) // a request reached the silent directory
	go func() {
		for {
			c, err := silent.Accept()
			if err != nil {
				return
			}
			t.Cleanup(func() { c.Close() })
			go func() {
				if _, err := c.Read(make([]byte, 1)); err == nil {
					asked <- struct{}{}
				}
			}()
		}
	}()
	mute := func(timeout time.Duration) *ldap.Directory {
		d, err := ldap.New(ldap.Config{URL: "ldap://" + silent.Addr().String(), BindDN: "cn=admin,dc=x", BindPassword: "pw",
			Base: "dc=x", Filter: "(uid=%(uid)s)", Timeout: timeout})
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	_, err = mute(100*time.Millisecond).SearchPeople(context.Background(), "bob", 5)
	if err == nil || !strings.Contains(err.Error(), "timed out") {
		t.Errorf("directory silent: %v; want a timeout", err)
	}
	<-asked
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { _, err := mute(time.Hour).LookupPerson(ctx, "bob"); done <- err }()
	<-asked // the bind waits for its answer
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("directory silent, context cancelled: %v; want context.Canceled", err)
	}
}

// ldaps:// and use_ssl dial TLS and check the directory's certificate
// (here one the system does not trust); ldap:// does not.
func TestDirectoryTLS(t *testing.T) {
	t.Parallel()
	srv := httptest.NewUnstartedServer(http.NotFoundHandler())
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the handshakes it refuses
	srv.StartTLS()
	t.Cleanup(srv.Close)
	host := strings.TrimPrefix(srv.URL, "https://")
	for _, tc := range []struct {
		url  string
		ssl  bool
		cert bool
	}{
		{"ldaps://" + host, false, true},
		{"ldap://" + host, true, true},
		{"ldap://" + host, false, false},
	} {
		d, err := ldap.New(ldap.Config{URL: tc.url, UseSSL: tc.ssl, BindDN: "cn=admin,dc=x", BindPassword: "pw",
			Base: "dc=x", Filter: "(uid=%(uid)s)", Timeout: 5 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		_, err = d.LookupPerson(context.Background(), "bob")
		if err == nil || strings.Contains(err.Error(), "certificate") != tc.cert {
			t.Errorf("%s, use_ssl %v: %v; want an error, about the certificate: %v", tc.url, tc.ssl, err, tc.cert)
		}
	}
}
