package web

import (
	"context"
	"net/url"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"lectern/browsertest"
)

// Browser tests drive a headless Chromium (chromedp) against the test
// server: what only a browser shows, script and layout.

// chromium finds the browser (see browsertest.Path).
func chromium(tb testing.TB) string { return browsertest.Path(tb) }

// browser starts a headless Chromium with a fresh profile, stopped when
// the test ends.
func browser(tb testing.TB, path string) context.Context {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	opts := browsertest.Options(tb, path, 1280, 800)
	actx, acancel := chromedp.NewExecAllocator(ctx, opts...)
	bctx, bcancel := chromedp.NewContext(actx)
	tb.Cleanup(func() {
		bcancel()
		acancel()
		cancel()
	})
	return bctx
}

// browserLogin gives the browser the session of a client that logged in
// as username.
func (b *testBundle) browserLogin(ctx context.Context, username string) {
	b.tb.Helper()
	u, err := url.Parse(b.http.URL)
	if err != nil {
		b.tb.Fatal(err)
	}
	for _, c := range b.visitor(username).hc.Jar.Cookies(u) {
		run(b.tb, ctx, network.SetCookie(c.Name, c.Value).WithURL(b.http.URL+"/"))
	}
}

// run runs browser actions, failing the test on the first error.
func run(tb testing.TB, ctx context.Context, actions ...chromedp.Action) {
	tb.Helper()
	if err := chromedp.Run(ctx, actions...); err != nil {
		tb.Fatal(err)
	}
}

// waitFor polls a JavaScript predicate until it holds.
func waitFor(expr string) chromedp.Action {
	return chromedp.Poll(expr, nil, chromedp.WithPollingInterval(50*time.Millisecond), chromedp.WithPollingTimeout(15*time.Second))
}
