package web

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

// ssoMethods are a French university's three ways of logging in.
var ssoMethods = []LoginMethod{
	{Name: "CAS", Path: "/sso-cas/login/"},
	{Name: "Fédération d'identités", Path: "/sso-shib/login/"},
	{Name: "Université OIDC", Path: "/oidc/authenticate/"},
}

var detailsRE = regexp.MustCompile(`<details class="local-login"( open)?>`)

func TestLoginPageWithSSO(t *testing.T) {
	t.Parallel()
	b := setup(t, func(c *Config) { c.LoginMethods = ssoMethods })
	b.user("root", true, true)
	next := "/mediacourses_add/?mediapath=a.mp4&recorder=1"

	t.Run("Buttons", func(t *testing.T) {
		t.Parallel()
		for _, lang := range []string{"en", "fr"} {
			c := b.client()
			c.language = lang
			res := c.get("/accounts/login/?next=" + url.QueryEscape(next))
			want(t, res, http.StatusOK)
			wantNoKeys(t, "/accounts/login/ ("+lang+")", res)
			// Each way by its name, its link carrying next, before the
			// local form, which is folded.
			with := map[string]string{"en": "Log in with ", "fr": "Se connecter avec "}[lang]
			last := 0
			for _, m := range ssoMethods {
				link := `href="` + m.Path + "?next=" + strings.ReplaceAll(url.QueryEscape(next), "&", "&amp;") + `"`
				i := strings.Index(res.body, link)
				if i < 0 {
					t.Fatalf("%s: no link %s\n%s", lang, link, res.body)
				}
				if i < last {
					t.Errorf("%s: %s out of order", lang, m.Name)
				}
				last = i
				name := strings.ReplaceAll(m.Name, "'", "&#39;")
				if !strings.Contains(res.body, with+name+"</a>") {
					t.Errorf("%s: no button %q", lang, with+m.Name)
				}
			}
			d := detailsRE.FindStringSubmatchIndex(res.body)
			if d == nil || d[2] >= 0 || d[0] < last {
				t.Errorf("%s: the local form is not folded below the buttons: %v", lang, d)
			}
			summary := map[string]string{"en": "Log in with a local account", "fr": "Se connecter avec un compte local"}[lang]
			wantBody(t, res, "<summary>"+summary+"</summary>", `name="next" value="`+strings.ReplaceAll(next, "&", "&amp;")+`"`)
			if strings.Contains(res.body, "autofocus") {
				t.Errorf("%s: a folded field takes the focus", lang)
			}
			// The language switch comes back with next.
			wantBody(t, res, `name="next" value="/accounts/login/?next=`+strings.ReplaceAll(url.QueryEscape(next), "&", "&amp;")+`"`)
		}
	})

	t.Run("LocalFails", func(t *testing.T) {
		t.Parallel()
		c := b.client()
		res := c.post("/accounts/login/", url.Values{"username": {"root"}, "password": {"wrong"}, "next": {next}})
		want(t, res, http.StatusOK)
		// Unfolded, the error beside the form, next kept everywhere.
		d := detailsRE.FindStringSubmatchIndex(res.body)
		if d == nil || d[2] < 0 {
			t.Fatalf("the local form is folded after its error\n%s", res.body)
		}
		alert := strings.Index(res.body, "Please enter a correct username and password.")
		if alert < d[0] {
			t.Errorf("the local form's error is not inside it")
		}
		wantBody(t, res, `name="username" value="root"`, `autocomplete="current-password" required autofocus`,
			`href="/sso-cas/login/?next=`+strings.ReplaceAll(url.QueryEscape(next), "&", "&amp;")+`"`)
	})

	t.Run("LocalLogsInSuperuser", func(t *testing.T) {
		t.Parallel()
		c := b.client()
		res := c.post("/accounts/login/", url.Values{"username": {"root"}, "password": {"secret-root"}, "next": {next}})
		want(t, res, http.StatusSeeOther)
		if res.location != next {
			t.Errorf("after login: %q, want %q", res.location, next)
		}
		want(t, c.get("/admin/"), http.StatusOK)
	})

	t.Run("SSOFailure", func(t *testing.T) {
		t.Parallel()
		// An identity provider's failure: the message on top, the local
		// form still folded.
		b.server.Handle("GET /test-sso-failed/{$}", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			b.server.LoginFailed(w, r, http.StatusForbidden)
		}))
		res := b.client().get("/test-sso-failed/")
		want(t, res, http.StatusForbidden)
		body := res.body
		d := detailsRE.FindStringSubmatchIndex(body)
		alert := strings.Index(body, "The login with your identity provider did not succeed.")
		if d == nil || d[2] >= 0 || alert < 0 || alert > d[0] {
			t.Errorf("alert at %d, details %v\n%s", alert, d, body)
		}
	})
}

func TestLoginPageWithoutSSO(t *testing.T) {
	t.Parallel()
	b := setup(t)
	res := b.client().get("/accounts/login/")
	want(t, res, http.StatusOK)
	if strings.Contains(res.body, "<details") || strings.Contains(res.body, "Log in with") {
		t.Errorf("a local-only site shows single sign-on parts\n%s", res.body)
	}
	wantBody(t, res, `name="username"`, "autofocus", `class="button button-primary button-block">Log in</button>`)
}
