package oidc

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"

	gooidc "github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"
)

// flowCookiePrefix starts the name of a login's cookie; its state ends
// it.
const flowCookiePrefix = "lectern_oidc_"

// maxNext is the longest next a login keeps: its cookie then stays well
// under a browser's 4096 bytes (base64 adds a third).
const maxNext = 2000

// flow is what a login keeps in its browser between the authentication
// request and the callback.
type flow struct {
	Nonce    string    `json:"n"`
	Verifier string    `json:"v"`
	Next     string    `json:"x"`
	Expires  time.Time `json:"e"`
}

// Authenticate starts a login: it sends the browser to the provider's
// authorization endpoint with a fresh state, nonce and PKCE challenge,
// kept for the callback in a cookie of this browser.
func (h *Handler) Authenticate(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	p, err := h.provider(ctx)
	if err != nil {
		h.fail(w, r, "start login", err)
		return
	}
	next := trimBase(r.URL.Query().Get("next"), h.cfg.RedirectURL)
	if len(next) > maxNext {
		// The flow's cookie would outgrow what a browser keeps (4096
		// bytes), and the login would fail at the callback.
		h.cfg.Logger.Info("oidc login: next too long, left out", "bytes", len(next))
		next = ""
	}
	state, nonce := randomString(), randomString()
	f := flow{Nonce: nonce, Verifier: oauth2.GenerateVerifier(), Next: next, Expires: h.cfg.Now().Add(h.cfg.FlowTTL)}
	b, err := json.Marshal(f)
	if err != nil {
		h.fail(w, r, "start login", err)
		return
	}
	http.SetCookie(w, &http.Cookie{
		Name:     flowCookiePrefix + state,
		Value:    base64.RawURLEncoding.EncodeToString(b),
		Path:     CallbackPath,
		MaxAge:   int(h.cfg.FlowTTL / time.Second),
		HttpOnly: true,
		Secure:   h.secure,
		SameSite: http.SameSiteLaxMode,
	})
	target := p.oauth.AuthCodeURL(state, gooidc.Nonce(nonce), oauth2.S256ChallengeOption(f.Verifier))
	w.Header().Set("Cache-Control", "no-store")
	http.Redirect(w, r, target, http.StatusFound)
}

// takeFlow returns the login state names in this browser and clears its
// cookie; an error when the browser holds none (a forged or replayed
// state, another browser's, or one that expired).
func (h *Handler) takeFlow(w http.ResponseWriter, r *http.Request, state string) (*flow, error) {
	if state == "" || len(state) > 100 {
		return nil, errors.New("no state")
	}
	name := flowCookiePrefix + state
	c, err := r.Cookie(name)
	if err != nil {
		return nil, errors.New("state unknown to this browser")
	}
	http.SetCookie(w, &http.Cookie{Name: name, Path: CallbackPath, MaxAge: -1, HttpOnly: true, Secure: h.secure, SameSite: http.SameSiteLaxMode})
	b, err := base64.RawURLEncoding.DecodeString(c.Value)
	var f flow
	if err == nil {
		err = json.Unmarshal(b, &f)
	}
	if err != nil || f.Nonce == "" || f.Verifier == "" {
		return nil, fmt.Errorf("bad login cookie: %v", err)
	}
	if h.cfg.Now().After(f.Expires) {
		return nil, fmt.Errorf("login started too long ago (expired %s)", f.Expires.UTC().Format(time.RFC3339))
	}
	if latest := h.cfg.Now().Add(h.cfg.FlowTTL); f.Expires.After(latest) {
		// The cookie is the browser's to write: an expiry Lectern never
		// gave would keep the state in Once (a row per forged callback)
		// for as long as it says.
		f.Expires = latest
	}
	return &f, nil
}

// randomString returns 256 random bits, URL-safe.
func randomString() string {
	b := make([]byte, 32)
	rand.Read(b) // never fails (crypto/rand)
	return base64.RawURLEncoding.EncodeToString(b)
}
