package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"lectern/browsertest"
)

// The browser journeys drive headless Chromium through a real `lectern
// serve`. Chromium comes from scripts/deps; without it the journeys are
// skipped, except under CI where they fail.

// chromiumPath finds the browser (see browsertest.Path).
func chromiumPath(tb testing.TB) string { return browsertest.Path(tb) }

// startServeOn runs serve like startServe, but on ports chosen beforehand:
// BASE_URL is then the real address (the mail's links work as they are)
// and the recorder page shows the FTP port recorders really reach.
func startServeOn(tb testing.TB, c *cli) *server {
	tb.Helper()
	httpAddr, ftpAddr := freeAddr(tb), freeAddr(tb)
	return startServeEnv(tb, c, "LECTERN_HTTP_ADDR="+httpAddr, "LECTERN_FTP_ADDR="+ftpAddr, "LECTERN_BASE_URL=http://"+httpAddr)
}

// fastEncode are the settings that keep the journeys' encodes short.
var fastEncode = []string{"LECTERN_ENCODE_PRESET=ultrafast", "LECTERN_ENCODE_LADDER=360p:640x360:1000k:96k",
	"LECTERN_RECORDER_QUIESCENCE=300ms"}

// journey is one browser tab on a running server, writing its screenshots
// to its artefact folder.
type journey struct {
	t    *testing.T
	name string
	srv  *server
	ctx  context.Context
	dir  string
	fail int
}

// artifactDir is $LECTERN_ARTIFACTS/<name>, else
// <repo>/artifacts/browser/<name>, emptied.
func artifactDir(tb testing.TB, name string) string {
	tb.Helper()
	root := os.Getenv("LECTERN_ARTIFACTS")
	if root == "" {
		repo, err := filepath.Abs(filepath.Join("..", ".."))
		if err != nil {
			tb.Fatal(err)
		}
		root = filepath.Join(repo, "artifacts", "browser")
	}
	dir := filepath.Join(root, name)
	if err := os.RemoveAll(dir); err != nil {
		tb.Fatal(err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		tb.Fatal(err)
	}
	return dir
}

// newJourney starts a fresh headless Chromium (its own profile) for the
// journey name on srv, English, 1280 px wide. It ends with the test.
func newJourney(t *testing.T, name string, srv *server) *journey {
	t.Helper()
	path := chromiumPath(t)
	opts := append(browsertest.Options(t, path, 1280, 900),
		chromedp.Flag("autoplay-policy", "no-user-gesture-required"),
		chromedp.Flag("mute-audio", true))
	actx, acancel := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx, chromedp.WithLogf(t.Logf), chromedp.WithErrorf(func(format string, args ...any) {
		if !strings.HasPrefix(format, "unhandled") { // events of a Chromium newer than cdproto
			t.Logf("chromedp: "+format, args...)
		}
	}))
	t.Cleanup(func() { cancel(); acancel() })
	j := &journey{t: t, name: name, srv: srv, ctx: ctx, dir: artifactDir(t, name)}
	// The first Run starts Chromium and ties it to its context: the
	// journey's, not a step's that ends with the step.
	if err := chromedp.Run(ctx); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	j.run("viewport", 30*time.Second, chromedp.EmulateViewport(1280, 900))
	j.setLang("en")
	return j
}

// run runs actions within timeout; on failure it saves a screenshot,
// logs the page's text and the server's log, and ends the test.
func (j *journey) run(what string, timeout time.Duration, actions ...chromedp.Action) {
	j.t.Helper()
	ctx, cancel := context.WithTimeout(j.ctx, timeout)
	defer cancel()
	if err := chromedp.Run(ctx, actions...); err != nil {
		j.fatal(what, err)
	}
}

// fatal saves what the browser shows and ends the test.
func (j *journey) fatal(what string, err error) {
	j.t.Helper()
	j.fail++
	ctx, cancel := context.WithTimeout(j.ctx, 10*time.Second)
	defer cancel()
	var png []byte
	var text, loc string
	_ = chromedp.Run(ctx, chromedp.Location(&loc), chromedp.Evaluate(`document.body ? document.body.innerText : ""`, &text),
		chromedp.FullScreenshot(&png, 100))
	shot := filepath.Join(j.dir, fmt.Sprintf("failure-%d.png", j.fail))
	if len(png) > 0 {
		_ = os.WriteFile(shot, png, 0o644)
	}
	j.t.Fatalf("%s: %s: %v\nat %s (screenshot %s)\npage text:\n%s\nserver log:\n%s", j.name, what, err, loc, shot, text, j.srv.log)
}

