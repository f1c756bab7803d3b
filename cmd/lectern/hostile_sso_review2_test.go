package main

import (
	"context"
	"encoding/base64"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"lectern"
	"lectern/idptest"
	"lectern/oidc/oidctest"
	"lectern/shibboleth"
	"lectern/sqldb"
)

// TestHostileSSOReview2: the second review's rows, each against a real
// serve, each failing without the check it names.
func TestHostileSSOReview2(t *testing.T) {
	t.Parallel()

	// MATCH_ACCOUNTS_BY_EMAIL with a provider that lets anyone type any
	// address: mallory's email_verified false address is the staff
	// member's, and must not log mallory into that account.
	t.Run("oidc unverified email takes no account", func(t *testing.T) {
		t.Parallel()
		p := oidctest.Start(t, "lectern", "s3cret", map[string]map[string]any{
			"mallory": {"email": "victim@example.test", "email_verified": false, "given_name": "Mallory"},
		})
		addr := freeAddr(t)
		c := newCLI(t)
		s := startServeEnv(t, c, "LECTERN_HTTP_ADDR="+addr, "LECTERN_FTP_ADDR="+freeAddr(t), "LECTERN_BASE_URL=http://"+addr+"/",
			"LECTERN_USE_OIDC=true", "LECTERN_OIDC_OP_ISSUER="+p.URL, "LECTERN_OIDC_RP_CLIENT_ID=lectern",
			"LECTERN_OIDC_RP_CLIENT_SECRET=s3cret", "LECTERN_MATCH_ACCOUNTS_BY_EMAIL=true", "LECTERN_LANGUAGE_CODE=en")
		users := sqldb.NewUserService(c.open(t))
		ctx := context.Background()
		victim := &lectern.User{Username: "victim", Email: "victim@example.test", IsActive: true, IsStaff: true,
			AuthType: lectern.AuthLocal, DateJoined: time.Now().UTC()}
		if err := users.CreateUser(ctx, victim); err != nil {
			t.Fatal(err)
		}
		p.SetLogin("mallory")
		b := newOIDCBrowser(t, s)
		if status, _ := b.get(s.url + "/oidc/authenticate/?next=/"); status != http.StatusOK {
			t.Fatalf("mallory's login: %d", status)
		}
		v, err := users.FindUserByUsername(ctx, "victim")
		if err != nil {
			t.Fatal(err)
		}
		if !v.LastLogin.IsZero() || v.AuthType != lectern.AuthLocal || v.FirstName == "Mallory" {
			t.Errorf("mallory logged into the victim's account: %+v", v)
		}
		m, err := users.FindUserByUsername(ctx, "mallory")
		if err != nil || m.Email != "victim@example.test" {
			t.Errorf("mallory's own account: %+v, %v (want one, the address kept for mail)", m, err)
		}
	})

	// Usernames Lectern's rule refuses, or claims of the wrong type:
	// the login page says the login was refused or did not succeed
	// (403), nobody is logged in, no account is made.
	t.Run("oidc usernames refused", func(t *testing.T) {
		t.Parallel()
		p := oidctest.Start(t, "lectern", "s3cret", map[string]map[string]any{
			"space":  {"preferred_username": "bob smith"},
			"slash":  {"preferred_username": "../admin"},
			"array":  {"preferred_username": []any{"admin"}},
			"number": {"preferred_username": 42},
			"empty":  {"preferred_username": ""},
			"long":   {"preferred_username": strings.Repeat("b", 151)},
		})
		addr := freeAddr(t)
		c := newCLI(t)
		s := startServeEnv(t, c, "LECTERN_HTTP_ADDR="+addr, "LECTERN_FTP_ADDR="+freeAddr(t), "LECTERN_BASE_URL=http://"+addr+"/",
			"LECTERN_USE_OIDC=true", "LECTERN_OIDC_OP_ISSUER="+p.URL, "LECTERN_OIDC_RP_CLIENT_ID=lectern",
			"LECTERN_OIDC_RP_CLIENT_SECRET=s3cret", "LECTERN_LANGUAGE_CODE=en")
		users := sqldb.NewUserService(c.open(t))
		for _, who := range []string{"space", "slash", "array", "number", "empty", "long"} {
			p.SetLogin(who)
			b := newOIDCBrowser(t, s)
			status, body := b.get(s.url + "/oidc/authenticate/?next=/")
			if status != http.StatusForbidden || !strings.Contains(body, "did not succeed") && !strings.Contains(body, "cannot log you in") {
				t.Errorf("%s: status %d, want 403 and the login page saying why", who, status)
			}
			b.loggedOut()
		}
		found, _, err := users.FindUsers(context.Background(), lectern.UserFilter{Page: lectern.Page{Size: 10}})
		if err != nil {
			t.Fatal(err)
		}
		for _, u := range found {
			if u.AuthType == lectern.AuthOIDC {
				t.Errorf("account made: %q", u.Username)
			}
		}
	})

	// The flow's cookie is the browser's: an attacker writes their own,
	// with a state of their choosing and an expiry in the year 9999, and
	// calls the callback with it (no login at the provider). Refused
	// (the code is not one), and the state it spends is remembered no
	// longer than a login may take: the database does not keep a row per
	// such request for ever.
	t.Run("oidc forged flow cookie grows no database", func(t *testing.T) {
		t.Parallel()
		p := oidctest.Start(t, "lectern", "s3cret", nil)
		addr := freeAddr(t)
		c := newCLI(t)
		s := startServeEnv(t, c, "LECTERN_HTTP_ADDR="+addr, "LECTERN_FTP_ADDR="+freeAddr(t), "LECTERN_BASE_URL=http://"+addr+"/",
			"LECTERN_USE_OIDC=true", "LECTERN_OIDC_OP_ISSUER="+p.URL, "LECTERN_OIDC_RP_CLIENT_ID=lectern",
			"LECTERN_OIDC_RP_CLIENT_SECRET=s3cret", "LECTERN_LANGUAGE_CODE=en")
		flow := base64.RawURLEncoding.EncodeToString([]byte(`{"n":"x","v":"y","x":"/","e":"9999-01-01T00:00:00Z"}`))
		for i := range 3 {
			state := fmt.Sprintf("forged-%d", i)
			req, _ := http.NewRequest("GET", s.url+"/oidc/callback/?code=nothing&state="+state, nil)
			req.AddCookie(&http.Cookie{Name: "lectern_oidc_" + state, Value: flow})
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			if res.StatusCode != http.StatusForbidden {
				t.Errorf("forged callback %d: status %d, want 403", i, res.StatusCode)
			}
		}
		var kept int
		if err := c.open(t).SQL().QueryRow(`SELECT count(*) FROM once_keys WHERE key LIKE 'oidc-state:forged-%' AND expires_at > ?`,
			time.Now().Add(time.Hour).UTC()).Scan(&kept); err != nil {
			t.Fatal(err)
		}
		if kept != 0 {
			t.Errorf("%d forged states kept beyond an hour", kept)
		}
	})

	// A trusted proxy that appends the Shibboleth headers to the
	// client's instead of replacing them: the request carries the
	// username header twice, the client's first. Nobody is logged in.
	t.Run("shibboleth header sent twice", func(t *testing.T) {
		t.Parallel()
		c := newCLI(t, shibHeaderEnv...)
		addr := freeAddr(t)
		s := startServeEnv(t, c, "LECTERN_HTTP_ADDR="+addr, "LECTERN_FTP_ADDR="+freeAddr(t))
		proxy := shibClient(t, "127.0.0.1")
		req, _ := http.NewRequest("GET", s.url+shibboleth.HeaderLoginPath+"?next=/", nil)
		for h, v := range shibHeaders(idptest.People["carol"]) {
			req.Header.Set(h, v)
		}
		req.Header["Remote_user"] = []string{"alice@example.test", "carol@example.test"}
		if status, loc := shibDo(t, proxy, req); status != http.StatusForbidden || loggedIn(t, proxy, s.url) {
			t.Errorf("two REMOTE_USER headers: %d to %q, want 403 and nobody in", status, loc)
		}
	})
}
