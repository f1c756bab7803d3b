package web

import (
	"lectern"
	"lectern/locale"
)

// authKeys name how an account logs in (User.AuthType) on the admin's
// user pages; an empty type is an account made before single sign-on,
// a local one.
var authKeys = map[string]string{
	"":                     "user.auth_type.local",
	lectern.AuthLocal:      "user.auth_type.local",
	lectern.AuthCAS:        "user.auth_type.cas",
	lectern.AuthOIDC:       "user.auth_type.oidc",
	lectern.AuthShibboleth: "user.auth_type.shibboleth",
	lectern.AuthSAML:       "user.auth_type.saml",
	lectern.AuthLDAP:       "user.auth_type.ldap",
}

// authLabel is how an account logs in, for the admin's user pages.
type authLabel struct {
	Label string
	// SSO: the account logs in through an identity provider (or was made
	// from the directory), not with a password of this site's.
	SSO bool
	// Directory: made from the directory, never logged in.
	Directory bool
}

func newAuthLabel(p *locale.Printer, authType string) authLabel {
	l := authLabel{SSO: authType != "" && authType != lectern.AuthLocal, Directory: authType == lectern.AuthLDAP}
	if key, ok := authKeys[authType]; ok {
		l.Label = p.T(key)
	} else {
		l.Label = authType // a source this version does not know
	}
	return l
}
