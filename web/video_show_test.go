package web

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"lectern"
)

// videoPeople are the visitors of the access tests.
type videoPeople struct {
	owner, coowner, super, other, member *lectern.User
	group                                *lectern.Group
}

func (b *testBundle) videoPeople() videoPeople {
	b.tb.Helper()
	g := b.group("Physics")
	return videoPeople{
		owner:   b.user("owner", false, false),
		coowner: b.user("coowner", false, false),
		super:   b.user("root", true, true),
		other:   b.user("other", true, false), // staff is not enough
		member:  b.member("member", g.ID),
		group:   g,
	}
}

// visitor is a client logged in as username; "" stays anonymous.
func (b *testBundle) visitor(username string) *client {
	b.tb.Helper()
	c := b.client()
	if username != "" {
		c.login(username)
	}
	return c
}

// wantVideoAnswer checks what one visitor gets from a video's page, its
// MP4, its HLS segment and its status JSON: "play" (the page with its
// player, the files), "login" (a redirect to the login page), "403", or
// "password" (the page's form, the files refused).
func wantVideoAnswer(t *testing.T, c *client, v *lectern.Video, answer string) {
	t.Helper()
	page := c.get(videoURL(v))
	files := []string{mediaURL(v, "360p.mp4"), mediaURL(v, "hls/360p0.m4s"), mediaURL(v, "thumbnail.jpg")}
	status := c.get("/video/" + id64(v.ID) + "/status.json")
	switch answer {
	case "play":
		want(t, page, http.StatusOK)
		wantBody(t, page, `<video controls`, `data-hls="`+mediaURL(v, "hls/master.m3u8")+`"`)
		for _, f := range files {
			want(t, c.get(f), http.StatusOK)
		}
		want(t, status, http.StatusOK)
	case "login":
		// The page says why, and links to the login (back to the video).
		want(t, page, http.StatusUnauthorized)
		wantBody(t, page, "You cannot watch this video", `href="/accounts/login/?next=%2Fvideo%2F`+id64(v.ID)+`%2F"`)
		if strings.Contains(page.body, v.Title) {
			t.Errorf("the refusal page shows the title")
		}
		for _, f := range files {
			if res := c.get(f); res.status != http.StatusFound || !strings.HasPrefix(res.location, "/accounts/login/") {
				t.Errorf("%s: status %d, location %q; want the login page", f, res.status, res.location)
			}
		}
		want(t, status, http.StatusForbidden)
	case "403":
		want(t, page, http.StatusForbidden)
		if strings.Contains(page.body, v.Title) {
			t.Errorf("the 403 page shows the title")
		}
		for _, f := range files {
			want(t, c.get(f), http.StatusForbidden)
		}
		want(t, status, http.StatusForbidden)
	case "password":
		want(t, page, http.StatusOK)
		wantBody(t, page, "Password required", `type="password"`, `name="csrf_token"`)
		if strings.Contains(page.body, "<video") || strings.Contains(page.body, "/media/videos/") {
			t.Errorf("the password form shows the player or a media URL")
		}
		for _, f := range files {
			want(t, c.get(f), http.StatusForbidden)
		}
		want(t, status, http.StatusForbidden)
	default:
		t.Fatalf("unknown answer %q", answer)
	}
}

