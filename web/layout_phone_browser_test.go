package web

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// Every page has one width: the header's brand and a list page's heading
// stand where a detail page's do, at a desk's widths and a phone's.
func TestPageWidthBrowser(t *testing.T) {
	t.Parallel()
	path := chromium(t)
	b := setupJobs(t)
	b.user("admin", true, true)
	ctx := browser(t, path)
	b.browserLogin(ctx, "admin")
	const where = `[".brand", ".site-tools", "main h1"].map(function (s) {
		var r = document.querySelector(s).getBoundingClientRect(); return Math.round(r.left) + "," + Math.round(r.right); }).join(" ")`
	for _, width := range []int64{390, 1280, 1600} {
		var list, detail string
		run(t, ctx, chromedp.EmulateViewport(width, 800),
			chromedp.Navigate(b.http.URL+"/admin/jobs/"), chromedp.Evaluate(where, &list),
			chromedp.Navigate(b.http.URL+"/admin/groups/add/"), chromedp.Evaluate(where, &detail))
		// The heading's right edge follows its text: not compared.
		if first2(list) != first2(detail) {
			t.Errorf("at %d px the header moves: list page %s, detail page %s", width, list, detail)
		}
	}
}

// first2 is the brand's and the tools' places of a where answer.
func first2(s string) string {
	n := 0
	for i, r := range s {
		if r == ' ' {
			if n++; n == 2 {
				return s[:i]
			}
		}
	}
	return s
}

// On a phone the navigation folds behind a menu button that keeps the
// user's name and the logout: a <details> that opens by keyboard, or
// without script at all; Tab goes from it to the links; Escape closes it
// and gives the focus back, as a click outside closes it.
func TestPhoneMenuBrowser(t *testing.T) {
	t.Parallel()
	path := chromium(t)
	b := setup(t, func(c *Config) { c.AllowManualRecordingClaiming = true })
	u := b.user("jmartin", true, false)
	u.FirstName, u.LastName = "Jeanne", "Martin-Dupont"
	if err := b.users.UpdateUser(context.Background(), u); err != nil {
		t.Fatal(err)
	}
	for _, lang := range []string{"en", "fr"} {
		t.Run(lang, func(t *testing.T) {
			ctx := browser(t, path)
			b.browserLogin(ctx, "jmartin")
			run(t, ctx, network.SetCookie("lang", lang).WithURL(b.http.URL+"/"))
			const shown = `(function (s) { var e = document.querySelector(s); return !!e && e.getClientRects().length > 0; })`
			var nav, name, toggle, wide bool
			run(t, ctx, chromedp.EmulateViewport(390, 800), chromedp.Navigate(b.http.URL+"/recorders/"),
				chromedp.Evaluate(shown+`(".site-nav")`, &nav), chromedp.Evaluate(shown+`(".user-name")`, &name),
				chromedp.Evaluate(shown+`(".menu-toggle > summary")`, &toggle),
				chromedp.Evaluate(`document.documentElement.scrollWidth > 390`, &wide))
			if nav || name || !toggle || wide {
				t.Fatalf("closed on a phone: links shown %v, name shown %v, menu button shown %v, wider than the screen %v", nav, name, toggle, wide)
			}
			webShot(t, ctx, "phone-menu-closed-"+lang)

			// By keyboard: Enter opens, the name and every link show, Tab
			// goes to the first link.
			var text, focused string
			var open bool
			run(t, ctx, chromedp.Focus(".menu-toggle > summary", chromedp.ByQuery), chromedp.KeyEvent(kb.Enter),
				waitFor(`document.querySelector(".menu-toggle").open`),
				chromedp.Evaluate(shown+`(".site-nav") && `+shown+`(".site-account .user-name") && `+shown+`(".site-account button")`, &nav),
				chromedp.Evaluate(`document.querySelector(".site-account .user-name").textContent`, &text),
				chromedp.Evaluate(`Array.from(document.querySelectorAll(".site-nav a, .site-account button")).every(function (a) {
					var r = a.getBoundingClientRect(); return r.width > 0 && r.left >= 0 && r.right <= 390; }) && document.documentElement.scrollWidth <= 390`, &wide))
			if !nav || text != "Jeanne Martin-Dupont" || !wide {
				t.Fatalf("open: links and account shown %v, name %q, inside the screen %v", nav, text, wide)
			}
			webShot(t, ctx, "phone-menu-open-"+lang)
			run(t, ctx, chromedp.KeyEvent(kb.Tab), chromedp.Evaluate(`document.activeElement.getAttribute("href") + " " + document.activeElement.matches(":focus-visible")`, &focused))
			if focused != "/ true" {
				t.Errorf("Tab from the open menu goes to %q, want the dashboard's link, visibly focused", focused)
			}
			run(t, ctx, chromedp.KeyEvent(kb.Escape), chromedp.Evaluate(`document.querySelector(".menu-toggle").open`, &open),
				chromedp.Evaluate(`document.activeElement.matches(".menu-toggle > summary")`, &toggle))
			if open || !toggle {
				t.Errorf("Escape: menu open %v, focus back on its button %v", open, toggle)
			}
			run(t, ctx, chromedp.Click(".menu-toggle > summary", chromedp.ByQuery), waitFor(`document.querySelector(".menu-toggle").open`),
				chromedp.Click("main h1", chromedp.ByQuery), chromedp.Evaluate(`document.querySelector(".menu-toggle").open`, &open))
			if open {
				t.Error("a click outside does not close the menu")
			}
			// A click on a link inside leaves it open until the next page.
			run(t, ctx, chromedp.Click(".menu-toggle > summary", chromedp.ByQuery), waitFor(`document.querySelector(".menu-toggle").open`),
				chromedp.Click(".site-account .user-name", chromedp.ByQuery), chromedp.Evaluate(`document.querySelector(".menu-toggle").open`, &open))
			if !open {
				t.Error("a click on the user's name inside the menu closes it")
			}

			// Without script the button still opens it.
			run(t, ctx, emulation.SetScriptExecutionDisabled(true), chromedp.Navigate(b.http.URL+"/recorders/"),
				chromedp.Click(".menu-toggle > summary", chromedp.ByQuery), chromedp.Sleep(0),
				chromedp.Evaluate(shown+`(".site-nav a[href='/recorders/']")`, &nav),
				emulation.SetScriptExecutionDisabled(false))
			if !nav {
				t.Error("without script the menu button does not show the links")
			}

			// At a desk's width there is no menu button: the bar holds
			// the links and the name.
			run(t, ctx, chromedp.EmulateViewport(1280, 800), chromedp.Navigate(b.http.URL+"/recorders/"),
				chromedp.Evaluate(shown+`(".menu-toggle > summary")`, &toggle),
				chromedp.Evaluate(shown+`(".site-nav a[href='/recorders/']") && `+shown+`(".user-name")`, &nav))
			if toggle || !nav {
				t.Errorf("at 1280 px: menu button shown %v, links and name shown %v", toggle, nav)
			}
		})
	}
}

