package main

import (
	"fmt"
	"net/url"

	"lectern/cas"
)

// casVersion is CAS_VERSION: "1", "2" or "3", written as a string (as
// django-cas documents it) or a number (as some settings_local.py have
// it).
type casVersion string

// UnmarshalTOML takes CAS_VERSION = "3" or CAS_VERSION = 3.
func (v *casVersion) UnmarshalTOML(data any) error {
	switch d := data.(type) {
	case string:
		*v = casVersion(d)
	case int64:
		*v = casVersion(fmt.Sprint(d))
	default:
		return fmt.Errorf("want \"1\", \"2\" or \"3\", not %v", data)
	}
	return nil
}

// defaultCASMapping is Pod's USER_CAS_MAPPING_ATTRIBUTES.
func defaultCASMapping() map[string]string { return cas.DefaultMapping() }

// casFields are the account fields USER_CAS_MAPPING_ATTRIBUTES may name.
var casFields = map[string]bool{"uid": true, "mail": true, "last_name": true, "first_name": true,
	"primaryAffiliation": true, "affiliation": true, "groups": true}

// checkCAS validates the CAS settings.
func (c *Config) checkCAS(bad func(key, format string, args ...any)) {
	if c.CASServerURL != "" {
		u, err := url.Parse(c.CASServerURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
			bad("CAS_SERVER_URL", "want the CAS server's http or https URL (https://cas.univ.fr/cas), not %q", c.CASServerURL)
		}
	}
	switch c.CASVersion {
	case "1", "2", "3":
	default:
		bad("CAS_VERSION", "want \"1\", \"2\" or \"3\", not %q", string(c.CASVersion))
	}
	for field := range c.UserCASMappingAttributes {
		if !casFields[field] {
			bad("USER_CAS_MAPPING_ATTRIBUTES", "unknown field %q (want uid, mail, first_name, last_name, primaryAffiliation, affiliation or groups)", field)
		}
	}
}
