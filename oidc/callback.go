package oidc

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	gooidc "github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"lectern"
)

// hintCookie keeps the last id_token for the provider's logout
// (id_token_hint), on the logout path only.
const (
	hintCookie     = "lectern_oidc_hint"
	hintCookiePath = "/accounts/logout/"
	hintMaxLen     = 3500 // a larger token would not fit in a cookie
)

// Callback takes the provider's answer to Authenticate: it checks the
// state against this browser's cookie, exchanges the code, verifies the
// id_token and its nonce, reads the userinfo endpoint, and hands the
// person to LoginFunc. Any failure logs nobody in.
func (h *Handler) Callback(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	q := r.URL.Query()
	state := q.Get("state")
	f, err := h.takeFlow(w, r, state)
	if err != nil {
		h.refuse(w, r, "check state", err)
		return
	}
	if err := h.cfg.Once.UseOnce(ctx, "oidc-state:"+state, f.Expires); lectern.ErrorCode(err) == lectern.ECONFLICT {
		h.refuse(w, r, "check state", errors.New("state already used"))
		return
	} else if err != nil {
		h.fail(w, r, "check state", err)
		return
	}
	if e := q.Get("error"); e != "" {
		h.refuse(w, r, "authorize", fmt.Errorf("provider answered %s: %s", e, q.Get("error_description")))
		return
	}
	code := q.Get("code")
	if code == "" {
		h.refuse(w, r, "authorize", errors.New("no code"))
		return
	}
	p, err := h.provider(ctx)
	if err != nil {
		h.fail(w, r, "callback", err)
		return
	}
	cctx, cancel := context.WithTimeout(h.clientContext(ctx), h.cfg.Timeout)
	defer cancel()
	tok, err := p.oauth.Exchange(cctx, code, oauth2.VerifierOption(f.Verifier))
	if err != nil {
		var re *oauth2.RetrieveError
		if errors.As(err, &re) {
			h.refuse(w, r, "exchange code", err)
		} else {
			h.fail(w, r, "exchange code", fmt.Errorf("%w: %w", errUnreachable, err))
		}
		return
	}
	raw, _ := tok.Extra("id_token").(string)
	if raw == "" {
		h.refuse(w, r, "exchange code", errors.New("no id_token in the token answer"))
		return
	}
	idt, err := p.verifier.Verify(cctx, raw)
	if err != nil {
		h.refuse(w, r, "verify id_token", err)
		return
	}
	if err := authorizedParty(idt, h.cfg.ClientID); err != nil {
		h.refuse(w, r, "verify id_token", err)
		return
	}
	if idt.Nonce != f.Nonce {
		h.refuse(w, r, "verify id_token", fmt.Errorf("nonce %q is not this login's", idt.Nonce))
		return
	}
	claims := map[string]any{}
	if err := idt.Claims(&claims); err != nil {
		h.refuse(w, r, "read id_token", err)
		return
	}
	if p.userInfo != "" {
		ui, err := p.p.UserInfo(cctx, oauth2.StaticTokenSource(tok))
		if err != nil {
			h.fail(w, r, "read userinfo", fmt.Errorf("%w: %w", errUnreachable, err))
			return
		}
		if ui.Subject != idt.Subject {
			h.refuse(w, r, "read userinfo", fmt.Errorf("userinfo is about %q, the id_token about %q", ui.Subject, idt.Subject))
			return
		}
		more := map[string]any{}
		if err := ui.Claims(&more); err != nil {
			h.refuse(w, r, "read userinfo", err)
			return
		}
		for k, v := range more {
			claims[k] = v
		}
	}
	id, err := h.identity(claims)
	if err != nil {
		h.refuse(w, r, "read claims", fmt.Errorf("subject %q: %w", idt.Subject, err))
		return
	}
	hint := &http.Cookie{
		Name: hintCookie, Value: raw, Path: hintCookiePath, MaxAge: int((24 * time.Hour).Seconds()),
		HttpOnly: true, Secure: h.secure, SameSite: http.SameSiteLaxMode,
	}
	if len(raw) > hintMaxLen {
		// Too long to keep: the hint an earlier login of this browser
		// left must not go with this person's logout.
		hint.Value, hint.MaxAge = "", -1
	}
	http.SetCookie(w, hint)
	h.cfg.Logger.Info("oidc login checked", "username", id.Username, "subject", idt.Subject)
	h.cfg.LoginFunc(w, r, id, f.Next)
}

// refuse answers a provider's answer that is not accepted: 403.
func (h *Handler) refuse(w http.ResponseWriter, r *http.Request, what string, err error) {
	h.cfg.Logger.Warn("oidc login refused", "step", what, "err", err, "remote_addr", r.RemoteAddr)
	h.cfg.FailFunc(w, r, http.StatusForbidden)
}

// fail answers a login that could not go on: 502 when the provider could
// not be reached, 500 otherwise.
func (h *Handler) fail(w http.ResponseWriter, r *http.Request, what string, err error) {
	status := http.StatusInternalServerError
	if errors.Is(err, errUnreachable) {
		status = http.StatusBadGateway
	}
	h.cfg.Logger.Error("oidc login failed", "step", what, "err", err, "status", status)
	h.cfg.FailFunc(w, r, status)
}

// authorizedParty checks the id_token's azp (OIDC Core 3.1.3.7): an
// id_token for several audiences must name Lectern as the party it was
// issued to, and one that names another party is not Lectern's, whatever
// its audiences (go-oidc checks only that aud holds the client id).
func authorizedParty(idt *gooidc.IDToken, clientID string) error {
	var c struct {
		AZP any `json:"azp"`
	}
	if err := idt.Claims(&c); err != nil {
		return fmt.Errorf("read azp: %w", err)
	}
	azp, isString := c.AZP.(string)
	switch {
	case c.AZP != nil && (!isString || azp != clientID):
		return fmt.Errorf("id_token issued to %v (azp), not to %q", c.AZP, clientID)
	case c.AZP == nil && len(idt.Audience) > 1:
		return fmt.Errorf("id_token for %v without azp", idt.Audience)
	}
	return nil
}
