package shibboleth

import (
	"context"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/xml"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/crewjam/saml"
	dsig "github.com/russellhaering/goxmldsig"

	"lectern"
)

// The service provider's routes (each with its trailing slash, and only
// that path).
const (
	SAMLMetadataPath = "/saml/metadata/"
	SAMLLoginPath    = "/saml/login/"
	SAMLACSPath      = "/saml/acs/"
	SAMLSLOPath      = "/saml/slo/"
	// SAMLContinuePath is where a login goes after the ACS: it sends the
	// browser on to the next the login started with (nextCookie).
	SAMLContinuePath = "/saml/continue/"
)

// nextCookie keeps a login's next from SAMLLoginPath to
// SAMLContinuePath. RelayState cannot carry it: identity providers cut or
// refuse a RelayState over 80 bytes (LemonLDAP::NG does), and an add
// form's link is longer. The cookie is SameSite=Lax, so it does not come
// with the identity provider's cross-site POST to the ACS, but it does
// with the top-level GET of SAMLContinuePath the ACS redirects to.
const nextCookie = "lectern_saml_next"

// requestTTL is how long a login may take at the identity provider: an
// answer to a request older than this is refused.
const requestTTL = time.Hour

// metadataTTL is how long the identity provider's metadata fetched from
// IDPMetadataURL is used before it is fetched again.
const metadataTTL = 24 * time.Hour

// SAML is a SAML 2.0 service provider: HTTP-Redirect AuthnRequests
// (signed, NameIDPolicy AllowCreate), HTTP-POST answers.
type SAML struct {
	// BaseURL (BASE_URL) is where the routes are, absolute.
	BaseURL string
	// EntityID (SAML_ENTITY_ID): empty is BaseURL + SAMLMetadataPath.
	EntityID string
	// IDPMetadataURL (SAML_IDP_METADATA_URL) is fetched at the first
	// login and every metadataTTL; IDPMetadata (read from
	// SAML_IDP_METADATA_FILE) is used instead when set.
	IDPMetadataURL string
	IDPMetadata    []byte
	// Certificate and Key (SAML_SP_CERT, SAML_SP_KEY) sign the requests
	// and are published in the metadata.
	Certificate *x509.Certificate
	Key         *rsa.PrivateKey
	// UsernameAttribute (SAML_USERNAME_ATTRIBUTE) names the attribute
	// that is the username, by friendly or urn:oid name ("uid").
	UsernameAttribute string
	// StaffAllowedDomains (SHIBBOLETH_STAFF_ALLOWED_DOMAINS): when not
	// empty, only people whose eduPersonPrincipalName (else username)
	// ends in "@" and one of them may be staff.
	StaffAllowedDomains []string
	// AllowIDPInitiated (SAML_ALLOW_IDP_INITIATED) accepts answers to no
	// request of Lectern's (unsolicited).
	AllowIDPInitiated bool
	// Once refuses a replayed assertion on every node.
	Once       lectern.OnceService
	HTTPClient *http.Client
	LoginFunc  func(w http.ResponseWriter, r *http.Request, id lectern.Identity, next string)
	FailFunc   func(w http.ResponseWriter, r *http.Request, status int)
	// EndSessionsFunc ends the sessions an identity provider's session
	// opened (its single logout request).
	EndSessionsFunc func(ctx context.Context, source, index string) error
	Logger          *slog.Logger

	// now is the clock (tests move it); nil: time.Now. requestTTL, when
	// not zero, is the request IDs' lifetime instead of requestTTL.
	now        func() time.Time
	requestTTL time.Duration

	mu        sync.Mutex
	idp       *saml.EntityDescriptor
	idpLoaded time.Time
}

func (s *SAML) clock() time.Time {
	if s.now != nil {
		return s.now()
	}
	return time.Now()
}

func (s *SAML) url(path string) url.URL {
	u, _ := url.Parse(strings.TrimSuffix(s.BaseURL, "/") + path)
	return *u
}

// entityID is the service provider's name at the identity provider.
func (s *SAML) entityID() string {
	if s.EntityID != "" {
		return s.EntityID
	}
	u := s.url(SAMLMetadataPath)
	return u.String()
}

// requestIDs derives the key of the request IDs from the private key,
// which every node shares.
func (s *SAML) requestIDs() requestIDs {
	sum := sha256.Sum256(append([]byte("lectern saml request id\x00"), x509.MarshalPKCS1PrivateKey(s.Key)...))
	ttl := requestTTL
	if s.requestTTL != 0 {
		ttl = s.requestTTL
	}
	return requestIDs{key: sum[:], ttl: ttl}
}

