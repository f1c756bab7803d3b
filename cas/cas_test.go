package cas

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"lectern"
)

const testBase = "http://lectern.test"

// memOnce is a working in-memory OnceService.
type memOnce struct {
	mu   sync.Mutex
	used map[string]bool
}

func (m *memOnce) UseOnce(_ context.Context, key string, _ time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.used == nil {
		m.used = map[string]bool{}
	}
	if m.used[key] {
		return lectern.Errorf(lectern.ECONFLICT, "%s was used", key)
	}
	m.used[key] = true
	return nil
}

// outcome records what the handler asked the pages to do.
type outcome struct {
	mu       sync.Mutex
	logins   []lectern.Identity
	nexts    []string
	failures []int
	ended    []string
}

// setup returns a Handler on cfg (ServerURL, BaseURL and the callbacks
// filled when empty) and what it called.
func setup(t *testing.T, cfg Config) (*Handler, *outcome) {
	t.Helper()
	o := &outcome{}
	if cfg.BaseURL == "" {
		cfg.BaseURL = testBase + "/"
	}
	if cfg.ServerURL == "" {
		cfg.ServerURL = "https://cas.example.test/cas"
	}
	if cfg.Once == nil {
		cfg.Once = &memOnce{}
	}
	cfg.LoginFunc = func(w http.ResponseWriter, r *http.Request, id lectern.Identity, next string) {
		o.mu.Lock()
		o.logins, o.nexts = append(o.logins, id), append(o.nexts, next)
		o.mu.Unlock()
		w.WriteHeader(http.StatusSeeOther)
	}
	cfg.FailFunc = func(w http.ResponseWriter, r *http.Request, status int) {
		o.mu.Lock()
		o.failures = append(o.failures, status)
		o.mu.Unlock()
		w.WriteHeader(status)
	}
	cfg.EndSessionsFunc = func(_ context.Context, source, index string) error {
		o.mu.Lock()
		o.ended = append(o.ended, source+" "+index)
		o.mu.Unlock()
		return nil
	}
	cfg.Logger = slog.New(slog.NewTextHandler(t.Output(), nil))
	h, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return h, o
}