// webShot saves what the browser shows (the screen's height) as
// <repo>/artifacts/browser/web/<name>.png, to be looked at.
func webShot(tb testing.TB, ctx context.Context, name string) {
	tb.Helper()
	var png []byte
	run(tb, ctx, chromedp.CaptureScreenshot(&png))
	dir := filepath.Join("..", "artifacts", "browser", "web")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		tb.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644); err != nil {
		tb.Fatal(err)
	}
}

// focusRing is a script answering, for the element holding the focus, ""
// when its focus ring is visible: a solid outline of 2 px or more whose
// colour (blended over what is behind) stands 3:1 from that background
// (WCAG 2.2's focus appearance), else what is wrong.
const focusRing = `(function () {
	function rgb(s) { var m = s.match(/[\d.]+/g).map(Number); return {r: m[0], g: m[1], b: m[2], a: m.length > 3 ? m[3] : 1}; }
	function lum(c) { return [c.r, c.g, c.b].map(function (v) { v /= 255; return v <= .03928 ? v / 12.92 : Math.pow((v + .055) / 1.055, 2.4); })
		.reduce(function (s, v, i) { return s + v * [.2126, .7152, .0722][i]; }, 0); }
	var e = document.activeElement, st = getComputedStyle(e);
	var bg = null;
	for (var p = e.parentElement; p && !bg; p = p.parentElement) {
		var c = rgb(getComputedStyle(p).backgroundColor);
		if (c.a === 1) { bg = c; }
	}
	bg = bg || {r: 255, g: 255, b: 255};
	var o = rgb(st.outlineColor);
	var seen = {r: o.r * o.a + bg.r * (1 - o.a), g: o.g * o.a + bg.g * (1 - o.a), b: o.b * o.a + bg.b * (1 - o.a)};
	var l1 = lum(seen), l2 = lum(bg), ratio = (Math.max(l1, l2) + .05) / (Math.min(l1, l2) + .05);
	var what = (e.textContent || e.getAttribute("href") || e.tagName).trim().slice(0, 30);
	if (st.outlineStyle === "none" || parseFloat(st.outlineWidth) < 2) { return what + ": no outline"; }
	if (ratio < 3) { return what + ": outline contrast " + ratio.toFixed(2) + ":1"; }
	return "";
})()`

// Keyboard focus shows on the dark header as on the page: tabbing from
// the top, every control of the header, then the page's first ones, gets
// a ring that stands out from what is behind it, in both languages.
func TestFocusVisibleBrowser(t *testing.T) {
	t.Parallel()
	path := chromium(t)
	b := setupJobs(t, func(c *Config) { c.AllowManualRecordingClaiming = true })
	b.user("admin", true, true)
	for _, lang := range []string{"en", "fr"} {
		t.Run(lang, func(t *testing.T) {
			ctx := browser(t, path)
			b.browserLogin(ctx, "admin")
			run(t, ctx, network.SetCookie("lang", lang).WithURL(b.http.URL+"/"),
				chromedp.EmulateViewport(1280, 800), chromedp.Navigate(b.http.URL+"/admin/jobs/"))
			header, page := 0, 0
			for i := 0; i < 20 && page < 3; i++ {
				var wrong string
				var inHeader bool
				run(t, ctx, chromedp.KeyEvent(kb.Tab),
					chromedp.Evaluate(`!!document.activeElement.closest(".site-header")`, &inHeader),
					chromedp.Evaluate(focusRing, &wrong))
				if inHeader {
					header++
				} else if header > 0 {
					page++
				}
				if wrong != "" {
					t.Errorf("tab %d (header %v): %s", i+1, inHeader, wrong)
				}
				if header == 4 {
					webShot(t, ctx, "focus-header-"+lang)
				}
			}
			if header < 8 {
				t.Errorf("%d controls of the header took the focus, want the brand, 3 links, the menu, 2 languages and the logout", header)
			}
		})
	}
}
