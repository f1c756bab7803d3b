package api_test

import (
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"lectern"
	"lectern/api"
	"lectern/password"
	"lectern/sqldb"
)

type renditionJSON struct {
	Name   string `json:"name"`
	Kind   string `json:"kind"`
	Path   string `json:"path"`
	Height int    `json:"height"`
	Size   int64  `json:"size"`
	URL    string `json:"url"`
}

type videoJSON struct {
	ID                  int64           `json:"id"`
	Title               string          `json:"title"`
	Slug                string          `json:"slug"`
	URL                 string          `json:"url"`
	Owner               int64           `json:"owner"`
	AdditionalOwners    []int64         `json:"additional_owners"`
	Groups              []int64         `json:"restrict_access_to_groups"`
	IsDraft             bool            `json:"is_draft"`
	IsPasswordProtected bool            `json:"is_password_protected"`
	Duration            float64         `json:"duration"`
	EncodingState       string          `json:"encoding_state"`
	EncodingProgress    float64         `json:"encoding_progress"`
	Thumbnail           *string         `json:"thumbnail"`
	Renditions          []renditionJSON `json:"renditions"`
	DateAdded           time.Time       `json:"date_added"`
}

type videoPage struct {
	Count   int         `json:"count"`
	Next    *string     `json:"next"`
	Results []videoJSON `json:"results"`
}

// videoBundle is the API with videos, and users around them: the owner,
// a co-owner and a member of a group, each with a token.
type videoBundle struct {
	*testBundle
	videos                         *sqldb.VideoService
	groups                         *sqldb.GroupService
	enrichments                    *sqldb.EnrichmentService
	group                          *lectern.Group
	owner, coowner, member         *lectern.User
	ownerTok, coownerTok, memberTk string
}

func setupVideos(t *testing.T) *videoBundle {
	t.Helper()
	b := &videoBundle{testBundle: setup(t)}
	b.videos = sqldb.NewVideoService(b.db, nil)
	b.groups = sqldb.NewGroupService(b.db)
	b.enrichments = sqldb.NewEnrichmentService(b.db)
	mux := http.NewServeMux()
	b.srv = httptest.NewServer(mux)
	t.Cleanup(b.srv.Close)
	mux.Handle("/api/", checked(t, api.New(api.Deps{
		Users: b.users, Groups: b.groups, Types: b.types, Recorders: b.recorders, Tokens: b.tokens, Videos: b.videos,
		Enrichments: b.enrichments, BaseURL: b.srv.URL + "/",
		Logger: slog.New(slog.NewTextHandler(io.MultiWriter(b.log, t.Output()), nil)),
	})))
	b.group = &lectern.Group{Name: "Physics"}
	if err := b.groups.CreateGroup(b.ctx, b.group); err != nil {
		t.Fatal(err)
	}
	for _, u := range []struct {
		user  **lectern.User
		token *string
		name  string
		group bool
	}{{&b.owner, &b.ownerTok, "owner", false}, {&b.coowner, &b.coownerTok, "coowner", false}, {&b.member, &b.memberTk, "member", true}} {
		user := &lectern.User{Username: u.name, IsActive: true}
		if u.group {
			user.Groups = []int64{b.group.ID}
		}
		if err := b.users.CreateUser(b.ctx, user); err != nil {
			t.Fatal(err)
		}
		tok, err := b.tokens.CreateToken(b.ctx, user.ID)
		if err != nil {
			t.Fatal(err)
		}
		*u.user, *u.token = user, tok
	}
	return b
}

// video stores a video of the owner, co-owned by the co-owner, encoded
// unless edit says otherwise.
func (b *videoBundle) video(t *testing.T, title string, edit ...func(*lectern.Video)) *lectern.Video {
	t.Helper()
	v := &lectern.Video{Title: title, Slug: lectern.Slugify(title), OwnerID: b.owner.ID, TypeID: b.typeID,
		AdditionalOwners: []int64{b.coowner.ID}, EncodingState: lectern.EncodingPending}
	for _, f := range edit {
		f(v)
	}
	if err := b.videos.CreateVideo(b.ctx, v); err != nil {
		t.Fatal(err)
	}
	if v.EncodingState == lectern.EncodingDone {
		res := &lectern.EncodeResult{Info: lectern.MediaInfo{Duration: 2.04, HasVideo: true, Width: 640, Height: 360}, Thumbnail: "thumbnail.jpg",
			Renditions: []lectern.Rendition{
				{Name: "360p", Kind: lectern.RenditionMP4, Path: "360p.mp4", Height: 360, Size: 469767},
				{Name: "master", Kind: lectern.RenditionHLS, Path: "hls/master.m3u8", Height: 360, Size: 470000},
				{Name: "360p", Kind: lectern.RenditionHLS, Path: "hls/360p.m3u8", Height: 360, Size: 469000},
			}}
		if err := b.videos.SetEncoded(b.ctx, v.ID, res); err != nil {
			t.Fatal(err)
		}
	}
	return v
}