func get(t *testing.T, h http.Handler, target string, cookies ...*http.Cookie) *httptest.ResponseRecorder {
	t.Helper()
	r := httptest.NewRequest(http.MethodGet, target, nil)
	for _, c := range cookies {
		r.AddCookie(c)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

// stateOf is the state cookie a login's start set on w.
func stateOf(t *testing.T, w *httptest.ResponseRecorder) *http.Cookie {
	t.Helper()
	for _, c := range w.Result().Cookies() {
		if c.Name == stateCookie && c.Value != "" {
			return c
		}
	}
	t.Fatalf("the login's start set no state cookie: %v", w.Result().Cookies())
	return nil
}

// ticketGet brings ticket back to h as the CAS server would, for a login
// started at start (LoginPath and its query) in the same browser: to the
// service URL the start sent the server, with the start's state cookie.
// It returns the answer and that service URL.
func ticketGet(t *testing.T, h http.Handler, start, ticket string) (*httptest.ResponseRecorder, string) {
	t.Helper()
	w := get(t, h, start)
	loc, err := url.Parse(w.Header().Get("Location"))
	if err != nil || w.Code != http.StatusFound {
		t.Fatalf("login start %s: %d to %q", start, w.Code, w.Header().Get("Location"))
	}
	service := loc.Query().Get("service")
	svc, err := url.Parse(service)
	if err != nil {
		t.Fatal(err)
	}
	return get(t, h, svc.Path+"?"+svc.RawQuery+"&ticket="+url.QueryEscape(ticket), stateOf(t, w)), service
}

func TestLoginRedirectsToServer(t *testing.T) {
	t.Parallel()
	h, _ := setup(t, Config{ServerURL: "https://cas.example.test/cas/"})
	gw, _ := setup(t, Config{Gateway: true})
	for _, tc := range []struct {
		name    string
		h       *Handler
		target  string
		service string
		gateway bool
	}{
		{"relative next", h, "/sso-cas/login/?next=/record/add_recording/%3Fmediapath%3Dx.mp4", testBase + "/sso-cas/login/?next=%2Frecord%2Fadd_recording%2F%3Fmediapath%3Dx.mp4", false},
		{"next on BASE_URL, as the mail has it", h, "/sso-cas/login/?next=" + url.QueryEscape(testBase+"/record/add_recording/?mediapath=x.mp4&course_title=a"), testBase + "/sso-cas/login/?next=%2Frecord%2Fadd_recording%2F%3Fmediapath%3Dx.mp4%26course_title%3Da", false},
		{"next on another site dropped", h, "/sso-cas/login/?next=https://evil.test/", testBase + "/sso-cas/login/", false},
		{"protocol-relative next dropped", h, "/sso-cas/login/?next=//evil.test/", testBase + "/sso-cas/login/", false},
		{"no next", h, "/sso-cas/login/", testBase + "/sso-cas/login/", false},
		{"gateway", gw, "/sso-cas/login/?next=/x/", testBase + "/sso-cas/login/?gatewayed=true&next=%2Fx%2F", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := get(t, tc.h, tc.target)
			if w.Code != http.StatusFound {
				t.Fatalf("status %d", w.Code)
			}
			loc, err := url.Parse(w.Header().Get("Location"))
			if err != nil {
				t.Fatal(err)
			}
			if got := loc.Scheme + "://" + loc.Host + loc.Path; got != "https://cas.example.test/cas/login" {
				t.Errorf("login URL %s", got)
			}
			// The service carries the login's state, the cookie's.
			svc, err := url.Parse(loc.Query().Get("service"))
			if err != nil {
				t.Fatal(err)
			}
			q := svc.Query()
			if state := q.Get("state"); len(state) < 20 || state != stateOf(t, w).Value {
				t.Errorf("state %q, cookie %v", state, w.Result().Cookies())
			}
			q.Del("state")
			svc.RawQuery = q.Encode()
			if got := strings.TrimSuffix(svc.String(), "?"); got != tc.service {
				t.Errorf("service\n got %s\nwant %s", got, tc.service)
			}
			if got := loc.Query().Get("gateway") == "true"; got != tc.gateway {
				t.Errorf("gateway=%v, want %v", got, tc.gateway)
			}
		})
	}
}

// A gateway login the server answers without a ticket (nobody logged in
// there) goes on to next, and the next login shows the server's form.
func TestGatewayReturnDoesNotLoop(t *testing.T) {
	t.Parallel()
	h, o := setup(t, Config{Gateway: true})
	w := get(t, h, "/sso-cas/login/?gatewayed=true&next=%2Frecord%2Fclaim_record%2F")
	if w.Code != http.StatusFound || w.Header().Get("Location") != "/record/claim_record/" {
		t.Fatalf("gateway return: %d to %q, want 302 to next", w.Code, w.Header().Get("Location"))
	}
	cookies := w.Result().Cookies()
	if len(cookies) != 1 || cookies[0].Name != gatewayCookie {
		t.Fatalf("cookies %v", cookies)
	}
	w = get(t, h, "/sso-cas/login/?next=%2Frecord%2Fclaim_record%2F", cookies[0])
	loc, _ := url.Parse(w.Header().Get("Location"))
	if loc.Query().Get("gateway") != "" || strings.Contains(loc.Query().Get("service"), "gatewayed") {
		t.Errorf("second login after a gateway return asked for the gateway again: %s", loc)
	}
	forgotten := false
	for _, c := range w.Result().Cookies() {
		forgotten = forgotten || (c.Name == gatewayCookie && c.MaxAge < 0)
	}
	if !forgotten {
		t.Errorf("the gateway cookie stays: %v", w.Result().Cookies())
	}
	if len(o.logins)+len(o.failures) != 0 {
		t.Errorf("logins %v, failures %v", o.logins, o.failures)
	}
}

// casServer is an httptest CAS server answering the validation URLs with
// answer(ticket, service); it records the queries it got.
func casServer(t *testing.T, answer func(w http.ResponseWriter, r *http.Request)) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(answer))
	t.Cleanup(srv.Close)
	return srv
}

const successV3 = `<cas:serviceResponse xmlns:cas="http://www.yale.edu/tp/cas">
  <cas:authenticationSuccess>
    <cas:user>Alice</cas:user>
    <cas:attributes>
      <cas:mail>alice@example.test</cas:mail>
      <cas:givenName>Alice</cas:givenName>
      <cas:sn>Staff</cas:sn>
      <cas:eduPersonPrimaryAffiliation>staff</cas:eduPersonPrimaryAffiliation>
      <cas:eduPersonAffiliation>staff</cas:eduPersonAffiliation>
      <cas:eduPersonAffiliation>member</cas:eduPersonAffiliation>
      <cas:memberOf>cn=lecturers,ou=groups,dc=example,dc=test</cas:memberOf>
    </cas:attributes>
  </cas:authenticationSuccess>
</cas:serviceResponse>`

