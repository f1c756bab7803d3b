package api

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"lectern"
	"lectern/httpjson"
)

// videoBody is a video as the API shows it: the stored fields (never the
// password's hash: is_password_protected tells whether there is one), its
// page, and absolute URLs for its thumbnail and renditions. The media
// URLs are Lectern's /media/videos/<id>/<path>, which answer to the web
// session and to the same API token ("Authorization: Token <t>"), with
// the rules of GET /api/v1/videos/{id}.
type videoBody struct {
	*lectern.Video
	URL                 string  `json:"url"`
	Thumbnail           *string `json:"thumbnail"`
	IsPasswordProtected bool    `json:"is_password_protected"`
	// Playable tells whether a player can play the video now: one
	// rendition is ready, while others may still be coming (each
	// rendition's state).
	Playable   bool            `json:"playable"`
	Renditions []renditionBody `json:"renditions"`
}

// videoDetailBody is a video as GET /api/v1/videos/{id} shows it: with
// its enrichments (the slides of an audiovideocast recording), in time
// order; an empty list when it has none or the API has no enrichment
// service. The list endpoint leaves them out, to stay light.
type videoDetailBody struct {
	videoBody
	Enrichments []enrichmentBody `json:"enrichments"`
}

// enrichmentBody is an enrichment: its image's absolute URL (a media URL
// like the renditions', null when it has none), and its end in seconds,
// the video's duration for the last slide (lectern.Enrichment.EndAt).
type enrichmentBody struct {
	ID       int64   `json:"id"`
	Position int     `json:"position"`
	Type     string  `json:"type"`
	Title    string  `json:"title"`
	Image    *string `json:"image"`
	Start    float64 `json:"start"`
	End      float64 `json:"end"`
	Width    int     `json:"width"`
	Height   int     `json:"height"`
}

// newEnrichmentBodies writes v's enrichments with the absolute URLs of
// base.
func newEnrichmentBodies(base string, v *lectern.Video, list []*lectern.Enrichment) []enrichmentBody {
	out := make([]enrichmentBody, 0, len(list))
	for _, e := range list {
		b := enrichmentBody{ID: e.ID, Position: e.Position, Type: e.Type, Title: e.Title, Start: e.Start,
			End: e.EndAt(v.Duration), Width: e.Width, Height: e.Height}
		if e.Image != "" {
			u := mediaURL(base, v, e.Image)
			b.Image = &u
		}
		out = append(out, b)
	}
	return out
}

// renditionBody is a rendition with its state (ready; coming while the
// encode runs; failed when it stopped in error: lectern.Video.RenditionState)
// and its URL, "" unless ready.
type renditionBody struct {
	lectern.Rendition
	URL string `json:"url"`
}

// newVideoBody writes v with the absolute URLs of base (ending with "/").
func newVideoBody(base string, v *lectern.Video) videoBody {
	b := videoBody{Video: v, IsPasswordProtected: v.PasswordHash != "", Renditions: []renditionBody{},
		URL: base + "video/" + strconv.FormatInt(v.ID, 10) + "-" + url.PathEscape(slug(v)) + "/"}
	if v.AdditionalOwners == nil {
		v.AdditionalOwners = []int64{}
	}
	if v.Groups == nil {
		v.Groups = []int64{}
	}
	v.EncodingProgress = min(max(v.EncodingProgress, 0), 100)
	if v.Thumbnail != "" {
		u := mediaURL(base, v, v.Thumbnail)
		b.Thumbnail = &u
	}
	b.Playable = v.Playable()
	for _, r := range v.Renditions {
		rb := renditionBody{Rendition: r}
		rb.State = v.RenditionState(r)
		if r.Ready() {
			rb.URL = mediaURL(base, v, r.Path)
		}
		b.Renditions = append(b.Renditions, rb)
	}
	return b
}

func slug(v *lectern.Video) string {
	if v.Slug != "" {
		return v.Slug
	}
	return lectern.Slugify(v.Title)
}

