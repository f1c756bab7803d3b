package web

import (
	"context"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"lectern"
	"lectern/password"
)

// editForm is the edit form of v as its page would post it.
func editForm(v *lectern.Video) url.Values {
	f := url.Values{"title": {v.Title}, "description": {v.Description}, "date_evt": {v.DateEvt},
		"type": {id64(v.TypeID)}, "cursus": {"0"}, "main_lang": {v.MainLang}, "tags": {v.Tags}, "licence": {v.Licence}}
	if v.IsDraft {
		f.Set("is_draft", "on")
	}
	return f
}

// Who may edit and delete a video: its owner, its additional owners and
// superusers (lectern.Video.ManagedBy); another staff member and a group
// member are told they may not, an anonymous visitor logs in first. The
// video's page links to the edit page for its managers only.
func TestVideoEditRules(t *testing.T) {
	t.Parallel()
	b := setup(t)
	pp := b.videoPeople()
	v := b.encoded(b.video(pp.owner, "Optique", func(v *lectern.Video) {
		v.AdditionalOwners, v.IsDraft = []int64{pp.coowner.ID}, true
	}), false)
	edit, del := "/video/"+id64(v.ID)+"/edit/", "/video/"+id64(v.ID)+"/delete/"
	for _, who := range []string{"owner", "coowner", "root", "other", "member", ""} {
		t.Run(who, func(t *testing.T) {
			c := b.visitor(who)
			res := c.get(edit)
			switch who {
			case "owner", "coowner", "root":
				want(t, res, http.StatusOK)
				wantBody(t, res, `name="title" value="Optique"`, `data-picker-url="/people/search.json?video=`+id64(v.ID)+`"`,
					`href="`+deleteVideoURL(v)+`"`)
				page := c.get(videoURL(v))
				wantBody(t, page, `href="`+editVideoURL(v)+`"`)
				want(t, c.get("/people/search.json?video="+id64(v.ID)+"&q=ow"), http.StatusOK)
				want(t, c.get(del), http.StatusOK)
			case "other", "member":
				want(t, res, http.StatusForbidden)
				wantBody(t, res, "Only the video’s owner, its additional owners and superusers may change it.")
				form := editForm(v)
				form.Set("title", "Taken over")
				want(t, c.post(edit, form), http.StatusForbidden)
				want(t, c.post(del, nil), http.StatusForbidden)
				want(t, c.get("/people/search.json?video="+id64(v.ID)+"&q=ow"), http.StatusForbidden)
			case "":
				want(t, res, http.StatusFound)
				if !strings.HasPrefix(res.location, "/accounts/login/") {
					t.Errorf("anonymous edit goes to %q", res.location)
				}
				want(t, c.get(del), http.StatusFound)
			}
		})
	}
	got, err := b.videos.FindVideoByID(context.Background(), v.ID)
	if err != nil || got.Title != "Optique" {
		t.Fatalf("after the refused edits: %+v, %v", got, err)
	}
	// A visitor who may watch but not edit sees no edit link.
	public := b.encoded(b.video(pp.owner, "Public"), false)
	if page := b.visitor("other").get(videoURL(public)); strings.Contains(page.body, "/edit/") {
		t.Errorf("the edit link is shown to someone who may not edit")
	}
	want(t, b.visitor("owner").get("/video/9999/edit/"), http.StatusNotFound)
	want(t, b.visitor("owner").get("/video/x/edit/"), http.StatusNotFound)
}