func TestValidateAnswers(t *testing.T) {
	t.Parallel()
	alice := lectern.Identity{Source: lectern.AuthCAS, Username: "Alice", Email: "alice@example.test",
		FirstName: "Alice", LastName: "Staff", PrimaryAffiliation: "staff", Affiliations: []string{"staff", "member"},
		Groups: []string{"cn=lecturers,ou=groups,dc=example,dc=test"}, SessionIndex: "ST-1"}
	for _, tc := range []struct {
		name    string
		version string
		path    string
		status  int
		body    string
		lower   bool
		want    *lectern.Identity // nil: FailFunc with wantFail
		wantErr int
	}{
		{"v3 success", "3", "/cas/p3/serviceValidate", 200, successV3, false, &alice, 0},
		{"v2 success, lowercase", "2", "/cas/serviceValidate", 200, successV3, true, func() *lectern.Identity { a := alice; a.Username = "alice"; return &a }(), 0},
		{"attributes beside the user (older servers)", "2", "/cas/serviceValidate", 200, `<cas:serviceResponse xmlns:cas="http://www.yale.edu/tp/cas"><cas:authenticationSuccess><cas:user>bob</cas:user><cas:mail>bob@example.test</cas:mail></cas:authenticationSuccess></cas:serviceResponse>`, false,
			&lectern.Identity{Source: lectern.AuthCAS, Username: "bob", Email: "bob@example.test", SessionIndex: "ST-1"}, 0},
		{"v1 yes", "1", "/cas/validate", 200, "yes\nbob\n", false, &lectern.Identity{Source: lectern.AuthCAS, Username: "bob", SessionIndex: "ST-1"}, 0},
		{"v1 no", "1", "/cas/validate", 200, "no\n\n", false, nil, 403},
		{"v1 nonsense", "1", "/cas/validate", 200, "<html>maintenance</html>", false, nil, 502},
		{"failure", "3", "/cas/p3/serviceValidate", 200, `<cas:serviceResponse xmlns:cas="http://www.yale.edu/tp/cas"><cas:authenticationFailure code="INVALID_TICKET">Ticket ST-1 not recognized</cas:authenticationFailure></cas:serviceResponse>`, false, nil, 403},
		{"malformed XML", "3", "/cas/p3/serviceValidate", 200, `<cas:serviceResponse xmlns:cas="http://www.yale.edu/tp/cas"><cas:authenticationSuccess><cas:user>alice`, false, nil, 502},
		{"another root", "3", "/cas/p3/serviceValidate", 200, `<html><authenticationSuccess><user>alice</user></authenticationSuccess></html>`, false, nil, 502},
		{"success without a user", "3", "/cas/p3/serviceValidate", 200, `<cas:serviceResponse xmlns:cas="http://www.yale.edu/tp/cas"><cas:authenticationSuccess><cas:user> </cas:user></cas:authenticationSuccess></cas:serviceResponse>`, false, nil, 502},
		{"a proxy ticket's answer: another application logging in for the person", "2", "/cas/serviceValidate", 200, `<cas:serviceResponse xmlns:cas="http://www.yale.edu/tp/cas"><cas:authenticationSuccess><cas:user>kate</cas:user><cas:proxies><cas:proxy>https://portal.example.test/pgtCallback</cas:proxy></cas:proxies></cas:authenticationSuccess></cas:serviceResponse>`, false, nil, 403},
		{"two users", "3", "/cas/p3/serviceValidate", 200, `<cas:serviceResponse xmlns:cas="http://www.yale.edu/tp/cas"><cas:authenticationSuccess><cas:user>mallory</cas:user><cas:attributes><cas:mail>m@example.test</cas:mail></cas:attributes><cas:user>kate</cas:user></cas:authenticationSuccess></cas:serviceResponse>`, false, nil, 502},
		{"a uid attribute does not name the user", "3", "/cas/p3/serviceValidate", 200, `<cas:serviceResponse xmlns:cas="http://www.yale.edu/tp/cas"><cas:authenticationSuccess><cas:user>mallory</cas:user><cas:attributes><cas:uid>kate</cas:uid><cas:user>kate</cas:user></cas:attributes></cas:authenticationSuccess></cas:serviceResponse>`, false,
			&lectern.Identity{Source: lectern.AuthCAS, Username: "mallory", SessionIndex: "ST-1"}, 0},
		{"lowercase never makes ASCII of another letter (Kelvin sign)", "3", "/cas/p3/serviceValidate", 200, `<cas:serviceResponse xmlns:cas="http://www.yale.edu/tp/cas"><cas:authenticationSuccess><cas:user>` + "\u212aATE" + `</cas:user></cas:authenticationSuccess></cas:serviceResponse>`, true,
			&lectern.Identity{Source: lectern.AuthCAS, Username: "\u212aate", SessionIndex: "ST-1"}, 0},
		{"a user in no-break spaces is kept so", "3", "/cas/p3/serviceValidate", 200, "<cas:serviceResponse xmlns:cas=\"http://www.yale.edu/tp/cas\"><cas:authenticationSuccess><cas:user>\n  \u00a0kate\u00a0\n</cas:user></cas:authenticationSuccess></cas:serviceResponse>", false,
			&lectern.Identity{Source: lectern.AuthCAS, Username: "\u00a0kate\u00a0", SessionIndex: "ST-1"}, 0},
		{"neither", "3", "/cas/p3/serviceValidate", 200, `<cas:serviceResponse xmlns:cas="http://www.yale.edu/tp/cas"/>`, false, nil, 502},
		{"server error", "3", "/cas/p3/serviceValidate", 500, successV3, false, nil, 502},
		{"huge answer", "3", "/cas/p3/serviceValidate", 200, strings.Replace(successV3, "<cas:mail>", strings.Repeat("<cas:x>y</cas:x>", MaxAnswer/16)+"<cas:mail>", 1), false, nil, 502},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var gotService, gotPath string
			srv := casServer(t, func(w http.ResponseWriter, r *http.Request) {
				gotPath, gotService = r.URL.Path, r.URL.Query().Get("service")
				w.WriteHeader(tc.status)
				io.WriteString(w, tc.body)
			})
			h, o := setup(t, Config{ServerURL: srv.URL + "/cas", Version: tc.version, ForceLowercaseUsername: tc.lower})
			w, want := ticketGet(t, h, "/sso-cas/login/?next=%2Fx%2F", "ST-1")
			if gotPath != tc.path {
				t.Errorf("validated at %s, want %s", gotPath, tc.path)
			}
			if !strings.HasPrefix(want, testBase+"/sso-cas/login/?next=%2Fx%2F&state=") || gotService != want {
				t.Errorf("validated for service %s, want %s", gotService, want)
			}
			if tc.want == nil {
				if len(o.logins) != 0 || len(o.failures) != 1 || o.failures[0] != tc.wantErr || w.Code != tc.wantErr {
					t.Fatalf("logins %v, failures %v, want one failure %d", o.logins, o.failures, tc.wantErr)
				}
				return
			}
			if len(o.logins) != 1 {
				t.Fatalf("logins %v, failures %v", o.logins, o.failures)
			}
			if diff := cmp.Diff(*tc.want, o.logins[0]); diff != "" {
				t.Errorf("identity (-want +got):\n%s", diff)
			}
			if o.nexts[0] != "/x/" {
				t.Errorf("next %q", o.nexts[0])
			}
		})
	}
}

