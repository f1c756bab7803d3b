package shibboleth

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"lectern"
)

// Login CSRF, and how the service provider binds an answer to the browser
// that asked for it.
//
// The identity provider's answer comes as a cross-site POST to the ACS,
// which brings none of Lectern's SameSite=Lax cookies: the ACS alone
// cannot tell whose browser posts. An attacker could start a login at
// Lectern, log in at the identity provider as themself, keep the answer
// and have a victim's browser post it (a page of theirs auto-submitting
// the form) within the request's hour: the victim would be logged in to
// Lectern as the attacker, and what they upload or publish would land in
// the attacker's account.
//
// So the ACS checks the answer (signature, audience, time, InResponseTo
// one of Lectern's requests, the assertion used once) but logs nobody in.
// It seals the identity with the request it answers (authenticated
// encryption under a key derived from the SP key: every node can open
// it, nobody can read or forge it, so it may go in the URL and the web
// server's logs) and redirects to SAMLContinuePath. That GET is a
// top-level navigation, which brings Lax cookies: loginCookie, set by
// SAMLLoginPath, lists the requests this browser made. The login goes on
// only when it holds the one the sealed answer answers; the sealed answer
// is usable once, on every node (OnceService), for continueTTL.
//
// An unsolicited (IdP-initiated) answer answers no request, so it cannot
// be bound: with SAML_ALLOW_IDP_INITIATED the ACS logs it in at once,
// and that setting re-opens this hole (see the README).

// loginCookie holds the logins this browser started and has not
// finished, each its request ID and next, dot separated:
// "<request id>:<next, base64url>". It replaces RelayState for next
// too: the SAML bindings allow RelayState 80 bytes (saml-bindings
// §3.4.3), which identity providers may enforce, and an add form's link
// is longer. Its path is samlCookiePath: SAMLLoginPath adds to it,
// SAMLContinuePath reads it.
const loginCookie = "lectern_saml_login"

// samlCookiePath is loginCookie's path: the service provider's routes.
const samlCookiePath = "/saml/"

// maxLogins is how many logins a browser may have under way at once (two
// mails' links in two tabs): the cookie keeps the newest.
const maxLogins = 4

// maxLoginCookie bounds the cookie's value (browsers drop cookies past
// 4096 bytes): older logins are left out first; maxNext bounds one next,
// a longer one is left out (the login then ends on "/").
const (
	maxLoginCookie = 3000
	maxNext        = 1500
)

// continueTTL is how long the ACS's sealed answer may be opened at
// SAMLContinuePath: the browser follows the redirect at once; the margin
// is for the nodes' clocks.
const continueTTL = 5 * time.Minute

// pendingLogin is a login this browser started: its request's ID and the
// path it goes on to.
type pendingLogin struct {
	id, next string
}

// pendingLogins are the logins this browser started whose requests are
// still valid, oldest first; anything else in the cookie is dropped.
func (s *SAML) pendingLogins(r *http.Request) []pendingLogin {
	c, err := r.Cookie(loginCookie)
	if err != nil || c.Value == "" {
		return nil
	}
	ids, now := s.requestIDs(), s.clock()
	var logins []pendingLogin
	for _, entry := range strings.Split(c.Value, ".") {
		id, enc, _ := strings.Cut(entry, ":")
		next, err := base64.RawURLEncoding.DecodeString(enc)
		if err != nil || !ids.valid(id, now) {
			continue
		}
		if !isLocalPath(string(next)) || len(next) > maxNext {
			next = nil
		}
		logins = append(logins, pendingLogin{id: id, next: string(next)})
	}
	return logins
}

// setPendingLogins keeps the newest of logins (at most maxLogins, and
// what fits maxLoginCookie) in the browser's cookie; none forgets it.
func (s *SAML) setPendingLogins(w http.ResponseWriter, logins []pendingLogin) {
	var entries []string
	size := 0
	for i := len(logins) - 1; i >= 0 && len(entries) < maxLogins; i-- {
		e := logins[i].id + ":" + base64.RawURLEncoding.EncodeToString([]byte(logins[i].next))
		if size+len(e)+1 > maxLoginCookie {
			break
		}
		entries, size = append(entries, e), size+len(e)+1
	}
	slices.Reverse(entries)
	c := &http.Cookie{Name: loginCookie, Value: strings.Join(entries, "."), Path: samlCookiePath,
		MaxAge: int(s.ttl() / time.Second), HttpOnly: true, SameSite: http.SameSiteLaxMode,
		Secure: strings.HasPrefix(s.BaseURL, "https://")}
	if len(entries) == 0 {
		c.Value, c.MaxAge = "", -1
	}
	http.SetCookie(w, c)
}

