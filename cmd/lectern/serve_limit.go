package main

import (
	"net/http"
	"strings"

	"lectern/httplimit"
	"lectern/opencast"
)

// requestLimit chooses each HTTP request's body limit by its path, before
// the mux routes it: upload for the upload routes (POST
// /api/v1/recording-files, the tus root /api/v1/uploads with or without
// its slash and everything under it, and the Opencast ingest's track and
// archive uploads: opencast.UploadPath), read for every other request. One
// wrapper around the whole mux, rather than one per route, also bounds
// what the mux answers itself (redirects of unclean paths such as //x or
// /a/../b, a subtree's root without its slash), the health checks, and
// any route mounted later: a client that declares a body and never sends
// it is cut off everywhere.
func requestLimit(read, upload httplimit.Limit) func(*http.Request) httplimit.Limit {
	return func(r *http.Request) httplimit.Limit {
		p := r.URL.Path
		if p == "/api/v1/uploads" || strings.HasPrefix(p, "/api/v1/uploads/") ||
			(r.Method == http.MethodPost && p == "/api/v1/recording-files") ||
			(r.Method == http.MethodPost && opencast.UploadPath(p)) {
			return upload
		}
		return read
	}
}
