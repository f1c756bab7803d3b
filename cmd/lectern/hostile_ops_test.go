package main

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"lectern"
	"lectern/password"
	"lectern/sqldb"
)

// browserFrom is a browser whose connections come from ip (any 127.x.y.z
// on Linux's loopback), so that the server sees another client address.
func browserFrom(tb testing.TB, base, ip string) *browser {
	b := newBrowser(tb, base)
	d := &net.Dialer{Timeout: 5 * time.Second, LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}}
	jar, _ := cookiejar.New(nil)
	b.hc = &http.Client{Jar: jar, Timeout: 20 * time.Second, Transport: &http.Transport{DialContext: d.DialContext},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	return b
}

// guesses posts 60 wrong passwords in a row to the form at path and
// returns how many were checked (answered 200 with the form's error),
// failing on any other answer than a clear 429.
func guesses(t *testing.T, b *browser, path string, form url.Values, wrong string) int {
	t.Helper()
	checked := 0
	for i := range 60 {
		_, page := b.do(http.MethodGet, b.base+path, nil)
		f := url.Values{"csrf_token": {csrfToken(t, page)}}
		for k, v := range form {
			f[k] = v
		}
		resp, body := b.do(http.MethodPost, b.base+path, f)
		switch resp.StatusCode {
		case http.StatusOK:
			if !strings.Contains(body, wrong) {
				t.Fatalf("guess %d: 200 without %q", i+1, wrong)
			}
			checked++
		case http.StatusTooManyRequests:
			if resp.Header.Get("Retry-After") == "" || !strings.Contains(body, "Too many failed attempts. Try again in") {
				t.Errorf("guess %d: 429 without Retry-After or its message", i+1)
			}
		default:
			t.Fatalf("guess %d: %d", i+1, resp.StatusCode)
		}
		if i == 5 && checked != 5 {
			t.Errorf("6 guesses, %d checked: want the 6th refused", checked)
		}
	}
	return checked
}

// TestHostileOps is issue 11's sweep rows for password guessing and
// guessable notify keys, against a real running server.
func TestHostileOps(t *testing.T) {
	t.Parallel()
	c := newCLI(t, "LECTERN_LANGUAGE_CODE=en", "LECTERN_RECORDER_WATCH=false")
	s := startServe(t, c)
	typeID := c.addType(t, "Course")
	c.addUser(t, "alice")
	c.addUser(t, "bob")
	c.mustRun(t, "", "recorder", "add", "--name", "Amphi N", "--ip", "10.0.0.9", "--directory", "amphi-n",
		"--type-id", fmt.Sprint(typeID))

	// A password-protected video to guess at.
	db := c.open(t)
	ctx := context.Background()
	owner, err := sqldb.NewUserService(db).FindUserByUsername(ctx, "alice")
	if err != nil {
		t.Fatal(err)
	}
	hash, err := password.Hash("open-sesame")
	if err != nil {
		t.Fatal(err)
	}
	v := &lectern.Video{Title: "Secret", Slug: "secret", OwnerID: owner.ID, TypeID: typeID, PasswordHash: hash}
	if err := sqldb.NewVideoService(db, nil).CreateVideo(ctx, v); err != nil {
		t.Fatal(err)
	}
	videoPath := fmt.Sprintf("/video/%d-secret/", v.ID)

	t.Run("60 wrong logins for one account from one address", func(t *testing.T) {
		attacker := browserFrom(t, s.url, "127.0.0.2")
		n := guesses(t, attacker, "/accounts/login/", url.Values{"username": {"alice"}, "password": {"guess"}},
			"Please enter a correct username and password.")
		if n > 10 { // 5, then one per delay: 1 s, 2 s, 4 s, ...
			t.Errorf("%d of 60 wrong passwords were checked", n)
		}
		// The right passwords from elsewhere still work, for bob and alice.
		for _, user := range []string{"bob", "alice"} {
			b := browserFrom(t, s.url, "127.0.0.3")
			_, page := b.do(http.MethodGet, s.url+"/accounts/login/", nil)
			resp, _ := b.do(http.MethodPost, s.url+"/accounts/login/",
				url.Values{"username": {user}, "password": {"pw-" + user}, "csrf_token": {csrfToken(t, page)}})
			if resp.StatusCode != http.StatusSeeOther {
				t.Errorf("%s from another address: %d, want 303", user, resp.StatusCode)
			}
		}
	})

	t.Run("60 wrong passwords of one video from one address", func(t *testing.T) {
		attacker := browserFrom(t, s.url, "127.0.0.4")
		n := guesses(t, attacker, videoPath, url.Values{"password": {"guess"}}, "The password is incorrect.")
		if n > 10 {
			t.Errorf("%d of 60 wrong passwords were checked", n)
		}
		viewer := browserFrom(t, s.url, "127.0.0.5")
		_, page := viewer.do(http.MethodGet, s.url+videoPath, nil)
		resp, _ := viewer.do(http.MethodPost, s.url+videoPath, url.Values{"password": {"open-sesame"}, "csrf_token": {csrfToken(t, page)}})
		if resp.StatusCode != http.StatusSeeOther {
			t.Errorf("the right password from another address: %d, want 303", resp.StatusCode)
		}
	})

	// Each throttle is logged once, not once per refused attempt.
	if n := strings.Count(s.log.String(), "password guessing throttled"); n != 2 {
		t.Errorf("%d throttle warnings, want 2 (the login's and the video's)", n)
	}

	t.Run("notify key from the IP alone, for a recorder added without --salt", func(t *testing.T) {
		if err := os.WriteFile(filepath.Join(c.dataDir, "recorders", "amphi-n", "lecture.mp4"), make([]byte, 1000), 0o640); err != nil {
			t.Fatal(err)
		}
		q := url.Values{"recordingPlace": {"10_0_0_9"}, "mediapath": {"lecture.mp4"}, "key": {lectern.NotifyKey("10_0_0_9", "")}}
		status, body := s.get(t, "/mediacourses_notify/?"+q.Encode(), "")
		if status != http.StatusOK || body != lectern.NotifyBadKey {
			t.Errorf("notify with the unsalted key: %d %q, want %q", status, body, lectern.NotifyBadKey)
		}
	})
}
