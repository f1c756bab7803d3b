package web

import (
	"cmp"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"lectern"
	"lectern/locale"
	"lectern/password"
)

type videoShowPage struct {
	layout
	V        *lectern.Video
	URL      string
	Owner    string
	Type     string
	Tags     []string
	Duration string
	Added    when
	Recorded string // the lecture's day (DateEvt), "" when unknown
	videoState
	// Manager: an owner or a superuser, who sees the encoding error.
	Manager  bool
	ErrorLog string
	// Edit is the edit page's link, for its managers.
	Edit   string
	Player *player
	// Coming says which qualities are still being encoded while the
	// player offers those ready; "" when none.
	Coming string
	// Downloads are the MP4 renditions, largest first, when the visitor
	// may download them.
	Downloads []download
	// Slides, when the video has some and a player, follow it.
	Slides *slideShow
	// Thumbnail, for its managers, takes the thumbnail again at the
	// player's current moment.
	Thumbnail *thumbnailForm
}

// player is what the page plays: an <audio> element with the M4A, or a
// <video> element that player.js feeds with the HLS master playlist
// (natively or through hls.js) or, failing both, the MP4 renditions.
type player struct {
	Audio  string // an audio-only video's M4A
	HLS    string // the master playlist
	Poster string
	// Sources are the MP4 renditions, smallest first; Default plays
	// without script.
	Sources []source
	Default string
	// Presentation is the screen capture's MP4, played beside the
	// picture (lectern.RenditionPresentation); "" when none.
	Presentation string
}

type source struct {
	URL      string
	Label    string
	Selected bool
}

type download struct {
	URL   string
	Label string
	Size  string
}

// defaultHeight is the MP4 picked when nothing else decides: a lecture's
// slides stay legible and phones cope.
const defaultHeight = 720

// handleVideoShow shows a video to whoever CanView lets in, and asks for
// the password of a protected one; a reference with the wrong slug (or
// none) redirects to the right one.
func (s *Server) handleVideoShow(w http.ResponseWriter, r *http.Request) {
	v, ok := s.pathVideo(w, r)
	if !ok {
		return
	}
	switch a := s.videoAccess(r, v); a {
	case lectern.AccessAllowed:
	case lectern.AccessPasswordForm:
		s.renderVideoPassword(w, r, v, http.StatusOK, "")
		return
	default:
		s.refuseVideoPage(w, r, v, a)
		return
	}
	if canonical := videoURL(v); r.URL.EscapedPath() != canonical {
		if r.URL.RawQuery != "" {
			canonical += "?" + r.URL.RawQuery
		}
		http.Redirect(w, r, canonical, http.StatusMovedPermanently)
		return
	}
	ctx := r.Context()
	p := s.printer(r)
	u := currentUser(r)
	l := s.page(r, "video.show.title", "")
	l.Title = v.Title
	data := videoShowPage{
		layout: l, V: v, URL: videoURL(v), Tags: splitTags(v.Tags), Duration: hms(v.Duration),
		Added: moment(p, v.DateAdded), Recorded: day(p, v.DateEvt), videoState: newVideoState(p, v), Manager: v.ManagedBy(u),
	}
	owner, err := s.fullNames().name(ctx, v.OwnerID)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	data.Owner = owner
	if data.Manager {
		data.Edit = editVideoURL(v)
	}
	if v.TypeID != 0 {
		t, err := s.deps.Types.FindVideoTypeByID(ctx, v.TypeID)
		if err != nil && lectern.ErrorCode(err) != lectern.ENOTFOUND {
			s.serverError(w, r, err)
			return
		}
		if t != nil {
			data.Type = t.Title
		}
	}
	if data.Manager && v.EncodingState == lectern.EncodingError {
		data.ErrorLog = v.EncodingLog
	}
	if v.EncodingState == lectern.EncodingDone || v.Playable() {
		data.Player = s.newPlayer(v)
		data.Coming = comingLine(p, v)
		data.Thumbnail = s.thumbnailForm(l, u, v)
		if mayDownload(u, v) {
			data.Downloads = downloads(p, v)
		}
	}
	if data.Player != nil {
		if data.Slides, err = s.videoSlides(ctx, p, v, data.Player.Audio != ""); err != nil {
			s.serverError(w, r, err)
			return
		}
	}
	s.render(w, r, http.StatusOK, "video_show", data)
}

// comingLine names the qualities of v still on their way, for p; ""
// when none is.
func comingLine(p *locale.Printer, v *lectern.Video) string {
	if coming := v.Coming(); len(coming) > 0 {
		return p.T("video.coming", strings.Join(coming, ", "))
	}
	return ""
}

