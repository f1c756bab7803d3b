package web

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"lectern"
)

// The recorder form's pickers in a browser: typing lists the people found
// (accounts and the directory's), arrows and Enter choose the manager,
// a click adds an additional user, and saving makes the directory's
// person an account; on a phone the list stays on the screen.
func TestPeoplePickerBrowser(t *testing.T) {
	t.Parallel()
	path := chromium(t)
	b := setup(t)
	b.withDirectory(newDirectory())
	b.user("root", true, true)
	jean := b.user("jdupont", true, false)
	jean.FirstName, jean.LastName = "Jean", "Dupont"
	if err := b.users.UpdateUser(context.Background(), jean); err != nil {
		t.Fatal(err)
	}
	course := b.videoType("Course")
	ctx := browser(t, path)
	b.browserLogin(ctx, "root")

	const options = `Array.from(document.querySelectorAll("#id_user-list [role=option]"))`
	var names []string
	var expanded, active string
	var same bool
	run(t, ctx, chromedp.EmulateViewport(1280, 800), chromedp.Navigate(b.http.URL+"/admin/recorders/add/"),
		chromedp.Evaluate(`window.unsubmitted = true`, &same),
		chromedp.SendKeys("#id_user", "dup", chromedp.ByQuery),
		waitFor(answered("#id_user-list", "dup")),
		chromedp.Evaluate(options+`.map(function (o) { return o.getAttribute("data-username"); })`, &names),
		chromedp.AttributeValue("#id_user", "aria-expanded", &expanded, nil, chromedp.ByQuery))
	if strings.Join(names, " ") != "jdupont mdupont pdupuis" || expanded != "true" {
		t.Fatalf("listed %v, aria-expanded %q", names, expanded)
	}
	// Down twice: Marie; Enter chooses her and does not submit the form.
	run(t, ctx, chromedp.KeyEvent(kb.ArrowDown), chromedp.KeyEvent(kb.ArrowDown),
		chromedp.AttributeValue("#id_user", "aria-activedescendant", &active, nil, chromedp.ByQuery),
		chromedp.KeyEvent(kb.Enter), waitFor(`document.querySelector("#id_user-list").hidden`))
	if active != "id_user-list-1" {
		t.Errorf("aria-activedescendant = %q after two arrows down", active)
	}
	var value, chosen string
	run(t, ctx, chromedp.Value("#id_user", &value, chromedp.ByQuery),
		chromedp.Text("#chosen-user", &chosen, chromedp.ByQuery),
		chromedp.Evaluate(`window.unsubmitted === true`, &same))
	if value != "mdupont" || !strings.Contains(chosen, "Marie Dupont") || !strings.Contains(chosen, "no account yet") || !same {
		t.Errorf("after Enter: value %q, shown %q, the form not submitted: %v", value, chosen, same)
	}

	// A click adds Paul to the additional users.
	run(t, ctx, chromedp.SendKeys("#id_additional_users", "paul", chromedp.ByQuery),
		waitFor(answered("#id_additional_users-list", "paul")),
		chromedp.Click(`#id_additional_users-list [role=option]`, chromedp.ByQuery),
		waitFor(`document.querySelector("[data-picker-picked] input[value=pdupuis]") !== null`),
		chromedp.Value("#id_additional_users", &value, chromedp.ByQuery))
	if value != "" {
		t.Errorf("the additional users' input still holds %q", value)
	}

	// Escape closes the list; nothing found says so.
	var note string
	run(t, ctx, chromedp.SendKeys("#id_additional_users", "zzz", chromedp.ByQuery),
		waitFor(answered("#id_additional_users-list", "zzz")),
		chromedp.Text("#id_additional_users-list", &note, chromedp.ByQuery),
		chromedp.KeyEvent(kb.Escape), waitFor(`document.querySelector("#id_additional_users-list").hidden`),
		clearInput("#id_additional_users"))
	if note != "Nobody found." {
		t.Errorf("no match shows %q", note)
	}

	// On a phone, the list fits the screen.
	var fits bool
	run(t, ctx, chromedp.EmulateViewport(390, 800),
		clearInput("#id_user"), chromedp.SendKeys("#id_user", "dup", chromedp.ByQuery),
		waitFor(answered("#id_user-list", "dup")),
		chromedp.Evaluate(`(function () {
			var r = document.querySelector("#id_user-list").getBoundingClientRect();
			return r.left >= 0 && r.right <= 390 && document.documentElement.scrollWidth <= 390;
		})()`, &fits),
		chromedp.KeyEvent(kb.ArrowDown), chromedp.KeyEvent(kb.ArrowDown), chromedp.KeyEvent(kb.Enter),
		waitFor(`document.querySelector("#id_user-list").hidden`))
	if !fits {
		t.Error("the list does not fit a 390 px screen")
	}

	// Save: Marie manages the recorder, with an account from the directory.
	run(t, ctx, chromedp.EmulateViewport(1280, 800),
		chromedp.SetValue("#id_name", "Amphi A", chromedp.ByQuery),
		chromedp.SetValue("#id_address_ip", "10.0.0.1", chromedp.ByQuery),
		chromedp.SetValue("#id_directory", "amphi-a", chromedp.ByQuery),
		chromedp.SetValue("#id_type", id64(course.ID), chromedp.ByQuery),
		chromedp.Click(`button[type=submit].button-primary`, chromedp.ByQuery),
		chromedp.WaitVisible(`.alert-success`, chromedp.ByQuery))
	recs, _, err := b.recorders.FindRecorders(context.Background(), lectern.RecorderFilter{})
	if err != nil || len(recs) != 1 {
		t.Fatalf("recorders = %v, %v", recs, err)
	}
	marie, err := b.users.FindUserByUsername(context.Background(), "mdupont")
	if err != nil {
		t.Fatalf("Marie has no account: %v", err)
	}
	paul, err := b.users.FindUserByUsername(context.Background(), "pdupuis")
	if err != nil {
		t.Fatalf("Paul has no account: %v", err)
	}
	if r := recs[0]; r.UserID == nil || *r.UserID != marie.ID || !sameIDs(r.AdditionalUsers, paul.ID) {
		t.Errorf("manager %v, additional users %v; want %d, [%d]", r.UserID, r.AdditionalUsers, marie.ID, paul.ID)
	}
}

// answered is a script that holds once list shows the answer to query.
func answered(list, query string) string {
	return `(function () {
		var l = document.querySelector(` + strconv.Quote(list) + `);
		return !l.hidden && l.getAttribute("data-query") === ` + strconv.Quote(query) + `;
	})()`
}

// clearInput empties an input.
func clearInput(sel string) chromedp.Action {
	var done bool
	return chromedp.Evaluate(`(function () { document.querySelector(`+strconv.Quote(sel)+`).value = ""; return true; })()`, &done)
}
