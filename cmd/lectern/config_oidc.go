package main

import (
	"net/url"
	"slices"
	"strings"

	"lectern/oidc"
)

// checkOIDC validates the OIDC settings: with USE_OIDC, a client id and a
// provider (an issuer to discover, or the authorization, token and JWKS
// endpoints); every URL given is http(s); the signature algorithm is one
// go-oidc checks.
func (c *Config) checkOIDC(bad func(key, format string, args ...any)) {
	urls := []struct{ key, value string }{
		{"OIDC_OP_ISSUER", c.OIDCOPIssuer},
		{"OIDC_OP_AUTHORIZATION_ENDPOINT", c.OIDCOPAuthorizationEndpoint},
		{"OIDC_OP_TOKEN_ENDPOINT", c.OIDCOPTokenEndpoint},
		{"OIDC_OP_USER_ENDPOINT", c.OIDCOPUserEndpoint},
		{"OIDC_OP_JWKS_ENDPOINT", c.OIDCOPJWKSEndpoint},
		{"OIDC_OP_END_SESSION_ENDPOINT", c.OIDCOPEndSessionEndpoint},
	}
	for _, u := range urls {
		if u.value == "" {
			continue
		}
		p, err := url.Parse(u.value)
		if err != nil || (p.Scheme != "http" && p.Scheme != "https") || p.Host == "" || p.User != nil {
			bad(u.key, "want an http:// or https:// URL, not %q", u.value)
		}
	}
	switch {
	case c.OIDCRPSignAlgo == "HS256" || c.OIDCRPSignAlgo == "HS384" || c.OIDCRPSignAlgo == "HS512":
		bad("OIDC_RP_SIGN_ALGO", "%s (keyed with the client secret) is not supported: want the provider's public-key algorithm, one of %s",
			c.OIDCRPSignAlgo, strings.Join(oidc.Algorithms, ", "))
	case !slices.Contains(oidc.Algorithms, c.OIDCRPSignAlgo):
		bad("OIDC_RP_SIGN_ALGO", "want one of %s, not %q", strings.Join(oidc.Algorithms, ", "), c.OIDCRPSignAlgo)
	}
	for _, claim := range []struct{ key, value string }{
		{"OIDC_CLAIM_GIVEN_NAME", c.OIDCClaimGivenName},
		{"OIDC_CLAIM_FAMILY_NAME", c.OIDCClaimFamilyName},
		{"OIDC_CLAIM_PREFERRED_USERNAME", c.OIDCClaimPreferredUsername},
	} {
		if strings.TrimSpace(claim.value) == "" {
			bad(claim.key, "want a claim name")
		}
	}
	if !c.UseOIDC {
		return
	}
	if strings.TrimSpace(c.OIDCName) == "" {
		bad("OIDC_NAME", "want the login button's label with USE_OIDC")
	}
	if c.OIDCRPClientID == "" {
		bad("OIDC_RP_CLIENT_ID", "want the client id Lectern is registered with at the provider, with USE_OIDC")
	}
	if c.OIDCOPIssuer == "" {
		for _, u := range urls[1:5] {
			if u.value == "" && u.key != "OIDC_OP_USER_ENDPOINT" {
				bad(u.key, "want the provider's endpoint with USE_OIDC, or OIDC_OP_ISSUER to discover them")
			}
		}
	}
}
