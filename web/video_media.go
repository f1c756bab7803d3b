package web

import (
	"errors"
	"io/fs"
	"mime"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"strings"

	"lectern"
	"lectern/httpjson"
)

// hlsDir holds the HLS playlists and the segments they name, whatever
// their names: every regular file in it is served.
const hlsDir = lectern.VideoHLSDir

// mediaTypes are the content types of the files a video's directory
// holds; the system's MIME table may lack them.
var mediaTypes = map[string]string{
	".mp4": "video/mp4", ".m4a": "audio/mp4", ".m4s": "video/iso.segment", ".m4v": "video/mp4",
	".m3u8": "application/vnd.apple.mpegurl", ".ts": "video/mp2t", ".jpg": "image/jpeg", ".jpeg": "image/jpeg",
	".png": "image/png", ".gif": "image/gif", ".webp": "image/webp", ".vtt": "text/vtt; charset=utf-8",
}

// handleVideoMedia serves a video's file, /media/videos/<id>/<path>, with
// range requests, to whoever may watch the video (the page's very check).
// Only the files the video names are served: its renditions, its
// thumbnail, any regular file under its hls/ directory (the segments the
// playlists name) and the images of its slides (Deps.Enrichments). Anything else answers 404: its source, a path with
// "..", a symbolic link (not even one inside the directory), a directory.
// Files are opened through an os.Root on MEDIA_ROOT/videos/<id>, so a link
// swapped in meanwhile cannot lead out of it.
//
// API clients, whose answers link here, send their token instead of a
// session (see mediaViewer); their refusals are the API's JSON errors.
func (s *Server) handleVideoMedia(w http.ResponseWriter, r *http.Request) {
	who, api, err := s.mediaViewer(r)
	if err != nil {
		httpjson.WriteError(w, r, err, s.logger, "media request failed")
		return
	}
	// fail answers a refusal: the API's JSON error to an API client, the
	// page of status (with its usual explanation) to a browser.
	fail := func(status int, err error) {
		if api {
			httpjson.WriteError(w, r, err, s.logger, "media request failed")
			return
		}
		s.renderError(w, r, status, "")
	}
	notFound := func() { fail(http.StatusNotFound, lectern.Errorf(lectern.ENOTFOUND, "Not found.")) }
	forbidden := func() {
		fail(http.StatusForbidden, lectern.Errorf(lectern.EFORBIDDEN, "You do not have permission to perform this action."))
	}
	id, ok := videoRefID(r.PathValue("ref"))
	if !ok {
		notFound()
		return
	}
	v, err := s.deps.Videos.FindVideoByID(r.Context(), id)
	switch {
	case err != nil && api:
		httpjson.WriteError(w, r, err, s.logger, "media request failed")
		return
	case err != nil:
		s.serviceError(w, r, err)
		return
	}
	if api {
		// An API client cannot give a password: a password-protected
		// video is its owners' and the superusers' only, as in the API.
		if v.CanView(who, false) != lectern.AccessAllowed {
			forbidden()
			return
		}
	} else if a := s.videoAccess(r, v); a != lectern.AccessAllowed {
		s.refuseVideo(w, r, a)
		return
	}
	rel := r.PathValue("path")
	ok = s.cfg.MediaRoot != "" && servable(v, rel)
	if !ok && s.cfg.MediaRoot != "" {
		if ok, err = s.isSlide(r.Context(), v, rel); err != nil && api {
			httpjson.WriteError(w, r, err, s.logger, "media request failed")
			return
		} else if err != nil {
			s.serverError(w, r, err)
			return
		}
	}
	if !ok {
		notFound()
		return
	}
	download := r.URL.Query().Has("download")
	if download && !mayDownload(who.User, v) {
		forbidden()
		return
	}
	root, err := os.OpenRoot(filepath.Join(s.cfg.MediaRoot, filepath.FromSlash(lectern.VideoDir(v.ID))))
	if errors.Is(err, fs.ErrNotExist) {
		notFound()
		return
	} else if err != nil {
		s.serverError(w, r, err)
		return
	}
	defer root.Close()
	// No component may be a link: os.Root would follow one that stays
	// inside, which could expose the source.
	parts := strings.Split(rel, "/")
	for i := range parts {
		fi, err := root.Lstat(filepath.Join(parts[:i+1]...))
		if err != nil || fi.Mode()&fs.ModeSymlink != 0 || (i < len(parts)-1 && !fi.IsDir()) {
			notFound()
			return
		}
	}
	f, err := root.Open(filepath.FromSlash(rel))
	if err != nil {
		notFound()
		return
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil || !fi.Mode().IsRegular() {
		notFound()
		return
	}
	h := w.Header()
	ext := strings.ToLower(path.Ext(rel))
	if ct, ok := mediaTypes[ext]; ok {
		h.Set("Content-Type", ct)
	}
	h.Set("Cache-Control", "private, no-cache")
	if download {
		h.Set("Content-Disposition", mime.FormatMediaType("attachment",
			map[string]string{"filename": videoSlug(v) + "-" + path.Base(rel)}))
	}
	http.ServeContent(w, r, fi.Name(), fi.ModTime(), f)
}

// mediaViewer is who asks for a media file: the token's user when the
// request carries "Authorization: Token <t>" or "Bearer <t>" (api is then
// true), else the session's visitor. A token that names no active user is
// EUNAUTHORIZED, never the session's visitor instead. Other schemes (a
// proxy's Basic) are left to the session.
func (s *Server) mediaViewer(r *http.Request) (who lectern.Viewer, api bool, err error) {
	scheme, _, _ := strings.Cut(strings.TrimSpace(r.Header.Get("Authorization")), " ")
	if !strings.EqualFold(scheme, "Token") && !strings.EqualFold(scheme, "Bearer") {
		return viewer(r), false, nil
	}
	if s.deps.Tokens == nil {
		return who, true, lectern.Errorf(lectern.EUNAUTHORIZED, "Invalid token.")
	}
	u, err := httpjson.Authenticate(r, s.deps.Tokens)
	if err != nil {
		return who, true, err
	}
	return lectern.Viewer{User: u, Groups: u.Groups}, true, nil
}

// servable reports whether rel (slash-separated, relative to the video's
// directory) is one of v's files: a clean local path (cleanRel) naming a
// rendition, the thumbnail, or something under hls/. The slides
// (isSlide) are the video's files too.
func servable(v *lectern.Video, rel string) bool {
	if !cleanRel(rel) {
		return false
	}
	if rel == v.Thumbnail || strings.HasPrefix(rel, hlsDir+"/") || (v.Thumbnail != "" && rel == lectern.PosterName(v.Thumbnail)) {
		return true
	}
	for _, rd := range v.Renditions {
		if rel == rd.Path && rd.Ready() {
			return true
		}
	}
	return false
}

// cleanRel reports whether rel is a clean, local, slash-separated path
// with no hidden, "." or ".." component.
func cleanRel(rel string) bool {
	if rel == "" || strings.Contains(rel, "\\") || strings.ContainsRune(rel, 0) || path.Clean(rel) != rel ||
		!filepath.IsLocal(filepath.FromSlash(rel)) {
		return false
	}
	for _, part := range strings.Split(rel, "/") {
		if part == ".." || part == "." || strings.HasPrefix(part, ".") {
			return false
		}
	}
	return true
}
