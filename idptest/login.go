package idptest

import (
	"context"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
)

// LoginResult is where the identity provider sends the browser once the
// person has logged in.
type LoginResult struct {
	// Redirect is the first redirect leaving the provider: the CAS
	// service with its ticket, the OIDC redirect URI with code and state.
	Redirect *url.URL
	// FormAction and Form are an auto-submitting form's (SAML's
	// HTTP-POST binding: SAMLResponse and RelayState to the ACS).
	FormAction string
	Form       url.Values
}

var (
	inputRE  = regexp.MustCompile(`<input[^>]*>`)
	nameRE   = regexp.MustCompile(`name="([^"]*)"`)
	valueRE  = regexp.MustCompile(`value="([^"]*)"`)
	actionRE = regexp.MustCompile(`<form[^>]*action="([^"]*)"`)
)

// Login opens startURL (a CAS login, an OIDC authorization or a SAML SSO
// URL of the provider) with client (it must not follow redirects; its
// cookie jar keeps the provider's session; NewClient makes one), fills the
// portal's login form with username and password, and returns where the
// provider then sends the browser. A refused login is an error. When the client already has a
// session with the provider, the form is skipped, as a browser's would be.
func (p *IdP) Login(ctx context.Context, client *http.Client, startURL, username, password string) (*LoginResult, error) {
	res, body, err := p.get(ctx, client, startURL)
	if err != nil {
		return nil, err
	}
	if r, done := p.result(res, body); done {
		return r, nil
	}
	form := url.Values{}
	for _, in := range inputRE.FindAllString(body, -1) {
		if n := nameRE.FindStringSubmatch(in); n != nil {
			v := ""
			if m := valueRE.FindStringSubmatch(in); m != nil {
				v = html.UnescapeString(m[1])
			}
			form.Set(n[1], v)
		}
	}
	if _, ok := form["password"]; !ok {
		return nil, fmt.Errorf("idptest: no login form at %s (status %d)", startURL, res.StatusCode)
	}
	form.Set("user", username)
	form.Set("password", password)
	// The form's action is "#": it posts to the same URL, query included.
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, startURL, strings.NewReader(form.Encode()))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	res, body, err = p.do(client, req)
	if err != nil {
		return nil, err
	}
	for range 10 {
		if r, done := p.result(res, body); done {
			return r, nil
		}
		loc := res.Header.Get("Location")
		if res.StatusCode/100 != 3 || loc == "" {
			return nil, fmt.Errorf("idptest: login of %s refused (status %d)", username, res.StatusCode)
		}
		next, err := res.Request.URL.Parse(loc)
		if err != nil {
			return nil, err
		}
		if res, body, err = p.get(ctx, client, next.String()); err != nil {
			return nil, err
		}
	}
	return nil, fmt.Errorf("idptest: too many redirects on the provider")
}

// result tells whether res leaves the provider (a redirect elsewhere, or
// an auto-submitting SAML form).
func (p *IdP) result(res *http.Response, body string) (*LoginResult, bool) {
	if loc := res.Header.Get("Location"); res.StatusCode/100 == 3 && loc != "" {
		u, err := res.Request.URL.Parse(loc)
		portal, _ := url.Parse(p.Portal)
		if err == nil && u.Host != portal.Host {
			return &LoginResult{Redirect: u}, true
		}
		return nil, false
	}
	if res.StatusCode == http.StatusOK && strings.Contains(body, `name="SAMLResponse"`) {
		r := &LoginResult{Form: url.Values{}}
		if m := actionRE.FindStringSubmatch(body); m != nil {
			r.FormAction = html.UnescapeString(m[1])
		}
		for _, in := range inputRE.FindAllString(body, -1) {
			n, v := nameRE.FindStringSubmatch(in), valueRE.FindStringSubmatch(in)
			if n != nil && v != nil {
				r.Form.Set(n[1], html.UnescapeString(v[1]))
			}
		}
		return r, true
	}
	return nil, false
}

func (p *IdP) get(ctx context.Context, client *http.Client, u string) (*http.Response, string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, "", err
	}
	return p.do(client, req)
}

func (p *IdP) do(client *http.Client, req *http.Request) (*http.Response, string, error) {
	res, err := client.Do(req)
	if err != nil {
		return nil, "", fmt.Errorf("idptest: %s %s: %w", req.Method, req.URL, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(io.LimitReader(res.Body, 4<<20))
	if err != nil {
		return nil, "", fmt.Errorf("idptest: read %s: %w", req.URL, err)
	}
	return res, string(b), nil
}