func TestVideoAccess(t *testing.T) {
	t.Parallel()
	b := setup(t)
	pp := b.videoPeople()
	anyone := []string{"owner", "coowner", "root", "other", "member", ""}
	for _, tc := range []struct {
		name    string
		edit    func(*lectern.Video)
		answers []string // for anyone, in order
	}{
		{"public", func(*lectern.Video) {}, []string{"play", "play", "play", "play", "play", "play"}},
		{"draft", func(v *lectern.Video) { v.IsDraft = true }, []string{"play", "play", "play", "403", "403", "login"}},
		{"restricted", func(v *lectern.Video) { v.IsRestricted = true }, []string{"play", "play", "play", "play", "play", "login"}},
		{"groups", func(v *lectern.Video) { v.IsRestricted, v.Groups = true, []int64{pp.group.ID} },
			[]string{"play", "play", "play", "403", "play", "login"}},
		{"groups without restricted", func(v *lectern.Video) { v.Groups = []int64{pp.group.ID} },
			[]string{"play", "play", "play", "403", "play", "login"}},
		{"password", protect("open-sesame"), []string{"play", "play", "play", "password", "password", "password"}},
		{"draft with password", func(v *lectern.Video) { protect("x")(v); v.IsDraft = true },
			[]string{"play", "play", "play", "403", "403", "login"}},
	} {
		v := b.encoded(b.video(pp.owner, "Access "+tc.name, tc.edit, func(v *lectern.Video) {
			v.AdditionalOwners = []int64{pp.coowner.ID}
		}), false)
		for i, who := range anyone {
			t.Run(tc.name+"/"+who, func(t *testing.T) {
				wantVideoAnswer(t, b.visitor(who), v, tc.answers[i])
			})
		}
	}
	c := b.visitor("other")
	want(t, c.get("/video/999/"), http.StatusNotFound)
	want(t, c.get("/video/abc/"), http.StatusNotFound)
	want(t, c.get("/video/0/"), http.StatusNotFound)
	want(t, c.get("/video/007/"), http.StatusNotFound)
	want(t, c.get("/media/videos/999/360p.mp4"), http.StatusNotFound)
}

func TestVideoPassword(t *testing.T) {
	t.Parallel()
	b := setup(t)
	owner := b.user("owner", false, false)
	v := b.encoded(b.video(owner, "Secret lecture", protect("open-sesame")), false)
	page := videoURL(v)
	c := b.client() // anonymous: the unlock lives in the session

	res := c.get(page)
	want(t, res, http.StatusOK)
	wantBody(t, res, "Password required", "Secret lecture", `action="`+page+`"`)
	want(t, c.get(mediaURL(v, "360p.mp4")), http.StatusForbidden)
	want(t, c.get(mediaURL(v, "hls/master.m3u8")), http.StatusForbidden)

	// Without the form's token the post is refused like any form.
	want(t, c.postRaw(page, url.Values{"password": {"open-sesame"}}), http.StatusForbidden)
	res = c.post(page, url.Values{"password": {"wrong"}})
	want(t, res, http.StatusOK)
	wantBody(t, res, "The password is incorrect.", `aria-invalid="true"`)
	want(t, c.get(mediaURL(v, "360p.mp4")), http.StatusForbidden)

	// A wrong slug still reaches the form; the right password unlocks.
	res = c.post("/video/"+id64(v.ID)+"/", url.Values{"password": {"open-sesame"}})
	want(t, res, http.StatusSeeOther)
	if res.location != page {
		t.Errorf("unlock redirects to %q, want %q", res.location, page)
	}
	res = c.get(page)
	want(t, res, http.StatusOK)
	wantBody(t, res, "<video controls", "Secret lecture")
	want(t, c.get(mediaURL(v, "360p.mp4")), http.StatusOK)
	want(t, c.get(mediaURL(v, "hls/360p1.m4s")), http.StatusOK)
	want(t, c.get("/video/"+id64(v.ID)+"/status.json"), http.StatusOK)
	// Posting again once unlocked goes to the page.
	want(t, c.post(page, url.Values{"password": {"anything"}}), http.StatusSeeOther)

	// The owner sees the video is protected; the others do not need to.
	wantBody(t, b.visitor("owner").get(page), `<span class="badge badge-off">Password</span>`)
	if strings.Contains(res.body, "badge-off") {
		t.Error("a visitor sees the access badges")
	}

	// Another visitor, and another video with the same password, stay
	// locked.
	wantVideoAnswer(t, b.client(), v, "password")
	w := b.encoded(b.video(owner, "Other secret", protect("open-sesame")), false)
	wantVideoAnswer(t, c, w, "password")

	// A new password locks the video again.
	v2 := *v
	v2.PasswordHash = w.PasswordHash
	if unlockToken(v) == unlockToken(&v2) {
		t.Error("the unlock does not depend on the password")
	}
}

