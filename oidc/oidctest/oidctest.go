// Package oidctest is a small OpenID Connect provider for tests of the
// relying party's refusals: it logs in whoever Server.Login names without
// a form, and its answers can be spoiled on purpose (Tamper): a forged
// signature, alg "none", an expired token, another audience, issuer or
// nonce, a refused code exchange. Happy paths are tested against the real
// provider (package idptest); this one is for what a real one never sends.
// For test code only.
package oidctest

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"sync"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
)

// Tamper spoils the provider's answers.
type Tamper struct {
	// ForgeSignature signs the id_token with a key that is not in the
	// JWKS (with the JWKS key's kid).
	ForgeSignature bool
	// AlgNone sends an unsigned id_token (alg "none").
	AlgNone bool
	// Expired sends an id_token that expired an hour ago.
	Expired bool
	// Audience, Issuer and Nonce replace the id_token's aud, iss and
	// nonce when not empty.
	Audience, Issuer, Nonce string
	// RefuseCode makes the token endpoint answer invalid_grant.
	RefuseCode bool
	// ReuseCodes lets a code be exchanged more than once (a real
	// provider refuses it), so that a replayed callback reaches the
	// relying party's own checks.
	ReuseCodes bool
	// OtherSubject makes the userinfo endpoint speak of someone else.
	OtherSubject bool
}

// Server is a running provider.
type Server struct {
	// URL is the issuer, the httptest server's URL.
	URL string
	// ClientID and ClientSecret are the one client it knows.
	ClientID, ClientSecret string
	// AuthMethods is the discovery's token_endpoint_auth_methods_supported;
	// the token endpoint takes only these.
	AuthMethods []string
	// EndSession is the discovery's end_session_endpoint.
	EndSession string

	key   *rsa.PrivateKey
	forge *rsa.PrivateKey

	mu     sync.Mutex
	login  string
	claims map[string]map[string]any
	tamper Tamper
	codes  map[string]grant
	access map[string]string // access token -> subject
	// Exchanges counts the token endpoint's answers with tokens.
	exchanges int
}

type grant struct {
	nonce, challenge, redirect, subject string
}

// Start starts a provider for clientID/clientSecret that knows people by
// username: claims[username] are released about them (preferred_username
// is added). It stops when tb ends.
func Start(tb testing.TB, clientID, clientSecret string, claims map[string]map[string]any) *Server {
	tb.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		tb.Fatal(err)
	}
	forge, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		tb.Fatal(err)
	}
	s := &Server{ClientID: clientID, ClientSecret: clientSecret, AuthMethods: []string{"client_secret_basic", "client_secret_post"},
		key: key, forge: forge, claims: claims, codes: map[string]grant{}, access: map[string]string{}}
	hs := httptest.NewServer(s)
	tb.Cleanup(hs.Close)
	s.URL = hs.URL
	s.EndSession = hs.URL + "/logout"
	return s
}

// SetLogin names who the next authorization logs in.
func (s *Server) SetLogin(username string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.login = username
}

// SetTamper spoils the answers from now on (Tamper{} for honest ones).
func (s *Server) SetTamper(t Tamper) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tamper = t
}

// Exchanges returns how many codes the token endpoint exchanged.
func (s *Server) Exchanges() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.exchanges
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch r.URL.Path {
	case "/.well-known/openid-configuration":
		writeJSON(w, http.StatusOK, map[string]any{
			"issuer": s.URL, "authorization_endpoint": s.URL + "/authorize", "token_endpoint": s.URL + "/token",
			"userinfo_endpoint": s.URL + "/userinfo", "jwks_uri": s.URL + "/jwks", "end_session_endpoint": s.EndSession,
			"response_types_supported": []string{"code"}, "subject_types_supported": []string{"public"},
			"id_token_signing_alg_values_supported": []string{"RS256"},
			"token_endpoint_auth_methods_supported": s.AuthMethods,
		})
	case "/jwks":
		writeJSON(w, http.StatusOK, jose.JSONWebKeySet{Keys: []jose.JSONWebKey{
			{Key: s.key.Public(), KeyID: "k1", Algorithm: "RS256", Use: "sig"}}})
	case "/authorize":
		s.authorize(w, r)
	case "/token":
		s.token(w, r)
	case "/userinfo":
		s.userinfo(w, r)
	default:
		http.NotFound(w, r)
	}
}

