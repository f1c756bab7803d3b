package idptest_test

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"encoding/xml"
	"io"
	"net/http"
	"net/url"
	"os/exec"
	"strings"
	"testing"

	"lectern/idptest"
)

// Each protocol answers for the test people, as the edges' tests expect.
func TestProviders(t *testing.T) {
	idp := idptest.Start(t)
	ctx := context.Background()

	t.Run("ldap", func(t *testing.T) {
		out, err := exec.Command("ldapsearch", "-x", "-H", idp.LDAPURL, "-b", idptest.PeopleBase, "-LLL", "(uid=bob)", "mail", "memberOf").CombinedOutput()
		if err != nil || !strings.Contains(string(out), "mail: bob@example.test") || !strings.Contains(string(out), "memberOf: cn=lecturers,ou=groups,dc=example,dc=test") {
			t.Fatalf("ldapsearch: %v\n%s", err, out)
		}
	})

	t.Run("cas", func(t *testing.T) {
		app := idp.App(t)
		service := app.URL + "/sso-cas/login/?next=%2F"
		res, err := idp.Login(ctx, idptest.NewClient(), idp.CASURL+"/login?service="+url.QueryEscape(service), "alice", "alicepw")
		if err != nil {
			t.Fatal(err)
		}
		ticket := res.Redirect.Query().Get("ticket")
		if !strings.HasPrefix(ticket, "ST-") {
			t.Fatalf("no ticket in %s", res.Redirect)
		}
		body := get(t, idp.CASURL+"/p3/serviceValidate?service="+url.QueryEscape(service)+"&ticket="+ticket)
		var v struct {
			User  string `xml:"authenticationSuccess>user"`
			Attrs []struct {
				XMLName xml.Name
				Value   string `xml:",chardata"`
			} `xml:"authenticationSuccess>attributes>any"`
		}
		if err := xml.Unmarshal([]byte(body), &v); err != nil || v.User != "alice" || !strings.Contains(body, "<cas:mail>alice@example.test</cas:mail>") {
			t.Fatalf("serviceValidate: %v\n%s", err, body)
		}
		if again := get(t, idp.CASURL+"/p3/serviceValidate?service="+url.QueryEscape(service)+"&ticket="+ticket); !strings.Contains(again, "INVALID_TICKET") {
			t.Fatalf("a ticket used twice: %s", again)
		}
		if _, err := idp.Login(ctx, idptest.NewClient(), idp.CASURL+"/login?service="+url.QueryEscape(service), "alice", "wrong"); err == nil {
			t.Fatal("a wrong password got a ticket")
		}
	})

	t.Run("oidc", func(t *testing.T) {
		app := idp.App(t)
		verifier := rand.Text() + rand.Text()
		sum := sha256.Sum256([]byte(verifier))
		redirect := app.URL + "/oidc/callback/"
		q := url.Values{"response_type": {"code"}, "client_id": {app.ClientID}, "redirect_uri": {redirect},
			"scope": {"openid profile email eduperson"}, "state": {"s1"}, "nonce": {"n1"},
			"code_challenge": {base64.RawURLEncoding.EncodeToString(sum[:])}, "code_challenge_method": {"S256"}}
		res, err := idp.Login(ctx, idptest.NewClient(), idp.Portal+"/oauth2/authorize?"+q.Encode(), "carol", "carolpw")
		if err != nil {
			t.Fatal(err)
		}
		code := res.Redirect.Query().Get("code")
		form := url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {redirect}, "code_verifier": {verifier}}
		req, _ := http.NewRequest(http.MethodPost, idp.Portal+"/oauth2/token", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.SetBasicAuth(app.ClientID, app.ClientSecret)
		tr, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer tr.Body.Close()
		var tok struct {
			IDToken string `json:"id_token"`
		}
		b, _ := io.ReadAll(tr.Body)
		if err := json.Unmarshal(b, &tok); err != nil || tok.IDToken == "" {
			t.Fatalf("token: %v %s", err, b)
		}
		parts := strings.Split(tok.IDToken, ".")
		claims, _ := base64.RawURLEncoding.DecodeString(parts[1])
		for _, want := range []string{`"preferred_username":"carol"`, `"eduperson_affiliation":["student","member"]`, `"nonce":"n1"`} {
			if !strings.Contains(string(claims), want) {
				t.Errorf("id_token claims lack %s: %s", want, claims)
			}
		}
	})

	t.Run("saml metadata", func(t *testing.T) {
		if md := get(t, idp.SAMLMetadataURL); !strings.Contains(md, "IDPSSODescriptor") {
			t.Fatalf("metadata: %.300s", md)
		}
	})
}

func get(t *testing.T, u string) string {
	t.Helper()
	res, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return string(b)
}