// newPlayer chooses what v's page plays; nil when there is nothing to
// play.
func (s *Server) newPlayer(v *lectern.Video) *player {
	pl := &player{}
	var mp4s []lectern.Rendition
	for _, rd := range v.Renditions {
		if !rd.Ready() {
			continue
		}
		switch {
		case rd.Kind == lectern.RenditionM4A:
			pl.Audio = mediaURL(v, rd.Path)
		case rd.Kind == lectern.RenditionHLS && rd.Name == "master":
			pl.HLS = mediaURL(v, rd.Path)
		case rd.Kind == lectern.RenditionMP4:
			mp4s = append(mp4s, rd)
		case rd.Kind == lectern.RenditionPresentation:
			pl.Presentation = mediaURL(v, rd.Path)
		}
	}
	if len(mp4s) == 0 && pl.HLS == "" {
		if pl.Audio == "" {
			return nil
		}
		// A sound with a screen capture: the screen above it.
		return &player{Audio: pl.Audio, Presentation: pl.Presentation}
	}
	pl.Audio = ""
	pl.Poster = s.posterURL(v)
	slices.SortFunc(mp4s, func(a, b lectern.Rendition) int { return cmp.Compare(a.Height, b.Height) })
	pick := -1 // the largest up to defaultHeight, else the smallest
	for i, rd := range mp4s {
		if rd.Height <= defaultHeight || pick < 0 {
			pick = i
		}
	}
	for i, rd := range mp4s {
		src := source{URL: mediaURL(v, rd.Path), Label: renditionLabel(rd), Selected: i == pick}
		if src.Selected {
			pl.Default = src.URL
		}
		pl.Sources = append(pl.Sources, src)
	}
	return pl
}

// renditionLabel names a rendition for people: "720p".
func renditionLabel(rd lectern.Rendition) string {
	if rd.Name != "" && rd.Name != "original" {
		return rd.Name
	}
	return id64(int64(rd.Height)) + "p"
}

// downloads lists v's MP4 renditions, largest first (an audio-only
// video's M4A).
func downloads(p *locale.Printer, v *lectern.Video) []download {
	var out []download
	for _, rd := range v.Renditions {
		if rd.Kind != lectern.RenditionMP4 && rd.Kind != lectern.RenditionM4A || !rd.Ready() {
			continue
		}
		d := download{URL: mediaURL(v, rd.Path) + "?download=1", Label: renditionLabel(rd)}
		if rd.Kind == lectern.RenditionM4A {
			d.Label = "M4A"
		}
		if rd.Size > 0 {
			d.Size = humanSize(p, rd.Size)
		}
		out = append(out, d)
	}
	slices.Reverse(out)
	return out
}

// splitTags reads Pod's tags: words separated by spaces, or by commas
// when there is one.
func splitTags(tags string) []string {
	sep := func(r rune) bool { return r == ' ' || r == '\t' || r == '\n' }
	if strings.Contains(tags, ",") {
		sep = func(r rune) bool { return r == ',' }
	}
	var out []string
	for _, t := range strings.FieldsFunc(tags, sep) {
		if t = strings.TrimSpace(t); t != "" && !slices.Contains(out, t) {
			out = append(out, t)
		}
	}
	return out
}

type videoPasswordPage struct {
	layout
	V     *lectern.Video
	Error string
}

func (s *Server) renderVideoPassword(w http.ResponseWriter, r *http.Request, v *lectern.Video, status int, errMsg string) {
	s.render(w, r, status, "video_password", videoPasswordPage{
		layout: s.page(r, "video.password.title", ""), V: v, Error: errMsg,
	})
}

// handleVideoUnlock checks a protected video's password; the right one is
// remembered in the session, for this video and this password. Guessing
// is slowed down by videoLimit, per video (see passwordLimiter).
func (s *Server) handleVideoUnlock(w http.ResponseWriter, r *http.Request) {
	v, ok := s.pathVideo(w, r)
	if !ok {
		return
	}
	switch a := s.videoAccess(r, v); a {
	case lectern.AccessAllowed:
		http.Redirect(w, r, videoURL(v), http.StatusSeeOther)
		return
	case lectern.AccessPasswordForm:
	default:
		s.refuseVideoPage(w, r, v, a)
		return
	}
	try, wait := s.videoLimit.begin(clientAddr(r), id64(v.ID))
	if try == nil {
		s.renderVideoPassword(w, r, v, http.StatusTooManyRequests, s.refuseGuess(w, r, wait))
		return
	}
	if !password.Check(v.PasswordHash, r.PostFormValue("password")) {
		try.fail()
		s.logger.Info("wrong video password", "video_id", v.ID, "remote_addr", r.RemoteAddr)
		s.renderVideoPassword(w, r, v, http.StatusOK, s.printer(r).T("video.password.wrong"))
		return
	}
	try.succeed()
	ctx := r.Context()
	if err := s.sessions.RenewToken(ctx); err != nil {
		s.serverError(w, r, err)
		return
	}
	s.sessions.Put(ctx, sessionVideoUnlock+id64(v.ID), unlockToken(v))
	http.Redirect(w, r, videoURL(v), http.StatusSeeOther)
}

// posterURL is the picture the player shows before it plays: the poster
// taken with the thumbnail, as large as the rendition the player starts
// with (lectern.PosterName), else (a video encoded before posters) the
// thumbnail; "" for none.
func (s *Server) posterURL(v *lectern.Video) string {
	if v.Thumbnail == "" {
		return ""
	}
	if poster := lectern.PosterName(v.Thumbnail); poster != "" && s.cfg.MediaRoot != "" {
		if fi, err := os.Stat(filepath.Join(s.cfg.MediaRoot, filepath.FromSlash(lectern.VideoDir(v.ID)), filepath.FromSlash(poster))); err == nil && fi.Mode().IsRegular() {
			return mediaURL(v, poster)
		}
	}
	return mediaURL(v, v.Thumbnail)
}
