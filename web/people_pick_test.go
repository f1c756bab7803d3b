package web

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"lectern"
)

// userCount counts the accounts.
func (b *testBundle) userCount() int {
	b.tb.Helper()
	_, n, err := b.users.FindUsers(context.Background(), lectern.UserFilter{Page: lectern.Page{Size: 1}})
	if err != nil {
		b.tb.Fatal(err)
	}
	return n
}

// wantAdopted fails unless username has an account made from the
// directory's entry, and returns it.
func (b *testBundle) wantAdopted(username, first, last, affiliation string) *lectern.User {
	b.tb.Helper()
	u, err := b.users.FindUserByUsername(context.Background(), username)
	if err != nil {
		b.tb.Fatalf("no account for %s: %v", username, err)
	}
	if u.AuthType != lectern.AuthLDAP || u.Affiliation != affiliation || u.FirstName != first || u.LastName != last || u.Email != username+"@univ.example" ||
		!u.IsActive || u.PasswordHash != "" {
		b.tb.Errorf("%s's account = %+v, want the directory's entry, AuthType LDAP, no password", username, u)
	}
	return u
}

func TestRecorderPeopleFromDirectory(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.withDirectory(newDirectory())
	b.user("root", true, true)
	helper := b.user("helper", true, false)
	course := b.videoType("Course")
	c := b.visitor("root")

	// The form offers pickers, not every account.
	res := c.get("/admin/recorders/add/")
	wantBody(t, res, `data-picker-url="/people/search.json"`, `name="user" value=""`, `id="id_additional_users"`, "picker.js")
	if strings.Count(res.body, `name="additional_users"`) != 1 {
		t.Errorf("the additional users are still listed:\n%s", res.body)
	}

	// A typed name nobody has: the error next to the field, what was typed
	// kept, nothing saved, no account made.
	accounts := b.userCount()
	form := recorderForm("Amphi A", "10.0.0.1", "amphi-a", course.ID)
	form.Set("user", "mdupont")
	form.Add("additional_users", "nemo, pdupuis")
	res = c.post("/admin/recorders/add/", form)
	want(t, res, http.StatusBadRequest)
	wantFieldError(t, res, "additional_users", "Nobody is named “nemo”.")
	wantBody(t, res, `name="user" value="mdupont"`, "Marie Dupont", `name="additional_users" value="nemo"`,
		`value="pdupuis" checked`, "Paul Dupuis")
	// Another field wrong: the directory's people are shown, not made.
	form.Set("additional_users", "pdupuis")
	form.Set("address_ip", "bad")
	res = c.post("/admin/recorders/add/", form)
	want(t, res, http.StatusBadRequest)
	wantFieldError(t, res, "address_ip", "Enter a valid IPv4 or IPv6 address.")
	if _, n, _ := b.recorders.FindRecorders(context.Background(), lectern.RecorderFilter{}); n != 0 {
		t.Errorf("%d recorders after invalid posts", n)
	}
	if n := b.userCount(); n != accounts {
		t.Errorf("%d accounts after invalid posts, want %d", n, accounts)
	}

	// Valid: Marie (never logged in) manages it; Paul and the helper (by
	// the id older clients post) are additional users.
	form.Set("address_ip", "10.0.0.1")
	form["additional_users"] = []string{"pdupuis", id64(helper.ID), "helper"}
	res = c.post("/admin/recorders/add/", form)
	want(t, res, http.StatusSeeOther)
	marie := b.wantAdopted("mdupont", "Marie", "Dupont", "faculty")
	paul := b.wantAdopted("pdupuis", "Paul", "Dupuis", "student")
	if !marie.IsStaff || paul.IsStaff {
		t.Errorf("staff from AFFILIATION_STAFF: Marie (faculty) %v, Paul (student) %v", marie.IsStaff, paul.IsStaff)
	}
	recs, _, err := b.recorders.FindRecorders(context.Background(), lectern.RecorderFilter{})
	if err != nil || len(recs) != 1 {
		t.Fatalf("recorders = %v, %v", recs, err)
	}
	rec := recs[0]
	if rec.UserID == nil || *rec.UserID != marie.ID || !sameIDs(rec.AdditionalUsers, paul.ID, helper.ID) {
		t.Errorf("manager %v, additional users %v; want %d, [%d %d]", rec.UserID, rec.AdditionalUsers, marie.ID, paul.ID, helper.ID)
	}

	// The change page names them; saving again keeps them, and makes no
	// second account.
	change := "/admin/recorders/" + id64(rec.ID) + "/change/"
	res = c.get(change)
	wantBody(t, res, `name="user" value="mdupont"`, "Marie Dupont", `value="pdupuis" checked`, `value="helper" checked`)
	accounts = b.userCount()
	form.Set("user", "MDupont") // the directory's spelling differs: the same person
	form["additional_users"] = []string{"pdupuis"}
	res = c.post(change, form)
	want(t, res, http.StatusSeeOther)
	if got, _ := b.recorders.FindRecorderByID(context.Background(), rec.ID); *got.UserID != marie.ID || !sameIDs(got.AdditionalUsers, paul.ID) {
		t.Errorf("after change: manager %v, additional users %v", *got.UserID, got.AdditionalUsers)
	}
	if n := b.userCount(); n != accounts {
		t.Errorf("%d accounts, want %d", n, accounts)
	}
	// No manager at all is still allowed (manual claim).
	form.Del("user")
	res = c.post(change, form)
	want(t, res, http.StatusSeeOther)
	if got, _ := b.recorders.FindRecorderByID(context.Background(), rec.ID); got.UserID != nil {
		t.Errorf("manager %v, want none", *got.UserID)
	}
}

