// Package api serves Lectern's JSON REST API under /api/v1/.
package api

import (
	"log/slog"
	"net/http"

	"lectern"
)

// Deps are the services the API uses.
type Deps struct {
	Users     lectern.UserService
	Groups    lectern.GroupService
	Types     lectern.VideoTypeService
	Recorders lectern.RecorderService // wrapped in lectern.RecorderDirectories
	Tokens    lectern.TokenService
	BaseURL   string // ends with "/"; used for next/previous links
	Logger    *slog.Logger
}

// Handler serves every /api/v1/ route (full paths, not stripped).
type Handler struct {
	deps Deps
}

// New returns the API handler.
func New(deps Deps) *Handler { return &Handler{deps: deps} }

// ServeHTTP implements http.Handler.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	http.NotFound(w, r)
}
