package main

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// Pod's CAS settings as a settings_local.py has them, and the ones the
// configuration refuses, naming the key.
func TestConfigCAS(t *testing.T) {
	t.Parallel()
	env := []string{"LECTERN_DATA_DIR=" + t.TempDir()}
	c, err := LoadConfig(writeConfig(t, `
USE_CAS = true
CAS_SERVER_URL = "https://cas.univ.example/cas"
CAS_VERSION = 3
CAS_FORCE_LOWERCASE_USERNAME = true
USER_CAS_MAPPING_ATTRIBUTES = { first_name = "givenName", groups = "" }
`), env)
	if err != nil {
		t.Fatal(err)
	}
	if c.CASVersion != "3" || !c.CASLogoutCompletely || c.CASGateway || !c.CASForceLowercaseUsername {
		t.Errorf("CAS_VERSION %q, CAS_LOGOUT_COMPLETELY %v, CAS_GATEWAY %v, CAS_FORCE_LOWERCASE_USERNAME %v",
			c.CASVersion, c.CASLogoutCompletely, c.CASGateway, c.CASForceLowercaseUsername)
	}
	want := defaultCASMapping()
	want["first_name"], want["groups"] = "givenName", ""
	if diff := cmp.Diff(want, c.UserCASMappingAttributes); diff != "" {
		t.Errorf("USER_CAS_MAPPING_ATTRIBUTES: keys not given keep Pod's defaults (-want +got):\n%s", diff)
	}

	for _, tc := range []struct{ name, toml, key string }{
		{"server URL not http", `CAS_SERVER_URL = "sso_cas"`, "CAS_SERVER_URL"},
		{"server URL with a query", `CAS_SERVER_URL = "https://cas.univ.example/cas?x=1"`, "CAS_SERVER_URL"},
		{"version 4", `CAS_VERSION = "4"`, "CAS_VERSION"},
		{"version SAML", `CAS_VERSION = "CAS_2_SAML_1_0"`, "CAS_VERSION"},
		{"unknown field", `USER_CAS_MAPPING_ATTRIBUTES = { email = "mail" }`, "USER_CAS_MAPPING_ATTRIBUTES"},
	} {
		_, err := LoadConfig(writeConfig(t, tc.toml), env)
		if err == nil || !strings.Contains(err.Error(), tc.key) {
			t.Errorf("%s: error %v, want one naming %s", tc.name, err, tc.key)
		}
	}
}
