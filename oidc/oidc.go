package oidc

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	gooidc "github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"lectern"
)

// Paths Pod's mozilla-django-oidc answers, which Lectern keeps.
const (
	AuthenticatePath = "/oidc/authenticate/"
	CallbackPath     = "/oidc/callback/"
	LogoutPath       = "/oidc/logout/"
)

// Algorithms are the id_token signature algorithms OIDC_RP_SIGN_ALGO may
// name: the asymmetric ones go-oidc checks against the provider's JWKS
// (not HS256, mozilla-django-oidc's default, whose key is the client
// secret).
var Algorithms = []string{
	gooidc.RS256, gooidc.RS384, gooidc.RS512,
	gooidc.ES256, gooidc.ES384, gooidc.ES512,
	gooidc.PS256, gooidc.PS384, gooidc.PS512,
	gooidc.EdDSA,
}

// Config is what the OpenID Connect login needs: Pod's settings, where to
// come back, and what to do with the person once checked.
type Config struct {
	// Issuer (OIDC_OP_ISSUER) is the provider's identity: its discovery
	// document is read from Issuer/.well-known/openid-configuration, and
	// every id_token's iss must be it. Empty: the endpoints below must be
	// given, and the issuer is not checked (as mozilla-django-oidc).
	Issuer string
	// The provider's endpoints (OIDC_OP_AUTHORIZATION_ENDPOINT,
	// OIDC_OP_TOKEN_ENDPOINT, OIDC_OP_USER_ENDPOINT, OIDC_OP_JWKS_ENDPOINT,
	// OIDC_OP_END_SESSION_ENDPOINT). Each one given wins over the
	// discovered one. No userinfo endpoint: the id_token's claims only;
	// no end-session endpoint: logout ends Lectern's session only.
	AuthorizationEndpoint string
	TokenEndpoint         string
	UserInfoEndpoint      string
	JWKSEndpoint          string
	EndSessionEndpoint    string
	// ClientID and ClientSecret (OIDC_RP_CLIENT_ID, OIDC_RP_CLIENT_SECRET)
	// are Lectern's registration at the provider.
	ClientID     string
	ClientSecret string
	// SignAlgo (OIDC_RP_SIGN_ALGO) is the only algorithm an id_token may
	// be signed with, one of Algorithms; empty: RS256.
	SignAlgo string
	// Scopes (OIDC_RP_SCOPES) are asked for; "openid" is always added.
	Scopes []string
	// Claims naming the person (OIDC_CLAIM_GIVEN_NAME,
	// OIDC_CLAIM_FAMILY_NAME, OIDC_CLAIM_PREFERRED_USERNAME); empty:
	// given_name, family_name, preferred_username.
	ClaimGivenName         string
	ClaimFamilyName        string
	ClaimPreferredUsername string
	// DefaultAffiliation (OIDC_DEFAULT_AFFILIATION) is the affiliation of
	// a person the provider gives none for.
	DefaultAffiliation string
	// DefaultGroups (OIDC_DEFAULT_ACCESS_GROUP_CODE_NAMES) are the groups
	// a new account is put in.
	DefaultGroups []string
	// RedirectURL is the absolute URL of the callback as the provider
	// knows it: BASE_URL + oidc/callback/. Its scheme decides whether the
	// flow's cookie is Secure.
	RedirectURL string
	// Timeout bounds each call to the provider (discovery, token, keys,
	// userinfo); 0: 10 seconds.
	Timeout time.Duration
	// HTTPClient calls the provider; nil: one with Timeout.
	HTTPClient *http.Client
	// Once remembers the states used, so that a callback replayed with
	// its cookie is refused on every node; nil: remembered in this
	// process only.
	Once lectern.OnceService
	// FlowTTL is how long a login at the provider may take; 0: 10
	// minutes.
	FlowTTL time.Duration
	// LoginFunc logs in the person the provider vouched for and goes on
	// to next (the pages' CompleteLogin, which keeps next on this site).
	LoginFunc func(w http.ResponseWriter, r *http.Request, id lectern.Identity, next string)
	// FailFunc answers a login that did not succeed with status (the
	// pages' LoginFailed).
	FailFunc func(w http.ResponseWriter, r *http.Request, status int)
	Logger   *slog.Logger
	// Now is the clock the id_token's expiry is checked with; nil:
	// time.Now.
	Now func() time.Time
}

