package web

import (
	"bytes"
	"context"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"lectern"
)

// multipartBody is a form with the given fields and one file part of size
// bytes.
func multipartBody(tb testing.TB, fields url.Values, size int) (body []byte, contentType string) {
	tb.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for k, vs := range fields {
		for _, v := range vs {
			_ = mw.WriteField(k, v)
		}
	}
	if size > 0 {
		fw, err := mw.CreateFormFile("file", "big.bin")
		if err != nil {
			tb.Fatal(err)
		}
		_, _ = fw.Write(bytes.Repeat([]byte{'x'}, size))
	}
	_ = mw.Close()
	return buf.Bytes(), mw.FormDataContentType()
}

func TestBodyLimit(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.user("root", true, true)
	routes := []struct {
		path  string
		limit int
	}{
		{"/accounts/login/", formSmall},
		{"/accounts/logout/", formSmall},
		{"/i18n/setlang/", formSmall},
		{"/video/1/", formSmall},
		{"/admin/types/add/", formDefault},
		{"/admin/recorders/add/", formLarge},
	}
	for _, rt := range routes {
		t.Run(strings.Trim(rt.path, "/"), func(t *testing.T) {
			t.Parallel()
			c := b.client()
			token := c.token("/accounts/login/")
			// Declared too large: refused before anything reads it.
			body, ct := multipartBody(t, url.Values{"csrf_token": {token}}, rt.limit+1)
			req, _ := http.NewRequest(http.MethodPost, b.http.URL+rt.path, bytes.NewReader(body))
			req.Header.Set("Content-Type", ct)
			req.Header.Set("Origin", b.http.URL)
			res := c.do(req)
			want(t, res, http.StatusRequestEntityTooLarge)
			wantBody(t, res, "Request too large")
			// Too large without a length (chunked): cut at the limit.
			req, _ = http.NewRequest(http.MethodPost, b.http.URL+rt.path, io.MultiReader(bytes.NewReader(body)))
			req.ContentLength = -1
			req.Header.Set("Content-Type", ct)
			req.Header.Set("Origin", b.http.URL)
			want(t, c.do(req), http.StatusRequestEntityTooLarge)
			// Within the limit but without a token: the CSRF check.
			body, ct = multipartBody(t, url.Values{"x": {"1"}}, rt.limit/2)
			req, _ = http.NewRequest(http.MethodPost, b.http.URL+rt.path, bytes.NewReader(body))
			req.Header.Set("Content-Type", ct)
			req.Header.Set("Origin", b.http.URL)
			want(t, c.do(req), http.StatusForbidden)
		})
	}
}

// TestBodyLimitExempt: paths without a CSRF check are bounded by name:
// Pod's notify URLs at maxNotifyBody, answered in Pod's words from the
// query string when the body is larger (whether declared or not); any
// other exempt path at the small form limit, before its handler reads.
func TestBodyLimitExempt(t *testing.T) {
	t.Parallel()
	b := setup(t, func(c *Config) { c.CSRFExemptPaths = []string{"/hook/"} })
	b.server.Handle("/hook/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, err := io.ReadAll(r.Body); err != nil {
			http.Error(w, err.Error(), http.StatusRequestEntityTooLarge)
		}
	}))
	c := b.client()
	post := func(path string, body []byte, chunked bool) response {
		t.Helper()
		var r io.Reader = bytes.NewReader(body)
		if chunked {
			r = io.MultiReader(r)
		}
		req, _ := http.NewRequest(http.MethodPost, b.http.URL+path, r)
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		return c.do(req)
	}
	for _, chunked := range []bool{false, true} {
		want(t, post("/hook/", bytes.Repeat([]byte{'x'}, formSmall/2), chunked), http.StatusOK)
		want(t, post("/hook/", bytes.Repeat([]byte{'x'}, formSmall+1), chunked), http.StatusRequestEntityTooLarge)
	}
	// A route given its own limit (a SAML consumer) takes more, up to it.
	b.server.ExemptCSRF("/big-hook/")
	b.server.LimitBody("/big-hook/", 4*formSmall)
	b.server.Handle("/big-hook/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, err := io.ReadAll(r.Body); err != nil {
			http.Error(w, err.Error(), http.StatusRequestEntityTooLarge)
		}
	}))
	for _, chunked := range []bool{false, true} {
		want(t, post("/big-hook/", bytes.Repeat([]byte{'x'}, 2*formSmall), chunked), http.StatusOK)
		want(t, post("/big-hook/", bytes.Repeat([]byte{'x'}, 4*formSmall+1), chunked), http.StatusRequestEntityTooLarge)
	}

	// From an unknown recorder: the answer shows the query was read.
	query := "?" + url.Values{"recordingPlace": {"10_9_9_9"}, "mediapath": {"a.mp4"}, "key": {"k"}}.Encode()
	big := []byte("course_title=" + strings.Repeat("a", maxNotifyBody))
	for _, path := range notifyPaths {
		for _, chunked := range []bool{false, true} {
			res := post(path+query, big, chunked)
			want(t, res, http.StatusOK)
			if res.body != lectern.NotifyNoRecorder {
				t.Errorf("POST %s over %d bytes (chunked %t) = %q, want %q", path, maxNotifyBody, chunked, res.body, lectern.NotifyNoRecorder)
			}
		}
		within := []byte(url.Values{"recordingPlace": {"10_9_9_9"}, "mediapath": {"a.mp4"}, "key": {"k"},
			"course_title": {strings.Repeat("a", maxNotifyBody/2)}}.Encode())
		if res := post(path, within, false); res.body != lectern.NotifyNoRecorder {
			t.Errorf("POST %s within %d bytes = %q, want %q", path, maxNotifyBody, res.body, lectern.NotifyNoRecorder)
		}
	}
	if got := b.server.bodyLimit(httptest.NewRequest(http.MethodPost, "/record/recorder_notify/", nil)); got.Max != maxNotifyBody {
		t.Errorf("the notify URL's limit: %+v, want Max %d", got, maxNotifyBody)
	}
}