func TestVideoSlugRedirect(t *testing.T) {
	t.Parallel()
	b := setup(t)
	owner := b.user("owner", false, false)
	v := b.encoded(b.video(owner, "Éléments de thermodynamique"), false)
	draft := b.video(owner, "Hidden plans", func(v *lectern.Video) { v.IsDraft = true })
	if got := videoURL(v); got != "/video/"+id64(v.ID)+"-elements-de-thermodynamique/" {
		t.Fatalf("videoURL = %q", got)
	}
	c := b.client()
	for _, path := range []string{"/video/" + id64(v.ID) + "/", "/video/" + id64(v.ID) + "-old-title/", "/video/" + id64(v.ID) + "-/"} {
		res := c.get(path)
		want(t, res, http.StatusMovedPermanently)
		if res.location != videoURL(v) {
			t.Errorf("%s redirects to %q", path, res.location)
		}
	}
	res := c.get("/video/" + id64(v.ID) + "/?t=30")
	if res.location != videoURL(v)+"?t=30" {
		t.Errorf("the query is lost: %q", res.location)
	}
	want(t, c.get(videoURL(v)), http.StatusOK)
	// A draft's slug is not told to those who may not see it.
	res = c.get("/video/" + id64(draft.ID) + "/")
	want(t, res, http.StatusUnauthorized)
	if strings.Contains(res.body, "hidden-plans") || strings.Contains(res.body, "Hidden plans") {
		t.Errorf("the refusal tells the draft's slug or title: %s", res.body)
	}
}

func TestVideoStatusJSON(t *testing.T) {
	t.Parallel()
	b := setup(t)
	owner := b.user("owner", false, false)
	b.user("other", false, false)
	v := b.video(owner, "Encoding now", func(v *lectern.Video) { v.IsDraft = true })
	if err := b.videos.SetEncoding(context.Background(), v.ID, lectern.EncodingRunning, 42.7, ""); err != nil {
		t.Fatal(err)
	}
	c := b.visitor("owner")
	res := c.get(videoURL(v))
	want(t, res, http.StatusOK)
	status := "/video/" + id64(v.ID) + "/status.json"
	wantBody(t, res, "This video is being prepared", `data-status-url="`+status+`"`, "data-reload", ">Draft</span>",
		`<progress max="100" value="42"`, "42%", "Encoding", "progress.js")
	if strings.Contains(res.body, "<video") {
		t.Error("a video that is encoding shows a player")
	}

	res = c.get(status)
	want(t, res, http.StatusOK)
	if ct := res.header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type = %q", ct)
	}
	var st videoStatus
	if err := json.Unmarshal([]byte(res.body), &st); err != nil {
		t.Fatal(err)
	}
	if st.ID != v.ID || st.EncodingState != "running" || st.EncodingProgress != 42.7 || st.StateLabel != "Encoding" ||
		st.StateClass != "run" || st.ProgressLabel != "42%" {
		t.Errorf("status = %+v", st)
	}
	c.language = "fr"
	if err := json.Unmarshal([]byte(c.get(status).body), &st); err != nil {
		t.Fatal(err)
	}
	if st.StateLabel != "Encodage en cours" || st.ProgressLabel != "42\u202f%" {
		t.Errorf("French status = %+v", st)
	}

	want(t, b.visitor("other").get(status), http.StatusForbidden)
	want(t, b.client().get(status), http.StatusForbidden)
	want(t, c.get("/video/999/status.json"), http.StatusNotFound)
	want(t, c.get("/video/x/status.json"), http.StatusNotFound)

	// Once encoded, the state says so and the page plays.
	v = b.encoded(v, false)
	if err := json.Unmarshal([]byte(c.get(status).body), &st); err != nil {
		t.Fatal(err)
	}
	if st.EncodingState != "done" || st.EncodingProgress != 100 || st.Duration != 2 {
		t.Errorf("status after encoding = %+v", st)
	}
	wantBody(t, c.get(videoURL(v)), "<video controls")
}

func TestVideoEncodingError(t *testing.T) {
	t.Parallel()
	b := setup(t)
	owner := b.user("owner", false, false)
	b.user("root", true, true)
	b.user("other", false, false)
	v := b.video(owner, "Broken upload")
	msg := "ffmpeg: moov atom not found <script>x</script>"
	if err := b.videos.SetEncoding(context.Background(), v.ID, lectern.EncodingError, 0, msg); err != nil {
		t.Fatal(err)
	}
	for _, who := range []string{"owner", "root"} {
		res := b.visitor(who).get(videoURL(v))
		want(t, res, http.StatusOK)
		wantBody(t, res, "This video could not be encoded", `<pre class="log">ffmpeg: moov atom not found &lt;script&gt;x&lt;/script&gt;</pre>`,
			"Encoding failed")
	}
	res := b.visitor("other").get(videoURL(v))
	want(t, res, http.StatusOK)
	wantBody(t, res, "This video could not be encoded", "It cannot be watched for now.")
	if strings.Contains(res.body, "moov atom") {
		t.Error("the encoder's message is shown to someone who does not own the video")
	}
}

