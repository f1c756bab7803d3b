package web

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"

	"lectern"
)

// testDirectory is a university directory in memory: the LDAP one is
// package ldap's, tested against a real slapd there.
type testDirectory struct {
	mu      sync.Mutex
	people  []lectern.Identity
	failing bool
}

func (d *testDirectory) fail(on bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.failing = on
}

// SearchPeople implements lectern.Directory.
func (d *testDirectory) SearchPeople(ctx context.Context, query string, limit int) ([]lectern.Identity, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.failing {
		return nil, errors.New("ldap: connection refused")
	}
	q := strings.ToLower(query)
	var found []lectern.Identity
	for _, p := range d.people {
		if strings.Contains(strings.ToLower(p.Username+" "+p.FirstName+" "+p.LastName+" "+p.Email), q) {
			found = append(found, p)
		}
	}
	slices.SortFunc(found, func(a, b lectern.Identity) int { return strings.Compare(a.Username, b.Username) })
	if len(found) > limit {
		found = found[:limit]
	}
	return found, nil
}

// LookupPerson implements lectern.Directory: usernames match whatever
// their case, as LDAP's uid does.
func (d *testDirectory) LookupPerson(ctx context.Context, username string) (*lectern.Identity, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.failing {
		return nil, errors.New("ldap: connection refused")
	}
	for _, p := range d.people {
		if strings.EqualFold(p.Username, username) {
			return &p, nil
		}
	}
	return nil, lectern.Errorf(lectern.ENOTFOUND, "Nobody in the directory is named %q.", username)
}

// person is a directory entry.
func person(username, first, last, affiliation string) lectern.Identity {
	return lectern.Identity{Source: lectern.AuthLDAP, Username: username, FirstName: first, LastName: last,
		Email: username + "@univ.example", PrimaryAffiliation: affiliation, Affiliations: []string{affiliation, "member"}}
}

// newDirectory is a directory with Marie Dupont and Paul Dupuis (who
// never logged in) and Jean Dupont (who has an account).
func newDirectory() *testDirectory {
	return &testDirectory{people: []lectern.Identity{
		person("jdupont", "Jean", "Dupont", "faculty"),
		person("mdupont", "Marie", "Dupont", "faculty"),
		person("pdupuis", "Paul", "Dupuis", "student"),
	}}
}

// withDirectory serves the bundle's pages again with dir as the people
// directory, and accounts adopted from it (Pod's AFFILIATION_STAFF).
func (b *testBundle) withDirectory(dir lectern.Directory) {
	b.tb.Helper()
	deps := b.deps
	deps.Directory = dir
	deps.Accounts = &lectern.Accounts{Users: b.users, Groups: b.groups, Directory: dir,
		AffiliationStaff: []string{"faculty", "employee", "staff"}}
	srv, err := New(b.server.cfg, deps)
	if err != nil {
		b.tb.Fatal(err)
	}
	b.server, b.deps = srv, deps
	b.http.Config.Handler = srv.Handler()
}

// searchPeople asks the people search as c.
func (c *client) searchPeople(query string) (response, peopleAnswer) {
	c.tb.Helper()
	res := c.get("/people/search.json?" + query)
	var a peopleAnswer
	if res.status == http.StatusOK {
		if err := json.Unmarshal([]byte(res.body), &a); err != nil {
			c.tb.Fatalf("people search %s: %v\n%s", query, err, res.body)
		}
	}
	return res, a
}

func usernames(a peopleAnswer) string {
	var out []string
	for _, p := range a.People {
		s := p.Username
		if !p.HasAccount {
			s += "(new)"
		}
		out = append(out, s)
	}
	return strings.Join(out, " ")
}

