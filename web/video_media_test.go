package web

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"lectern"
)

func TestVideoMediaFiles(t *testing.T) {
	t.Parallel()
	b := setup(t)
	owner := b.user("owner", false, false)
	b.user("other", false, false)
	v := b.encoded(b.video(owner, "Media files"), false)
	c := b.visitor("other")
	clip := encodedClip(t)

	// A range gets 206 and those bytes only.
	req, _ := http.NewRequest(http.MethodGet, b.http.URL+mediaURL(v, "360p.mp4"), nil)
	req.Header.Set("Range", "bytes=100-199")
	res := c.do(req)
	want(t, res, http.StatusPartialContent)
	full, err := os.ReadFile(filepath.Join(clip, "360p.mp4"))
	if err != nil {
		t.Fatal(err)
	}
	if res.body != string(full[100:200]) || res.header.Get("Content-Range") != "bytes 100-199/"+id64(int64(len(full))) {
		t.Errorf("range: %d bytes, Content-Range %q", len(res.body), res.header.Get("Content-Range"))
	}
	if res.header.Get("Accept-Ranges") != "bytes" || res.header.Get("Content-Type") != "video/mp4" {
		t.Errorf("headers %v", res.header)
	}
	if cc := res.header.Get("Cache-Control"); !strings.Contains(cc, "private") {
		t.Errorf("Cache-Control = %q: a protected file could be cached by a proxy", cc)
	}

	for path, ctype := range map[string]string{
		"360p.mp4":        "video/mp4",
		"thumbnail.jpg":   "image/jpeg",
		"hls/master.m3u8": "application/vnd.apple.mpegurl",
		"hls/360p.m3u8":   "application/vnd.apple.mpegurl",
		"hls/init.mp4":    "video/mp4",
		"hls/360p0.m4s":   "video/iso.segment",
	} {
		res := c.get(mediaURL(v, path))
		want(t, res, http.StatusOK)
		if res.header.Get("Content-Type") != ctype {
			t.Errorf("%s: Content-Type %q, want %q", path, res.header.Get("Content-Type"), ctype)
		}
		if res.header.Get("Content-Disposition") != "" {
			t.Errorf("%s is served as an attachment", path)
		}
	}

	// Downloads: only when allowed, named after the video.
	want(t, c.get(mediaURL(v, "360p.mp4")+"?download=1"), http.StatusForbidden)
	res = b.visitor("owner").get(mediaURL(v, "360p.mp4") + "?download=1")
	want(t, res, http.StatusOK)
	if cd := res.header.Get("Content-Disposition"); cd != `attachment; filename=media-files-360p.mp4` {
		t.Errorf("Content-Disposition = %q", cd)
	}

	// What the video does not name is not served: its source, other
	// files, directories, links (out of the directory or not) and any
	// path that climbs.
	dir := filepath.Join(b.mediaRoot, "videos", id64(v.ID))
	if err := os.WriteFile(filepath.Join(b.mediaRoot, "videos", "secret.txt"), []byte(sourceContent), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("/etc/passwd", filepath.Join(dir, "hls", "passwd.m4s")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("../source.mp4", filepath.Join(dir, "hls", "source.m4s")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(dir, filepath.Join(dir, "hls", "loop")); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(dir, "hls", "sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{
		"/media/videos/" + id64(v.ID) + "/source.mp4",
		"/media/videos/" + id64(v.ID) + "/hls/passwd.m4s",
		"/media/videos/" + id64(v.ID) + "/hls/source.m4s",
		"/media/videos/" + id64(v.ID) + "/hls/loop/source.mp4",
		"/media/videos/" + id64(v.ID) + "/hls/sub",
		"/media/videos/" + id64(v.ID) + "/hls/",
		"/media/videos/" + id64(v.ID) + "/hls",
		"/media/videos/" + id64(v.ID) + "/nothing.mp4",
		"/media/videos/" + id64(v.ID) + "/hls/..%2Fsource.mp4",
		"/media/videos/" + id64(v.ID) + "/%2E%2E/secret.txt",
		"/media/videos/" + id64(v.ID) + "/hls%2F..%2F..%2Fsecret.txt",
		"/media/videos/" + id64(v.ID) + "/%2Fetc%2Fpasswd",
		"/media/videos/" + id64(v.ID) + "//etc/passwd",
		"/media/videos/" + id64(v.ID) + "/../secret.txt",
		"/media/videos/" + id64(v.ID) + "/hls/..\\source.mp4",
		"/media/videos/" + id64(v.ID) + "/hls%5C..%5Csource.mp4",
	} {
		req, err := http.NewRequest(http.MethodGet, b.http.URL+path, nil)
		if err != nil {
			t.Fatal(err)
		}
		res := c.do(req)
		for (res.status == http.StatusMovedPermanently || res.status == http.StatusTemporaryRedirect) &&
			strings.HasPrefix(res.location, "/media/") {
			res = c.get(res.location) // the mux cleans the path first
		}
		if res.status != http.StatusNotFound {
			t.Errorf("%s: status %d, want 404", path, res.status)
		}
		if strings.Contains(res.body, sourceContent) || strings.Contains(res.body, "root:") {
			t.Errorf("%s leaked a file", path)
		}
	}
}

func TestServable(t *testing.T) {
	t.Parallel()
	v := &lectern.Video{Thumbnail: "thumbnail.jpg", Renditions: []lectern.Rendition{
		{Kind: lectern.RenditionMP4, Path: "360p.mp4"}, {Kind: lectern.RenditionHLS, Path: "hls/master.m3u8"},
	}}
	for path, ok := range map[string]bool{
		"360p.mp4": true, "thumbnail.jpg": true, "hls/master.m3u8": true, "hls/360p12.m4s": true, "hls/a/b.m4s": true,
		"": false, "source.mp4": false, "720p.mp4": false, "/360p.mp4": false, "./360p.mp4": false, "hls/../source.mp4": false,
		"../360p.mp4": false, "hls//x.m4s": false, "hls/.hidden": false, "hls/": false, "hls": false, "hls\\..\\source.mp4": false,
		"hls/x\x00.m4s": false, "/etc/passwd": false, "hls/./x.m4s": false,
	} {
		if got := servable(v, path); got != ok {
			t.Errorf("servable(%q) = %v, want %v", path, got, ok)
		}
	}
	// A video without thumbnail does not serve "".
	if servable(&lectern.Video{}, "") {
		t.Error(`servable("") = true`)
	}
}

// An API client fetches the files its answers link to with its token,
// under the API's access rules: no session, no password.
func TestVideoMediaToken(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	owner := b.user("owner", false, false)
	other := b.user("other", true, false)
	public := b.encoded(b.video(owner, "Public"), false)
	draft := b.encoded(b.video(owner, "Draft", func(v *lectern.Video) { v.IsDraft = true }), false)
	protected := b.encoded(b.video(owner, "Protected", protect("open-sesame")), false)
	ownerTok, err := b.tokens.CreateToken(ctx, owner.ID)
	if err != nil {
		t.Fatal(err)
	}
	otherTok, err := b.tokens.CreateToken(ctx, other.ID)
	if err != nil {
		t.Fatal(err)
	}
	full, err := os.ReadFile(filepath.Join(encodedClip(t), "360p.mp4"))
	if err != nil {
		t.Fatal(err)
	}
	// api is an API client: no cookie jar.
	api := &client{tb: t, b: b, hc: &http.Client{
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
	fetch := func(v *lectern.Video, path, auth, rng string) response {
		t.Helper()
		path, query, _ := strings.Cut(path, "?")
		req, err := http.NewRequest(http.MethodGet, b.http.URL+mediaURL(v, path)+"?"+query, nil)
		if err != nil {
			t.Fatal(err)
		}
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		if rng != "" {
			req.Header.Set("Range", rng)
		}
		return api.do(req)
	}

	res := fetch(draft, "360p.mp4", "Token "+ownerTok, "bytes=100-199")
	want(t, res, http.StatusPartialContent)
	if res.body != string(full[100:200]) || res.header.Get("Content-Type") != "video/mp4" {
		t.Errorf("range with a token: %d bytes, %v", len(res.body), res.header)
	}
	if strings.Contains(res.header.Get("Set-Cookie"), "lectern_session") {
		t.Errorf("a token request got a session: %q", res.header.Get("Set-Cookie"))
	}
	want(t, fetch(public, "hls/360p0.m4s", "Bearer "+otherTok, ""), http.StatusOK)
	want(t, fetch(protected, "thumbnail.jpg", "bearer "+ownerTok, ""), http.StatusOK)
	want(t, fetch(draft, "360p.mp4?download=1", "Token "+ownerTok, ""), http.StatusOK)

	// A bad token is refused, never taken for an anonymous visitor.
	for _, auth := range []string{"Token nope", "Bearer ", "Token a b"} {
		res := fetch(public, "360p.mp4", auth, "")
		want(t, res, http.StatusUnauthorized)
		if res.header.Get("WWW-Authenticate") != "Token" || !strings.Contains(res.body, `"detail"`) {
			t.Errorf("%q: %v %s", auth, res.header, res.body)
		}
	}
	// Those the video is not for: 403, a password-protected video
	// included (the API takes no password).
	for _, v := range []*lectern.Video{draft, protected} {
		res := fetch(v, "360p.mp4", "Token "+otherTok, "")
		want(t, res, http.StatusForbidden)
		if !strings.Contains(res.body, "You do not have permission to perform this action.") {
			t.Errorf("%s: %s", v.Title, res.body)
		}
	}
	want(t, fetch(public, "360p.mp4?download=1", "Token "+otherTok, ""), http.StatusForbidden)
	want(t, fetch(public, "source.mp4", "Token "+ownerTok, ""), http.StatusNotFound)
	// Another scheme (a proxy's Basic) is left to the session.
	want(t, fetch(public, "360p.mp4", "Basic dXNlcjpwYXNz", ""), http.StatusOK)
	want(t, fetch(draft, "360p.mp4", "Basic dXNlcjpwYXNz", ""), http.StatusFound)
}