func done(v *lectern.Video) { v.EncodingState = lectern.EncodingDone }

func TestVideoList(t *testing.T) {
	t.Parallel()
	b := setupVideos(t)
	first := b.video(t, "First lecture", done)
	running := b.video(t, "Running lecture", func(v *lectern.Video) { v.IsDraft = true })
	if err := b.videos.SetEncoding(b.ctx, running.ID, lectern.EncodingRunning, 42.5, ""); err != nil {
		t.Fatal(err)
	}
	other := b.video(t, "Member's talk", func(v *lectern.Video) { v.OwnerID, v.AdditionalOwners = b.member.ID, nil })

	var page videoPage
	r := b.do(t, "GET", "/api/v1/videos", as(b.super), nil)
	want(t, r, http.StatusOK)
	r.decode(t, &page)
	if page.Count != 3 || len(page.Results) != 3 || page.Results[0].ID != other.ID || page.Results[2].ID != first.ID {
		t.Fatalf("superuser list: %s", r.body)
	}
	got := page.Results[2]
	base := b.srv.URL + "/"
	if got.EncodingState != "done" || got.EncodingProgress != 100 || got.Duration != 2.04 || got.Title != "First lecture" ||
		got.URL != fmt.Sprintf("%svideo/%d-first-lecture/", base, first.ID) || got.Thumbnail == nil ||
		*got.Thumbnail != fmt.Sprintf("%smedia/videos/%d/thumbnail.jpg", base, first.ID) || len(got.Renditions) != 3 {
		t.Errorf("first video = %+v", got)
	}
	urls := map[string]bool{}
	for _, rd := range got.Renditions {
		urls[rd.URL] = true
	}
	for _, p := range []string{"360p.mp4", "hls/master.m3u8", "hls/360p.m3u8"} {
		if !urls[fmt.Sprintf("%smedia/videos/%d/%s", base, first.ID, p)] {
			t.Errorf("no rendition URL for %s: %v", p, urls)
		}
	}
	if r := page.Results[1]; r.EncodingState != "running" || r.EncodingProgress != 42.5 || r.Thumbnail != nil ||
		len(r.Renditions) != 0 || r.Renditions == nil {
		t.Errorf("running video = %+v", r)
	}
	if strings.Contains(string(r.body), "encoding_log") || strings.Contains(string(r.body), "source_file") {
		t.Errorf("the list shows internals: %s", r.body)
	}

	// The others, staff included, see what they own or co-own, whatever
	// owner= says: the videos their detail answers (the draft is not the
	// staff's).
	for tok, wantIDs := range map[string][]int64{
		b.ownerTok:   {running.ID, first.ID},
		b.coownerTok: {running.ID, first.ID},
		b.memberTk:   {other.ID},
		b.staff:      nil,
		b.user:       nil,
	} {
		r := b.do(t, "GET", fmt.Sprintf("/api/v1/videos?owner=%d", b.owner.ID), as(tok), nil)
		want(t, r, http.StatusOK)
		r.decode(t, &page)
		var ids []int64
		for _, v := range page.Results {
			ids = append(ids, v.ID)
		}
		if fmt.Sprint(ids) != fmt.Sprint(wantIDs) || page.Count != len(wantIDs) {
			t.Errorf("token %s…: ids %v, want %v", tok[:4], ids, wantIDs)
		}
	}

	for query, n := range map[string]int{
		"state=running":                                 1,
		"state=done":                                    1,
		"state=error":                                   0,
		fmt.Sprintf("owner=%d", b.member.ID):            1,
		fmt.Sprintf("owner=%d", b.coowner.ID):           2,
		"page_size=2":                                   3,
		fmt.Sprintf("recording=%d", 999):                0,
		fmt.Sprintf("owner=%d&state=done", b.member.ID): 0,
	} {
		r := b.do(t, "GET", "/api/v1/videos?"+query, as(b.super), nil)
		want(t, r, http.StatusOK)
		r.decode(t, &page)
		if page.Count != n {
			t.Errorf("%s: count %d, want %d", query, page.Count, n)
		}
	}
	for query, field := range map[string]string{"state=x": "state", "owner=999": "owner", "owner=x": "owner", "recording=-1": "recording"} {
		r := b.do(t, "GET", "/api/v1/videos?"+query, as(b.super), nil)
		want(t, r, http.StatusBadRequest)
		if r.fields(t)[field] == "" {
			t.Errorf("%s: no message for %s: %s", query, field, r.body)
		}
	}
	want(t, b.do(t, "GET", "/api/v1/videos", "", nil), http.StatusUnauthorized)
	want(t, b.do(t, "GET", "/api/v1/videos?page=3", as(b.super), nil), http.StatusNotFound)
	want(t, b.do(t, "GET", "/api/v1/videos?page=2", as(b.staff), nil), http.StatusNotFound)
}

