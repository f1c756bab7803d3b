package main

import (
	"fmt"
	"log/slog"

	"lectern"
	"lectern/ldap"
)

// addLDAP gives the accounts the university's directory when LDAP_SERVER
// is set: admins' people pickers search it, and with POPULATE_USER =
// "LDAP" each CAS login is filled from it. Only CAS logins, as in Pod
// (populateUser runs on django-cas-ng's cas_user_authenticated signal;
// its Shibboleth and OIDC backends never ask the directory).
func addLDAP(id *identity, cfg *Config, svc *services, logger *slog.Logger) error {
	dir, err := newDirectory(cfg, logger)
	if err != nil || dir == nil {
		return err
	}
	id.accounts.Directory = dir
	if cfg.PopulateUser == populateLDAP {
		id.accounts.PopulateFrom = []string{lectern.AuthCAS}
	}
	return nil
}

// newDirectory returns the directory cfg names, nil without LDAP_SERVER.
func newDirectory(cfg *Config, logger *slog.Logger) (*ldap.Directory, error) {
	if cfg.LDAPServer.URL == "" {
		return nil, nil
	}
	dir, err := ldap.New(ldap.Config{
		URL: cfg.LDAPServer.URL, Port: cfg.LDAPServer.Port, UseSSL: cfg.LDAPServer.UseSSL,
		BindDN: cfg.AuthLDAPBindDN, BindPassword: cfg.AuthLDAPBindPassword,
		Base: cfg.AuthLDAPUserSearch[0], Filter: cfg.AuthLDAPUserSearch[1],
		Mapping: cfg.UserLDAPMappingAttributes,
		Logger:  logger.With("edge", "ldap"),
	})
	if err != nil {
		return nil, fmt.Errorf("LDAP directory: %w", err)
	}
	return dir, nil
}
