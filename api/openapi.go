package api

import (
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"net/http"
	"slices"
	"strings"
)

// OpenAPI is the OpenAPI 3.1 description of every /api/v1 route,
// hand-written in openapi.json and served at GET /api/v1/openapi.json.
// The package's tests check every request and answer they make against
// it, and that it names exactly the routes New registers, so it cannot
// drift from the code.
//
//go:embed openapi.json
var OpenAPI []byte

// openAPIETag is the description's strong validator: it changes only
// with the binary.
var openAPIETag = func() string {
	sum := sha256.Sum256(OpenAPI)
	return `"` + hex.EncodeToString(sum[:16]) + `"`
}()

// handleOpenAPI serves GET /api/v1/openapi.json to anyone (it describes
// the routes, never data): cacheable for an hour by anyone, revalidated
// with its ETag (If-None-Match: 304, no body).
func (h *Handler) handleOpenAPI(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("ETag", openAPIETag)
	w.Header().Set("Cache-Control", "public, max-age=3600")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	if etagMatch(r.Header.Get("If-None-Match"), openAPIETag) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	if r.Method == http.MethodHead {
		return
	}
	_, _ = w.Write(OpenAPI)
}

// etagMatch reports whether an If-None-Match header names etag (or is
// "*"), comparing weakly as RFC 9110 says for If-None-Match.
func etagMatch(header, etag string) bool {
	for _, t := range strings.Split(header, ",") {
		t = strings.TrimPrefix(strings.TrimSpace(t), "W/")
		if t == "*" || t == etag {
			return true
		}
	}
	return false
}

// Routes returns the patterns New registered ("GET /api/v1/videos/{id}"),
// sorted: what the description must name, no more, no less.
func (h *Handler) Routes() []string {
	return slices.Sorted(slices.Values(h.routes))
}