// Handler answers the OpenID Connect paths.
type Handler struct {
	cfg    Config
	client *http.Client
	secure bool

	mu      sync.Mutex
	prov    *provider // nil until discovery succeeded
	failed  error     // the last discovery's failure, retried after retryAfter
	failedT time.Time
}

// retryAfter is how long logins fail at once after a failed discovery,
// rather than each waiting for the provider in turn.
const retryAfter = 5 * time.Second

// New checks cfg and returns its handler. It does not call the provider:
// discovery waits for the first login.
func New(cfg Config) (*Handler, error) {
	if cfg.ClientID == "" {
		return nil, errors.New("oidc: no client id")
	}
	if cfg.Issuer == "" && (cfg.AuthorizationEndpoint == "" || cfg.TokenEndpoint == "" || cfg.JWKSEndpoint == "") {
		return nil, errors.New("oidc: want an issuer, or the authorization, token and JWKS endpoints")
	}
	if cfg.SignAlgo == "" {
		cfg.SignAlgo = gooidc.RS256
	}
	if !slices.Contains(Algorithms, cfg.SignAlgo) {
		return nil, fmt.Errorf("oidc: unsupported signature algorithm %q", cfg.SignAlgo)
	}
	u, err := url.Parse(cfg.RedirectURL)
	if err != nil || !u.IsAbs() {
		return nil, fmt.Errorf("oidc: redirect URL %q is not absolute", cfg.RedirectURL)
	}
	if cfg.LoginFunc == nil || cfg.FailFunc == nil {
		return nil, errors.New("oidc: LoginFunc and FailFunc are required")
	}
	if !slices.Contains(cfg.Scopes, gooidc.ScopeOpenID) {
		cfg.Scopes = append([]string{gooidc.ScopeOpenID}, cfg.Scopes...)
	}
	if cfg.ClaimGivenName == "" {
		cfg.ClaimGivenName = "given_name"
	}
	if cfg.ClaimFamilyName == "" {
		cfg.ClaimFamilyName = "family_name"
	}
	if cfg.ClaimPreferredUsername == "" {
		cfg.ClaimPreferredUsername = "preferred_username"
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 10 * time.Second
	}
	if cfg.FlowTTL <= 0 {
		cfg.FlowTTL = 10 * time.Minute
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Once == nil {
		cfg.Once = &memOnce{used: map[string]time.Time{}, now: cfg.Now}
	}
	client := cfg.HTTPClient
	if client == nil {
		client = &http.Client{Timeout: cfg.Timeout}
	}
	return &Handler{cfg: cfg, client: client, secure: u.Scheme == "https"}, nil
}

// provider is the provider as discovered and configured.
type provider struct {
	oauth      oauth2.Config
	verifier   *gooidc.IDTokenVerifier
	p          *gooidc.Provider
	userInfo   string
	endSession string
}

// errUnreachable marks failures to reach the provider (502), as opposed
// to answers it gave that are refused (403).
var errUnreachable = errors.New("provider unreachable")

// clientContext carries the handler's HTTP client to go-oidc and oauth2.
func (h *Handler) clientContext(ctx context.Context) context.Context {
	return gooidc.ClientContext(ctx, h.client)
}

// provider returns the provider, discovering it the first time.
func (h *Handler) provider(ctx context.Context) (*provider, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.prov != nil {
		return h.prov, nil
	}
	if h.failed != nil && h.cfg.Now().Before(h.failedT.Add(retryAfter)) {
		return nil, h.failed
	}
	p, err := h.discover(ctx)
	if err != nil {
		h.failed, h.failedT = err, h.cfg.Now()
		return nil, err
	}
	h.prov, h.failed = p, nil
	return p, nil
}

// discover reads the provider's discovery document, when there is an
// issuer, and builds the provider from it and the configured endpoints.
func (h *Handler) discover(ctx context.Context) (*provider, error) {
	c := h.cfg
	pc := gooidc.ProviderConfig{
		IssuerURL: c.Issuer, AuthURL: c.AuthorizationEndpoint, TokenURL: c.TokenEndpoint,
		UserInfoURL: c.UserInfoEndpoint, JWKSURL: c.JWKSEndpoint,
	}
	endSession := c.EndSessionEndpoint
	style := oauth2.AuthStyleAutoDetect
	if c.Issuer != "" {
		ctx, cancel := context.WithTimeout(ctx, c.Timeout)
		defer cancel()
		d, err := gooidc.NewProvider(h.clientContext(ctx), c.Issuer)
		if err != nil {
			return nil, fmt.Errorf("discover %s: %w: %w", c.Issuer, errUnreachable, err)
		}
		var meta struct {
			AuthorizationEndpoint string   `json:"authorization_endpoint"`
			TokenEndpoint         string   `json:"token_endpoint"`
			UserInfoEndpoint      string   `json:"userinfo_endpoint"`
			JWKSURI               string   `json:"jwks_uri"`
			EndSessionEndpoint    string   `json:"end_session_endpoint"`
			AuthMethods           []string `json:"token_endpoint_auth_methods_supported"`
		}
		if err := d.Claims(&meta); err != nil {
			return nil, fmt.Errorf("discover %s: %w: %w", c.Issuer, errUnreachable, err)
		}
		pc.AuthURL = firstOf(pc.AuthURL, meta.AuthorizationEndpoint)
		pc.TokenURL = firstOf(pc.TokenURL, meta.TokenEndpoint)
		pc.UserInfoURL = firstOf(pc.UserInfoURL, meta.UserInfoEndpoint)
		pc.JWKSURL = firstOf(pc.JWKSURL, meta.JWKSURI)
		endSession = firstOf(endSession, meta.EndSessionEndpoint)
		switch {
		case slices.Contains(meta.AuthMethods, "client_secret_basic"):
			style = oauth2.AuthStyleInHeader
		case slices.Contains(meta.AuthMethods, "client_secret_post"):
			style = oauth2.AuthStyleInParams
		case len(meta.AuthMethods) == 0:
			style = oauth2.AuthStyleInHeader // the spec's default
		}
		if pc.AuthURL == "" || pc.TokenURL == "" || pc.JWKSURL == "" {
			return nil, fmt.Errorf("discover %s: %w: no authorization, token or JWKS endpoint", c.Issuer, errUnreachable)
		}
	}
	p := pc.NewProvider(h.clientContext(ctx)) // only its client is kept
	vc := &gooidc.Config{
		ClientID:             c.ClientID,
		SupportedSigningAlgs: []string{c.SignAlgo},
		SkipIssuerCheck:      c.Issuer == "",
		Now:                  c.Now,
	}
	ep := p.Endpoint()
	ep.AuthStyle = style
	return &provider{
		oauth: oauth2.Config{
			ClientID: c.ClientID, ClientSecret: c.ClientSecret, Endpoint: ep,
			RedirectURL: c.RedirectURL, Scopes: c.Scopes,
		},
		verifier:   p.Verifier(vc),
		p:          p,
		userInfo:   pc.UserInfoURL,
		endSession: endSession,
	}, nil
}

// firstOf returns a, or b when a is empty: a configured endpoint wins
// over the discovered one.
func firstOf(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// endSession returns the end-session endpoint if it is known: configured,
// or discovered by a login.
func (h *Handler) endSession() string {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.prov != nil {
		return h.prov.endSession
	}
	return h.cfg.EndSessionEndpoint
}

// trimBase returns next without the site's base URL (redirectURL less
// the callback path): a next on this site given as an absolute URL (the
// seed's mail links) is taken as its path. The pages' CompleteLogin then
// keeps only paths on this site.
func trimBase(next, redirectURL string) string {
	base := strings.TrimSuffix(redirectURL, CallbackPath)
	if base != redirectURL && strings.HasPrefix(next, base+"/") {
		return strings.TrimPrefix(next, base)
	}
	return next
}