// provider is crewjam's service provider with this configuration; with
// idp, the identity provider's metadata loaded.
func (s *SAML) provider(ctx context.Context, idp bool) (*saml.ServiceProvider, error) {
	sp := &saml.ServiceProvider{
		EntityID:                         s.entityID(),
		Key:                              s.Key,
		Certificate:                      s.Certificate,
		MetadataURL:                      s.url(SAMLMetadataPath),
		AcsURL:                           s.url(SAMLACSPath),
		SloURL:                           s.url(SAMLSLOPath),
		SignatureMethod:                  dsig.RSASHA256SignatureMethod,
		AllowIDPInitiated:                s.AllowIDPInitiated,
		AssertionConsumerServiceBindings: []string{saml.HTTPPostBinding},
		LogoutBindings:                   []string{saml.HTTPRedirectBinding},
		HTTPClient:                       s.HTTPClient,
		MetadataValidDuration:            7 * 24 * time.Hour,
	}
	if s.now != nil {
		sp.Clock = dsig.NewFakeClockAt(s.now())
	}
	if !idp {
		return sp, nil
	}
	md, err := s.idpMetadata(ctx)
	if err != nil {
		return nil, err
	}
	sp.IDPMetadata = md
	return sp, nil
}

// idpMetadata returns the identity provider's metadata, fetched again
// once metadataTTL has passed (the old copy stays if that fails).
func (s *SAML) idpMetadata(ctx context.Context) (*saml.EntityDescriptor, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.idp != nil && (s.IDPMetadataURL == "" || time.Since(s.idpLoaded) < metadataTTL) {
		return s.idp, nil
	}
	var md *saml.EntityDescriptor
	var err error
	if len(s.IDPMetadata) > 0 {
		md, err = parseIDPMetadata(s.IDPMetadata)
	} else {
		ctx, cancel := context.WithTimeout(ctx, 15*time.Second)
		defer cancel()
		md, err = fetchIDPMetadata(ctx, s.HTTPClient, s.IDPMetadataURL)
	}
	if err != nil {
		if s.idp != nil {
			s.Logger.Warn("saml idp metadata refresh", "err", err, "url", s.IDPMetadataURL)
			s.idpLoaded = time.Now()
			return s.idp, nil
		}
		return nil, fmt.Errorf("saml idp metadata %s: %w", s.IDPMetadataURL, err)
	}
	s.idp, s.idpLoaded = md, time.Now()
	return md, nil
}

// handleMetadata publishes the service provider's metadata, for the
// identity provider's administrator (or its automatic refresh).
func (s *SAML) handleMetadata(w http.ResponseWriter, r *http.Request) {
	sp, _ := s.provider(r.Context(), false)
	buf, err := xml.MarshalIndent(sp.Metadata(), "", "  ")
	if err != nil {
		s.Logger.Error("saml metadata", "err", err)
		http.Error(w, "Internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/samlmetadata+xml")
	w.Write(append([]byte(xml.Header), buf...))
}

// handleLogin sends the browser to the identity provider with a signed
// AuthnRequest; next waits in nextCookie.
func (s *SAML) handleLogin(w http.ResponseWriter, r *http.Request) {
	next := localNext(s.BaseURL, r.URL.Query().Get("next"))
	sp, err := s.provider(r.Context(), true)
	if err != nil {
		s.Logger.Error("saml login", "err", err)
		s.FailFunc(w, r, http.StatusBadGateway)
		return
	}
	req, err := sp.MakeAuthenticationRequest(sp.GetSSOBindingLocation(saml.HTTPRedirectBinding), saml.HTTPRedirectBinding, saml.HTTPPostBinding)
	if err == nil {
		req.ID, err = s.requestIDs().newID(s.clock())
	}
	var u *url.URL
	if err == nil {
		u, err = req.Redirect("", sp)
	}
	if err != nil {
		s.Logger.Error("saml authn request", "err", err)
		s.FailFunc(w, r, http.StatusInternalServerError)
		return
	}
	http.SetCookie(w, &http.Cookie{Name: nextCookie, Value: url.QueryEscape(next), Path: SAMLContinuePath,
		MaxAge: int(requestTTL / time.Second), HttpOnly: true, SameSite: http.SameSiteLaxMode,
		Secure: strings.HasPrefix(s.BaseURL, "https://")})
	http.Redirect(w, r, u.String(), http.StatusFound)
}

// handleContinue sends a browser just logged in on to the next its
// login started with (nextCookie), a path on this site; "/" otherwise.
func (s *SAML) handleContinue(w http.ResponseWriter, r *http.Request) {
	next := "/"
	if c, err := r.Cookie(nextCookie); err == nil {
		if v, err := url.QueryUnescape(c.Value); err == nil && isLocalPath(v) {
			next = v
		}
	}
	http.SetCookie(w, &http.Cookie{Name: nextCookie, Path: SAMLContinuePath, MaxAge: -1, HttpOnly: true,
		SameSite: http.SameSiteLaxMode, Secure: strings.HasPrefix(s.BaseURL, "https://")})
	http.Redirect(w, r, next, http.StatusSeeOther)
}

// isLocalPath reports whether next is a path on this site: "/..." but
// not "//host" nor "/\host", which browsers take for another site.
func isLocalPath(next string) bool {
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") {
		return false
	}
	for _, c := range next {
		if c < 0x20 || c == 0x7f || c == '\\' {
			return false
		}
	}
	u, err := url.Parse(next)
	return err == nil && u.Scheme == "" && u.Host == ""
}

