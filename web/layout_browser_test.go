package web

import (
	"testing"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
)

// A superuser's navigation, every page of it on, holds on one line at
// 1280 px in French (the longer labels); on a phone the administration
// menu opens inside the screen, and closes on a click outside or Escape.
func TestNavBrowser(t *testing.T) {
	t.Parallel()
	path := chromium(t)
	b := setupJobs(t, func(c *Config) { c.AllowManualRecordingClaiming = true })
	b.user("a-rather-long-username", true, true)
	ctx := browser(t, path)
	b.browserLogin(ctx, "a-rather-long-username")
	run(t, ctx, network.SetCookie("lang", "fr").WithURL(b.http.URL+"/"))

	const items = `Array.from(document.querySelectorAll(".site-nav > a, .nav-menu > summary"))`
	var lines, links int
	run(t, ctx, chromedp.EmulateViewport(1280, 800), chromedp.Navigate(b.http.URL+"/admin/jobs/"),
		chromedp.Evaluate(`new Set(`+items+`.map(function (e) { return Math.round(e.getBoundingClientRect().top); })).size`, &lines),
		chromedp.Evaluate(items+`.length + document.querySelectorAll(".nav-menu-list a").length`, &links))
	if links != 11 {
		t.Errorf("%d navigation entries, want 11 (claim list, jobs and outbox on)", links)
	}
	if lines != 1 {
		t.Errorf("the navigation takes %d lines at 1280 px", lines)
	}
	var current bool
	run(t, ctx, chromedp.Evaluate(`document.querySelector(".nav-menu > summary").classList.contains("current")`, &current))
	if !current {
		t.Error("on a page of the menu, the menu is not marked current")
	}

	const menu = `document.querySelector(".nav-menu")`
	var inside, open bool
	run(t, ctx, chromedp.EmulateViewport(390, 800), chromedp.Navigate(b.http.URL+"/"),
		chromedp.Click(".menu-toggle > summary", chromedp.ByQuery),
		chromedp.Click(".nav-menu > summary", chromedp.ByQuery), waitFor(menu+`.open`),
		chromedp.Evaluate(`Array.from(document.querySelectorAll(".nav-menu-list a")).every(function (a) {
			var r = a.getBoundingClientRect();
			return r.width > 0 && r.left >= 0 && r.right <= 390;
		}) && document.documentElement.scrollWidth <= 390`, &inside))
	if !inside {
		t.Error("the open menu does not fit a 390 px screen")
	}
	run(t, ctx, chromedp.Click(".site-footer", chromedp.ByQuery), chromedp.Evaluate(menu+`.open`, &open))
	if open {
		t.Error("a click outside does not close the menu")
	}
	run(t, ctx, chromedp.Click(".menu-toggle > summary", chromedp.ByQuery),
		chromedp.Click(".nav-menu > summary", chromedp.ByQuery), waitFor(menu+`.open`),
		chromedp.KeyEvent("\x1b"), chromedp.Evaluate(menu+`.open`, &open))
	if open {
		t.Error("Escape does not close the menu")
	}
}
