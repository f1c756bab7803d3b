package main

import (
	"log/slog"
	"net/http"

	"lectern"
	"lectern/web"
)

// identity gathers the ways of logging in the configuration turns on:
// the accounts they sign people into, the login page's buttons, the
// logout of each source, and the routes each edge mounts on the pages.
type identity struct {
	accounts *lectern.Accounts
	methods  []web.LoginMethod
	logouts  map[string]func(r *http.Request, returnTo string) string
	// nativeCAS: the CAS edge answers /sso-cas/login/ (else the pages send
	// it to the local login).
	nativeCAS bool
	// mounts run once the pages exist: each edge's routes, with the
	// pages' CompleteLogin, LoginFailed and EndSSOSessions.
	mounts []func(pages *web.Server) error
}

// identityWay adds one way of logging in (LDAP first: the others fill
// their logins from the directory).
type identityWay func(id *identity, cfg *Config, svc *services, logger *slog.Logger) error

var identityWays = []identityWay{
	addLDAP,
	addCAS,
	addShibboleth,
	addOIDC,
}

// newIdentity builds the ways of logging in cfg turns on.
func newIdentity(cfg *Config, svc *services, logger *slog.Logger) (*identity, error) {
	id := &identity{
		accounts: &lectern.Accounts{
			Users: svc.users, Groups: svc.groups,
			AffiliationStaff:           cfg.AffiliationStaff,
			CreateGroupFromAffiliation: cfg.CreateGroupFromAffiliation,
			CreateGroupFromGroups:      cfg.CreateGroupFromGroups,
			MatchByEmail:               cfg.MatchAccountsByEmail,
		},
		logouts: map[string]func(*http.Request, string) string{},
	}
	for _, add := range identityWays {
		if err := add(id, cfg, svc, logger); err != nil {
			return nil, err
		}
	}
	return id, nil
}

// mount adds each edge's routes to the pages.
func (id *identity) mount(pages *web.Server) error {
	for _, m := range id.mounts {
		if err := m(pages); err != nil {
			return err
		}
	}
	return nil
}
