package main

import (
	"context"
	"errors"
	"log/slog"
	"net/http"

	"lectern"
	"lectern/cas"
	"lectern/web"
)

// addCAS turns on the CAS way of logging in when USE_CAS and
// CAS_SERVER_URL are set: the cas edge answers Pod's /sso-cas/login/
// (USE_CAS alone keeps the pages' answer, the local login form).
func addCAS(id *identity, cfg *Config, svc *services, logger *slog.Logger) error {
	if !cfg.UseCAS || cfg.CASServerURL == "" {
		return nil
	}
	if svc.once == nil {
		return errors.New("CAS login: the store has no record of used tickets")
	}
	c := cas.Config{
		ServerURL:              cfg.CASServerURL,
		Version:                string(cfg.CASVersion),
		Gateway:                cfg.CASGateway,
		ForceLowercaseUsername: cfg.CASForceLowercaseUsername,
		Mapping:                cfg.UserCASMappingAttributes,
		BaseURL:                cfg.BaseURL,
		Once:                   svc.once,
		Logger:                 logger.With("edge", "cas"),
	}
	// The pages' callbacks are filled at mount, once the pages exist;
	// New only checks they are there.
	var pages *web.Server
	c.LoginFunc = func(w http.ResponseWriter, r *http.Request, i lectern.Identity, next string) {
		pages.CompleteLogin(w, r, i, next)
	}
	c.FailFunc = func(w http.ResponseWriter, r *http.Request, status int) { pages.LoginFailed(w, r, status) }
	c.EndSessionsFunc = func(ctx context.Context, source, index string) error {
		return pages.EndSSOSessions(ctx, source, index)
	}
	h, err := cas.New(c)
	if err != nil {
		return err
	}
	id.nativeCAS = true
	id.methods = append(id.methods, web.LoginMethod{Name: "CAS", Path: cas.LoginPath})
	if cfg.CASLogoutCompletely {
		id.logouts[lectern.AuthCAS] = h.LogoutURL
	}
	id.mounts = append(id.mounts, func(p *web.Server) error {
		pages = p
		p.Handle("GET "+cas.LoginPath+"{$}", h)
		// The server's single logout request comes with no form token.
		p.Handle("POST "+cas.LoginPath+"{$}", h)
		p.ExemptCSRF(cas.LoginPath)
		// Pod's logout URL: a POST (the pages' logout form, with its
		// token) goes on to the pages' logout, which then ends the CAS
		// session with CAS_LOGOUT_COMPLETELY; a GET goes home, as
		// /accounts/logout/ does, so that a link on another site logs
		// nobody out.
		p.Handle("POST "+cas.LogoutPath+"{$}", http.RedirectHandler("/accounts/logout/", http.StatusTemporaryRedirect))
		p.Handle("GET "+cas.LogoutPath+"{$}", http.RedirectHandler("/", http.StatusSeeOther))
		return nil
	})
	return nil
}