// The edit form saves every field a recorder's defaults set; bad input is
// shown next to its field, in the reader's language, and changes nothing;
// a post without its CSRF token changes nothing.
func TestVideoEditForm(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	owner := b.user("owner", false, false)
	helper := b.user("helper", false, false)
	g := b.group("Physics")
	seminar := b.videoType("Seminar")
	v := b.video(owner, "Optique", func(v *lectern.Video) { v.IsDraft = true })
	edit := "/video/" + id64(v.ID) + "/edit/"
	c := b.visitor("owner")

	for _, lang := range []string{"en", "fr"} {
		c.language = lang
		bad := editForm(v)
		bad.Set("title", " ")
		bad.Set("date_evt", "2026-02-30")
		bad.Set("type", "abc")
		bad.Set("licence", "gpl")
		bad.Set("main_lang", "xx1")
		bad["additional_owners"] = []string{"nobody-here"}
		res := c.post(edit, bad)
		want(t, res, http.StatusBadRequest)
		msgs := map[string][]string{
			"en": {"This field is required.", "Enter a valid date.", "Select a valid video type.", "Select a valid licence.",
				"Enter a two-letter language code.", `id="error-title"`, `id="error-date_evt"`, `id="error-additional_owners"`, "nobody-here"},
			"fr": {"Ce champ est obligatoire.", "Saisissez une date valide.", "Sélectionnez un type de vidéo valide.",
				`id="error-title"`, `id="error-date_evt"`, "Modifier la vidéo"},
		}
		wantBody(t, res, msgs[lang]...)
		if got, _ := b.videos.FindVideoByID(ctx, v.ID); got.Title != "Optique" || !got.IsDraft {
			t.Fatalf("a refused edit changed the video: %+v", got)
		}
	}
	c.language = "en"

	// Without the CSRF token: refused, nothing changed.
	form := editForm(v)
	form.Set("title", "Forged")
	if res := c.postRaw(edit, form); res.status != http.StatusForbidden {
		t.Errorf("post without a CSRF token: %d, want 403", res.status)
	}

	good := url.Values{"title": {"  Optique géométrique "}, "description": {"Lenses\r\nand mirrors"}, "date_evt": {"2026-12-01"},
		"type": {id64(seminar.ID)}, "cursus": {"L"}, "main_lang": {"fr"}, "tags": {"optics physics"}, "licence": {"by-sa"},
		"restrict_access_to_groups": {id64(g.ID)}, "password": {"open-sesame"}, "additional_owners": {"helper, owner"},
		"allow_downloading": {"on"}, "disable_comment": {"on"}}
	res := c.post(edit, good)
	want(t, res, http.StatusSeeOther)
	got, err := b.videos.FindVideoByID(ctx, v.ID)
	if err != nil {
		t.Fatal(err)
	}
	if res.location != videoURL(got) || got.Slug != "optique-geometrique" {
		t.Errorf("saved: goes to %q, slug %q", res.location, got.Slug)
	}
	if got.Title != "Optique géométrique" || got.Description != "Lenses\nand mirrors" || got.DateEvt != "2026-12-01" ||
		got.TypeID != seminar.ID || got.IsDraft || !got.IsRestricted || len(got.Groups) != 1 || got.Cursus != "L" ||
		got.MainLang != "fr" || got.Tags != "optics physics" || got.Licence != "by-sa" || !got.AllowDownloading ||
		!got.DisableComment || got.Is360 || len(got.AdditionalOwners) != 1 || got.AdditionalOwners[0] != helper.ID ||
		!password.Check(got.PasswordHash, "open-sesame") {
		t.Errorf("saved video %+v", got)
	}
	wantBody(t, c.get(res.location), "The video “Optique géométrique” was saved.")

	// An empty password keeps it; the box removes it.
	page := c.get(edit)
	wantBody(t, page, "Leave empty to keep the current password.", `name="password_clear"`, "helper")
	form = editForm(got)
	form.Set("type", id64(got.TypeID))
	if res := c.post(edit, form); res.status != http.StatusSeeOther {
		t.Fatalf("save: %d\n%s", res.status, res.body)
	}
	if after, _ := b.videos.FindVideoByID(ctx, v.ID); after.PasswordHash != got.PasswordHash || len(after.AdditionalOwners) != 0 {
		t.Errorf("an empty password field changed the password, or the owners stayed: %+v", after)
	}
	form.Set("password_clear", "on")
	c.post(edit, form)
	if after, _ := b.videos.FindVideoByID(ctx, v.ID); after.PasswordHash != "" {
		t.Errorf("the clear box kept the password")
	}
	// The French page.
	c.language = "fr"
	wantBody(t, c.get(edit), "Modifier la vidéo", "Propriétaires additionnels", "Qui peut la regarder", "Supprimer la vidéo")
}

