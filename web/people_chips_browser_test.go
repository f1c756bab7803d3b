package web

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"lectern"
)

// chipsBundle is a server whose directory holds 30 students, with a
// recorder helped by Alice and Bruno.
func chipsBundle(t *testing.T) (*testBundle, *lectern.Recorder, []*lectern.User) {
	t.Helper()
	dir := &testDirectory{}
	for i := range 30 {
		dir.people = append(dir.people, person(fmt.Sprintf("etu%02d", i), "Étudiant", fmt.Sprint(i), "student"))
	}
	b := setup(t)
	b.withDirectory(dir)
	b.user("root", true, true)
	var helpers []*lectern.User
	for _, n := range [][3]string{{"abernard", "Alice", "Bernard"}, {"bpetit", "Bruno", "Petit"}, {"cmoreau", "Chloé", "Moreau"}} {
		u := b.user(n[0], true, false)
		u.FirstName, u.LastName, u.Email = n[1], n[2], n[0]+"@univ.example"
		if err := b.users.UpdateUser(context.Background(), u); err != nil {
			t.Fatal(err)
		}
		helpers = append(helpers, u)
	}
	rec := b.recorder("Amphi A", "10.0.0.1", "amphi-a", b.videoType("Course").ID, func(r *lectern.Recorder) {
		r.AdditionalUsers = []int64{helpers[0].ID, helpers[1].ID, helpers[2].ID}
	})
	return b, rec, helpers
}

// Without script, the people chosen are chips holding checked boxes:
// unticking one drops it on save.
func TestPickerChips(t *testing.T) {
	t.Parallel()
	b, rec, _ := chipsBundle(t)
	c := b.visitor("root")
	page := fmt.Sprintf("/admin/recorders/%d/change/", rec.ID)
	res := c.get(page)
	wantBody(t, res, `<ul class="chips" data-picker-picked data-picker-remove="Remove %s" data-picker-removed="Removed: %s">`,
		`<li class="chip"><label title="abernard@univ.example"><input type="checkbox" name="additional_users" value="abernard" checked> <span class="picked-name">Alice Bernard</span> <span class="picked-meta">abernard</span></label></li>`,
		`data-picker-more="More results"`)
	c.language = "fr"
	wantBody(t, c.get(page), `data-picker-remove="Retirer %s" data-picker-removed="Retiré : %s"`, `data-picker-more="Plus de résultats"`)
}

