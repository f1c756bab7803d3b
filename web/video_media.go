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
)

// hlsDir holds the HLS playlists and the segments they name, whatever
// their names: every regular file in it is served.
const hlsDir = "hls"

// mediaTypes are the content types of the files a video's directory
// holds; the system's MIME table may lack them.
var mediaTypes = map[string]string{
	".mp4": "video/mp4", ".m4a": "audio/mp4", ".m4s": "video/iso.segment", ".m4v": "video/mp4",
	".m3u8": "application/vnd.apple.mpegurl", ".ts": "video/mp2t", ".jpg": "image/jpeg", ".jpeg": "image/jpeg",
	".png": "image/png", ".webp": "image/webp", ".vtt": "text/vtt; charset=utf-8",
}

// handleVideoMedia serves a video's file, /media/videos/<id>/<path>, with
// range requests, to whoever may watch the video (the page's very check).
// Only the files the video names are served: its renditions, its
// thumbnail, and any regular file under its hls/ directory (the segments
// the playlists name). Anything else answers 404: its source, a path with
// "..", a symbolic link (not even one inside the directory), a directory.
// Files are opened through an os.Root on MEDIA_ROOT/videos/<id>, so a link
// swapped in meanwhile cannot lead out of it.
func (s *Server) handleVideoMedia(w http.ResponseWriter, r *http.Request) {
	notFound := func() { s.renderError(w, r, http.StatusNotFound, "") }
	v, ok := s.pathVideo(w, r)
	if !ok {
		return
	}
	if a := s.videoAccess(r, v); a != lectern.AccessAllowed {
		s.refuseVideo(w, r, a)
		return
	}
	rel := r.PathValue("path")
	if s.cfg.MediaRoot == "" || !servable(v, rel) {
		notFound()
		return
	}
	download := r.URL.Query().Has("download")
	if download && !mayDownload(currentUser(r), v) {
		s.renderError(w, r, http.StatusForbidden, "")
		return
	}
	root, err := os.OpenRoot(filepath.Join(s.cfg.MediaRoot, "videos", id64(v.ID)))
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

// servable reports whether rel (slash-separated, relative to the video's
// directory) is one of v's files: a clean local path naming a rendition,
// the thumbnail, or something under hls/.
func servable(v *lectern.Video, rel string) bool {
	if rel == "" || strings.Contains(rel, "\\") || strings.ContainsRune(rel, 0) || path.Clean(rel) != rel ||
		!filepath.IsLocal(filepath.FromSlash(rel)) {
		return false
	}
	for _, part := range strings.Split(rel, "/") {
		if part == ".." || part == "." || strings.HasPrefix(part, ".") {
			return false
		}
	}
	if rel == v.Thumbnail || strings.HasPrefix(rel, hlsDir+"/") {
		return true
	}
	for _, rd := range v.Renditions {
		if rel == rd.Path {
			return true
		}
	}
	return false
}