// Deleting a video: a page that names it, then its row and its files
// go; the owner lands on My videos with a message. Someone else cannot,
// and a post without the CSRF token deletes nothing.
func TestVideoDelete(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	pp := b.videoPeople()
	v := b.encoded(b.video(pp.owner, "Thermodynamique", func(v *lectern.Video) { v.AdditionalOwners = []int64{pp.coowner.ID} }), false)
	dir := filepath.Join(b.mediaRoot, "videos", id64(v.ID))
	other := b.encoded(b.video(pp.owner, "Another"), false)
	del := "/video/" + id64(v.ID) + "/delete/"

	c := b.visitor("coowner")
	res := c.get(del)
	want(t, res, http.StatusOK)
	wantBody(t, res, "Delete the video “Thermodynamique”?", "Its files", "Yes, delete")
	c.language = "fr"
	wantBody(t, c.get(del), "Supprimer la vidéo « Thermodynamique » ?", "Oui, supprimer")
	c.language = "en"

	if res := c.postRaw(del, url.Values{}); res.status != http.StatusForbidden {
		t.Errorf("delete without a CSRF token: %d, want 403", res.status)
	}
	want(t, b.visitor("other").post(del, nil), http.StatusForbidden)
	if _, err := b.videos.FindVideoByID(ctx, v.ID); err != nil {
		t.Fatalf("a refused delete deleted: %v", err)
	}

	res = c.post(del, nil)
	want(t, res, http.StatusSeeOther)
	if res.location != "/video/my/" {
		t.Errorf("after the delete: %q", res.location)
	}
	wantBody(t, c.get("/video/my/"), "The video “Thermodynamique” was deleted.")
	if _, err := b.videos.FindVideoByID(ctx, v.ID); lectern.ErrorCode(err) != lectern.ENOTFOUND {
		t.Errorf("the video is still there: %v", err)
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("its files are still there: %v", err)
	}
	if _, err := os.Stat(filepath.Join(b.mediaRoot, "videos", id64(other.ID), "360p.mp4")); err != nil {
		t.Errorf("another video's files went too: %v", err)
	}
	want(t, c.get(videoURL(v)), http.StatusNotFound)
	want(t, c.post(del, nil), http.StatusNotFound)
}

// A visitor refused a video is told why, in their language.
func TestVideoRefusalWords(t *testing.T) {
	t.Parallel()
	b := setup(t)
	pp := b.videoPeople()
	draft := b.video(pp.owner, "Secret draft", func(v *lectern.Video) { v.IsDraft = true })
	groups := b.video(pp.owner, "Physics only", func(v *lectern.Video) { v.IsRestricted, v.Groups = true, []int64{pp.group.ID} })
	restricted := b.video(pp.owner, "Members", func(v *lectern.Video) { v.IsRestricted = true })
	locked := b.video(pp.owner, "Locked", protect("pw"))
	for _, tc := range []struct {
		who    string
		v      *lectern.Video
		status int
		en, fr string
	}{
		{"other", draft, http.StatusForbidden, "This video is a draft: only its owners can watch it",
			"Cette vidéo est un brouillon"},
		{"", draft, http.StatusUnauthorized, "If it is yours, log in.", "Si elle est à vous, connectez-vous."},
		{"other", groups, http.StatusForbidden, "This video is for some groups only, and you are in none of them.",
			"Cette vidéo est réservée à certains groupes, dont vous ne faites pas partie."},
		{"", groups, http.StatusUnauthorized, "This video is for logged-in users only. Log in to watch it.",
			"Cette vidéo est réservée aux utilisateurs connectés."},
		{"", restricted, http.StatusUnauthorized, "This video is for logged-in users only.", "Connectez-vous pour la regarder."},
		{"other", locked, http.StatusOK, "This video is protected by a password.", "mot de passe"},
	} {
		c := b.visitor(tc.who)
		for lang, words := range map[string]string{"en": tc.en, "fr": tc.fr} {
			c.language = lang
			res := c.get("/video/" + id64(tc.v.ID) + "/")
			want(t, res, tc.status)
			wantBody(t, res, words)
			if tc.status != http.StatusOK && strings.Contains(res.body, tc.v.Title) {
				t.Errorf("the refusal names the video %q", tc.v.Title)
			}
		}
	}
}
