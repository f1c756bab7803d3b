package shibboleth

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"lectern"
)

type headerBundle struct {
	h      *Header
	logins []lectern.Identity
	nexts  []string
	fails  []int
}

func newHeaderBundle() *headerBundle {
	b := &headerBundle{}
	b.h = &Header{
		TrustedProxies:   []netip.Prefix{netip.MustParsePrefix("192.0.2.1/32"), netip.MustParsePrefix("2001:db8::/64")},
		RemoteUserHeader: "REMOTE_USER", AttributeMap: DefaultAttributeMap(),
		BaseURL: "https://lectern.example/",
		Logger:  slog.New(slog.NewTextHandler(io.Discard, nil)),
		LoginFunc: func(w http.ResponseWriter, r *http.Request, id lectern.Identity, next string) {
			b.logins, b.nexts = append(b.logins, id), append(b.nexts, next)
			w.WriteHeader(http.StatusSeeOther)
		},
		FailFunc: func(w http.ResponseWriter, r *http.Request, status int) {
			b.fails = append(b.fails, status)
			w.WriteHeader(status)
		},
	}
	return b
}

func (b *headerBundle) get(remote, target string, headers map[string]string) *httptest.ResponseRecorder {
	req := httptest.NewRequest("GET", target, nil)
	req.RemoteAddr = remote
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	b.h.ServeHTTP(rec, req)
	return rec
}

var aliceHeaders = map[string]string{
	"REMOTE_USER": "alice@univ.example", "Shibboleth-givenName": "Alice", "Shibboleth-sn": "Staff",
	"Shibboleth-mail": "alice@univ.example", "Shibboleth-primary-affiliation": "staff",
	"Shibboleth-unscoped-affiliation": "staff;member",
}

func TestHeaderLogin(t *testing.T) {
	t.Parallel()
	for _, remote := range []string{"192.0.2.1:5555", "[::ffff:192.0.2.1]:5555", "[2001:db8::7]:80"} {
		b := newHeaderBundle()
		rec := b.get(remote, "/shibboleth/login/?next="+url.QueryEscape("https://lectern.example/record/add_recording/?recorder=1"), aliceHeaders)
		if rec.Code != http.StatusSeeOther || len(b.logins) != 1 {
			t.Fatalf("%s: %d, fails %v", remote, rec.Code, b.fails)
		}
		want := lectern.Identity{Source: lectern.AuthShibboleth, Username: "alice@univ.example", Email: "alice@univ.example",
			FirstName: "Alice", LastName: "Staff", PrimaryAffiliation: "staff", Affiliations: []string{"staff", "member"}}
		if diff := cmp.Diff(want, b.logins[0]); diff != "" {
			t.Errorf("%s: identity (-want +got):\n%s", remote, diff)
		}
		if b.nexts[0] != "/record/add_recording/?recorder=1" {
			t.Errorf("next %q", b.nexts[0])
		}
	}
}

// Headers from anywhere but a trusted proxy log nobody in.
func TestHeaderUntrusted(t *testing.T) {
	t.Parallel()
	for _, remote := range []string{"192.0.2.2:5555", "[2001:db8:0:1::1]:80", "garbage"} {
		b := newHeaderBundle()
		if rec := b.get(remote, "/shibboleth/login/", aliceHeaders); rec.Code != http.StatusForbidden || len(b.logins) != 0 {
			t.Errorf("%s: %d, logins %v", remote, rec.Code, b.logins)
		}
		// With SHIB_URL, the browser is sent to start a Shibboleth
		// session instead.
		b.h.LoginURL = "/Shibboleth.sso/Login"
		rec := b.get(remote, "/shibboleth/login/?next=/x/", aliceHeaders)
		want := "/Shibboleth.sso/Login?target=" + url.QueryEscape("https://lectern.example/shibboleth/login/?next=%2Fx%2F&shib_back=1")
		if rec.Code != http.StatusFound || rec.Header().Get("Location") != want || len(b.logins) != 0 {
			t.Errorf("%s: %d to %s, logins %v", remote, rec.Code, rec.Header().Get("Location"), b.logins)
		}
	}
}

func TestHeaderRefusals(t *testing.T) {
	t.Parallel()
	b := newHeaderBundle()
	// A required attribute missing.
	h := map[string]string{"REMOTE_USER": "alice@univ.example", "Shibboleth-sn": "Staff"}
	if rec := b.get("192.0.2.1:1", "/shibboleth/login/", h); rec.Code != http.StatusForbidden {
		t.Errorf("without givenName: %d", rec.Code)
	}
	// Back from SHIB_URL still without a session: refused, no loop.
	b.h.LoginURL = "https://lectern.example/Shibboleth.sso/Login?entityID=x"
	rec := b.get("192.0.2.1:1", "/shibboleth/login/?next=/&shib_back=1", nil)
	if rec.Code != http.StatusForbidden {
		t.Errorf("back without headers: %d", rec.Code)
	}
	if rec := b.get("192.0.2.1:1", "/shibboleth/login/", nil); rec.Code != http.StatusFound ||
		!strings.HasPrefix(rec.Header().Get("Location"), b.h.LoginURL+"&target=") {
		t.Errorf("without headers: %d to %s", rec.Code, rec.Header().Get("Location"))
	}
	if len(b.logins) != 0 {
		t.Errorf("logins %v", b.logins)
	}
}

func TestHeaderStaffAllowedDomains(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		domains []string
		noStaff bool
	}{{nil, false}, {[]string{"univ.example"}, false}, {[]string{"UNIV.example"}, false}, {[]string{"other.example"}, true}, {[]string{"example"}, true}} {
		b := newHeaderBundle()
		b.h.StaffAllowedDomains = c.domains
		b.get("192.0.2.1:1", "/shibboleth/login/", aliceHeaders)
		if len(b.logins) != 1 || b.logins[0].NoStaff != c.noStaff {
			t.Errorf("%v: %+v", c.domains, b.logins)
		}
	}
}

func TestSplitValues(t *testing.T) {
	t.Parallel()
	got := splitValues(`staff;member; ;a\;b;`)
	if diff := cmp.Diff([]string{"staff", "member", "a;b"}, got); diff != "" {
		t.Error(diff)
	}
	if err := CheckAttributeMap(map[string]Attribute{"X": {false, "nickname"}}); err == nil {
		t.Error("unknown field accepted")
	}
}

func TestRequestIDs(t *testing.T) {
	t.Parallel()
	g := requestIDs{key: []byte("k"), ttl: 3600e9}
	now := time.Now()
	id, err := g.newID(now)
	if err != nil {
		t.Fatal(err)
	}
	if !g.valid(id, now) {
		t.Fatal("own id refused")
	}
	other := requestIDs{key: []byte("other"), ttl: 3600e9}
	forged, _ := other.newID(now)
	flip := map[byte]string{'0': "1"}[id[len(id)-1]]
	if flip == "" {
		flip = "0"
	}
	tampered := id[:len(id)-1] + flip
	for name, bad := range map[string]string{"another key's": forged, "tampered": tampered, "empty": "", "short": "id-00"} {
		if g.valid(bad, now) {
			t.Errorf("%s id accepted", name)
		}
	}
	if g.valid(id, now.Add(3601e9)) {
		t.Error("expired id accepted")
	}
}
