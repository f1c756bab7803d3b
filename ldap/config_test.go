package ldap

import (
	"fmt"
	"strings"
	"testing"
)

func TestAddress(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		url    string
		port   int
		ssl    bool
		want   string
		errHas string
	}{
		{url: "ldap://ldap.univ.fr", port: 389, want: "ldap://ldap.univ.fr:389"},
		{url: "ldap.univ.fr", want: "ldap://ldap.univ.fr:389"},
		{url: "ldap.univ.fr", ssl: true, want: "ldaps://ldap.univ.fr:636"},
		{url: "ldaps://ldap.univ.fr", want: "ldaps://ldap.univ.fr:636"},
		{url: "ldap://ldap.univ.fr", ssl: true, port: 1636, want: "ldaps://ldap.univ.fr:1636"},
		{url: "ldap://127.0.0.1:1389", want: "ldap://127.0.0.1:1389"},
		{url: "ldap://127.0.0.1:1389/", port: 1389, want: "ldap://127.0.0.1:1389"},
		{url: "ldap://[::1]:1389", want: "ldap://[::1]:1389"},
		{url: "", errHas: "empty"},
		{url: "http://ldap.univ.fr", errHas: "ldap://"},
		{url: "ldapi:///var/run/slapd", errHas: "ldap://"},
		{url: "ldap://", errHas: "host"},
		{url: "ldap://u:pw@ldap.univ.fr", errHas: "host"},
		{url: "ldap://ldap.univ.fr/dc=univ", errHas: "host"},
		{url: "ldap://ldap.univ.fr:99999", errHas: "port"},
		{url: "ldap://ldap.univ.fr", port: 70000, errHas: "port"},
		{url: "ldap://ldap.univ.fr", port: -1, errHas: "port"},
		{url: "ldap://ldap.univ.fr:1389", port: 389, errHas: "port is 389"},
	} {
		got, err := Address(tc.url, tc.port, tc.ssl)
		if tc.errHas != "" {
			if err == nil || !strings.Contains(err.Error(), tc.errHas) {
				t.Errorf("Address(%q, %d, %v) = %q, %v; want an error with %q", tc.url, tc.port, tc.ssl, got, err, tc.errHas)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("Address(%q, %d, %v) = %q, %v; want %q", tc.url, tc.port, tc.ssl, got, err, tc.want)
		}
	}
}

func TestCheckFilter(t *testing.T) {
	t.Parallel()
	for _, f := range []string{"(uid=%(uid)s)", "(&(objectClass=person)(uid=%(uid)s))", "(|(uid=%(uid)s)(mail=%(uid)s@univ.fr))"} {
		if err := CheckFilter(f); err != nil {
			t.Errorf("CheckFilter(%q) = %v", f, err)
		}
	}
	for _, f := range []string{"(uid=%s)", "(uid={0})", "uid=%(uid)s", "(uid=%(uid)s", "(&(uid=%(uid)s)(("} {
		if err := CheckFilter(f); err == nil {
			t.Errorf("CheckFilter(%q) = nil, want an error", f)
		}
	}
}

func TestFormatFilter(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ filter, value, want string }{
		{"(uid=%(uid)s)", "bob", "(uid=bob)"},
		{"(|(uid=%(uid)s)(mail=%(uid)s@x))", "bob", "(|(uid=bob)(mail=bob@x))"},
		{"(&(descr=100%%)(uid=%(uid)s))", "bob", "(&(descr=100%)(uid=bob))"},
		{"(uid=%(uid)s)", `\2a\29\28uid=\2a`, `(uid=\2a\29\28uid=\2a)`},
	} {
		if got := formatFilter(tc.filter, tc.value); got != tc.want {
			t.Errorf("formatFilter(%q, %q) = %q, want %q", tc.filter, tc.value, got, tc.want)
		}
	}
}

func TestCheckMapping(t *testing.T) {
	t.Parallel()
	if err := CheckMapping(DefaultMapping()); err != nil {
		t.Errorf("CheckMapping(DefaultMapping()) = %v", err)
	}
	for _, m := range []map[string]string{
		{"uid": "uid", "email": "mail"},
		{"mail": "mail"},
		{"uid": ""},
		{"uid": "uid", "mail": "mail)(x=*"},
	} {
		if err := CheckMapping(m); err == nil {
			t.Errorf("CheckMapping(%v) = nil, want an error", m)
		}
	}
}

func TestGroupName(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ in, want string }{
		{"cn=l3-info,ou=groups,dc=univ,dc=fr", "l3-info"},
		{"CN=Enseignants Chercheurs,OU=Groups,DC=univ,DC=fr", "Enseignants Chercheurs"},
		{`cn=a\,b,ou=groups,dc=univ,dc=fr`, "a,b"},
		{"staff-all", "staff-all"},
		{"  staff-all ", "staff-all"},
		{"not=a=dn,,", "not=a=dn,,"},
	} {
		if got := GroupName(tc.in); got != tc.want {
			t.Errorf("GroupName(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestNewRefusesBadConfig(t *testing.T) {
	t.Parallel()
	good := Config{URL: "ldap://127.0.0.1:1389", Base: "dc=example,dc=test", Filter: "(uid=%(uid)s)"}
	if _, err := New(good); err != nil {
		t.Fatalf("New(%+v) = %v", good, err)
	}
	for name, edit := range map[string]func(*Config){
		"LDAP_SERVER":                  func(c *Config) { c.URL = "http://x" },
		"AUTH_LDAP_USER_SEARCH":        func(c *Config) { c.Filter = "(uid=*)" },
		"AUTH_LDAP_BIND_DN":            func(c *Config) { c.BindDN = "not a dn" },
		"USER_LDAP_MAPPING_ATTRIBUTES": func(c *Config) { c.Mapping = map[string]string{"mail": "mail"} },
	} {
		c := good
		edit(&c)
		if _, err := New(c); err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("New with a bad %s = %v, want an error naming it", name, err)
		}
	}
}

// Printing a directory never shows its bind password.
func TestDirectoryString(t *testing.T) {
	t.Parallel()
	d, err := New(Config{URL: "ldap://127.0.0.1:1389", BindDN: "cn=admin,dc=x", BindPassword: "s3cret-ldap",
		Base: "dc=x", Filter: "(uid=%(uid)s)"})
	if err != nil {
		t.Fatal(err)
	}
	for _, format := range []string{"%v", "%+v", "%#v", "%s"} {
		if out := fmt.Sprintf(format, d); strings.Contains(out, "s3cret") || !strings.Contains(out, "127.0.0.1:1389") {
			t.Errorf("Sprintf(%q, directory) = %q", format, out)
		}
	}
}