// waitJS evaluates the JavaScript expression every 100 ms until it is
// true, through page loads (an evaluation failing while a page goes is
// tried again).
func waitJS(expr string) chromedp.Action {
	return chromedp.ActionFunc(func(ctx context.Context) error {
		for {
			var ok bool
			err := chromedp.Evaluate("!!("+expr+")", &ok).Do(ctx)
			if err == nil && ok {
				return nil
			}
			select {
			case <-ctx.Done():
				return fmt.Errorf("waiting for %s: %w (last evaluation: %v)", expr, ctx.Err(), err)
			case <-time.After(100 * time.Millisecond):
			}
		}
	})
}

// eval evaluates a JavaScript expression into out.
func (j *journey) eval(expr string, out any) {
	j.t.Helper()
	j.run("evaluate "+expr, 10*time.Second, chromedp.Evaluate(expr, out))
}

// open loads path on the server and waits until the page is there.
func (j *journey) open(path string) {
	j.t.Helper()
	j.run("open "+path, 20*time.Second, chromedp.Navigate(j.srv.url+path), chromedp.WaitReady("body", chromedp.ByQuery))
}

// path is the page's path and query.
func (j *journey) path() string {
	j.t.Helper()
	var p string
	j.eval(`location.pathname + location.search`, &p)
	return p
}

// text is the page's visible text.
func (j *journey) text() string {
	j.t.Helper()
	var s string
	j.eval(`document.body.innerText`, &s)
	return s
}

// wantText fails unless the page shows each of want.
func (j *journey) wantText(want ...string) {
	j.t.Helper()
	text := j.text()
	for _, w := range want {
		if !strings.Contains(text, w) {
			j.fatal("page text", fmt.Errorf("no %q on the page", w))
		}
	}
}

// setLang sets the language cookie the switch sets.
func (j *journey) setLang(lang string) {
	j.t.Helper()
	j.run("language "+lang, 10*time.Second, network.SetCookie("lang", lang).WithURL(j.srv.url+"/").WithHTTPOnly(true))
}

// login fills the login form the browser is on and submits it; with
// single sign-on on, it unfolds the local form first.
func (j *journey) login(username, password string) {
	j.t.Helper()
	j.run("log in as "+username, 20*time.Second,
		chromedp.WaitReady("#id_username", chromedp.ByQuery),
		waitJS(`(function () { var d = document.querySelector("details.local-login"); if (d) { d.open = true; } return true; })()`),
		chromedp.WaitVisible("#id_username", chromedp.ByQuery),
		chromedp.SetValue("#id_username", username, chromedp.ByQuery),
		chromedp.SetValue("#id_password", password, chromedp.ByQuery),
		chromedp.Click(`form[action="/accounts/login/"] button[type=submit]`, chromedp.ByQuery),
		waitJS(`!location.pathname.startsWith("/accounts/login/") && document.readyState === "complete"`))
}

// logout logs out with the layout's button.
func (j *journey) logout() {
	j.t.Helper()
	j.submit("log out", `form[action="/accounts/logout/"] button[type=submit]`)
}

// submit clicks the submit button matching sel and waits for the next
// page to be loaded.
func (j *journey) submit(what, sel string) {
	j.t.Helper()
	var before string
	j.eval(`(window.__page = Math.random()).toString()`, &before)
	j.run(what, 30*time.Second, chromedp.Click(sel, chromedp.ByQuery),
		waitJS(`window.__page === undefined && document.readyState === "complete"`))
}