// mediaURL is the absolute URL of file rel of v: base +
// "media/videos/<id>/<rel>", each segment escaped.
func mediaURL(base string, v *lectern.Video, rel string) string {
	parts := strings.Split(rel, "/")
	for i, p := range parts {
		parts[i] = url.PathEscape(p)
	}
	return base + "media/videos/" + strconv.FormatInt(v.ID, 10) + "/" + strings.Join(parts, "/")
}

// handleVideoList serves GET
// /api/v1/videos?state=&owner=&recording=&page=&page_size=, newest first:
// every video for superusers, the videos a user owns or co-owns for
// everyone else, staff included (owner= is then theirs whatever they
// send): every video listed is one GET /api/v1/videos/{id} answers to
// the same user.
func (h *Handler) handleVideoList(w http.ResponseWriter, r *http.Request, u *lectern.User) error {
	page, err := pageFromQuery(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	f := lectern.VideoFilter{Page: page}
	if s := q.Get("state"); s != "" {
		if !slices.Contains(lectern.EncodingStates, s) {
			return invalid("Invalid filter.", map[string]string{"state": "Select a valid state."})
		}
		f.State = &s
	}
	if f.RecordingID, err = positiveID(q.Get("recording"), "recording", "Select a valid recording."); err != nil {
		return err
	}
	if u.IsSuperuser {
		if f.OwnerID, err = h.idFromQuery(r, "owner"); err != nil {
			return err
		}
	} else {
		f.OwnerID = &u.ID
	}
	list, total, err := h.deps.Videos.FindVideos(r.Context(), f)
	if err != nil {
		return err
	}
	base := h.base()
	results := make([]videoBody, 0, len(list))
	for _, v := range list {
		results = append(results, newVideoBody(base, v))
	}
	return h.writePage(w, r, page, total, results)
}

// handleVideoGet serves GET /api/v1/videos/{id}, with its enrichments, to
// whoever the video's page would show it to (lectern.Video.CanView): its
// owners and the superusers always; a draft to nobody else; a restricted
// video to any user (of its groups, when set). A password-protected video
// needs its password, which the API does not take: only its owners and
// the superusers get it.
func (h *Handler) handleVideoGet(w http.ResponseWriter, r *http.Request, u *lectern.User) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	v, err := h.deps.Videos.FindVideoByID(r.Context(), id)
	if err != nil {
		return err
	}
	if v.CanView(lectern.Viewer{User: u, Groups: u.Groups}, false) != lectern.AccessAllowed {
		return lectern.Errorf(lectern.EFORBIDDEN, "You do not have permission to perform this action.")
	}
	var list []*lectern.Enrichment
	if h.deps.Enrichments != nil {
		if list, err = h.deps.Enrichments.FindEnrichments(r.Context(), v.ID); err != nil {
			return err
		}
	}
	base := h.base()
	httpjson.Write(w, http.StatusOK, videoDetailBody{videoBody: newVideoBody(base, v),
		Enrichments: newEnrichmentBodies(base, v, list)})
	return nil
}

// idFromQuery reads the user id in query parameter name: nil when absent,
// a field error unless it is the id of an existing user.
func (h *Handler) idFromQuery(r *http.Request, name string) (*int64, error) {
	s := r.URL.Query().Get(name)
	if s == "" {
		return nil, nil
	}
	bad := invalid("Invalid filter.", map[string]string{name: "Select a valid user."})
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil || id <= 0 {
		return nil, bad
	}
	if _, err := h.deps.Users.FindUserByID(r.Context(), id); lectern.ErrorCode(err) == lectern.ENOTFOUND {
		return nil, bad
	} else if err != nil {
		return nil, err
	}
	return &id, nil
}

// base is BaseURL ending with "/".
func (h *Handler) base() string {
	if strings.HasSuffix(h.deps.BaseURL, "/") {
		return h.deps.BaseURL
	}
	return h.deps.BaseURL + "/"
}
