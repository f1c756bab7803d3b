package main

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"lectern"
	"lectern/sqldb"
)

// TestHostilePolishui: issue 14's new entry points against a real serve.
// A group's rename (POST /admin/groups/<id>/change/) by staff, without
// its CSRF token, to another group's name, to nothing or 151 characters,
// of a group that does not exist: refused with a message, every group's
// name as it was and the files and rows untouched. The people search's
// page (GET /people/search.json?page=): not a positive number is a 400
// saying so; past the last page, nobody.
func TestHostilePolishui(t *testing.T) {
	t.Parallel()
	c := newCLI(t, "LECTERN_LANGUAGE_CODE=en", "LECTERN_RECORDER_WATCH=false", "LECTERN_FTP_ENABLED=false")
	s := startServe(t, c)
	c.addUser(t, "boss", "--superuser")
	c.addUser(t, "staffy", "--staff")
	db := c.open(t)
	groups := sqldb.NewGroupService(db)
	physics, maths := &lectern.Group{Name: "Physics"}, &lectern.Group{Name: "Maths"}
	for _, g := range []*lectern.Group{physics, maths} {
		if err := groups.CreateGroup(context.Background(), g); err != nil {
			t.Fatal(err)
		}
	}
	h := &hostile{t: t, s: s, c: c, db: db.SQL()}
	boss, staffy := h.login("boss"), h.login("staffy")
	names := func() string {
		all, err := groups.FindGroups(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, g := range all {
			out = append(out, g.Name)
		}
		return strings.Join(out, ",")
	}
	change := fmt.Sprintf("%s/admin/groups/%d/change/", s.url, physics.ID)
	token := csrfToken(t, h.page(boss, fmt.Sprintf("/admin/groups/%d/change/", physics.ID)))
	staffToken := csrfToken(t, h.page(staffy, "/"))

	for _, tc := range []struct {
		what   string
		who    *browser
		target string
		form   url.Values
		status int
		says   string
	}{
		{"staff renames", staffy, change, url.Values{"csrf_token": {staffToken}, "name": {"Hacked"}}, http.StatusForbidden, "permission"},
		{"no CSRF token", boss, change, url.Values{"name": {"Hacked"}}, http.StatusForbidden, "CSRF"},
		{"another group's name", boss, change, url.Values{"csrf_token": {token}, "name": {"Maths"}}, http.StatusBadRequest, "A group with that name already exists."},
		{"no name", boss, change, url.Values{"csrf_token": {token}, "name": {" \t "}}, http.StatusBadRequest, "This field is required."},
		{"151 characters", boss, change, url.Values{"csrf_token": {token}, "name": {strings.Repeat("é", 151)}}, http.StatusBadRequest, "at most 150 characters"},
		{"a missing group", boss, fmt.Sprintf("%s/admin/groups/%d/change/", s.url, maths.ID+100), url.Values{"csrf_token": {token}, "name": {"Hacked"}}, http.StatusNotFound, "Not found"},
		{"not an id", boss, s.url + "/admin/groups/1%20OR%201=1/change/", url.Values{"csrf_token": {token}, "name": {"Hacked"}}, http.StatusNotFound, "not found"},
	} {
		before := h.snapshot()
		resp, body := tc.who.do(http.MethodPost, tc.target, tc.form)
		h.refused(t, tc.what, resp.StatusCode, body, tc.status)
		if !strings.Contains(strings.ToLower(body), strings.ToLower(tc.says)) {
			t.Errorf("%s: the answer does not say %q:\n%.400s", tc.what, tc.says, body)
		}
		if got := names(); got != "Maths,Physics" {
			t.Errorf("%s: the groups are now %s", tc.what, got)
		}
		h.unchanged(t, before)
	}

	for _, page := range []string{"0", "-3", "abc", "2.5", "99999999999999999999999", "1%00"} {
		before := h.snapshot()
		resp, body := boss.do(http.MethodGet, s.url+"/people/search.json?q=boss&page="+page, nil)
		h.refused(t, "people search page="+page, resp.StatusCode, body, http.StatusBadRequest)
		if !strings.Contains(body, "Invalid page.") {
			t.Errorf("page=%s: %s", page, body)
		}
		h.unchanged(t, before)
	}
	resp, body := boss.do(http.MethodGet, s.url+"/people/search.json?q=boss&page=11", nil)
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, `"people":[]`) || !strings.Contains(body, `"next_page":0`) {
		t.Errorf("past the last page: %d %s", resp.StatusCode, body)
	}
}
