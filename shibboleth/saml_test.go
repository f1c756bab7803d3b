package shibboleth

import (
	"context"
	"encoding/base64"
	"html"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"lectern"
	"lectern/idptest"
)

// memOnce is an in-memory lectern.OnceService (one node).
type memOnce struct {
	mu   sync.Mutex
	used map[string]time.Time
}

func (m *memOnce) UseOnce(_ context.Context, key string, expires time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if exp, ok := m.used[key]; ok && time.Now().Before(exp) {
		return lectern.Errorf(lectern.ECONFLICT, "%s already used", key)
	}
	if m.used == nil {
		m.used = map[string]time.Time{}
	}
	m.used[key] = expires
	return nil
}

// spBundle is a service provider under test and what it handed on.
type spBundle struct {
	sp *SAML
	// newSP makes another service provider like sp.
	newSP  func() *SAML
	idp    *idptest.IdP
	app    *idptest.App
	mu     sync.Mutex
	logins []lectern.Identity
	nexts  []string
	// jar is the browser's cookies: the one logins start in, unless
	// another is named.
	jar http.CookieJar
	// ended are the session indexes EndSessionsFunc was given.
	ended []string
	fails []int
}

func (b *spBundle) loggedIn() []lectern.Identity {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]lectern.Identity(nil), b.logins...)
}

// newSPBundle is a service provider for one of the test identity
// provider's applications.
func newSPBundle(t *testing.T) *spBundle {
	t.Helper()
	idp := idptest.Start(t)
	app := idp.App(t)
	cert, key, err := LoadOrCreateKeyPair(idp.SPCert, idp.SPKey, "unused")
	if err != nil {
		t.Fatal(err)
	}
	b := &spBundle{idp: idp, app: app, jar: newJar()}
	b.newSP = func() *SAML {
		return &SAML{
			BaseURL: app.URL + "/", IDPMetadataURL: idp.SAMLMetadataURL,
			Certificate: cert, Key: key, Once: &memOnce{},
			HTTPClient: &http.Client{Timeout: 10 * time.Second},
			Logger:     slog.New(slog.NewTextHandler(io.Discard, nil)),
			LoginFunc: func(w http.ResponseWriter, r *http.Request, id lectern.Identity, next string) {
				b.mu.Lock()
				b.logins, b.nexts = append(b.logins, id), append(b.nexts, next)
				b.mu.Unlock()
				w.WriteHeader(http.StatusSeeOther)
			},
			FailFunc: func(w http.ResponseWriter, r *http.Request, status int) {
				b.mu.Lock()
				b.fails = append(b.fails, status)
				b.mu.Unlock()
				w.WriteHeader(status)
			},
			EndSessionsFunc: func(_ context.Context, source, index string) error {
				b.mu.Lock()
				b.ended = append(b.ended, source+" "+index)
				b.mu.Unlock()
				return nil
			},
		}
	}
	b.sp = b.newSP()
	return b
}

// newJar is a browser's cookie jar.
func newJar() http.CookieJar {
	jar, _ := cookiejar.New(nil)
	return jar
}

// serve sends req to h with the cookies jar has for it, keeps the
// cookies the answer sets, and returns the answer.
func serve(h http.HandlerFunc, jar http.CookieJar, req *http.Request) *httptest.ResponseRecorder {
	for _, c := range jar.Cookies(req.URL) {
		req.AddCookie(c)
	}
	rec := httptest.NewRecorder()
	h(rec, req)
	jar.SetCookies(req.URL, rec.Result().Cookies())
	return rec
}

// start starts a login at the service provider with next in the browser
// jar and returns the identity provider's URL it goes to.
func (b *spBundle) start(t *testing.T, jar http.CookieJar, next string) string {
	t.Helper()
	rec := serve(b.sp.handleLogin, jar, httptest.NewRequest("GET", b.app.URL+SAMLLoginPath+"?next="+url.QueryEscape(next), nil))
	if rec.Code != http.StatusFound {
		t.Fatalf("login: %d %s", rec.Code, rec.Body)
	}
	loc := rec.Header().Get("Location")
	if !strings.HasPrefix(loc, b.idp.Portal+"/") || !strings.Contains(loc, "Signature=") {
		t.Fatalf("login goes to %s, want a signed request to the identity provider", loc)
	}
	return loc
}

// answer logs in at the identity provider as username from the login
// at loc; it returns the form the identity provider's page would POST
// to the ACS.
func (b *spBundle) answer(t *testing.T, loc, username string) url.Values {
	t.Helper()
	res, err := b.idp.Login(t.Context(), idptest.NewClient(), loc, username, idptest.People[username].Password)
	if err != nil {
		t.Fatal(err)
	}
	if res.FormAction != b.app.URL+SAMLACSPath {
		t.Fatalf("the identity provider posts to %q", res.FormAction)
	}
	return res.Form
}

