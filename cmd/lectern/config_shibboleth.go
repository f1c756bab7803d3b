package main

import (
	"fmt"
	"net/netip"
	"net/url"
	"path/filepath"
	"strings"

	"lectern/shibboleth"
)

// checkShibboleth validates the Shibboleth settings: USE_SHIB with
// SHIB_MODE "header" (behind a web server's Shibboleth module, which needs
// SHIB_TRUSTED_PROXIES) or "saml" (Lectern's own service provider, which
// needs the identity provider's metadata).
func (c *Config) checkShibboleth(bad func(key, format string, args ...any)) {
	if !c.UseShib {
		return
	}
	if strings.TrimSpace(c.ShibName) == "" {
		bad("SHIB_NAME", "the login button's label must not be empty")
	}
	if _, err := shibAttributeMap(c.ShibbolethAttributeMap); err != nil {
		bad("SHIBBOLETH_ATTRIBUTE_MAP", "%v", err)
	}
	for _, d := range c.ShibbolethStaffAllowedDomains {
		if d == "" || strings.ContainsAny(d, "@/ ") {
			bad("SHIBBOLETH_STAFF_ALLOWED_DOMAINS", "want domains such as univ.example, not %q", d)
		}
	}
	checkURLOrPath := func(key, v string) {
		if v == "" || strings.HasPrefix(v, "/") && !strings.HasPrefix(v, "//") {
			return
		}
		if u, err := url.Parse(v); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			bad(key, "want a path on this site or an http(s) URL, not %q", v)
		}
	}
	checkURLOrPath("SHIB_LOGOUT_URL", c.ShibLogoutURL)
	switch c.ShibMode {
	case "header":
		checkURLOrPath("SHIB_URL", c.ShibURL)
		if strings.TrimSpace(c.RemoteUserHeader) == "" {
			bad("REMOTE_USER_HEADER", "must not be empty")
		}
		if len(c.ShibTrustedProxies) == 0 {
			bad("SHIB_TRUSTED_PROXIES", "SHIB_MODE \"header\" believes the Shibboleth headers only from these addresses: give the web server's (e.g. [\"127.0.0.1/32\"])")
		} else if _, err := shibTrustedProxies(c.ShibTrustedProxies); err != nil {
			bad("SHIB_TRUSTED_PROXIES", "%v", err)
		}
	case "saml":
		switch {
		case c.SAMLIdPMetadataURL == "" && c.SAMLIdPMetadataFile == "":
			bad("SAML_IDP_METADATA_URL", "SHIB_MODE \"saml\" needs the identity provider's metadata: SAML_IDP_METADATA_URL or SAML_IDP_METADATA_FILE")
		case c.SAMLIdPMetadataURL != "" && c.SAMLIdPMetadataFile != "":
			bad("SAML_IDP_METADATA_FILE", "give SAML_IDP_METADATA_URL or SAML_IDP_METADATA_FILE, not both")
		case c.SAMLIdPMetadataURL != "":
			if u, err := url.Parse(c.SAMLIdPMetadataURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
				bad("SAML_IDP_METADATA_URL", "want an http(s) URL, not %q", c.SAMLIdPMetadataURL)
			}
		}
		if (c.SAMLSPCert == "") != (c.SAMLSPKey == "") {
			bad("SAML_SP_KEY", "give both SAML_SP_CERT and SAML_SP_KEY, or neither (a pair is then made in DATA_DIR/saml)")
		}
		if strings.TrimSpace(c.SAMLUsernameAttribute) == "" {
			bad("SAML_USERNAME_ATTRIBUTE", "must not be empty")
		}
	default:
		bad("SHIB_MODE", "want \"header\" or \"saml\", not %q", c.ShibMode)
	}
}

// shibTrustedProxies reads SHIB_TRUSTED_PROXIES: CIDRs or single
// addresses.
func shibTrustedProxies(list []string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, s := range list {
		s = strings.TrimSpace(s)
		p, err := netip.ParsePrefix(s)
		if err != nil {
			a, aerr := netip.ParseAddr(s)
			if aerr != nil {
				return nil, fmt.Errorf("want addresses or CIDRs such as 127.0.0.1/32, not %q", s)
			}
			p = netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen())
		}
		if p.Addr().Is4In6() && p.Bits() >= 96 {
			// The proxy's address is compared unmapped (Header.trusted):
			// ::ffff:10.0.0.0/104 is 10.0.0.0/8.
			p = netip.PrefixFrom(p.Addr().Unmap(), p.Bits()-96)
		}
		out = append(out, p.Masked())
	}
	return out, nil
}

// shibAttributeMap reads SHIBBOLETH_ATTRIBUTE_MAP, Pod's
// {header: (required, field)} written in TOML as a table of
// [required, "field"] arrays; empty is Pod's default.
func shibAttributeMap(m map[string][]any) (map[string]shibboleth.Attribute, error) {
	if len(m) == 0 {
		return shibboleth.DefaultAttributeMap(), nil
	}
	out := map[string]shibboleth.Attribute{}
	for h, v := range m {
		var a shibboleth.Attribute
		ok := len(v) == 2
		if ok {
			a.Required, ok = v[0].(bool)
		}
		if ok {
			a.Field, ok = v[1].(string)
		}
		if !ok {
			return nil, fmt.Errorf("header %q: want [required, \"field\"], e.g. [true, \"username\"], not %v", h, v)
		}
		out[h] = a
	}
	if err := shibboleth.CheckAttributeMap(out); err != nil {
		return nil, err
	}
	return out, nil
}

// samlKeyFiles are the service provider's certificate and key: the
// configured files, or a pair in DATA_DIR/saml.
func (c *Config) samlKeyFiles() (cert, key string) {
	if c.SAMLSPCert != "" {
		return c.SAMLSPCert, c.SAMLSPKey
	}
	return filepath.Join(c.DataDir, "saml", "sp-cert.pem"), filepath.Join(c.DataDir, "saml", "sp-key.pem")
}
