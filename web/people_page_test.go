package web

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
)

// The people search pages through everyone it finds: the accounts, then
// the directory's people, each once, peopleLimit a page, next_page
// naming the following one until the last; a page past peopleMaxPage
// answers nobody, and a page that is not a positive number a 400.
func TestPeopleSearchPages(t *testing.T) {
	t.Parallel()
	dir := &testDirectory{}
	for i := range 30 {
		dir.people = append(dir.people, person(fmt.Sprintf("etu%02d", i), "Étudiant", fmt.Sprint(i), "student"))
	}
	b := setup(t)
	b.withDirectory(dir)
	b.user("root", true, true)
	for i := range 25 {
		b.user(fmt.Sprintf("etu%02d", 40+i), false, false)
	}
	// etu03 has an account the directory also lists: once, as an account.
	b.user("etu03", false, false)
	// An inactive account is not to be picked, on any page.
	off := b.user("etu99", false, false)
	off.IsActive = false
	if err := b.users.UpdateUser(t.Context(), off); err != nil {
		t.Fatal(err)
	}
	c := b.visitor("root")
	seen := map[string]bool{}
	accounts, page := 0, 1
	for page != 0 {
		res, a := c.searchPeople(fmt.Sprintf("q=etu&page=%d", page))
		want(t, res, http.StatusOK)
		if a.Page != page || (a.NextPage != 0 && len(a.People) != peopleLimit) {
			t.Fatalf("page %d: page %d, next %d, %d people", page, a.Page, a.NextPage, len(a.People))
		}
		for _, p := range a.People {
			if seen[p.Username] {
				t.Errorf("page %d lists %s again", page, p.Username)
			}
			seen[p.Username] = true
			if p.HasAccount {
				if accounts != len(seen)-1 {
					t.Errorf("page %d: the account %s comes after the directory's people", page, p.Username)
				}
				accounts++
			}
		}
		page = a.NextPage
	}
	if len(seen) != 26+29 || accounts != 26 || seen["etu99"] {
		t.Errorf("%d people (%d accounts), want 55 (26 accounts, not etu99)", len(seen), accounts)
	}

	_, a := c.searchPeople(fmt.Sprintf("q=etu&page=%d", peopleMaxPage+1))
	if len(a.People) != 0 || a.NextPage != 0 {
		t.Errorf("past the last page: %d people, next %d", len(a.People), a.NextPage)
	}
	for _, bad := range []string{"0", "-1", "abc", "1.5", "99999999999999999999"} {
		res, _ := c.searchPeople("q=etu&page=" + bad)
		if res.status != http.StatusBadRequest || !strings.Contains(res.body, "Invalid page.") {
			t.Errorf("page=%s: %d %s", bad, res.status, res.body)
		}
	}
}
