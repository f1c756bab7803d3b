package shibboleth

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/tls"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/beevik/etree"
	"github.com/crewjam/saml"
	dsig "github.com/russellhaering/goxmldsig"

	"lectern/idptest"
)

// signatureRE matches an XML signature as LemonLDAP::NG writes it.
var signatureRE = regexp.MustCompile(`(?s)<Signature xmlns="http://www.w3.org/2000/09/xmldsig#">.*?</Signature>`)

// resignWithOtherKey strips the identity provider's signatures and signs
// the assertion with a key of the attacker's, its certificate in KeyInfo.
func resignWithOtherKey(t *testing.T, x string) string {
	t.Helper()
	dir := t.TempDir()
	if _, _, err := LoadOrCreateKeyPair(dir+"/c.pem", dir+"/k.pem", "attacker"); err != nil {
		t.Fatal(err)
	}
	pair, err := tls.LoadX509KeyPair(dir+"/c.pem", dir+"/k.pem")
	if err != nil {
		t.Fatal(err)
	}
	doc := etree.NewDocument()
	if err := doc.ReadFromString(signatureRE.ReplaceAllString(x, "")); err != nil {
		t.Fatal(err)
	}
	ctx := dsig.NewDefaultSigningContext(dsig.TLSCertKeyStore(pair))
	ctx.Canonicalizer = dsig.MakeC14N10ExclusiveCanonicalizerWithPrefixList("")
	a := doc.Root().FindElement("./Assertion")
	a.CreateAttr("xmlns:saml", "urn:oasis:names:tc:SAML:2.0:assertion")
	signed, err := ctx.SignEnveloped(a)
	if err != nil {
		t.Fatal(err)
	}
	doc.Root().RemoveChild(a)
	doc.Root().AddChild(signed)
	s, err := doc.WriteToString()
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// Each hostile answer logs nobody in, for the reason it is hostile.
func TestSAMLHostile(t *testing.T) {
	t.Parallel()
	b := newSPBundle(t)
	// Requests stay valid longer than the answers, so that an expired
	// answer is refused for its own time.
	b.sp.requestTTL = 48 * time.Hour
	type row struct {
		name string
		// form turns a real answer for alice into the hostile one.
		form func(url.Values) url.Values
		// set up and undo the service provider for the row.
		setup func(*SAML)
		want  error
		// wantMsg: the refusal's text when the library gives it no
		// class.
		wantMsg string
	}
	rows := []row{
		{name: "unsigned", wantMsg: "signature element not present",
			form: func(f url.Values) url.Values {
				return withXML(f, signatureRE.ReplaceAllString(responseXML(t, f), ""))
			}},
		{name: "signed by another key", want: saml.ErrInvalidSignature,
			form: func(f url.Values) url.Values { return withXML(f, resignWithOtherKey(t, responseXML(t, f))) }},
		{name: "attribute tampered after signing", want: saml.ErrInvalidSignature,
			form: func(f url.Values) url.Values {
				x := responseXML(t, f)
				return withXML(f, strings.Replace(x, "<saml:AttributeValue>alice</saml:AttributeValue>", "<saml:AttributeValue>admin</saml:AttributeValue>", 1))
			}},
		{name: "assertion tampered, response signature removed", want: saml.ErrInvalidSignature,
			form: func(f url.Values) url.Values {
				x := responseXML(t, f)
				x = signatureRE.ReplaceAllString(x[:strings.Index(x, "<saml:Assertion")], "") + x[strings.Index(x, "<saml:Assertion"):]
				return withXML(f, strings.Replace(x, "<saml:AttributeValue>alice</saml:AttributeValue>", "<saml:AttributeValue>admin</saml:AttributeValue>", 1))
			}},
		{name: "expired", want: saml.ErrExpired,
			setup: func(s *SAML) {
				s.now = func() time.Time { return time.Now().Add(25 * time.Hour) }
			}},
		{name: "wrong audience", want: saml.ErrAudienceMismatch,
			setup: func(s *SAML) { s.EntityID = "https://other.example/saml/metadata/" }},
		{name: "not a request of ours", want: saml.ErrRequestIDMismatch,
			setup: func(s *SAML) {
				k, _ := rsa.GenerateKey(rand.Reader, 2048)
				s.Key = k
			}},
	}
	for _, r := range rows {
		form := b.login(t, "alice", "/")
		if r.form != nil {
			form = r.form(form)
		}
		sp := b.newSP()
		sp.requestTTL = b.sp.requestTTL
		if r.setup != nil {
			r.setup(sp)
		}
		req := httptest.NewRequest("POST", b.app.URL+SAMLACSPath, strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		_, _, err := sp.consume(t.Context(), req)
		if r.wantMsg != "" && (err == nil || !strings.Contains(err.Error(), r.wantMsg)) || r.wantMsg == "" && !errors.Is(err, r.want) {
			t.Errorf("%s: %v, want %v", r.name, err, r.want)
		}
		sp.Once = &memOnce{}
		if got := b.postTo(sp, form); got != http.StatusForbidden {
			t.Errorf("%s: ACS answered %d", r.name, got)
		}
	}
	if ids := b.loggedIn(); len(ids) != 0 {
		t.Errorf("logged in: %+v", ids)
	}
}

// The same answer posted twice logs in once.
func TestSAMLReplay(t *testing.T) {
	t.Parallel()
	b := newSPBundle(t)
	form := b.login(t, "alice", "/")
	if got := b.post(form); got != http.StatusSeeOther {
		t.Fatalf("first post: %d", got)
	}
	if got := b.post(form); got != http.StatusForbidden {
		t.Fatalf("second post: %d", got)
	}
	if n := len(b.loggedIn()); n != 1 {
		t.Fatalf("%d logins", n)
	}
}

// An answer to no request of Lectern's (IdP-initiated) is refused unless
// SAML_ALLOW_IDP_INITIATED.
func TestSAMLUnsolicited(t *testing.T) {
	t.Parallel()
	b := newSPBundle(t)
	unsolicited := func() url.Values {
		res, err := b.idp.Login(t.Context(), idptest.NewClient(),
			b.idp.Portal+"/saml/singleSignOn?IDPInitiated=1&spConfKey="+b.app.ClientID, "bob", "bobpw")
		if err != nil {
			t.Fatal(err)
		}
		return res.Form
	}
	if got := b.post(unsolicited()); got != http.StatusForbidden {
		t.Fatalf("unsolicited answer: %d", got)
	}
	b.sp.AllowIDPInitiated = true
	if got := b.post(unsolicited()); got != http.StatusSeeOther {
		t.Fatalf("unsolicited answer with SAML_ALLOW_IDP_INITIATED: %d (%v)", got, b.fails)
	}
	if ids := b.loggedIn(); len(ids) != 1 || ids[0].Username != "bob" {
		t.Fatalf("logged in: %+v", ids)
	}
}
