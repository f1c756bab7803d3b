package main

import (
	"fmt"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
)

// TestHostileDashboards is issue 14's sweep of the dashboard's bulk
// actions on the deposits waiting for someone (/record/waiting/publish/
// and /record/waiting/delete/): a staff member acts only on the deposits
// of the recorders they manage or help with, and is not told the name of
// another's; a request from another site, or without its token, is
// refused; a plain user and bad selections are refused. Every refusal
// leaves the files under DATA_DIR and the rows as they were.
func TestHostileDashboards(t *testing.T) {
	t.Parallel()
	site := newTwoRecorders(t)
	s, h, recIDs, bossToken := site.s, site.h, site.recIDs, site.bossToken
	if st, body := h.upload(bossToken, fmt.Sprint(recIDs["Amphi A"]), "mine.mp4", 3000); st != http.StatusCreated {
		t.Fatalf("upload into A: %d %s", st, body)
	}
	if st, body := h.upload(bossToken, fmt.Sprint(recIDs["Amphi B"]), "theirs-secret.mp4", 3000); st != http.StatusCreated {
		t.Fatalf("upload into B: %d %s", st, body)
	}
	waitTreatments(t, s, bossToken, "?state=notified", 2)
	depB := waitTreatments(t, s, bossToken, "?search=theirs-secret", 1)[0]
	if filepath.Base(depB.File) != "theirs-secret.mp4" {
		t.Fatalf("B's deposit: %+v", depB)
	}
	idB := fmt.Sprint(depB.ID)

	mgr, other, pleb := h.login("mgr"), h.login("other"), h.login("pleb")
	token := func(b *browser) string { return csrfToken(t, h.page(b, "/")) }
	// post sends form as b, with its token unless told otherwise, from
	// origin ("" for this site).
	post := func(b *browser, path string, form url.Values, origin string) (int, string) {
		t.Helper()
		req, _ := http.NewRequest(http.MethodPost, s.url+path, strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Origin", s.url)
		if origin != "" {
			req.Header.Set("Origin", origin)
			req.Header.Set("Sec-Fetch-Site", "cross-site")
		}
		client := *b.hc
		client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var sb strings.Builder
		buf := make([]byte, 32<<10)
		for {
			n, err := resp.Body.Read(buf)
			sb.Write(buf[:n])
			if err != nil {
				break
			}
		}
		return resp.StatusCode, sb.String()
	}
	with := func(b *browser, v url.Values) url.Values {
		v.Set("csrf_token", token(b))
		return v
	}
	many := make([]string, 201)
	for i := range many {
		many[i] = fmt.Sprint(i + 1)
	}

	rows := []struct {
		name   string
		send   func() (int, string)
		status []int // the refusal's status (303: back to the list, the selection refused)
	}{
		{"staff publishes another recorder's deposit", func() (int, string) {
			return post(mgr, "/record/waiting/publish/", with(mgr, url.Values{"id": {idB}}), "")
		}, []int{http.StatusOK}},
		{"staff asks to delete another recorder's deposit", func() (int, string) {
			return post(mgr, "/record/waiting/delete/", with(mgr, url.Values{"id": {idB}}), "")
		}, []int{http.StatusSeeOther}},
		{"staff deletes another recorder's deposit, confirmed", func() (int, string) {
			return post(mgr, "/record/waiting/delete/", with(mgr, url.Values{"id": {idB}, "confirm": {"1"}}), "")
		}, []int{http.StatusSeeOther}},
		{"publish without a CSRF token", func() (int, string) {
			return post(other, "/record/waiting/publish/", url.Values{"id": {idB}}, "")
		}, []int{http.StatusForbidden}},
		{"delete without a CSRF token", func() (int, string) {
			return post(other, "/record/waiting/delete/", url.Values{"id": {idB}, "confirm": {"1"}}, "")
		}, []int{http.StatusForbidden}},
		{"publish with another browser's token", func() (int, string) {
			return post(other, "/record/waiting/publish/", url.Values{"id": {idB}, "csrf_token": {token(mgr)}}, "")
		}, []int{http.StatusForbidden}},
		{"publish from another site", func() (int, string) {
			return post(other, "/record/waiting/publish/", with(other, url.Values{"id": {idB}}), "https://evil.example")
		}, []int{http.StatusForbidden}},
		{"delete from another site", func() (int, string) {
			return post(other, "/record/waiting/delete/", with(other, url.Values{"id": {idB}, "confirm": {"1"}}), "https://evil.example")
		}, []int{http.StatusForbidden}},
		{"a user who is not staff publishes", func() (int, string) {
			return post(pleb, "/record/waiting/publish/", with(pleb, url.Values{"id": {idB}}), "")
		}, []int{http.StatusForbidden}},
		{"a user who is not staff deletes", func() (int, string) {
			return post(pleb, "/record/waiting/delete/", with(pleb, url.Values{"id": {idB}, "confirm": {"1"}}), "")
		}, []int{http.StatusForbidden}},
		{"an id that is not a number", func() (int, string) {
			return post(other, "/record/waiting/publish/", with(other, url.Values{"id": {idB + " OR 1=1"}}), "")
		}, []int{http.StatusBadRequest}},
		{"201 ids at once", func() (int, string) {
			return post(other, "/record/waiting/delete/", with(other, url.Values{"id": many, "confirm": {"1"}}), "")
		}, []int{http.StatusBadRequest}},
	}
	for _, row := range rows {
		t.Run(row.name, func(t *testing.T) {
			before := h.snapshot()
			st, body := row.send()
			if st == http.StatusOK || st == http.StatusSeeOther {
				if st != row.status[0] {
					t.Errorf("%d, want %v", st, row.status)
				}
			} else {
				h.refused(t, row.name, st, body, row.status...)
			}
			if strings.Contains(body, "theirs-secret") {
				t.Errorf("the answer names another recorder's deposit:\n%.600s", body)
			}
			if st == http.StatusOK && !strings.Contains(body, "0 deposits published") {
				t.Errorf("the summary does not say that nothing was published:\n%.600s", body)
			}
			h.unchanged(t, before)
		})
	}
	// The manager's own deposit is still theirs to publish: the rows were
	// refused for what they tested, not for everything.
	before := h.snapshot()
	if st, body := post(other, "/record/waiting/publish/", with(other, url.Values{"id": {idB}}), ""); st != http.StatusOK ||
		!strings.Contains(body, "1 deposit published") {
		t.Fatalf("B's manager publishes B's deposit: %d\n%.800s", st, body)
	}
	if after := h.snapshot(); after.rows["recordings"] != before.rows["recordings"]+1 {
		t.Errorf("recordings %d -> %d", before.rows["recordings"], after.rows["recordings"])
	}
}