// handleACS takes the identity provider's answer (HTTP-POST binding).
// The pages' CSRF check does not apply (the POST comes from the identity
// provider's page); the answer's own checks do: signature (the Response
// or the Assertion signed by a key of the IdP's metadata), Destination
// and Recipient, audience, NotBefore/NotOnOrAfter (with
// saml.MaxClockSkew), InResponseTo one of Lectern's requests, and the
// assertion used once on every node.
func (s *SAML) handleACS(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	id, err := s.consume(ctx, r)
	if err != nil {
		status := http.StatusForbidden
		var se statusError
		if errors.As(err, &se) {
			status = se.status
		}
		s.Logger.Warn("saml login refused", "err", err, "remote_addr", r.RemoteAddr)
		s.FailFunc(w, r, status)
		return
	}
	s.Logger.Info("saml login", "username", id.Username, "remote_addr", r.RemoteAddr)
	// An IdP-initiated login may name where to go in RelayState; an
	// SP-initiated one continues to its next.
	next := SAMLContinuePath
	if rs := localNext(s.BaseURL, r.PostFormValue("RelayState")); rs != "" {
		next = rs
	}
	s.LoginFunc(w, r, id, next)
}

// statusError is a refusal that is not the sender's fault.
type statusError struct {
	status int
	err    error
}

func (e statusError) Error() string { return e.err.Error() }
func (e statusError) Unwrap() error { return e.err }

// consume checks the answer and returns the person it vouches for.
func (s *SAML) consume(ctx context.Context, r *http.Request) (lectern.Identity, error) {
	sp, err := s.provider(ctx, true)
	if err != nil {
		return lectern.Identity{}, statusError{http.StatusBadGateway, err}
	}
	raw, err := base64.StdEncoding.DecodeString(r.PostFormValue("SAMLResponse"))
	if err != nil || len(raw) == 0 {
		return lectern.Identity{}, fmt.Errorf("no SAMLResponse in the form (%v)", err)
	}
	// The request IDs it may answer: the one it names, if Lectern made
	// it (the library then checks the signed answer names it too).
	var ids []string
	if irt := peekInResponseTo(raw); irt != "" && s.requestIDs().valid(irt, s.clock()) {
		ids = []string{irt}
	}
	a, err := sp.ParseXMLResponse(raw, ids, sp.AcsURL)
	if err != nil {
		return lectern.Identity{}, fmt.Errorf("saml response: %w", privateErr(err))
	}
	if err := s.Once.UseOnce(ctx, "saml-assertion:"+a.ID, assertionExpiry(a, s.clock())); err != nil {
		if lectern.ErrorCode(err) == lectern.ECONFLICT {
			return lectern.Identity{}, fmt.Errorf("saml assertion %s replayed", a.ID)
		}
		return lectern.Identity{}, statusError{http.StatusInternalServerError, fmt.Errorf("saml assertion %s: %w", a.ID, err)}
	}
	return s.identity(a)
}

// privateErr is what crewjam's InvalidResponseError hides (its Error is
// only "Authentication failed"), for the log.
func privateErr(err error) error {
	var ire *saml.InvalidResponseError
	if errors.As(err, &ire) && ire.PrivateErr != nil {
		return ire.PrivateErr
	}
	return err
}

// peekInResponseTo reads the Response's InResponseTo before anything is
// checked: only to pick the request ID the checked Response must name.
func peekInResponseTo(raw []byte) string {
	var resp struct {
		InResponseTo string `xml:"InResponseTo,attr"`
	}
	if xml.Unmarshal(raw, &resp) != nil {
		return ""
	}
	return resp.InResponseTo
}

// assertionExpiry is how long the assertion's ID must be remembered: as
// long as the assertion could be accepted.
func assertionExpiry(a *saml.Assertion, now time.Time) time.Time {
	exp := now.Add(requestTTL)
	if a.Conditions != nil && !a.Conditions.NotOnOrAfter.IsZero() {
		exp = a.Conditions.NotOnOrAfter
	}
	if a.Subject != nil {
		for _, c := range a.Subject.SubjectConfirmations {
			if d := c.SubjectConfirmationData; d != nil && d.NotOnOrAfter.After(exp) {
				exp = d.NotOnOrAfter
			}
		}
	}
	return exp.Add(saml.MaxClockSkew)
}
