package cas

import (
	"crypto/rand"
	"crypto/subtle"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"lectern"
)

// gatewayCookie marks a browser the gateway login was tried for and that
// came back without a ticket: its next visit to LoginPath shows the
// server's form instead of trying again (which would send it back at
// once, in a loop).
const gatewayCookie = "lectern_cas_gateway"

// stateCookie binds a login to the browser that started it: CAS has no
// state parameter, so the login puts a random one in the service URL
// and in this cookie, and a ticket is only checked when the browser
// that brings it holds the state its service URL carries. Without it, an
// attacker could log in at the CAS server, keep the ticket, and plant it
// in a victim's browser (a link, an image), logging the victim in as the
// attacker (login CSRF): their uploads and publications would go to the
// attacker's account.
const stateCookie = "lectern_cas_state"

// maxStates is how many logins a browser may have started at once (two
// mails' links in two tabs): the cookie keeps the newest states, dot
// separated.
const maxStates = 4

// stateMaxAge is how long a started login waits for its ticket: the CAS
// form, a second factor, a coffee.
const stateMaxAge = 30 * time.Minute

// login answers GET LoginPath: without a ticket, the browser goes to the
// server's login page; with one, the ticket is checked on the back
// channel and the person it names is logged in.
func (h *Handler) login(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	next := h.localNext(q.Get("next"))
	ticket := q.Get("ticket")
	gatewayed := q.Get("gatewayed") == "true"
	if ticket == "" {
		if gatewayed {
			// The server knew nobody: go on to next without a login;
			// the next login shows the server's form.
			h.setGatewayTried(w, r, true)
			if next == "" {
				next = "/"
			}
			http.Redirect(w, r, next, http.StatusFound)
			return
		}
		gateway := h.cfg.Gateway && !h.gatewayTried(r)
		if h.gatewayTried(r) {
			h.setGatewayTried(w, r, false)
		}
		h.redirectToServer(w, r, next, gateway)
		return
	}

	log := h.logger.With("remote_addr", r.RemoteAddr)
	state := q.Get("state")
	if state == "" {
		// A ticket for a login that did not start here (a link to the
		// CAS server's login from elsewhere, or a ticket planted in
		// this browser): not checked; the login starts again, bound to
		// this browser, and the server answers at once when its session
		// is this person's.
		log.Info("CAS ticket without a login started here: the login starts again")
		h.redirectToServer(w, r, next, false)
		return
	}
	states := h.states(r)
	i := slices.IndexFunc(states, func(s string) bool { return subtle.ConstantTimeCompare([]byte(s), []byte(state)) == 1 })
	switch {
	case len(states) == 0:
		// No login started in this browser: another's ticket, or a
		// browser that keeps no cookie (starting again would loop).
		log.Warn("CAS login refused: the ticket's login was started by another browser")
		h.cfg.FailFunc(w, r, http.StatusForbidden)
		return
	case i < 0:
		// The ticket is another's, or its login's state was pushed
		// out by newer ones: not checked; the login starts again, as
		// above.
		log.Info("CAS ticket of another login than this browser's: the login starts again")
		h.redirectToServer(w, r, next, false)
		return
	}
	h.setStates(w, slices.Delete(states, i, i+1))
	id, err := h.validate(r.Context(), ticket, h.serviceURL(next, gatewayed, state))
	if err != nil {
		status := http.StatusBadGateway
		var refused *refusedError
		if errors.As(err, &refused) {
			status = http.StatusForbidden
		}
		log.Warn("CAS login refused", "err", err, "status", status)
		h.cfg.FailFunc(w, r, status)
		return
	}
	// A ticket is good for one login, whatever the server says: a lax
	// server (or a replay between its check and its expiry) must not
	// log anyone in twice.
	if err := h.cfg.Once.UseOnce(r.Context(), "cas:"+ticket, timeNow().Add(TicketMemory)); err != nil {
		if lectern.ErrorCode(err) == lectern.ECONFLICT {
			log.Warn("CAS login refused: ticket already used", "username", id.Username)
			h.cfg.FailFunc(w, r, http.StatusForbidden)
			return
		}
		log.Error("CAS login: record the ticket", "err", err)
		h.cfg.FailFunc(w, r, http.StatusInternalServerError)
		return
	}
	h.cfg.LoginFunc(w, r, id, next)
}

// redirectToServer starts a login: a new state in this browser's cookie
// and in the service URL, and the browser on to the server's login.
func (h *Handler) redirectToServer(w http.ResponseWriter, r *http.Request, next string, gateway bool) {
	state := rand.Text()
	states := append(h.states(r), state)
	h.setStates(w, states[max(0, len(states)-maxStates):])
	u := h.endpoint("login")
	v := url.Values{"service": {h.serviceURL(next, gateway, state)}}
	if gateway {
		v.Set("gateway", "true")
	}
	u.RawQuery = v.Encode()
	http.Redirect(w, r, u.String(), http.StatusFound)
}

// serviceURL is the URL the server sends the browser back to, carrying
// next and the login's state, and the one a ticket is then checked
// against: the same string both times, built from the same parts.
func (h *Handler) serviceURL(next string, gatewayed bool, state string) string {
	v := url.Values{}
	if next != "" {
		v.Set("next", next)
	}
	if gatewayed {
		v.Set("gatewayed", "true")
	}
	if state != "" {
		v.Set("state", state)
	}
	s := h.base + LoginPath
	if len(v) > 0 {
		s += "?" + v.Encode()
	}
	return s
}

// localNext is next as a path on this site: an absolute URL on BaseURL
// (the mail's link carries one) is taken as its path; any other site,
// and anything that is not a plain path, is dropped.
func (h *Handler) localNext(next string) string {
	if strings.HasPrefix(next, h.base+"/") {
		next = strings.TrimPrefix(next, h.base)
	}
	if next == "" || next[0] != '/' || len(next) > 2000 || strings.HasPrefix(next, "//") || strings.ContainsRune(next, '\\') {
		return ""
	}
	for _, c := range next {
		if c < 0x20 || c == 0x7f {
			return ""
		}
	}
	if u, err := url.Parse(next); err != nil || u.Scheme != "" || u.Host != "" {
		return ""
	}
	return next
}

// states are the logins this browser started and has not finished,
// oldest first.
func (h *Handler) states(r *http.Request) []string {
	c, err := r.Cookie(stateCookie)
	if err != nil || c.Value == "" {
		return nil
	}
	return strings.Split(c.Value, ".")
}

// setStates keeps states in the browser's cookie; none forgets it.
func (h *Handler) setStates(w http.ResponseWriter, states []string) {
	c := &http.Cookie{Name: stateCookie, Value: strings.Join(states, "."), Path: LoginPath, HttpOnly: true,
		Secure: strings.HasPrefix(h.base, "https://"), SameSite: http.SameSiteLaxMode, MaxAge: int(stateMaxAge / time.Second)}
	if len(states) == 0 {
		c.MaxAge = -1
	}
	http.SetCookie(w, c)
}

func (h *Handler) gatewayTried(r *http.Request) bool {
	c, err := r.Cookie(gatewayCookie)
	return err == nil && c.Value == "1"
}

func (h *Handler) setGatewayTried(w http.ResponseWriter, r *http.Request, tried bool) {
	c := &http.Cookie{Name: gatewayCookie, Value: "1", Path: LoginPath, HttpOnly: true,
		Secure: strings.HasPrefix(h.base, "https://"), SameSite: http.SameSiteLaxMode, MaxAge: 600}
	if !tried {
		c.Value, c.MaxAge = "", -1
	}
	http.SetCookie(w, c)
}
