package main

import (
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"time"

	"lectern"
	"lectern/shibboleth"
	"lectern/web"
)

// addShibboleth turns on the Shibboleth way of logging in when USE_SHIB:
// the login page's button (SHIB_NAME), and either the header login behind
// a web server's Shibboleth module (SHIB_MODE "header") or Lectern's own
// SAML service provider (SHIB_MODE "saml").
func addShibboleth(id *identity, cfg *Config, svc *services, logger *slog.Logger) error {
	if !cfg.UseShib {
		return nil
	}
	logger = logger.With("auth", "shibboleth")
	if cfg.ShibMode == "saml" {
		return addSAML(id, cfg, svc, logger)
	}
	proxies, err := shibTrustedProxies(cfg.ShibTrustedProxies)
	if err != nil {
		return fmt.Errorf("SHIB_TRUSTED_PROXIES: %w", err)
	}
	attrs, err := shibAttributeMap(cfg.ShibbolethAttributeMap)
	if err != nil {
		return fmt.Errorf("SHIBBOLETH_ATTRIBUTE_MAP: %w", err)
	}
	h := &shibboleth.Header{
		TrustedProxies: proxies, RemoteUserHeader: cfg.RemoteUserHeader, AttributeMap: attrs,
		StaffAllowedDomains: cfg.ShibbolethStaffAllowedDomains, LoginURL: cfg.ShibURL,
		BaseURL: cfg.BaseURL, Logger: logger,
	}
	id.methods = append(id.methods, web.LoginMethod{Name: cfg.ShibName, Path: shibboleth.HeaderLoginPath})
	if cfg.ShibLogoutURL != "" {
		id.logouts[lectern.AuthShibboleth] = func(_ *http.Request, returnTo string) string {
			return shibboleth.LogoutURL(cfg.ShibLogoutURL, returnTo)
		}
	}
	id.mounts = append(id.mounts, func(pages *web.Server) error {
		h.LoginFunc, h.FailFunc = pages.CompleteLogin, pages.LoginFailed
		h.Mount(pages.Handle)
		return nil
	})
	return nil
}

// addSAML builds the SAML service provider: its key pair (made in
// DATA_DIR/saml at the first start unless SAML_SP_CERT/SAML_SP_KEY), the
// identity provider's metadata (the file read now; the URL fetched at the
// first login), its routes.
func addSAML(id *identity, cfg *Config, svc *services, logger *slog.Logger) error {
	certFile, keyFile := cfg.samlKeyFiles()
	cert, key, err := shibboleth.LoadOrCreateKeyPair(certFile, keyFile, cfg.BaseURL)
	if err != nil {
		return fmt.Errorf("SAML_SP_CERT, SAML_SP_KEY: %w", err)
	}
	s := &shibboleth.SAML{
		BaseURL: cfg.BaseURL, EntityID: cfg.SAMLEntityID, IDPMetadataURL: cfg.SAMLIdPMetadataURL,
		Certificate: cert, Key: key, UsernameAttribute: cfg.SAMLUsernameAttribute,
		StaffAllowedDomains: cfg.ShibbolethStaffAllowedDomains, AllowIDPInitiated: cfg.SAMLAllowIDPInitiated,
		Once: svc.once, HTTPClient: &http.Client{Timeout: 15 * time.Second}, Logger: logger,
	}
	if cfg.SAMLIdPMetadataFile != "" {
		if s.IDPMetadata, err = os.ReadFile(cfg.SAMLIdPMetadataFile); err != nil {
			return fmt.Errorf("SAML_IDP_METADATA_FILE: %w", err)
		}
		if err := shibboleth.CheckIDPMetadata(s.IDPMetadata); err != nil {
			return fmt.Errorf("SAML_IDP_METADATA_FILE %s: %w", cfg.SAMLIdPMetadataFile, err)
		}
	}
	id.methods = append(id.methods, web.LoginMethod{Name: cfg.ShibName, Path: shibboleth.SAMLLoginPath})
	// Logging out ends Lectern's session, then goes to SHIB_LOGOUT_URL
	// when set (the identity provider's logout page): a SAML
	// LogoutRequest would need the NameID, which the session does not
	// keep. The identity provider's own single logout requests end
	// Lectern's sessions (SAMLSLOPath).
	if cfg.ShibLogoutURL != "" {
		id.logouts[lectern.AuthSAML] = func(_ *http.Request, returnTo string) string {
			return shibboleth.LogoutURL(cfg.ShibLogoutURL, returnTo)
		}
	}
	id.mounts = append(id.mounts, func(pages *web.Server) error {
		s.LoginFunc, s.FailFunc, s.EndSessionsFunc = pages.CompleteLogin, pages.LoginFailed, pages.EndSSOSessions
		s.Mount(pages.Handle, pages.ExemptCSRF)
		// A SAML response carries the identity provider's certificate
		// and every attribute: more than the 16 KiB of the pages' other
		// machine-called routes.
		pages.LimitBody(shibboleth.SAMLACSPath, 1<<20)
		return nil
	})
	return nil
}
