package main

import "lectern/ldap"

// LDAPServer is Pod's LDAP_SERVER: {url, port, use_ssl}. The url is
// ldap://host[:port], ldaps://host[:port] or a bare host; port 0 is the
// url's, else 389 (636 with TLS); use_ssl dials TLS as ldaps:// does.
type LDAPServer struct {
	URL    string `toml:"url"`
	Port   int    `toml:"port"`
	UseSSL bool   `toml:"use_ssl"`
}

// Values of POPULATE_USER (Pod's; unset is Pod's None). Lectern's CAS
// edge reads the attributes the CAS answer gives whatever the value (Pod
// reads them only with "CAS"); "LDAP" fills CAS logins from the directory
// too, its values winning.
const (
	populateCAS  = "CAS"
	populateLDAP = "LDAP"
)

// checkLDAP validates the LDAP settings and gives
// USER_LDAP_MAPPING_ATTRIBUTES Pod's default when unset.
func (c *Config) checkLDAP(bad func(key, format string, args ...any)) {
	if c.UserLDAPMappingAttributes == nil {
		c.UserLDAPMappingAttributes = ldap.DefaultMapping()
	}
	s := c.LDAPServer
	if s.Port < 0 || s.Port > 65535 {
		bad("LDAP_SERVER", "port must be a TCP port (1-65535, or 0 for 389 or 636), not %d", s.Port)
	} else if s.URL != "" {
		if _, err := ldap.Address(s.URL, s.Port, s.UseSSL); err != nil {
			bad("LDAP_SERVER", "%v", err)
		}
	}
	switch {
	case c.AuthLDAPBindDN == "" && c.AuthLDAPBindPassword != "":
		bad("AUTH_LDAP_BIND_PASSWORD", "is set without AUTH_LDAP_BIND_DN (with no DN Lectern binds anonymously)")
	case c.AuthLDAPBindDN != "" && c.AuthLDAPBindPassword == "":
		bad("AUTH_LDAP_BIND_PASSWORD", "must be set with AUTH_LDAP_BIND_DN (an empty password binds nobody)")
	}
	if c.AuthLDAPBindDN != "" {
		if err := ldap.CheckDN(c.AuthLDAPBindDN); err != nil {
			bad("AUTH_LDAP_BIND_DN", "%v", err)
		}
	}
	if len(c.AuthLDAPUserSearch) != 2 {
		bad("AUTH_LDAP_USER_SEARCH", `want ["base DN", "filter with %s"], as Pod's (base, filter), not %q`, ldap.UIDPlaceholder, c.AuthLDAPUserSearch)
	} else {
		if err := ldap.CheckDN(c.AuthLDAPUserSearch[0]); err != nil {
			bad("AUTH_LDAP_USER_SEARCH", "base %v", err)
		}
		if err := ldap.CheckFilter(c.AuthLDAPUserSearch[1]); err != nil {
			bad("AUTH_LDAP_USER_SEARCH", "%v", err)
		}
	}
	if err := ldap.CheckMapping(c.UserLDAPMappingAttributes); err != nil {
		bad("USER_LDAP_MAPPING_ATTRIBUTES", "%v", err)
	}
	switch c.PopulateUser {
	case "", populateCAS:
	case populateLDAP:
		if s.URL == "" {
			bad("POPULATE_USER", `"LDAP" needs LDAP_SERVER's url`)
		}
	default:
		bad("POPULATE_USER", `want "CAS", "LDAP" or nothing, not %q`, c.PopulateUser)
	}
	// AUTH_CAS_USER_SEARCH is accepted and unused, as in Pod 4: Pod 3
	// read the username from the CAS answer's element of that name;
	// django-cas-ng, and Lectern's CAS edge, read <cas:user>.
}