// login starts a login in b.jar with next and logs in at the identity
// provider as username; it returns the form the identity provider's page
// would POST to the ACS.
func (b *spBundle) login(t *testing.T, username, next string) url.Values {
	t.Helper()
	return b.answer(t, b.start(t, b.jar, next), username)
}

// post sends form to the ACS from b.jar's browser, follows its redirect
// to SAMLContinuePath, and returns the last status.
func (b *spBundle) post(form url.Values) int { return b.postTo(b.sp, form) }

// postTo is post to sp.
func (b *spBundle) postTo(sp *SAML, form url.Values) int { return b.postAs(sp, b.jar, form) }

// postAs sends form to sp's ACS from jar's browser, follows its
// redirect to SAMLContinuePath, and returns the last status.
func (b *spBundle) postAs(sp *SAML, jar http.CookieJar, form url.Values) int {
	rec := b.acs(sp, jar, form)
	if loc := rec.Header().Get("Location"); rec.Code == http.StatusSeeOther && strings.HasPrefix(loc, SAMLContinuePath) {
		rec = serve(sp.handleContinue, jar, httptest.NewRequest("GET", b.app.URL+loc, nil))
	}
	return rec.Code
}

// acs sends form to sp's ACS from jar's browser.
func (b *spBundle) acs(sp *SAML, jar http.CookieJar, form url.Values) *httptest.ResponseRecorder {
	req := httptest.NewRequest("POST", b.app.URL+SAMLACSPath, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return serve(sp.handleACS, jar, req)
}

// responseXML and withXML read and replace the form's SAMLResponse.
func responseXML(t *testing.T, form url.Values) string {
	t.Helper()
	raw, err := base64.StdEncoding.DecodeString(form.Get("SAMLResponse"))
	if err != nil {
		t.Fatal(err)
	}
	return string(raw)
}

func withXML(form url.Values, xml string) url.Values {
	f := url.Values{}
	for k, v := range form {
		f[k] = v
	}
	f.Set("SAMLResponse", base64.StdEncoding.EncodeToString([]byte(xml)))
	return f
}

func TestSAMLLogin(t *testing.T) {
	t.Parallel()
	b := newSPBundle(t)
	for _, user := range []string{"alice", "carol"} {
		form := b.login(t, user, b.app.URL+"/record/add_recording/?mediapath=a%2Fb.mp4&recorder=1")
		if got := b.post(form); got != http.StatusSeeOther {
			t.Fatalf("%s: ACS answered %d (fails %v)", user, got, b.fails)
		}
	}
	p := idptest.People
	want := []lectern.Identity{
		{Source: lectern.AuthSAML, Username: "alice", Email: p["alice"].Email, FirstName: "Alice", LastName: "Staff",
			PrimaryAffiliation: "staff", Affiliations: p["alice"].Affiliations, Groups: p["alice"].Groups},
		{Source: lectern.AuthSAML, Username: "carol", Email: p["carol"].Email, FirstName: "Carol", LastName: "Student",
			PrimaryAffiliation: "student", Affiliations: p["carol"].Affiliations, Groups: p["carol"].Groups},
	}
	got := b.loggedIn()
	if diff := cmp.Diff(want, got, cmpopts.IgnoreFields(lectern.Identity{}, "SessionIndex"), cmpopts.SortSlices(func(a, b string) bool { return a < b })); diff != "" {
		t.Errorf("identities (-want +got):\n%s", diff)
	}
	for _, id := range got {
		if id.SessionIndex == "" {
			t.Errorf("%s: no session index", id.Username)
		}
	}
	// The login goes on to its next, kept in the browser's cookie.
	for i, want := range []string{"/record/add_recording/?mediapath=a%2Fb.mp4&recorder=1", "/record/add_recording/?mediapath=a%2Fb.mp4&recorder=1"} {
		if b.nexts[i] != want {
			t.Errorf("login %d: next %q, want %q", i, b.nexts[i], want)
		}
	}
}

func TestSAMLStaffAllowedDomains(t *testing.T) {
	t.Parallel()
	b := newSPBundle(t)
	b.sp.StaffAllowedDomains = []string{"univ.example"}
	if got := b.post(b.login(t, "alice", "/")); got != http.StatusSeeOther {
		t.Fatalf("ACS answered %d", got)
	}
	b.sp.StaffAllowedDomains = []string{"other.example", "EXAMPLE.test"}
	if got := b.post(b.login(t, "alice", "/")); got != http.StatusSeeOther {
		t.Fatalf("ACS answered %d", got)
	}
	ids := b.loggedIn()
	if !ids[0].NoStaff || ids[1].NoStaff {
		t.Errorf("NoStaff: %v with univ.example only, %v with example.test listed", ids[0].NoStaff, ids[1].NoStaff)
	}
}

func TestSAMLMetadata(t *testing.T) {
	t.Parallel()
	b := newSPBundle(t)
	rec := httptest.NewRecorder()
	b.sp.handleMetadata(rec, httptest.NewRequest("GET", b.app.URL+SAMLMetadataPath, nil))
	body := rec.Body.String()
	for _, want := range []string{
		`entityID="` + b.app.SAMLEntityID + `"`,
		`Location="` + b.app.URL + SAMLACSPath + `"`,
		`Location="` + b.app.URL + SAMLSLOPath + `"`,
		`AuthnRequestsSigned="true"`, `WantAssertionsSigned="true"`, "X509Certificate",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("metadata lacks %s:\n%s", want, body)
		}
	}
}

