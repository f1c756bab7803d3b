package web

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"net/http"
	"net/url"
	"strings"

	"lectern/httplimit"
)

// CSRF protection has two parts, and neither reads a body the route has
// not bounded (httplimit runs first, see bodyLimit):
//
//   - http.CrossOriginProtection refuses a POST a browser sends from
//     another origin (Sec-Fetch-Site, or Origin against Host and BASE_URL);
//     a request with neither header (a plain HTTP client, or a form over
//     http:// without Referer) passes on to the token.
//   - A form token: a random secret per browser, in the HttpOnly cookie
//     csrf_token (as Django's csrftoken), shown in every form's hidden
//     field csrf_token masked afresh on each page (so a compressed page
//     does not leak it), and compared in constant time.
//
// The form is parsed here, on the request the handler then gets, so a
// multipart form's files are removed when the handler is done.
const (
	csrfCookie    = "csrf_token"
	csrfField     = "csrf_token"
	csrfHeader    = "X-CSRF-Token"
	csrfSecretLen = 32
	csrfMaxAge    = 365 * 24 * 60 * 60 // a year, in seconds
)

type csrfKeyType struct{}

var csrfKey csrfKeyType

// errCSRF* are the reasons logged when a check fails.
var (
	errCSRFNoCookie = errors.New("no CSRF cookie")
	errCSRFNoToken  = errors.New("no CSRF token in the form")
	errCSRFBadToken = errors.New("CSRF token does not match")
)

// newOriginCheck returns the cross-origin check, trusting BASE_URL's
// origin besides the request's own host (a proxy may change Host).
func newOriginCheck(baseURL string) *http.CrossOriginProtection {
	c := http.NewCrossOriginProtection()
	if u, err := url.Parse(baseURL); err == nil && u.Scheme != "" && u.Host != "" {
		_ = c.AddTrustedOrigin(u.Scheme + "://" + u.Host) // a bad BASE_URL was refused by the config already
	}
	return c
}

// checkCSRF gives every request its browser's secret (making one and its
// cookie when missing), and lets through a POST (or any unsafe method)
// only from this site with the right token; exempt paths skip the check.
func (s *Server) checkCSRF(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		secret, isNew := csrfSecretOf(r)
		if isNew {
			http.SetCookie(w, &http.Cookie{Name: csrfCookie, Value: base64.RawURLEncoding.EncodeToString(secret),
				Path: "/", MaxAge: csrfMaxAge, HttpOnly: true, Secure: s.secure(), SameSite: http.SameSiteLaxMode})
		}
		r = r.WithContext(context.WithValue(r.Context(), csrfKey, secret))
		switch r.Method {
		case http.MethodGet, http.MethodHead, http.MethodOptions, http.MethodTrace:
			next.ServeHTTP(w, r)
			return
		}
		if s.isExempt(r) {
			next.ServeHTTP(w, r)
			return
		}
		if err := s.origin.Check(r); err != nil {
			s.csrfFailure(w, r, err)
			return
		}
		// Parsed here, bounded, the form is the handler's too: it never
		// parses a body of its own.
		if err := parseForm(r); err != nil {
			if httplimit.TooLarge(err) {
				s.handleTooLarge(w, r)
			} else {
				s.renderError(w, r, http.StatusBadRequest, "")
			}
			return
		}
		if r.MultipartForm != nil {
			defer r.MultipartForm.RemoveAll()
		}
		token := r.Header.Get(csrfHeader)
		if token == "" {
			token = r.PostFormValue(csrfField)
		}
		var reason error
		switch {
		case isNew:
			reason = errCSRFNoCookie
		case token == "":
			reason = errCSRFNoToken
		case !csrfTokenMatches(token, secret):
			reason = errCSRFBadToken
		default:
			next.ServeHTTP(w, r)
			return
		}
		// From this site (the origin check passed), with a token gone
		// stale: a main form is shown again (csrf_reshow.go).
		if !s.reshowForm(w, r, reason) {
			s.csrfFailure(w, r, reason)
		}
	})
}

// formMaxMemory is what a multipart form may keep in memory: more than
// any route's body limit, so its parts never reach the disk.
const formMaxMemory = formLarge + 1<<20

// parseForm parses the request's form, a multipart one in memory; the
// body was bounded by bodyLimit.
func parseForm(r *http.Request) error {
	if strings.HasPrefix(strings.ToLower(r.Header.Get("Content-Type")), "multipart/form-data") {
		err := r.ParseMultipartForm(formMaxMemory)
		if r.MultipartForm != nil && err != nil {
			_ = r.MultipartForm.RemoveAll()
		}
		return err
	}
	return r.ParseForm()
}

// csrfSecretOf reads the browser's secret from its cookie, or makes a new
// one (isNew) when there is none or it is malformed.
func csrfSecretOf(r *http.Request) (secret []byte, isNew bool) {
	if c, err := r.Cookie(csrfCookie); err == nil {
		if b, err := base64.RawURLEncoding.DecodeString(c.Value); err == nil && len(b) == csrfSecretLen {
			return b, false
		}
	}
	secret = make([]byte, csrfSecretLen)
	_, _ = rand.Read(secret) // never fails (crypto/rand)
	return secret, true
}

// csrfToken is the token to put in the forms of r's page: the secret
// masked with a fresh one-time pad, pad first; "" outside the CSRF layer.
func csrfToken(r *http.Request) string {
	secret, ok := r.Context().Value(csrfKey).([]byte)
	if !ok {
		return ""
	}
	b := make([]byte, 2*csrfSecretLen)
	_, _ = rand.Read(b[:csrfSecretLen])
	for i := range csrfSecretLen {
		b[csrfSecretLen+i] = b[i] ^ secret[i]
	}
	return base64.StdEncoding.EncodeToString(b)
}

// csrfTokenMatches unmasks token and compares it with secret in constant
// time.
func csrfTokenMatches(token string, secret []byte) bool {
	b, err := base64.StdEncoding.DecodeString(token)
	if err != nil || len(b) != 2*csrfSecretLen {
		return false
	}
	got := make([]byte, csrfSecretLen)
	for i := range csrfSecretLen {
		got[i] = b[i] ^ b[csrfSecretLen+i]
	}
	return subtle.ConstantTimeCompare(got, secret) == 1
}

// csrfFailure answers a POST that failed the CSRF check.
func (s *Server) csrfFailure(w http.ResponseWriter, r *http.Request, reason error) {
	s.logger.Warn("csrf check failed", "method", r.Method, "path", r.URL.Path, "reason", reason.Error())
	s.renderError(w, r, http.StatusForbidden, s.printer(r).T("error.csrf.message"))
}