func TestVideoGet(t *testing.T) {
	t.Parallel()
	b := setupVideos(t)
	hash, err := password.Hash("open-sesame")
	if err != nil {
		t.Fatal(err)
	}
	public := b.video(t, "Public", done)
	draft := b.video(t, "Draft", done, func(v *lectern.Video) { v.IsDraft = true })
	restricted := b.video(t, "Restricted", done, func(v *lectern.Video) { v.IsRestricted = true })
	grouped := b.video(t, "Grouped", done, func(v *lectern.Video) { v.IsRestricted, v.Groups = true, []int64{b.group.ID} })
	protected := b.video(t, "Protected", done, func(v *lectern.Video) { v.PasswordHash = hash })

	for _, tc := range []struct {
		v      *lectern.Video
		status map[string]int // by token
	}{
		{public, map[string]int{b.ownerTok: 200, b.coownerTok: 200, b.super: 200, b.staff: 200, b.user: 200, b.memberTk: 200}},
		{draft, map[string]int{b.ownerTok: 200, b.coownerTok: 200, b.super: 200, b.staff: 403, b.user: 403, b.memberTk: 403}},
		{restricted, map[string]int{b.ownerTok: 200, b.super: 200, b.staff: 200, b.user: 200}},
		{grouped, map[string]int{b.ownerTok: 200, b.coownerTok: 200, b.super: 200, b.staff: 403, b.user: 403, b.memberTk: 200}},
		{protected, map[string]int{b.ownerTok: 200, b.coownerTok: 200, b.super: 200, b.staff: 403, b.user: 403, b.memberTk: 403}},
	} {
		for tok, status := range tc.status {
			r := b.do(t, "GET", fmt.Sprintf("/api/v1/videos/%d", tc.v.ID), as(tok), nil)
			if r.status != status {
				t.Errorf("%s with token %s…: status %d, want %d: %s", tc.v.Title, tok[:4], r.status, status, r.body)
				continue
			}
			if status == 200 {
				var got videoJSON
				r.decode(t, &got)
				if got.ID != tc.v.ID || got.Title != tc.v.Title || len(got.Renditions) != 3 ||
					!strings.HasPrefix(got.Renditions[0].URL, b.srv.URL+"/media/videos/") {
					t.Errorf("%s: %+v", tc.v.Title, got)
				}
				if got.IsPasswordProtected != (tc.v == protected) {
					t.Errorf("%s: is_password_protected = %v", tc.v.Title, got.IsPasswordProtected)
				}
			} else if d := r.object(t)["detail"]; d != "You do not have permission to perform this action." {
				t.Errorf("detail = %v", d)
			}
		}
	}
	want(t, b.do(t, "GET", "/api/v1/videos/999", as(b.super), nil), http.StatusNotFound)
	want(t, b.do(t, "GET", "/api/v1/videos/x", as(b.super), nil), http.StatusNotFound)
	want(t, b.do(t, "GET", fmt.Sprintf("/api/v1/videos/%d", public.ID), "", nil), http.StatusUnauthorized)
}
