package main

import (
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"lectern"
	"lectern/sqldb"
)

// TestHostileReview14 is a hostile review of what issue 14 added, against
// a real serve: the rows that found something (a selection that names a
// deposit twice, not side by side) and the attempts that held (a
// recording's progress asked by someone else, the PATCH's read-only
// fields, a video deleted twice at once, a crafted next).
func TestHostileReview14(t *testing.T) {
	t.Parallel()
	site := newTwoRecorders(t)
	c, s, h, recIDs, bossToken, typeID := site.c, site.s, site.h, site.recIDs, site.bossToken, site.typeID
	mgrToken := strings.TrimSpace(c.mustRun(t, "", "token", "create", "--username", "mgr").stdout)
	db := c.open(t)
	for _, f := range []string{"one.mp4", "two.mp4"} {
		if st, body := h.upload(bossToken, fmt.Sprint(recIDs["Amphi A"]), f, 3000); st != http.StatusCreated {
			t.Fatalf("upload %s: %d %s", f, st, body)
		}
	}
	waitTreatments(t, s, bossToken, "?state=notified", 2)
	one := fmt.Sprint(waitTreatments(t, s, bossToken, "?search=one.mp4", 1)[0].ID)
	two := fmt.Sprint(waitTreatments(t, s, bossToken, "?search=two.mp4", 1)[0].ID)

	mgr, other, pleb := h.login("mgr"), h.login("other"), h.login("pleb")
	// post sends form as b with its token, from this site, and does not
	// follow a redirect.
	post := func(b *browser, path string, form url.Values) (int, string, http.Header) {
		t.Helper()
		form.Set("csrf_token", csrfToken(t, h.page(b, "/")))
		req, _ := http.NewRequest(http.MethodPost, s.url+path, strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Origin", s.url)
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
		return resp.StatusCode, sb.String(), resp.Header
	}

	// Findings: a selection naming a deposit twice, not side by side,
	// counts and acts on it once.
	t.Run("bulk delete's confirmation with an id repeated out of order", func(t *testing.T) {
		before := h.snapshot()
		st, body, _ := post(mgr, "/record/waiting/delete/", url.Values{"id": {one, two, one}})
		if st != http.StatusOK || !strings.Contains(body, "these 2 deposits") || strings.Count(body, `"delete-name">one.mp4<`) != 1 {
			t.Errorf("%d: the confirmation does not ask for 2 deposits, one.mp4 once:\n%.3000s", st, body)
		}
		h.unchanged(t, before)
	})
	t.Run("bulk publish with an id repeated out of order", func(t *testing.T) {
		st, body, _ := post(mgr, "/record/waiting/publish/", url.Values{"id": {one, two, one}})
		if st != http.StatusOK || !strings.Contains(body, "2 deposits published") || strings.Contains(body, "Not published") {
			t.Errorf("%d: the page says a deposit just published was refused:\n%.3000s", st, body)
		}
	})

	// What held.
	var recOne int64
	if err := h.db.QueryRow("SELECT id FROM recordings WHERE source_file LIKE '%one.mp4'").Scan(&recOne); err != nil {
		t.Fatalf("one.mp4's recording: %v", err)
	}
	status := fmt.Sprintf("%s/record/recordings/%d/status.json", s.url, recOne)
	for _, b := range []struct {
		name string
		b    *browser
	}{{"another recorder's manager", other}, {"a plain user", pleb}, {"nobody logged in", newBrowser(t, s.url)}} {
		t.Run("a recording's progress asked by "+b.name, func(t *testing.T) {
			resp, body := b.b.do(http.MethodGet, status, nil)
			if resp.StatusCode != http.StatusNotFound || strings.Contains(body, "video") {
				t.Errorf("%d %s", resp.StatusCode, body)
			}
		})
	}
	if resp, body := mgr.do(http.MethodGet, status, nil); resp.StatusCode != http.StatusOK {
		t.Errorf("the publisher's own progress: %d %s", resp.StatusCode, body)
	}
	t.Run("bulk action's next to another site", func(t *testing.T) {
		for _, next := range []string{"//evil.example/", "/\\evil.example/", "https://evil.example/", "/%0d%0aLocation:evil"} {
			st, _, hdr := post(mgr, "/record/waiting/publish/", url.Values{"next": {next}})
			if loc := hdr.Get("Location"); st != http.StatusSeeOther || (loc != "/" && loc != next) || strings.Contains(loc, "evil.example") {
				t.Errorf("next %q: %d to %q", next, st, loc)
			}
		}
	})
	t.Run("the login's purpose for a next on another site", func(t *testing.T) {
		for _, next := range []string{"https://evil.example/record/add_recording/?recorder=" + fmt.Sprint(recIDs["Amphi A"]),
			"//evil.example/mediacourses_add/?recorder=" + fmt.Sprint(recIDs["Amphi A"])} {
			_, page := newBrowser(t, s.url).do(http.MethodGet, s.url+"/accounts/login/?"+url.Values{"next": {next}}.Encode(), nil)
			// (The language switch's hidden next keeps the address, escaped:
			// the login reads it through safeNext again.)
			if strings.Contains(page, "Amphi A") || strings.Contains(page, `="https://evil`) || strings.Contains(page, `="//evil`) {
				t.Errorf("next %q: the login page names the recorder or links to the site:\n%s", next, page)
			}
		}
	})

	t.Run("a deposit published and deleted at once", func(t *testing.T) {
		if st, body := h.upload(bossToken, fmt.Sprint(recIDs["Amphi A"]), "three.mp4", 3000); st != http.StatusCreated {
			t.Fatalf("upload three.mp4: %d %s", st, body)
		}
		three := waitTreatments(t, s, bossToken, "?search=three.mp4", 1)[0]
		waitTreatments(t, s, bossToken, "?state=notified&search=three.mp4", 1)
		id := fmt.Sprint(three.ID)
		var wg sync.WaitGroup
		wg.Go(func() { post(mgr, "/record/waiting/publish/", url.Values{"id": {id}}) })
		wg.Go(func() { post(other, "/record/waiting/delete/", url.Values{"id": {id}, "confirm": {"1"}}) })
		wg.Go(func() { post(mgr, "/record/waiting/delete/", url.Values{"id": {id}, "confirm": {"1"}}) })
		wg.Wait()
		var recs, dels int
		if err := h.db.QueryRow("SELECT count(*) FROM recordings WHERE treatment_id = ?", three.ID).Scan(&recs); err != nil {
			t.Fatal(err)
		}
		if err := h.db.QueryRow("SELECT count(*) FROM treatment_deletions WHERE file LIKE '%three.mp4'").Scan(&dels); err != nil {
			t.Fatal(err)
		}
		if recs+dels != 1 {
			t.Errorf("%d recordings and %d deletions of one deposit, want one of them", recs, dels)
		}
		t.Logf("%d recordings, %d deletions", recs, dels)
	})
	t.Run("the add form shown again after a stale token, for another recorder's deposit", func(t *testing.T) {
		if st, body := h.upload(bossToken, fmt.Sprint(recIDs["Amphi B"]), "theirs-secret.mp4", 3000); st != http.StatusCreated {
			t.Fatalf("upload into B: %d %s", st, body)
		}
		dep := waitTreatments(t, s, bossToken, "?state=notified&search=theirs-secret", 1)[0]
		before := h.snapshot()
		for _, path := range []string{"/mediacourses_add/", "/record/add_recording/"} {
			target := s.url + path + "?" + url.Values{"mediapath": {dep.File}, "recorder": {fmt.Sprint(recIDs["Amphi B"])}}.Encode()
			req, _ := http.NewRequest(http.MethodPost, target, strings.NewReader(url.Values{"title": {"Stolen"}, "source_file": {dep.File},
				"csrf_token": {staleCSRFToken}}.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("Origin", s.url)
			resp, err := mgr.hc.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			raw, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			body := string(raw)
			h.refused(t, path, resp.StatusCode, body, http.StatusForbidden)
			if strings.Contains(body, `value="Stolen"`) || strings.Contains(body, "3.0 kB") || !strings.Contains(body, "Access denied") {
				t.Errorf("%s: another's deposit shown again:\n%.3000s", path, body)
			}
		}
		h.unchanged(t, before)
	})
	// The recordings' videos are made first: the rows below count.
	var made int
	waitRow(t, s, h.db, 60*time.Second, "SELECT count(*) FROM videos HAVING count(*) >= (SELECT count(*) FROM recordings)", nil, &made)
	h.settle()
	// Pages past any end, and numbers whose offset overflows: a page.
	for _, path := range []string{"/video/my/?page=9223372036854775807", "/record/waiting/?page=9223372036854775807", "/?wpage=9223372036854775807",
		"/video/my/?page=4611686018427387904", "/video/my/?tab=published&page=9223372036854775807&state=%00", "/record/waiting/?page=-9223372036854775808"} {
		if resp, body := mgr.do(http.MethodGet, s.url+path, nil); resp.StatusCode != http.StatusOK {
			t.Errorf("%s: %d\n%.600s", path, resp.StatusCode, body)
		}
	}
	videos := sqldb.NewVideoService(db, nil)
	// The publisher of a recording made someone else's (as a superuser's
	// choice of owner makes it) follows its progress, and neither edits
	// nor deletes its video, nor learns its address while it is a draft.
	t.Run("the publisher of another's recording and its draft video", func(t *testing.T) {
		var vid int64
		if err := h.db.QueryRow("SELECT id FROM videos WHERE recording_id = ?", recOne).Scan(&vid); err != nil {
			t.Fatal(err)
		}
		plebID := userID(t, c, "pleb")
		for _, q := range []string{"UPDATE recordings SET user_id = ? WHERE id = ?", "UPDATE videos SET owner_id = ?, is_draft = 1 WHERE recording_id = ?"} {
			if _, err := h.db.Exec(q, plebID, recOne); err != nil {
				t.Fatal(err)
			}
		}
		before := h.snapshot()
		stored, _ := videos.FindVideoByID(t.Context(), vid)
		resp, body := mgr.do(http.MethodGet, status, nil)
		if resp.StatusCode != http.StatusOK || strings.Contains(body, "video_url") {
			t.Errorf("the publisher's progress: %d %s", resp.StatusCode, body)
		}
		for _, path := range []string{"edit/", "delete/"} {
			resp, body := mgr.do(http.MethodGet, fmt.Sprintf("%s/video/%d/%s", s.url, vid, path), nil)
			h.refused(t, path, resp.StatusCode, body, http.StatusForbidden)
		}
		for _, m := range []string{http.MethodPatch, http.MethodDelete} {
			req, _ := http.NewRequest(m, fmt.Sprintf("%s/api/v1/videos/%d", s.url, vid), strings.NewReader(`{"title":"Mine now"}`))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Authorization", "Token "+mgrToken)
			st, text, _ := h.send(req)
			h.refused(t, m, st, text, http.StatusForbidden)
		}
		editLink := regexp.MustCompile(fmt.Sprintf(`/video/%d-[^"]*/edit/`, vid))
		if !editLink.MatchString(h.page(pleb, "/video/my/")) {
			t.Error("its owner's My videos has no edit link")
		}
		page := h.page(mgr, "/video/my/?tab=published")
		if !strings.Contains(page, stored.Title) || editLink.MatchString(page) {
			t.Errorf("My videos does not list it for its publisher, or offers the edit link:\n%.3000s", page)
		}
		h.unchanged(t, before)
		if got, _ := videos.FindVideoByID(t.Context(), vid); got.Title != stored.Title || got.OwnerID != plebID {
			t.Errorf("the video changed: %+v", got)
		}
	})
	v := &lectern.Video{Title: "Optique", Slug: "optique", OwnerID: userID(t, c, "mgr"), TypeID: typeID, IsDraft: true,
		EncodingState: lectern.EncodingDone}
	if err := videos.CreateVideo(t.Context(), v); err != nil {
		t.Fatal(err)
	}
	api := fmt.Sprintf("%s/api/v1/videos/%d", s.url, v.ID)
	call := func(method, body string) (int, string) {
		req, _ := http.NewRequest(method, api, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Token "+mgrToken)
		st, text, _ := h.send(req)
		return st, text
	}
	for _, body := range []string{`{"slug":"other"}`, `{"encoding_state":"encoding"}`, `{"id":1}`, `{"Owner":1}`,
		`{"recording_id":1}`, `{"encoding_progress":50}`, `{"title":"x","title":""}`, `{"is_draft":"false"}`,
		`{"restrict_access_to_groups":[99999]}`, `{"title":"ok"} {"owner":1}`, `{"type":0}`, `{"type":-1}`,
		`{"date_evt":"0000-00-00"}`, `{"restrict_access_to_groups":[-1]}`, `{"additional_owners":[0]}`, `[]`,
		`{"password":"` + strings.Repeat("p", 73) + `"}`} {
		t.Run("PATCH "+body, func(t *testing.T) {
			before := h.snapshot()
			stored, _ := videos.FindVideoByID(t.Context(), v.ID)
			st, text := call(http.MethodPatch, body)
			h.refused(t, body, st, text, http.StatusBadRequest)
			h.unchanged(t, before)
			if got, _ := videos.FindVideoByID(t.Context(), v.ID); got.Slug != stored.Slug || got.OwnerID != stored.OwnerID ||
				got.Title != stored.Title || got.EncodingState != stored.EncodingState || !got.IsDraft {
				t.Errorf("the video changed: %+v", got)
			}
		})
	}
	t.Run("a co-owner's edit form with the owner, the slug and the state in it", func(t *testing.T) {
		if st, text := call(http.MethodPatch, fmt.Sprintf(`{"additional_owners":[%d]}`, userID(t, c, "other"))); st != http.StatusOK {
			t.Fatalf("the owner adds a co-owner: %d %s", st, text)
		}
		stored, _ := videos.FindVideoByID(t.Context(), v.ID)
		edit := fmt.Sprintf("%s/video/%d/edit/", s.url, v.ID)
		_, page := other.do(http.MethodGet, edit, nil)
		f := url.Values{"csrf_token": {csrfToken(t, page)}, "title": {"Renamed"}, "type": {fmt.Sprint(typeID)}, "cursus": {"0"},
			"is_draft": {"on"}, "additional_owners": {"mgr", "pleb", "other"}, "owner": {fmt.Sprint(userID(t, c, "other"))}, "slug": {"hijack"},
			"encoding_state": {"error"}, "encoding_progress": {"3"}, "recording": {"1"}, "id": {"1"}}
		if resp, body := other.do(http.MethodPost, edit, f); resp.StatusCode != http.StatusOK {
			t.Fatalf("the co-owner's edit: %d\n%s", resp.StatusCode, body[strings.Index(body, "<main"):])
		}
		got, _ := videos.FindVideoByID(t.Context(), v.ID)
		if got.Title != "Renamed" || got.OwnerID != stored.OwnerID || got.Slug == "hijack" || got.EncodingState != stored.EncodingState ||
			got.ID != stored.ID || got.RecordingID != nil || fmt.Sprint(got.AdditionalOwners) != fmt.Sprint([]int64{userID(t, c, "other"), userID(t, c, "pleb")}) {
			t.Errorf("after the co-owner's edit: %+v", got)
		}
	})
	t.Run("the video deleted twice at once", func(t *testing.T) {
		var wg sync.WaitGroup
		sts := make([]int, 2)
		for i := range sts {
			wg.Go(func() { sts[i], _ = call(http.MethodDelete, "") })
		}
		wg.Wait()
		if !(sts[0] == http.StatusNoContent && sts[1] == http.StatusNotFound) && !(sts[1] == http.StatusNoContent && sts[0] == http.StatusNotFound) {
			t.Errorf("statuses %v, want one 204 and one 404", sts)
		}
	})
}