// Login CSRF: a ticket is only checked in the browser that started its
// login. An attacker's own ticket, planted in a victim's browser without
// the state (a link to the service URL), starts the victim's own login
// over; with the attacker's state but not its cookie, it is refused. The
// server is never asked, nobody is logged in.
func TestLoginCSRF(t *testing.T) {
	t.Parallel()
	asked := 0
	srv := casServer(t, func(w http.ResponseWriter, r *http.Request) {
		asked++
		io.WriteString(w, successV3)
	})
	h, o := setup(t, Config{ServerURL: srv.URL + "/cas", Version: "3"})
	// The attacker's login, started in the attacker's browser.
	start := get(t, h, "/sso-cas/login/?next=%2Fx%2F")
	state := stateOf(t, start).Value

	w := get(t, h, "/sso-cas/login/?next=%2Fx%2F&ticket=ST-attacker")
	loc, _ := url.Parse(w.Header().Get("Location"))
	if w.Code != http.StatusFound || loc.Path != "/cas/login" || stateOf(t, w).Value == state {
		t.Errorf("a ticket without a state: %d to %s, want the login started again with a state of its own", w.Code, loc)
	}
	w = get(t, h, "/sso-cas/login/?next=%2Fx%2F&state="+state+"&ticket=ST-attacker")
	if w.Code != http.StatusForbidden {
		t.Errorf("a ticket with the attacker's state, no cookie: %d, want 403", w.Code)
	}
	w = get(t, h, "/sso-cas/login/?next=%2Fx%2F&state="+state+"&ticket=ST-attacker", &http.Cookie{Name: stateCookie, Value: "VICTIMSOWNSTATEVICTIMSOWN"})
	loc, _ = url.Parse(w.Header().Get("Location"))
	if w.Code != http.StatusFound || loc.Path != "/cas/login" || stateOf(t, w).Value == state {
		t.Errorf("a ticket with the attacker's state, the victim's cookie: %d to %s, want the victim's login started again", w.Code, loc)
	}
	if asked != 0 || len(o.logins) != 0 {
		t.Errorf("the server was asked %d times, logins %v; want none", asked, o.logins)
	}
	// In the browser that started it, the login goes through, once: the
	// cookie is forgotten.
	w = get(t, h, "/sso-cas/login/?next=%2Fx%2F&state="+state+"&ticket=ST-1", stateOf(t, start))
	if len(o.logins) != 1 {
		t.Fatalf("the attacker's own login: %d, logins %v, failures %v", w.Code, o.logins, o.failures)
	}
	if c := w.Result().Cookies(); len(c) != 1 || c[0].Name != stateCookie || c[0].MaxAge >= 0 {
		t.Errorf("the state cookie stays after its ticket: %v", c)
	}
}

