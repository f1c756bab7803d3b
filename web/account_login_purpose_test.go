package web

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestLoginPurpose: the login page reached from the mail's link says what
// it is for, naming the recorder, in both languages, with the single
// sign-on buttons too; it shows nothing else of the link (not its course
// title: a crafted link's words) and nothing for other pages.
func TestLoginPurpose(t *testing.T) {
	t.Parallel()
	for _, methods := range [][]LoginMethod{nil, ssoMethods} {
		b := newAddBundle(t, func(c *Config) { c.LoginMethods = methods })
		link := addPath("lecture.mp4", "Call 555-0100 to claim your prize", b.rec.ID)
		for lang, purpose := range map[string]string{
			"en": "Log in to publish the recording from Amphi A.",
			"fr": "Connectez-vous pour publier l’enregistrement de « Amphi A ».",
		} {
			c := b.client()
			c.language = lang
			res := c.get(link)
			want(t, res, http.StatusFound)
			res = c.get(res.location)
			want(t, res, http.StatusOK)
			wantBody(t, res, `<p class="login-purpose">`+purpose+`</p>`)
			wantNoKeys(t, link, res)
			if strings.Contains(res.body, "Call 555-0100 to claim your prize") {
				t.Errorf("%s: the link's course title is shown", lang)
			}
			if methods != nil {
				wantBody(t, res, `href="`+ssoMethods[0].Path+"?next=")
			}
			// A wrong password keeps it.
			res = c.post("/accounts/login/", url.Values{"username": {"mgr"}, "password": {"wrong"}, "next": {link}})
			wantBody(t, res, purpose)
		}
		c := b.client()
		for next, purpose := range map[string]string{
			"/record/add_recording/?mediapath=x.mp4&recorder=999": "Log in to publish a recording.",
			"/mediacourses_add/?mediapath=x.mp4&recorder=abc":     "Log in to publish a recording.",
			"/mediacourses_add/?mediapath=x.mp4":                  "Log in to publish a recording.",
			"/":                                                   "",
			"/record/claim_record/?recorder=1":                    "",
		} {
			res := c.get("/accounts/login/?next=" + url.QueryEscape(next))
			want(t, res, http.StatusOK)
			if purpose == "" {
				if strings.Contains(res.body, "login-purpose") {
					t.Errorf("next %s: a purpose is said", next)
				}
				continue
			}
			wantBody(t, res, `<p class="login-purpose">`+purpose+`</p>`)
			if strings.Contains(res.body, "Amphi A") {
				t.Errorf("next %s names another recorder", next)
			}
		}
	}
}
