package main

import (
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"lectern/shibboleth"
)

func TestLoadConfigShibboleth(t *testing.T) {
	t.Parallel()
	data := t.TempDir()
	load := func(file string, environ ...string) (*Config, error) {
		path := ""
		if file != "" {
			path = filepath.Join(t.TempDir(), "lectern.toml")
			if err := os.WriteFile(path, []byte(file), 0o600); err != nil {
				t.Fatal(err)
			}
		}
		return LoadConfig(path, append([]string{"LECTERN_DATA_DIR=" + data}, environ...))
	}
	for _, tt := range []struct {
		name    string
		file    string
		environ []string
		want    []string // substrings of the error
	}{
		{"header mode without trusted proxies", "USE_SHIB = true\n", nil, []string{"SHIB_TRUSTED_PROXIES", "127.0.0.1/32"}},
		{"a trusted proxy that is no address", "USE_SHIB = true\nSHIB_TRUSTED_PROXIES = [\"proxy.univ\"]\n", nil, []string{"SHIB_TRUSTED_PROXIES", "proxy.univ"}},
		{"an attribute map entry of one value", "USE_SHIB = true\nSHIB_TRUSTED_PROXIES = [\"127.0.0.1\"]\nSHIBBOLETH_ATTRIBUTE_MAP = { REMOTE_USER = [true] }\n", nil, []string{"SHIBBOLETH_ATTRIBUTE_MAP", "REMOTE_USER"}},
		{"an attribute map's unknown field", "", []string{"LECTERN_USE_SHIB=true", "LECTERN_SHIB_TRUSTED_PROXIES=127.0.0.1", `LECTERN_SHIBBOLETH_ATTRIBUTE_MAP={ X = [false, "nickname"] }`}, []string{"SHIBBOLETH_ATTRIBUTE_MAP", "nickname"}},
		{"an unknown mode", "USE_SHIB = true\nSHIB_MODE = \"oidc\"\n", nil, []string{"SHIB_MODE", "oidc"}},
		{"saml without metadata", "USE_SHIB = true\nSHIB_MODE = \"saml\"\n", nil, []string{"SAML_IDP_METADATA_URL"}},
		{"saml with both metadata", "USE_SHIB = true\nSHIB_MODE = \"saml\"\nSAML_IDP_METADATA_URL = \"https://idp/md\"\nSAML_IDP_METADATA_FILE = \"/md.xml\"\n", nil, []string{"SAML_IDP_METADATA_FILE", "not both"}},
		{"saml cert without key", "USE_SHIB = true\nSHIB_MODE = \"saml\"\nSAML_IDP_METADATA_URL = \"https://idp/md\"\nSAML_SP_CERT = \"/c.pem\"\n", nil, []string{"SAML_SP_KEY"}},
		{"a staff domain with @", "USE_SHIB = true\nSHIB_TRUSTED_PROXIES = [\"127.0.0.1\"]\nSHIBBOLETH_STAFF_ALLOWED_DOMAINS = [\"@univ.example\"]\n", nil, []string{"SHIBBOLETH_STAFF_ALLOWED_DOMAINS"}},
	} {
		_, err := load(tt.file, tt.environ...)
		if err == nil {
			t.Errorf("%s: no error", tt.name)
			continue
		}
		for _, w := range tt.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s: %v, want %q in it", tt.name, err, w)
			}
		}
	}

	cfg, err := load("USE_SHIB = true\nSHIB_TRUSTED_PROXIES = [\"127.0.0.1\", \"10.1.0.0/16\"]\n"+
		"SHIBBOLETH_ATTRIBUTE_MAP = { REMOTE_USER = [true, \"username\"], \"Shib-mail\" = [false, \"email\"] }\n", "LECTERN_SHIBBOLETH_STAFF_ALLOWED_DOMAINS=univ.example,other.example")
	if err != nil {
		t.Fatal(err)
	}
	m, _ := shibAttributeMap(cfg.ShibbolethAttributeMap)
	if diff := cmp.Diff(map[string]shibboleth.Attribute{"REMOTE_USER": {Required: true, Field: "username"}, "Shib-mail": {Field: "email"}}, m); diff != "" {
		t.Errorf("attribute map (-want +got):\n%s", diff)
	}
	p, _ := shibTrustedProxies(cfg.ShibTrustedProxies)
	if len(p) != 2 || p[0].String() != "127.0.0.1/32" || p[1].String() != "10.1.0.0/16" {
		t.Errorf("trusted proxies %v", p)
	}
	if diff := cmp.Diff([]string{"univ.example", "other.example"}, cfg.ShibbolethStaffAllowedDomains); diff != "" {
		t.Error(diff)
	}
}

// SHIB_TRUSTED_PROXIES written as IPv4-mapped IPv6 (what a dual-stack
// listener prints) trusts the IPv4 addresses they map: the proxy's
// address is compared unmapped.
func TestShibTrustedProxiesMapped(t *testing.T) {
	t.Parallel()
	for _, s := range []string{"::ffff:127.0.0.1", "::ffff:127.0.0.0/104", "::ffff:127.0.0.1/128", "127.0.0.1/32"} {
		got, err := shibTrustedProxies([]string{s})
		if err != nil || len(got) != 1 || !got[0].Contains(netip.MustParseAddr("127.0.0.1")) {
			t.Errorf("%s: %v, %v: want a prefix holding 127.0.0.1", s, got, err)
		}
	}
}