// In a browser the chips get remove buttons: by keyboard, a chip goes
// and the focus moves to the next one, the removal said; the people
// found run over pages, "More results" bringing the next; saving keeps
// what the chips show.
func TestPickerChipsBrowser(t *testing.T) {
	t.Parallel()
	path := chromium(t)
	b, rec, helpers := chipsBundle(t)
	page := fmt.Sprintf("/admin/recorders/%d/change/", rec.ID)
	for _, lang := range []string{"en", "fr"} {
		ctx := browser(t, path)
		b.browserLogin(ctx, "root")
		var boxes, buttons int
		var label string
		run(t, ctx, network.SetCookie("lang", lang).WithURL(b.http.URL+"/"), chromedp.EmulateViewport(1280, 900),
			chromedp.Navigate(b.http.URL+page),
			waitFor(`document.querySelectorAll("[data-picker-picked] .chip-remove").length === 3`),
			chromedp.Evaluate(`document.querySelectorAll("[data-picker-picked] input[type=checkbox]").length`, &boxes),
			chromedp.Evaluate(`document.querySelectorAll("[data-picker-picked] input[type=hidden][name=additional_users]").length`, &buttons),
			chromedp.AttributeValue(`[data-picker-picked] .chip-remove`, "aria-label", &label, nil, chromedp.ByQuery),
			chromedp.ScrollIntoView("#id_additional_users", chromedp.ByQuery))
		if boxes != 0 || buttons != 3 || label != map[string]string{"en": "Remove Alice Bernard", "fr": "Retirer Alice Bernard"}[lang] {
			t.Fatalf("%s: %d boxes, %d hidden inputs, first button %q", lang, boxes, buttons, label)
		}
		webShot(t, ctx, "picker-chips-"+lang+"-1280")
		run(t, ctx, chromedp.EmulateViewport(390, 900), chromedp.ScrollIntoView("#id_additional_users", chromedp.ByQuery))
		webShot(t, ctx, "picker-chips-"+lang+"-390")
		run(t, ctx, chromedp.EmulateViewport(1280, 900))

		// Bruno's chip, by keyboard: gone, the focus on Chloé's button.
		var focused, status string
		var left int
		run(t, ctx, chromedp.Focus(`[data-picker-picked] li:nth-child(2) .chip-remove`, chromedp.ByQuery), chromedp.KeyEvent(kb.Enter),
			waitFor(`document.querySelectorAll("[data-picker-picked] .chip").length === 2`),
			chromedp.Evaluate(`document.activeElement.getAttribute("aria-label")`, &focused),
			chromedp.Evaluate(`document.querySelectorAll("[data-picker-picked] .chip").length`, &left),
			chromedp.Text(`.picker-field:has([data-picker-picked]) [data-picker-status]`, &status, chromedp.ByQuery))
		if !strings.Contains(focused, "Chloé Moreau") || !strings.Contains(status, "Bruno Petit") {
			t.Errorf("%s: after removing Bruno the focus is on %q, the status says %q", lang, focused, status)
		}

		// "etu" finds 30 students: a page, then More results.
		var listed int
		var more string
		run(t, ctx, chromedp.SendKeys("#id_additional_users", "etu", chromedp.ByQuery),
			waitFor(answered("#id_additional_users-list", "etu")),
			chromedp.Evaluate(`document.querySelectorAll("#id_additional_users-list [role=option][data-username]").length`, &listed),
			chromedp.Text(`#id_additional_users-list [data-more]`, &more, chromedp.ByQuery))
		if listed != peopleLimit || more != map[string]string{"en": "More results", "fr": "Plus de résultats"}[lang] {
			t.Fatalf("%s: %d people listed, then %q", lang, listed, more)
		}
		webShot(t, ctx, "picker-more-"+lang+"-1280")
		run(t, ctx, chromedp.KeyEvent(kb.ArrowUp), chromedp.KeyEvent(kb.Enter),
			waitFor(`document.querySelectorAll("#id_additional_users-list [role=option][data-username]").length === 30`),
			chromedp.Evaluate(`document.querySelectorAll("#id_additional_users-list [data-more]").length`, &listed),
			chromedp.Evaluate(`document.activeElement.getAttribute("aria-activedescendant")`, &focused))
		if listed != 0 || focused != "id_additional_users-list-20" {
			t.Errorf("%s: after More results: %d more options, highlighted %q (want the 21st person)", lang, listed, focused)
		}
		run(t, ctx, chromedp.KeyEvent(kb.Enter), waitFor(`document.querySelectorAll("[data-picker-picked] .chip").length === 3`))
		if lang == "en" {
			run(t, ctx, chromedp.Click(`button[type=submit].button-primary`, chromedp.ByQuery), chromedp.WaitVisible(`.alert-success`, chromedp.ByQuery))
			r, err := b.recorders.FindRecorderByID(context.Background(), rec.ID)
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, id := range r.AdditionalUsers {
				u, err := b.users.FindUserByID(context.Background(), id)
				if err != nil {
					t.Fatal(err)
				}
				names = append(names, u.Username)
			}
			if got := strings.Join(names, " "); got != "abernard cmoreau etu20" {
				t.Errorf("saved additional users %q, want abernard cmoreau etu20", got)
			}
			// Put Bruno back for the French round.
			r.AdditionalUsers = []int64{helpers[0].ID, helpers[1].ID, helpers[2].ID}
			if err := b.recorders.UpdateRecorder(context.Background(), r); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// A video's edit form shows its additional owners as chips too.
func TestVideoOwnersChipsBrowser(t *testing.T) {
	t.Parallel()
	path := chromium(t)
	b, _, helpers := chipsBundle(t)
	owner := b.user("owner", false, false)
	v := b.encoded(b.video(owner, "Thermodynamique", func(v *lectern.Video) {
		v.AdditionalOwners = []int64{helpers[0].ID, helpers[2].ID}
	}), false)
	ctx := browser(t, path)
	b.browserLogin(ctx, "owner")
	for _, lang := range []string{"en", "fr"} {
		for _, width := range []int64{1280, 390} {
			var chips int
			run(t, ctx, network.SetCookie("lang", lang).WithURL(b.http.URL+"/"), chromedp.EmulateViewport(width, 900),
				chromedp.Navigate(b.http.URL+strings.TrimSuffix(videoURL(v), "/")+"/edit/"),
				waitFor(`document.querySelectorAll("[data-picker-picked] .chip-remove").length > 0`),
				chromedp.Evaluate(`document.querySelectorAll("[data-picker-picked] .chip .chip-remove").length`, &chips),
				chromedp.ScrollIntoView("[data-picker-picked]", chromedp.ByQuery))
			if chips != 2 {
				t.Errorf("%s %d: %d chips with a remove button, want 2", lang, width, chips)
			}
			webShot(t, ctx, fmt.Sprintf("video-owners-chips-%s-%d", lang, width))
		}
	}
}