// Logging out at the identity provider ends the Lectern sessions its
// session opened: its LogoutRequest (front channel, in an iframe) reaches
// the SLO route, which answers with a LogoutResponse.
func TestSAMLSingleLogout(t *testing.T) {
	t.Parallel()
	b := newSPBundle(t)
	client := idptest.NewClient()
	res, err := b.idp.Login(t.Context(), client, b.start(t, b.jar, "/"), "alice", "alicepw")
	if err != nil {
		t.Fatal(err)
	}
	if got := b.post(res.Form); got != http.StatusSeeOther {
		t.Fatalf("ACS answered %d", got)
	}
	index := b.loggedIn()[0].SessionIndex

	page, err := client.Get(b.idp.Portal + "/?logout=1")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(page.Body)
	page.Body.Close()
	m := regexp.MustCompile(`src="(` + regexp.QuoteMeta(b.app.URL+SAMLSLOPath) + `\?[^"]+)"`).FindSubmatch(body)
	if m == nil {
		t.Fatalf("no logout request for the service provider in the identity provider's logout page:\n%s", body)
	}
	// A forged copy (the signature of another request) ends nothing.
	sloURL := html.UnescapeString(string(m[1]))
	forged := strings.Replace(sloURL, "Signature=", "Signature=AAAA", 1)
	rec := httptest.NewRecorder()
	b.sp.handleSLO(rec, httptest.NewRequest("GET", forged, nil))
	if rec.Code != http.StatusBadRequest || len(b.ended) != 0 {
		t.Errorf("forged logout request: %d, ended %v", rec.Code, b.ended)
	}
	rec = httptest.NewRecorder()
	b.sp.handleSLO(rec, httptest.NewRequest("GET", sloURL, nil))
	if rec.Code != http.StatusFound || !strings.Contains(rec.Header().Get("Location"), "SAMLResponse=") {
		t.Errorf("logout request: %d to %s", rec.Code, rec.Header().Get("Location"))
	}
	if want := []string{lectern.AuthSAML + " " + index}; !cmp.Equal(b.ended, want) {
		t.Errorf("ended %v, want %v", b.ended, want)
	}
}

// SAML_IDP_METADATA_FILE: the metadata from a file, alone or in a
// federation's EntitiesDescriptor.
func TestSAMLMetadataFile(t *testing.T) {
	t.Parallel()
	b := newSPBundle(t)
	res, err := http.Get(b.idp.SAMLMetadataURL)
	if err != nil {
		t.Fatal(err)
	}
	md, _ := io.ReadAll(res.Body)
	res.Body.Close()
	for name, data := range map[string]string{
		"entity": string(md),
		"federation": `<md:EntitiesDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata">` +
			`<md:EntityDescriptor entityID="https://sp.other/"><md:SPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol"/></md:EntityDescriptor>` +
			regexp.MustCompile(`^<\?xml[^>]*>`).ReplaceAllString(strings.TrimSpace(string(md)), "") + `</md:EntitiesDescriptor>`,
	} {
		if err := CheckIDPMetadata([]byte(data)); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		sp := b.newSP()
		sp.IDPMetadataURL, sp.IDPMetadata = "", []byte(data)
		b.sp = sp
		if got := b.post(b.login(t, "bob", "/")); got != http.StatusSeeOther {
			t.Errorf("%s: ACS answered %d", name, got)
		}
	}
	for _, bad := range []string{"", "<html/>", `<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="x"/>`} {
		if CheckIDPMetadata([]byte(bad)) == nil {
			t.Errorf("%q taken for an identity provider's metadata", bad)
		}
	}
}