// Two logins started in one browser (two mails' links in two tabs), each
// ticket coming back in either order: both log in. A fifth login started
// meanwhile pushes the first's state out; its ticket then starts the login
// again.
func TestLoginTabs(t *testing.T) {
	t.Parallel()
	srv := casServer(t, func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, successV3) })
	h, o := setup(t, Config{ServerURL: srv.URL + "/cas", Version: "3"})
	// jar is the browser's state cookie, as each answer leaves it.
	var jar *http.Cookie
	do := func(target string) *httptest.ResponseRecorder {
		var w *httptest.ResponseRecorder
		if jar != nil {
			w = get(t, h, target, jar)
		} else {
			w = get(t, h, target)
		}
		for _, c := range w.Result().Cookies() {
			if c.Name == stateCookie {
				jar = c
				if c.MaxAge < 0 {
					jar = nil
				}
			}
		}
		return w
	}
	back := func(start *httptest.ResponseRecorder, ticket string) *httptest.ResponseRecorder {
		loc, _ := url.Parse(start.Header().Get("Location"))
		svc, _ := url.Parse(loc.Query().Get("service"))
		return do(svc.Path + "?" + svc.RawQuery + "&ticket=" + ticket)
	}
	a := do("/sso-cas/login/?next=%2Fa%2F")
	b := do("/sso-cas/login/?next=%2Fb%2F")
	back(b, "ST-b")
	back(a, "ST-a")
	if len(o.logins) != 2 || o.nexts[0] != "/b/" || o.nexts[1] != "/a/" || jar != nil {
		t.Fatalf("logins to %v, failures %v, cookie %v; want both tabs logged in and the cookie gone", o.nexts, o.failures, jar)
	}
	first := do("/sso-cas/login/?next=%2F1%2F")
	for range maxStates {
		do("/sso-cas/login/?next=%2Fn%2F")
	}
	if w := back(first, "ST-1"); w.Code != http.StatusFound || len(o.logins) != 2 {
		t.Errorf("a login pushed out: %d, logins %v; want it started again", w.Code, o.nexts)
	}
}

// A lax server that accepts a ticket twice: Lectern refuses the second
// login itself.
func TestReplayedTicketRefusedByLectern(t *testing.T) {
	t.Parallel()
	srv := casServer(t, func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, successV3) })
	once := &memOnce{}
	h1, o1 := setup(t, Config{ServerURL: srv.URL + "/cas", Version: "3", Once: once})
	h2, o2 := setup(t, Config{ServerURL: srv.URL + "/cas", Version: "3", Once: once}) // another node
	ticketGet(t, h1, "/sso-cas/login/", "ST-7")
	w, _ := ticketGet(t, h2, "/sso-cas/login/", "ST-7")
	if len(o1.logins) != 1 || len(o2.logins) != 0 || w.Code != http.StatusForbidden {
		t.Errorf("first node logins %d, second node logins %d and status %d, want 1, 0, 403", len(o1.logins), len(o2.logins), w.Code)
	}
}