func TestVideoPlayer(t *testing.T) {
	t.Parallel()
	b := setup(t)
	owner := b.user("owner", false, false)
	b.user("other", false, false)
	typ := b.videoType("Conference")
	v := b.encoded(b.video(owner, "Player page", func(v *lectern.Video) {
		v.TypeID, v.Tags, v.Description = typ.ID, "physics heat", "Second lecture.\nBring notes."
		v.DateEvt = "2026-03-12"
	}), false)
	c := b.visitor("other")
	res := c.get(videoURL(v))
	want(t, res, http.StatusOK)
	wantBody(t, res, `<title>Player page · Lectern Test</title>`, `<h1 class="video-title">Player page</h1>`,
		`poster="`+mediaURL(v, "thumbnail.jpg")+`"`, `<source src="`+mediaURL(v, "360p.mp4")+`" type="video/mp4">`,
		`data-hls-script="/static/vendor/hls.min.js?v=`, `<option value="`+mediaURL(v, "360p.mp4")+`" selected>360p</option>`,
		`data-auto-label="Auto"`, "owner", "0:00:02", "Conference", `<li class="badge">physics</li>`, `<li class="badge">heat</li>`,
		"Second lecture.\nBring notes.", "player.js", "<dt>Recorded on</dt><dd>12 Mar 2026</dd>")
	fr := b.visitor("other")
	fr.language = "fr"
	if res := fr.get(videoURL(v)); !strings.Contains(res.body, "<dt>Enregistrée le</dt><dd>12 mars 2026</dd>") {
		t.Error("the lecture's day is not in French on the French page")
	}
	if strings.Contains(res.body, "?download=1") {
		t.Error("download links while downloading is not allowed")
	}
	// The owner may always download.
	res = b.visitor("owner").get(videoURL(v))
	wantBody(t, res, `href="`+mediaURL(v, "360p.mp4")+`?download=1" download>360p</a>`)

	// A sound plays in an <audio> element.
	a := b.encoded(b.video(owner, "Podcast", func(v *lectern.Video) { v.AllowDownloading = true }), true)
	res = c.get(videoURL(a))
	want(t, res, http.StatusOK)
	wantBody(t, res, `<audio controls preload="metadata" src="`+mediaURL(a, "audio.m4a")+`"></audio>`,
		`href="`+mediaURL(a, "audio.m4a")+`?download=1"`)
	if strings.Contains(res.body, "<video") || strings.Contains(res.body, "player.js") {
		t.Error("a sound gets the video player")
	}
	want(t, c.get(mediaURL(a, "audio.m4a")), http.StatusOK)

	// The vendored player is served.
	res = c.get(staticURL("vendor/hls.min.js"))
	want(t, res, http.StatusOK)
	if !strings.Contains(res.body, "hls.js") && len(res.body) < 100000 {
		t.Error("vendor/hls.min.js is not hls.js")
	}
	if csp := res.header.Get("Content-Security-Policy"); !strings.Contains(csp, "media-src 'self' blob:") {
		t.Errorf("the CSP does not let hls.js feed the player: %q", csp)
	}
}

func TestSplitTagsAndDuration(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"":                       "",
		"physics heat":           "physics|heat",
		"Thermo dynamics, heat,": "Thermo dynamics|heat",
		"a a b":                  "a|b",
	} {
		if got := strings.Join(splitTags(in), "|"); got != want {
			t.Errorf("splitTags(%q) = %q, want %q", in, got, want)
		}
	}
	for in, want := range map[float64]string{0: "", 2: "0:00:02", 125.4: "0:02:05", 3723: "1:02:03", 36000: "10:00:00"} {
		if got := hms(in); got != want {
			t.Errorf("hms(%v) = %q, want %q", in, got, want)
		}
	}
}
