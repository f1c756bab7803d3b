package main

import (
	"log/slog"
	"net/http"
	"strings"

	"lectern"
	"lectern/oidc"
	"lectern/web"
)

// addOIDC turns on the OIDC way of logging in when configured (USE_OIDC):
// the login page's button (OIDC_NAME), Pod's /oidc/ paths, and logout at
// the provider's end-session endpoint.
func addOIDC(id *identity, cfg *Config, svc *services, logger *slog.Logger) error {
	if !cfg.UseOIDC {
		return nil
	}
	var pages *web.Server // set by the mount, before any request
	h, err := oidc.New(oidc.Config{
		Issuer:                 cfg.OIDCOPIssuer,
		AuthorizationEndpoint:  cfg.OIDCOPAuthorizationEndpoint,
		TokenEndpoint:          cfg.OIDCOPTokenEndpoint,
		UserInfoEndpoint:       cfg.OIDCOPUserEndpoint,
		JWKSEndpoint:           cfg.OIDCOPJWKSEndpoint,
		EndSessionEndpoint:     cfg.OIDCOPEndSessionEndpoint,
		ClientID:               cfg.OIDCRPClientID,
		ClientSecret:           cfg.OIDCRPClientSecret,
		SignAlgo:               cfg.OIDCRPSignAlgo,
		Scopes:                 strings.Fields(cfg.OIDCRPScopes),
		ClaimGivenName:         cfg.OIDCClaimGivenName,
		ClaimFamilyName:        cfg.OIDCClaimFamilyName,
		ClaimPreferredUsername: cfg.OIDCClaimPreferredUsername,
		DefaultAffiliation:     cfg.OIDCDefaultAffiliation,
		DefaultGroups:          cfg.OIDCDefaultAccessGroupCodeNames,
		RedirectURL:            strings.TrimSuffix(cfg.BaseURL, "/") + oidc.CallbackPath,
		Once:                   svc.once,
		Logger:                 logger.With("edge", "oidc"),
		LoginFunc: func(w http.ResponseWriter, r *http.Request, who lectern.Identity, next string) {
			pages.CompleteLogin(w, r, who, next)
		},
		FailFunc: func(w http.ResponseWriter, r *http.Request, status int) { pages.LoginFailed(w, r, status) },
	})
	if err != nil {
		return err
	}
	id.methods = append(id.methods, web.LoginMethod{Name: cfg.OIDCName, Path: oidc.AuthenticatePath})
	if cfg.OIDCOPIssuer != "" || cfg.OIDCOPEndSessionEndpoint != "" {
		// An end-session endpoint, configured or maybe discovered
		// (LogoutURL falls back to the login page without one).
		id.logouts[lectern.AuthOIDC] = h.LogoutURL
	}
	id.mounts = append(id.mounts, func(p *web.Server) error {
		pages = p
		p.Handle("GET "+oidc.AuthenticatePath+"{$}", http.HandlerFunc(h.Authenticate))
		p.Handle("GET "+oidc.CallbackPath+"{$}", http.HandlerFunc(h.Callback))
		p.Handle(oidc.LogoutPath+"{$}", http.HandlerFunc(h.Logout))
		return nil
	})
	return nil
}