// A server that never answers: the login fails with 502 once Timeout
// has passed, and nobody is logged in.
func TestServerThatHangs(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	srv := casServer(t, func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	})
	defer close(release)
	h, o := setup(t, Config{ServerURL: srv.URL, Version: "3", Timeout: 100 * time.Millisecond})
	w, _ := ticketGet(t, h, "/sso-cas/login/", "ST-1")
	if w.Code != http.StatusBadGateway || len(o.logins) != 0 {
		t.Errorf("status %d, logins %v", w.Code, o.logins)
	}
}

// The server cannot be reached at all.
func TestServerUnreachable(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.NotFoundHandler())
	srv.Close()
	h, o := setup(t, Config{ServerURL: srv.URL, Version: "2"})
	w, _ := ticketGet(t, h, "/sso-cas/login/", "ST-1")
	if w.Code != http.StatusBadGateway || len(o.logins) != 0 {
		t.Errorf("status %d, logins %v", w.Code, o.logins)
	}
}

func post(t *testing.T, h http.Handler, form url.Values) *httptest.ResponseRecorder {
	t.Helper()
	r := httptest.NewRequest(http.MethodPost, "/sso-cas/login/?next=%2Fx%2F", strings.NewReader(form.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

func TestSingleLogout(t *testing.T) {
	t.Parallel()
	lr := func(index string) string {
		return fmt.Sprintf(`<samlp:LogoutRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="LR-1" Version="2.0" IssueInstant="2026-12-06T07:00:00Z"><saml:NameID>alice</saml:NameID><samlp:SessionIndex>%s</samlp:SessionIndex></samlp:LogoutRequest>`, index)
	}
	for _, tc := range []struct {
		name   string
		form   url.Values
		status int
		ended  []string
	}{
		{"logout request", url.Values{"logoutRequest": {lr("ST-42")}}, 200, []string{"CAS ST-42"}},
		{"no logoutRequest", url.Values{"x": {"y"}}, 400, nil},
		{"junk", url.Values{"logoutRequest": {"<<<junk"}}, 400, nil},
		{"another element", url.Values{"logoutRequest": {"<LogoutResponse><SessionIndex>ST-42</SessionIndex></LogoutResponse>"}}, 400, nil},
		{"no session index", url.Values{"logoutRequest": {lr(" ")}}, 400, nil},
		{"too large", url.Values{"logoutRequest": {lr(strings.Repeat("A", MaxLogoutRequest))}}, 413, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h, o := setup(t, Config{})
			w := post(t, h, tc.form)
			if w.Code != tc.status {
				t.Errorf("status %d, want %d", w.Code, tc.status)
			}
			if diff := cmp.Diff(tc.ended, o.ended); diff != "" {
				t.Errorf("ended sessions (-want +got):\n%s", diff)
			}
		})
	}
}

func TestLogoutURL(t *testing.T) {
	t.Parallel()
	h, _ := setup(t, Config{ServerURL: "https://cas.example.test/cas/"})
	got := h.LogoutURL(nil, testBase+"/accounts/login/")
	if want := "https://cas.example.test/cas/logout?service=http%3A%2F%2Flectern.test%2Faccounts%2Flogin%2F"; got != want {
		t.Errorf("got %s\nwant %s", got, want)
	}
}

func TestNewRefusesBadConfig(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		edit func(*Config)
	}{
		{"server not http", func(c *Config) { c.ServerURL = "ftp://cas.example.test" }},
		{"server relative", func(c *Config) { c.ServerURL = "sso_cas" }},
		{"version", func(c *Config) { c.Version = "4" }},
		{"base URL", func(c *Config) { c.BaseURL = "/" }},
		{"no once", func(c *Config) { c.Once = nil }},
	} {
		c := Config{ServerURL: "https://cas.example.test", BaseURL: testBase, Once: &memOnce{},
			LoginFunc:       func(http.ResponseWriter, *http.Request, lectern.Identity, string) {},
			FailFunc:        func(http.ResponseWriter, *http.Request, int) {},
			EndSessionsFunc: func(context.Context, string, string) error { return nil }}
		if _, err := New(c); err != nil {
			t.Fatalf("good config refused: %v", err)
		}
		tc.edit(&c)
		if _, err := New(c); err == nil {
			t.Errorf("%s: accepted", tc.name)
		}
	}
}
