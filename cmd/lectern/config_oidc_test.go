package main

import (
	"strings"
	"testing"
)

// The OIDC settings are checked at start, each error naming its key.
func TestConfigOIDC(t *testing.T) {
	t.Parallel()
	good := []string{"LECTERN_USE_OIDC=true", "LECTERN_OIDC_RP_CLIENT_ID=lectern", "LECTERN_OIDC_OP_ISSUER=https://idp.example"}
	for _, c := range []struct {
		name string
		env  []string
		key  string // "" for a valid configuration
	}{
		{"issuer", good, ""},
		{"explicit endpoints", []string{"LECTERN_USE_OIDC=true", "LECTERN_OIDC_RP_CLIENT_ID=lectern",
			"LECTERN_OIDC_OP_AUTHORIZATION_ENDPOINT=https://idp.example/auth", "LECTERN_OIDC_OP_TOKEN_ENDPOINT=https://idp.example/token",
			"LECTERN_OIDC_OP_JWKS_ENDPOINT=https://idp.example/jwks"}, ""},
		{"off, nothing set", []string{"LECTERN_USE_OIDC=false"}, ""},
		{"no client id", []string{"LECTERN_USE_OIDC=true", "LECTERN_OIDC_OP_ISSUER=https://idp.example"}, "OIDC_RP_CLIENT_ID"},
		{"no provider", []string{"LECTERN_USE_OIDC=true", "LECTERN_OIDC_RP_CLIENT_ID=lectern"}, "OIDC_OP_AUTHORIZATION_ENDPOINT"},
		{"no JWKS", []string{"LECTERN_USE_OIDC=true", "LECTERN_OIDC_RP_CLIENT_ID=lectern",
			"LECTERN_OIDC_OP_AUTHORIZATION_ENDPOINT=https://idp.example/auth", "LECTERN_OIDC_OP_TOKEN_ENDPOINT=https://idp.example/token"}, "OIDC_OP_JWKS_ENDPOINT"},
		{"issuer not a URL", append(good[:2:2], "LECTERN_OIDC_OP_ISSUER=idp.example"), "OIDC_OP_ISSUER"},
		{"endpoint ftp", append(good, "LECTERN_OIDC_OP_TOKEN_ENDPOINT=ftp://idp.example/token"), "OIDC_OP_TOKEN_ENDPOINT"},
		{"end session not a URL", append(good, "LECTERN_OIDC_OP_END_SESSION_ENDPOINT=/logout"), "OIDC_OP_END_SESSION_ENDPOINT"},
		{"HS256", append(good, "LECTERN_OIDC_RP_SIGN_ALGO=HS256"), "OIDC_RP_SIGN_ALGO"},
		{"none", append(good, "LECTERN_OIDC_RP_SIGN_ALGO=none"), "OIDC_RP_SIGN_ALGO"},
		{"ES256", append(good, "LECTERN_OIDC_RP_SIGN_ALGO=ES256"), ""},
		{"no username claim", append(good, "LECTERN_OIDC_CLAIM_PREFERRED_USERNAME= "), "OIDC_CLAIM_PREFERRED_USERNAME"},
		{"no button label", append(good, "LECTERN_OIDC_NAME="), "OIDC_NAME"},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			_, err := LoadConfig("", append([]string{"LECTERN_DATA_DIR=" + t.TempDir()}, c.env...))
			switch {
			case c.key == "" && err != nil:
				t.Errorf("LoadConfig: %v", err)
			case c.key != "" && (err == nil || !strings.Contains(err.Error(), c.key)):
				t.Errorf("LoadConfig: %v; want an error naming %s", err, c.key)
			}
		})
	}
}

// config check shows the client secret masked.
func TestConfigMaskedOIDCSecret(t *testing.T) {
	t.Parallel()
	cfg := mustLoadConfig(t, "", "LECTERN_DATA_DIR="+t.TempDir(), "LECTERN_OIDC_RP_CLIENT_SECRET=hush-hush")
	out := cfg.Masked()
	if strings.Contains(out, "hush-hush") || !strings.Contains(out, `OIDC_RP_CLIENT_SECRET = "xxxxx"`) {
		t.Errorf("Masked() shows the OIDC client secret:\n%s", out)
	}
	if cfg.OIDCRPClientSecret != "hush-hush" {
		t.Errorf("Masked() changed the configuration")
	}
}