func TestRecorderPeopleDirectoryDown(t *testing.T) {
	t.Parallel()
	b := setup(t)
	dir := newDirectory()
	dir.fail(true)
	b.withDirectory(dir)
	b.user("root", true, true)
	course := b.videoType("Course")
	form := recorderForm("Amphi A", "10.0.0.1", "amphi-a", course.ID)
	form.Set("user", "mdupont")
	res := b.visitor("root").post("/admin/recorders/add/", form)
	want(t, res, http.StatusBadRequest)
	wantFieldError(t, res, "user", "No account is named “mdupont”, and the directory did not answer: try again later.")
	// Accounts are still found.
	form.Set("user", "root")
	want(t, b.visitor("root").post("/admin/recorders/add/", form), http.StatusSeeOther)
}

func TestAddFormOwnerFromDirectory(t *testing.T) {
	t.Parallel()
	b := newAddBundle(t, func(c *Config) { c.AllowRecorderManagerChoiceVidOwner = true })
	b.withDirectory(newDirectory())
	path := addPath("lecture.mp4", "", b.rec.ID)

	// The manager may choose the owner: the picker searches for this
	// recorder, the visitor is the owner until someone else is typed.
	c := b.visitor("mgr")
	res := c.get(path)
	want(t, res, http.StatusOK)
	wantBody(t, res, `data-picker-url="/people/search.json?recorder=`+id64(b.rec.ID)+`"`, `name="user" value="mgr"`)

	// Nobody by that name: the error next to the field, no recording, no
	// account.
	accounts := b.userCount()
	res = c.post(path, url.Values{"title": {"Cours 1"}, "source_file": {b.t.File}, "user": {"nemo"}})
	want(t, res, http.StatusBadRequest)
	wantFieldError(t, res, "user", "Nobody is named “nemo”.")
	if len(b.allRecordings()) != 0 || b.userCount() != accounts {
		t.Fatal("a refused owner saved something")
	}

	// Marie, from the directory: her account is made, she owns it.
	res = c.post(path, url.Values{"title": {"Cours 1"}, "source_file": {b.t.File}, "user": {"mdupont"}})
	want(t, res, http.StatusSeeOther)
	marie := b.wantAdopted("mdupont", "Marie", "Dupont", "faculty")
	recs := b.allRecordings()
	if len(recs) != 1 || recs[0].UserID != marie.ID {
		t.Errorf("recordings = %+v, want one owned by %d", recs, marie.ID)
	}
}

// sameIDs reports whether ids hold want, in any order.
func sameIDs(ids []int64, want ...int64) bool {
	return slices.Equal(slices.Sorted(slices.Values(ids)), slices.Sorted(slices.Values(want)))
}
