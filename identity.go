package lectern

import (
	"context"
	"time"
)

// Identity is a person as an identity provider or the directory describes
// them: what a CAS ticket's attributes, an OpenID Connect id_token, a SAML
// assertion, a Shibboleth module's headers or an LDAP entry say. Accounts
// turns it into a User.
type Identity struct {
	// Source is how the person logged in, Pod's Owner.auth_type values:
	// AuthCAS, AuthOIDC, AuthShibboleth, AuthSAML, AuthLDAP (the
	// directory, for someone an admin picked who never logged in).
	Source   string
	Username string
	Email    string
	// EmailUnverified: the provider said it did not verify Email (OIDC's
	// email_verified false). The account keeps it for mail, but
	// MATCH_ACCOUNTS_BY_EMAIL never takes an account by it: anyone may
	// type anyone's address at a provider that does not check it.
	EmailUnverified bool
	FirstName       string
	LastName        string
	// PrimaryAffiliation is eduPersonPrimaryAffiliation (Pod's
	// Owner.affiliation); Affiliations is eduPersonAffiliation, every
	// value. AFFILIATION_STAFF is matched against both.
	PrimaryAffiliation string
	Affiliations       []string
	// Groups are the directory's groups (memberOf, a groups claim), kept
	// as groups of the same name with CREATE_GROUP_FROM_GROUPS.
	Groups []string
	// DefaultGroups are groups a new account is put in, by name
	// (OIDC_DEFAULT_ACCESS_GROUP_CODE_NAMES): groups an admin made, which
	// stay the person's as any other; a name no group has is skipped, as
	// Pod skips an unknown access group.
	DefaultGroups []string
	// NoStaff keeps the staff flag off whatever the affiliations say
	// (SHIBBOLETH_STAFF_ALLOWED_DOMAINS refused the person's domain).
	NoStaff bool
	// SessionIndex names the identity provider's session (a CAS service
	// ticket, a SAML SessionIndex, an OIDC sid), so that its single logout
	// request ends the matching Lectern session; empty: none.
	SessionIndex string
}

// Identity sources, stored as the user's AuthType (Pod's values, plus
// SAML for the service provider built into Lectern). Local accounts have
// AuthLocal.
const (
	AuthLocal      = "local"
	AuthCAS        = "CAS"
	AuthOIDC       = "OIDC"
	AuthShibboleth = "Shibboleth"
	AuthSAML       = "SAML"
	AuthLDAP       = "LDAP"
)

// Directory is the university's people directory (LDAP).
type Directory interface {
	// SearchPeople returns at most limit people whose username, name or
	// email contains query (case-insensitively), ordered by username;
	// Source is AuthLDAP.
	SearchPeople(ctx context.Context, query string, limit int) ([]Identity, error)
	// LookupPerson returns the person with that username; ENOTFOUND.
	LookupPerson(ctx context.Context, username string) (*Identity, error)
}

// OnceService remembers keys used once: CAS tickets, SAML assertion ids,
// so that a replayed one is refused on every node.
type OnceService interface {
	// UseOnce records key until expires; ECONFLICT when key was already
	// recorded and has not expired.
	UseOnce(ctx context.Context, key string, expires time.Time) error
}

// SSOSessionService ties identity providers' sessions to Lectern's login
// sessions, for single logout.
type SSOSessionService interface {
	// RememberSSOSession records that the Lectern session token was opened
	// by source's session index, until expires.
	RememberSSOSession(ctx context.Context, source, index, token string, expires time.Time) error
	// TakeSSOSessions returns and forgets the session tokens source's
	// session index opened.
	TakeSSOSessions(ctx context.Context, source, index string) ([]string, error)
}