func TestPeopleSearch(t *testing.T) {
	t.Parallel()
	dir := newDirectory()
	b := newAddBundle(t, func(c *Config) { c.AllowRecorderManagerChoiceVidOwner = true })
	b.withDirectory(dir)
	ctx := context.Background()
	jean := b.user("jdupont", true, false)
	jean.FirstName, jean.LastName, jean.Email = "Jean", "Dupont", "jean.dupont@univ.example"
	if err := b.users.UpdateUser(ctx, jean); err != nil {
		t.Fatal(err)
	}
	gone := b.user("rdupont", false, false) // inactive: not to be picked
	gone.IsActive = false
	if err := b.users.UpdateUser(ctx, gone); err != nil {
		t.Fatal(err)
	}

	t.Run("Access", func(t *testing.T) {
		res, _ := b.client().searchPeople("q=dup")
		want(t, res, http.StatusUnauthorized)
		other := b.recorder("Amphi B", "10.4.0.9", "amphi-b", b.course.ID) // managed by nobody
		for _, tc := range []struct {
			user, query string
			status      int
		}{
			{"user", "q=dup", http.StatusForbidden},                             // not staff
			{"staff", "q=dup", http.StatusForbidden},                            // staff, no recorder
			{"staff", "q=dup&recorder=" + id64(b.rec.ID), http.StatusForbidden}, // not its manager
			{"mgr", "q=dup", http.StatusForbidden},                              // which recorder?
			{"mgr", "q=dup&recorder=" + id64(other.ID), http.StatusForbidden},   // not theirs
			{"mgr", "q=dup&recorder=abc", http.StatusForbidden},                 // no such recorder
			{"mgr", "q=dup&recorder=" + id64(b.rec.ID), http.StatusOK},          // chooses the owner there
			{"help", "q=dup&recorder=" + id64(b.rec.ID), http.StatusForbidden},  // an additional user does not
			{"root", "q=dup", http.StatusOK},                                    // superusers always
			{"root", "q=dup&recorder=" + id64(other.ID), http.StatusOK},         // whatever the recorder
		} {
			res, _ := b.visitor(tc.user).searchPeople(tc.query)
			if res.status != tc.status {
				t.Errorf("%s asking %s: status %d, want %d\n%s", tc.user, tc.query, res.status, tc.status, res.body)
			}
			if ct := res.header.Get("Content-Type"); ct != "application/json" {
				t.Errorf("%s asking %s: Content-Type %q", tc.user, tc.query, ct)
			}
		}
	})

	t.Run("Merged", func(t *testing.T) {
		root := b.visitor("root")
		// Accounts first, then the directory's people without one; Jean
		// once; the inactive account not at all.
		_, a := root.searchPeople("q=dup")
		if got := usernames(a); got != "jdupont mdupont(new) pdupuis(new)" || a.DirectoryFailed {
			t.Errorf("dup: %q (directory failed %v)", got, a.DirectoryFailed)
		}
		if p := a.People[1]; p.FullName != "Marie Dupont" || p.Email != "mdupont@univ.example" {
			t.Errorf("Marie: %+v", p)
		}
		if p := a.People[0]; p.FullName != "Jean Dupont" || p.Email != "jean.dupont@univ.example" {
			t.Errorf("Jean is shown as his account has him: %+v", p)
		}
		// An account the accounts' search misses (its names are not the
		// directory's) is still one: merged by username.
		dir.mu.Lock()
		dir.people = append(dir.people, person("lmartin", "Lucie", "Bernard", "staff"))
		dir.mu.Unlock()
		b.user("lmartin", false, false)
		_, a = root.searchPeople("q=" + url.QueryEscape("bernard"))
		if got := usernames(a); got != "lmartin" {
			t.Errorf("bernard: %q", got)
		}
		// Short queries find nobody.
		for _, q := range []string{"", "d", " d ", "é"} {
			res, a := root.searchPeople("q=" + url.QueryEscape(q))
			want(t, res, http.StatusOK)
			if len(a.People) != 0 || !strings.Contains(res.body, `"people":[]`) {
				t.Errorf("%q: %s", q, res.body)
			}
		}
	})

	t.Run("DirectoryDown", func(t *testing.T) {
		down := newAddBundle(t)
		d := newDirectory()
		d.fail(true)
		down.withDirectory(d)
		down.user("jdupont", true, false)
		res, a := down.visitor("root").searchPeople("q=dup")
		want(t, res, http.StatusOK)
		if got := usernames(a); got != "jdupont" || !a.DirectoryFailed {
			t.Errorf("directory down: %q, flagged %v", got, a.DirectoryFailed)
		}
	})
}

func TestPeopleSearchLimit(t *testing.T) {
	t.Parallel()
	dir := &testDirectory{}
	for i := range 30 {
		dir.people = append(dir.people, person(fmt.Sprintf("etu%02d", i), "Étudiant", fmt.Sprint(i), "student"))
	}
	b := setup(t)
	b.withDirectory(dir)
	b.user("root", true, true)
	for i := range 5 {
		b.user(fmt.Sprintf("etu%02d", 40+i), false, false)
	}
	_, a := b.visitor("root").searchPeople("q=etu")
	if len(a.People) != peopleLimit {
		t.Fatalf("%d people, want %d: %s", len(a.People), peopleLimit, usernames(a))
	}
	for i, p := range a.People {
		if p.HasAccount != (i < 5) {
			t.Errorf("person %d: %+v; the 5 accounts come first", i, p)
		}
	}
	for i := range 25 {
		b.user(fmt.Sprintf("acc%02d", i), false, false)
	}
	_, a = b.visitor("root").searchPeople("q=acc")
	if len(a.People) != peopleLimit {
		t.Errorf("%d accounts, want %d", len(a.People), peopleLimit)
	}
	// No directory: the accounts alone.
	local := setup(t)
	local.user("root", true, true)
	local.user("jdupont", false, false)
	_, a = local.visitor("root").searchPeople("q=dup")
	if got := usernames(a); got != "jdupont" || a.DirectoryFailed {
		t.Errorf("without a directory: %q", got)
	}
}