// TestCSRFMultipartLogin: a multipart form (a browser's enctype) with the
// right token logs in; its parts are parsed once, on the handler's request.
func TestCSRFMultipartLogin(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.user("root", true, true)
	c := b.client()
	body, ct := multipartBody(t, url.Values{"csrf_token": {c.token("/accounts/login/")}, "username": {"root"},
		"password": {"secret-root"}}, 0)
	req, _ := http.NewRequest(http.MethodPost, b.http.URL+"/accounts/login/", bytes.NewReader(body))
	req.Header.Set("Content-Type", ct)
	req.Header.Set("Origin", b.http.URL)
	want(t, c.do(req), http.StatusSeeOther)
}

// TestCSRFPlainHTTPWithoutReferer: over http://, a form with the right
// token and no Referer passes (Django asks for a Referer only over
// https), with its own Origin or none; another origin does not.
func TestCSRFPlainHTTPWithoutReferer(t *testing.T) {
	t.Parallel()
	b := setup(t, func(c *Config) { c.BaseURL = "http://lectern.example/" })
	b.user("root", true, true)
	for _, tc := range []struct {
		name, origin, fetchSite string
		status                  int
	}{
		{"same origin", "", "", http.StatusSeeOther}, // filled below
		{"no origin", "-", "", http.StatusSeeOther},
		{"base URL origin", "http://lectern.example", "", http.StatusSeeOther},
		{"same-origin fetch", "-", "same-origin", http.StatusSeeOther},
		{"other origin", "http://evil.example", "", http.StatusForbidden},
		{"cross-site fetch", "-", "cross-site", http.StatusForbidden},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c := b.client()
			form := url.Values{"csrf_token": {c.token("/accounts/login/")}, "username": {"root"}, "password": {"secret-root"}}
			req, _ := http.NewRequest(http.MethodPost, b.http.URL+"/accounts/login/", strings.NewReader(form.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			switch tc.origin {
			case "":
				req.Header.Set("Origin", b.http.URL)
			case "-":
			default:
				req.Header.Set("Origin", tc.origin)
			}
			if tc.fetchSite != "" {
				req.Header.Set("Sec-Fetch-Site", tc.fetchSite)
			}
			if req.Header.Get("Referer") != "" {
				t.Fatal("the request has a Referer")
			}
			want(t, c.do(req), tc.status)
		})
	}
}

func TestCSRFToken(t *testing.T) {
	t.Parallel()
	secret := bytes.Repeat([]byte{7}, csrfSecretLen)
	other := bytes.Repeat([]byte{8}, csrfSecretLen)
	req, _ := http.NewRequest(http.MethodGet, "/", nil)
	if csrfToken(req) != "" {
		t.Error("a token outside the CSRF layer")
	}
	ctxReq := req.WithContext(context.WithValue(t.Context(), csrfKey, secret))
	a, b := csrfToken(ctxReq), csrfToken(ctxReq)
	if a == b {
		t.Error("two pages got the same masked token")
	}
	if !csrfTokenMatches(a, secret) || !csrfTokenMatches(b, secret) {
		t.Error("a masked token does not match its secret")
	}
	if csrfTokenMatches(a, other) || csrfTokenMatches("", secret) || csrfTokenMatches("AAAA"+a[4:], secret) ||
		csrfTokenMatches(a[:len(a)-4], secret) {
		t.Error("a wrong token matches")
	}
}
