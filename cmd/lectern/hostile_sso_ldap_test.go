package main

import (
	"encoding/json"
	"net/http"
	"net/url"
	"testing"
)

// TestHostileSSOLDAP: what a people picker's chooser types reaches the
// LDAP directory (GET /people/search.json). Values that would widen the
// filter to everyone, end it early or break it are searched as text:
// nobody found in the directory, no error, the directory not reported as
// failed; nor in the accounts (the store's search: a NUL byte once
// matched every account on SQLite).
func TestHostileSSOLDAP(t *testing.T) {
	t.Parallel()
	c := newCLI(t, ldapEnviron(t, "LECTERN_LANGUAGE_CODE=en", "LECTERN_RECORDER_WATCH=false", "LECTERN_FTP_ENABLED=false")...)
	s := startServe(t, c)
	c.addUser(t, "boss", "--superuser")
	h := &hostile{t: t, s: s, c: c}
	boss := h.login("boss")

	type answer struct {
		People []struct {
			Username   string `json:"username"`
			HasAccount bool   `json:"has_account"`
		} `json:"people"`
		DirectoryFailed bool `json:"directory_failed"`
	}
	search := func(q string) answer {
		t.Helper()
		resp, body := boss.do(http.MethodGet, s.url+"/people/search.json?q="+url.QueryEscape(q), nil)
		var a answer
		if resp.StatusCode != http.StatusOK || json.Unmarshal([]byte(body), &a) != nil {
			t.Fatalf("GET /people/search.json?q=%q: %d %s", q, resp.StatusCode, body)
		}
		return a
	}
	// The directory answers: dave, who never logged in, is found.
	if a := search("dave"); len(a.People) != 1 || a.People[0].Username != "dave" || a.People[0].HasAccount || a.DirectoryFailed {
		t.Fatalf("search dave = %+v; want dave from the directory", a)
	}
	for _, q := range []string{
		"a*e",                // unescaped: every name or email with an a before an e
		"bob)(uid=alice",     // unescaped: bob, and alice
		"bob)(|(uid=*",       // unescaped: a filter that no longer parses
		"*)(|(objectClass=*", // unescaped: the same, meant as every entry
		"a\x00",              // the directory's string preparation drops NUL: every a
		"\x00\x00",           // SQLite's lower() stops at NUL: every account
	} {
		a := search(q)
		for _, p := range a.People {
			t.Errorf("search %q found %s (account %t); want nobody", q, p.Username, p.HasAccount)
		}
		if a.DirectoryFailed {
			t.Errorf("search %q: the directory failed; want it to answer", q)
		}
	}
}