// shot saves full-page screenshots of the current page in English and
// French at 1280 px, and at 390 px (a phone) too when phone is set, as
// <name>-<lang>-<width>.png; the page is reloaded in each language, and
// left in English at 1280 px. ready is a JavaScript condition to wait for
// after each reload ("" for none).
func (j *journey) shot(name string, phone bool, ready string) {
	j.t.Helper()
	widths := []int64{1280}
	if phone {
		widths = append(widths, 390)
	}
	for _, lang := range []string{"en", "fr"} {
		j.setLang(lang)
		for _, w := range widths {
			var png []byte
			actions := []chromedp.Action{chromedp.EmulateViewport(w, 900), chromedp.Reload(),
				waitJS(`document.readyState === "complete" && document.documentElement.lang === "` + lang + `"`)}
			if ready != "" {
				actions = append(actions, waitJS(ready))
			}
			actions = append(actions, waitJS(`Array.from(document.images).every(function (i) { return i.complete; })`),
				chromedp.Sleep(150*time.Millisecond), chromedp.FullScreenshot(&png, 100))
			j.run(fmt.Sprintf("screenshot %s %s %d", name, lang, w), 30*time.Second, actions...)
			file := filepath.Join(j.dir, fmt.Sprintf("%s-%s-%d.png", name, lang, w))
			if err := os.WriteFile(file, png, 0o644); err != nil {
				j.t.Fatal(err)
			}
		}
	}
	j.setLang("en")
	j.run("back to English", 20*time.Second, chromedp.EmulateViewport(1280, 900), chromedp.Reload(),
		waitJS(`document.readyState === "complete" && document.documentElement.lang === "en"`))
}

// snap saves a full-page screenshot of the page as it is, as <name>.png.
func (j *journey) snap(name string) {
	j.t.Helper()
	var png []byte
	j.run("screenshot "+name, 20*time.Second, chromedp.FullScreenshot(&png, 100))
	if err := os.WriteFile(filepath.Join(j.dir, name+".png"), png, 0o644); err != nil {
		j.t.Fatal(err)
	}
}

// play starts the page's video (sel) and fails unless its currentTime
// moves past one second. With hls.js the player attaches the stream on
// the first play, which ends that play() with an AbortError ("interrupted
// by a new load request") and plays again itself: that refusal is part of
// starting, and the time moving is what counts.
func (j *journey) play(sel string) {
	j.t.Helper()
	v := fmt.Sprintf(`document.querySelector(%q)`, sel)
	j.run("play "+sel, 30*time.Second,
		waitJS(v+` !== null`),
		chromedp.Evaluate(v+`.muted = true; `+v+`.play().then(function () { window.__played = true; }, function (e) { window.__played = String(e); }); 0`, nil),
		waitJS(`window.__played !== undefined`))
	var played any
	j.eval(`window.__played`, &played)
	if aborted, _ := played.(string); played != true && !strings.HasPrefix(aborted, "AbortError") {
		j.fatal("play "+sel, fmt.Errorf("play() refused: %v", played))
	}
	j.run("watch "+sel+" play", 30*time.Second, waitJS(v+`.currentTime > 1`))
	var err string
	j.eval(`(`+v+`.error && `+v+`.error.message) || ""`, &err)
	if err != "" {
		j.fatal("play "+sel, fmt.Errorf("media error: %s", err))
	}
	j.eval(`delete window.__played`, nil)
	j.eval(v+`.pause(); 0`, nil)
}

// clip makes a seconds-long 640×360 H.264 + AAC clip (testsrc2 and a
// sine), with its index first, as a recorder would send.
func clipFile(tb testing.TB, seconds int) string {
	tb.Helper()
	path := filepath.Join(tb.TempDir(), "clip.mp4")
	out, err := exec.Command("ffmpeg", "-v", "error", "-nostdin",
		"-f", "lavfi", "-i", fmt.Sprintf("testsrc2=size=640x360:rate=25:duration=%d", seconds),
		"-f", "lavfi", "-i", fmt.Sprintf("sine=frequency=440:sample_rate=48000:duration=%d", seconds),
		"-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "aac", "-movflags", "+faststart",
		"-shortest", "-y", path).CombinedOutput()
	if err != nil {
		tb.Fatalf("make clip: %v\n%s", err, out)
	}
	return path
}

// ftpPut uploads the file at src as name with a real FTP client.
func ftpPut(tb testing.TB, addr, login, password, dir, src, name string) {
	tb.Helper()
	conn := ftpLogin(tb, addr, login, password)
	defer conn.Quit()
	if dir != "" && dir != "/" {
		if err := conn.ChangeDir(dir); err != nil {
			tb.Fatal(err)
		}
	}
	f, err := os.Open(src)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	if err := conn.Stor(name, f); err != nil {
		tb.Fatal(err)
	}
	if _, err := conn.CurrentDir(); err != nil { // the next command confirms the upload
		tb.Fatal(err)
	}
}
