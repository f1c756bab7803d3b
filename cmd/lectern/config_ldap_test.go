package main

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"lectern/ldap"
)

// Pod's LDAP settings as a settings_local.py translates them, in the file
// and in the environment.
func TestLoadConfigLDAP(t *testing.T) {
	t.Parallel()
	data := t.TempDir()
	cfg := mustLoadConfig(t, writeConfig(t, `
LDAP_SERVER = { url = "ldap://ldap.univ.fr", port = 389, use_ssl = false }
AUTH_LDAP_BIND_DN = "cn=pod,ou=apps,dc=univ,dc=fr"
AUTH_LDAP_BIND_PASSWORD = "s3cret-ldap"
AUTH_LDAP_USER_SEARCH = ["ou=people,dc=univ,dc=fr", "(&(objectClass=person)(uid=%(uid)s))"]
POPULATE_USER = "LDAP"
[USER_LDAP_MAPPING_ATTRIBUTES]
uid = "uid"
mail = "mail"
last_name = "sn"
first_name = "givenname"
primaryAffiliation = "eduPersonPrimaryAffiliation"
`), "LECTERN_DATA_DIR="+data)
	want(t, "LDAP_SERVER.url", cfg.LDAPServer.URL, "ldap://ldap.univ.fr")
	want(t, "POPULATE_USER", cfg.PopulateUser, "LDAP")
	want(t, "AUTH_CAS_USER_SEARCH", cfg.AuthCASUserSearch, "user")
	// The file's mapping replaces Pod's default, as in Pod: no groups.
	if diff := cmp.Diff(map[string]string{"uid": "uid", "mail": "mail", "last_name": "sn", "first_name": "givenname",
		"primaryAffiliation": "eduPersonPrimaryAffiliation"}, cfg.UserLDAPMappingAttributes); diff != "" {
		t.Errorf("USER_LDAP_MAPPING_ATTRIBUTES (-want +got):\n%s", diff)
	}

	def := mustLoadConfig(t, "", "LECTERN_DATA_DIR="+data)
	if diff := cmp.Diff(ldap.DefaultMapping(), def.UserLDAPMappingAttributes); diff != "" {
		t.Errorf("default USER_LDAP_MAPPING_ATTRIBUTES (-Pod's +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"ou=people,dc=univ,dc=fr", "(uid=%(uid)s)"}, def.AuthLDAPUserSearch); diff != "" {
		t.Errorf("default AUTH_LDAP_USER_SEARCH (-Pod's +got):\n%s", diff)
	}

	env := mustLoadConfig(t, "", "LECTERN_DATA_DIR="+data,
		`LECTERN_LDAP_SERVER={ url = "ldaps://ldap.univ.fr" }`,
		`LECTERN_AUTH_LDAP_USER_SEARCH=["ou=people,dc=univ,dc=fr", "(uid=%(uid)s)"]`,
		`LECTERN_USER_LDAP_MAPPING_ATTRIBUTES={ uid = "supannAliasLogin" }`)
	if env.LDAPServer.URL != "ldaps://ldap.univ.fr" || env.AuthLDAPUserSearch[0] != "ou=people,dc=univ,dc=fr" ||
		!cmp.Equal(env.UserLDAPMappingAttributes, map[string]string{"uid": "supannAliasLogin"}) {
		t.Errorf("from the environment: %+v %q %v", env.LDAPServer, env.AuthLDAPUserSearch, env.UserLDAPMappingAttributes)
	}

	// config check masks the bind password, and its listing reads back.
	out := cfg.Masked()
	if strings.Contains(out, "s3cret-ldap") || !strings.Contains(out, `AUTH_LDAP_BIND_PASSWORD = "xxxxx"`) {
		t.Errorf("Masked() shows the LDAP bind password:\n%s", out)
	}
	back := mustLoadConfig(t, writeConfig(t, out))
	back.AuthLDAPBindPassword = cfg.AuthLDAPBindPassword
	if diff := cmp.Diff(cfg, back); diff != "" {
		t.Errorf("Masked() does not read back (-loaded +read back):\n%s", diff)
	}
}

func TestLoadConfigLDAPErrors(t *testing.T) {
	t.Parallel()
	data := t.TempDir()
	for _, tt := range []struct {
		name, file string
		want       []string
	}{
		{"not an LDAP url", `LDAP_SERVER = { url = "https://ldap.univ.fr" }`, []string{"LDAP_SERVER", "ldap://"}},
		{"port out of range", `LDAP_SERVER = { url = "ldap://ldap.univ.fr", port = 70000 }`, []string{"LDAP_SERVER", "port"}},
		{"negative port", `LDAP_SERVER = { url = "", port = -1 }`, []string{"LDAP_SERVER", "port"}},
		{"two ports", `LDAP_SERVER = { url = "ldap://ldap.univ.fr:1389", port = 389 }`, []string{"LDAP_SERVER", "port"}},
		{"several urls", `LDAP_SERVER = { url = ["ldap://a", "ldap://b"] }`, []string{"LDAP_SERVER"}},
		{"filter without %(uid)s", `AUTH_LDAP_USER_SEARCH = ["ou=people,dc=univ,dc=fr", "(uid=%s)"]`, []string{"AUTH_LDAP_USER_SEARCH", "%(uid)s"}},
		{"filter that does not parse", `AUTH_LDAP_USER_SEARCH = ["ou=people,dc=univ,dc=fr", "(uid=%(uid)s"]`, []string{"AUTH_LDAP_USER_SEARCH", "not a valid LDAP filter"}},
		{"base that is no DN", `AUTH_LDAP_USER_SEARCH = ["people", "(uid=%(uid)s)"]`, []string{"AUTH_LDAP_USER_SEARCH", "base"}},
		{"filter alone", `AUTH_LDAP_USER_SEARCH = ["(uid=%(uid)s)"]`, []string{"AUTH_LDAP_USER_SEARCH", "base"}},
		{"bind DN that is no DN", "AUTH_LDAP_BIND_DN = \"pod\"\nAUTH_LDAP_BIND_PASSWORD = \"pw\"", []string{"AUTH_LDAP_BIND_DN", "not a DN"}},
		{"bind DN without password", `AUTH_LDAP_BIND_DN = "cn=pod,dc=univ,dc=fr"`, []string{"AUTH_LDAP_BIND_PASSWORD", "AUTH_LDAP_BIND_DN"}},
		{"password without bind DN", `AUTH_LDAP_BIND_PASSWORD = "pw"`, []string{"AUTH_LDAP_BIND_PASSWORD", "without AUTH_LDAP_BIND_DN"}},
		{"mapping with an unknown key", `USER_LDAP_MAPPING_ATTRIBUTES = { uid = "uid", email = "mail" }`, []string{"USER_LDAP_MAPPING_ATTRIBUTES", "email"}},
		{"mapping without uid", `USER_LDAP_MAPPING_ATTRIBUTES = { mail = "mail" }`, []string{"USER_LDAP_MAPPING_ATTRIBUTES", "uid"}},
		{"mapping to no attribute", `USER_LDAP_MAPPING_ATTRIBUTES = { uid = "uid)(x=*" }`, []string{"USER_LDAP_MAPPING_ATTRIBUTES", "attribute"}},
		{"POPULATE_USER unknown", `POPULATE_USER = "SHIB"`, []string{"POPULATE_USER", "SHIB"}},
		{"POPULATE_USER None", `POPULATE_USER = "None"`, []string{"POPULATE_USER"}},
		{"POPULATE_USER LDAP without a directory", `POPULATE_USER = "LDAP"`, []string{"POPULATE_USER", "LDAP_SERVER"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := LoadConfig(writeConfig(t, tt.file+"\n"), []string{"LECTERN_DATA_DIR=" + data})
			if err == nil {
				t.Fatal("want an error")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
		})
	}
	// The bind password is never in an error.
	_, err := LoadConfig(writeConfig(t, "AUTH_LDAP_BIND_DN = \"pod\"\nAUTH_LDAP_BIND_PASSWORD = \"s3cret-ldap\"\n"), []string{"LECTERN_DATA_DIR=" + data})
	if err == nil || strings.Contains(err.Error(), "s3cret-ldap") {
		t.Errorf("error shows the bind password: %v", err)
	}
}