func (s *Server) authorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if q.Get("client_id") != s.ClientID || q.Get("response_type") != "code" {
		http.Error(w, "unknown client or response type", http.StatusBadRequest)
		return
	}
	if q.Get("code_challenge_method") != "S256" || q.Get("code_challenge") == "" {
		http.Error(w, "PKCE (S256) required", http.StatusBadRequest)
		return
	}
	redirect, err := url.Parse(q.Get("redirect_uri"))
	if err != nil || !redirect.IsAbs() {
		http.Error(w, "bad redirect_uri", http.StatusBadRequest)
		return
	}
	s.mu.Lock()
	code := random()
	s.codes[code] = grant{nonce: q.Get("nonce"), challenge: q.Get("code_challenge"), redirect: redirect.String(), subject: s.login}
	s.mu.Unlock()
	back := redirect.Query()
	back.Set("code", code)
	back.Set("state", q.Get("state"))
	redirect.RawQuery = back.Encode()
	http.Redirect(w, r, redirect.String(), http.StatusFound)
}

func (s *Server) token(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		tokenError(w, "invalid_request")
		return
	}
	id, secret, basic := r.BasicAuth()
	method := "client_secret_basic"
	if !basic {
		id, secret, method = r.PostForm.Get("client_id"), r.PostForm.Get("client_secret"), "client_secret_post"
	}
	if !slices.Contains(s.AuthMethods, method) || id != s.ClientID || secret != s.ClientSecret {
		w.Header().Set("WWW-Authenticate", "Basic")
		writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "invalid_client"})
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	code := r.PostForm.Get("code")
	g, ok := s.codes[code]
	if !s.tamper.ReuseCodes {
		delete(s.codes, code)
	}
	sum := sha256.Sum256([]byte(r.PostForm.Get("code_verifier")))
	if !ok || s.tamper.RefuseCode || g.redirect != r.PostForm.Get("redirect_uri") ||
		base64.RawURLEncoding.EncodeToString(sum[:]) != g.challenge {
		tokenError(w, "invalid_grant")
		return
	}
	claims := map[string]any{
		"iss": s.URL, "sub": g.subject, "aud": s.ClientID, "nonce": g.nonce,
		"iat": time.Now().Unix(), "exp": time.Now().Add(5 * time.Minute).Unix(),
		"sid": "sid-" + g.subject, "preferred_username": g.subject,
	}
	maps.Copy(claims, s.claims[g.subject])
	t := s.tamper
	if t.Expired {
		claims["iat"], claims["exp"] = time.Now().Add(-2*time.Hour).Unix(), time.Now().Add(-time.Hour).Unix()
	}
	for k, v := range map[string]string{"aud": t.Audience, "iss": t.Issuer, "nonce": t.Nonce} {
		if v != "" {
			claims[k] = v
		}
	}
	idToken, err := s.sign(claims, t)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	access := random()
	s.access[access] = g.subject
	s.exchanges++
	writeJSON(w, http.StatusOK, map[string]any{"access_token": access, "token_type": "Bearer", "expires_in": 300, "id_token": idToken})
}

func (s *Server) sign(claims map[string]any, t Tamper) (string, error) {
	payload, err := json.Marshal(claims)
	if err != nil {
		return "", err
	}
	if t.AlgNone {
		enc := base64.RawURLEncoding
		return enc.EncodeToString([]byte(`{"alg":"none","typ":"JWT","kid":"k1"}`)) + "." + enc.EncodeToString(payload) + ".", nil
	}
	key := s.key
	if t.ForgeSignature {
		key = s.forge
	}
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: key},
		(&jose.SignerOptions{}).WithType("JWT").WithHeader("kid", "k1"))
	if err != nil {
		return "", err
	}
	jws, err := signer.Sign(payload)
	if err != nil {
		return "", err
	}
	return jws.CompactSerialize()
}

func (s *Server) userinfo(w http.ResponseWriter, r *http.Request) {
	const prefix = "Bearer "
	h := r.Header.Get("Authorization")
	s.mu.Lock()
	defer s.mu.Unlock()
	sub, ok := "", false
	if len(h) > len(prefix) && h[:len(prefix)] == prefix {
		sub, ok = s.access[h[len(prefix):]]
	}
	if !ok {
		writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "invalid_token"})
		return
	}
	claims := map[string]any{"sub": sub, "preferred_username": sub}
	maps.Copy(claims, s.claims[sub])
	if s.tamper.OtherSubject {
		claims["sub"] = "someone-else"
	}
	writeJSON(w, http.StatusOK, claims)
}

func tokenError(w http.ResponseWriter, code string) {
	writeJSON(w, http.StatusBadRequest, map[string]string{"error": code})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v) // a client gone is the test's to see
}

func random() string {
	b := make([]byte, 24)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}