// sealedAnswer is what the ACS hands to SAMLContinuePath: the person the
// checked answer vouches for, and the request it answers.
type sealedAnswer struct {
	InResponseTo string           `json:"irt"`
	Expires      int64            `json:"exp"`
	Identity     lectern.Identity `json:"id"`
}

// sealAAD is the sealed answers' additional data: a key derived for them
// opens nothing else, and nothing else opens as one.
const sealAAD = "lectern saml continue"

// answerSealer is the AEAD of the sealed answers (AES-256-GCM), its key
// derived from the private key, which every node shares, as the request
// IDs' is.
func (s *SAML) answerSealer() (cipher.AEAD, error) {
	key := sha256.Sum256(append([]byte(sealAAD+"\x00"), x509.MarshalPKCS1PrivateKey(s.Key)...))
	block, err := aes.NewCipher(key[:])
	if err != nil {
		return nil, fmt.Errorf("saml answer seal: %w", err)
	}
	return cipher.NewGCM(block)
}

// sealAnswer seals id, the answer to request irt, for continueTTL:
// base64url of a random nonce and the ciphertext.
func (s *SAML) sealAnswer(irt string, id lectern.Identity) (string, error) {
	aead, err := s.answerSealer()
	if err != nil {
		return "", err
	}
	plain, err := json.Marshal(sealedAnswer{InResponseTo: irt, Expires: s.clock().Add(continueTTL).Unix(), Identity: id})
	if err != nil {
		return "", fmt.Errorf("saml answer seal: %w", err)
	}
	nonce := make([]byte, aead.NonceSize(), aead.NonceSize()+len(plain)+aead.Overhead())
	if _, err := rand.Read(nonce); err != nil {
		return "", fmt.Errorf("saml answer seal: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(aead.Seal(nonce, nonce, plain, []byte(sealAAD))), nil
}

// openAnswer opens a sealed answer not yet expired; key names it for
// OnceService (its nonce, which the seal covers).
func (s *SAML) openAnswer(token string) (a sealedAnswer, key string, err error) {
	aead, err := s.answerSealer()
	if err != nil {
		return a, "", err
	}
	raw, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil || len(raw) < aead.NonceSize()+aead.Overhead() {
		return a, "", errors.New("no sealed saml answer")
	}
	nonce := raw[:aead.NonceSize()]
	plain, err := aead.Open(nil, nonce, raw[aead.NonceSize():], []byte(sealAAD))
	if err != nil {
		return a, "", errors.New("sealed saml answer forged or sealed by another key")
	}
	if err := json.Unmarshal(plain, &a); err != nil {
		return a, "", fmt.Errorf("sealed saml answer: %w", err)
	}
	if !s.clock().Before(time.Unix(a.Expires, 0)) {
		return a, "", fmt.Errorf("sealed saml answer for %s expired at %s", a.Identity.Username, time.Unix(a.Expires, 0).UTC())
	}
	return a, base64.RawURLEncoding.EncodeToString(nonce), nil
}

// handleContinue logs in the person of the ACS's sealed answer (?t=)
// when this browser started the login it answers (loginCookie), once,
// and goes on to that login's next. Anything else logs nobody in: 403.
func (s *SAML) handleContinue(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	a, key, err := s.openAnswer(r.URL.Query().Get("t"))
	if err != nil {
		s.Logger.Warn("saml login refused", "err", err, "remote_addr", r.RemoteAddr)
		s.FailFunc(w, r, http.StatusForbidden)
		return
	}
	logins := s.pendingLogins(r)
	i := slices.IndexFunc(logins, func(l pendingLogin) bool { return l.id == a.InResponseTo })
	if i < 0 {
		// The answer to a login another browser started: login CSRF,
		// or a browser that lost its cookie.
		s.Logger.Warn("saml login refused: saml answer to a login this browser did not start",
			"username", a.Identity.Username, "remote_addr", r.RemoteAddr)
		s.FailFunc(w, r, http.StatusForbidden)
		return
	}
	if err := s.Once.UseOnce(ctx, "saml-continue:"+key, time.Unix(a.Expires, 0).Add(time.Minute)); err != nil {
		status := http.StatusInternalServerError
		if lectern.ErrorCode(err) == lectern.ECONFLICT {
			status = http.StatusForbidden
		}
		s.Logger.Warn("saml login refused: sealed answer used", "err", err, "username", a.Identity.Username, "remote_addr", r.RemoteAddr)
		s.FailFunc(w, r, status)
		return
	}
	next := logins[i].next
	if next == "" {
		next = "/"
	}
	s.setPendingLogins(w, slices.Delete(logins, i, i+1))
	s.Logger.Info("saml login", "username", a.Identity.Username, "remote_addr", r.RemoteAddr)
	s.LoginFunc(w, r, a.Identity, next)
}
