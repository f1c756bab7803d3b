package shibboleth

import (
	"context"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/xml"
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
	// SAMLContinuePath is where the ACS sends the browser with the
	// checked answer sealed: the login ends there, in the browser that
	// started it (saml_continue.go).
	SAMLContinuePath = "/saml/continue/"
)

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
	// idpFailed is the last fetch's failure while there is no metadata,
	// at idpFailedAt: logins fail at once with it for metadataRetry.
	idpFailed   error
	idpFailedAt time.Time
}

// metadataRetry is how long logins fail at once after the identity
// provider's metadata could not be fetched, rather than each wait for
// it in turn (on s.mu, up to the fetch's 15 s each).
const metadataRetry = 5 * time.Second

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

// ttl is the request IDs' lifetime: requestTTL, or the tests' s.requestTTL.
func (s *SAML) ttl() time.Duration {
	if s.requestTTL != 0 {
		return s.requestTTL
	}
	return requestTTL
}

// requestIDs derives the key of the request IDs from the private key,
// which every node shares.
func (s *SAML) requestIDs() requestIDs {
	sum := sha256.Sum256(append([]byte("lectern saml request id\x00"), x509.MarshalPKCS1PrivateKey(s.Key)...))
	return requestIDs{key: sum[:], ttl: s.ttl()}
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
		// The metadata offers the certificate for encryption too (the
		// Shibboleth IdP then encrypts assertions): a CBC-encrypted one
		// is decrypted only inside a Response whose signature held.
		RequireSignedResponseForCBC: true,
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
	if s.idp == nil && s.idpFailed != nil && s.clock().Before(s.idpFailedAt.Add(metadataRetry)) {
		return nil, s.idpFailed
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
		s.idpFailed = fmt.Errorf("saml idp metadata %s: %w", s.IDPMetadataURL, err)
		s.idpFailedAt = s.clock()
		return nil, s.idpFailed
	}
	s.idp, s.idpLoaded, s.idpFailed = md, time.Now(), nil
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

// Mount adds the service provider's routes with handle (the pages'
// Handle) and exempts the ones the identity provider POSTs to from the
// pages' CSRF check with exempt: each checks the message's signature
// instead.
func (s *SAML) Mount(handle func(pattern string, h http.Handler), exempt func(path string)) {
	handle("GET "+SAMLMetadataPath+"{$}", http.HandlerFunc(s.handleMetadata))
	handle("GET "+SAMLLoginPath+"{$}", http.HandlerFunc(s.handleLogin))
	handle("POST "+SAMLACSPath+"{$}", http.HandlerFunc(s.handleACS))
	handle("GET "+SAMLContinuePath+"{$}", http.HandlerFunc(s.handleContinue))
	handle(SAMLSLOPath+"{$}", http.HandlerFunc(s.handleSLO))
	exempt(SAMLACSPath)
	exempt(SAMLSLOPath)
}
