package lectern

import (
	"context"
	"path"
	"slices"
	"strings"
	"time"
)

// Encoding states of a video.
const (
	EncodingPending = "pending" // waiting for a worker
	EncodingRunning = "running"
	EncodingDone    = "done"
	EncodingError   = "error" // see EncodingLog; an admin may retry
)

// EncodingStates lists the states a video goes through, in order.
var EncodingStates = []string{EncodingPending, EncodingRunning, EncodingDone, EncodingError}

// Video is what people watch: made from a recording, owned by a user,
// with the defaults its recorder carries.
type Video struct {
	ID               int64   `json:"id"`
	Title            string  `json:"title"`
	Slug             string  `json:"slug"`
	Description      string  `json:"description"`
	OwnerID          int64   `json:"owner"`
	AdditionalOwners []int64 `json:"additional_owners"`
	TypeID           int64   `json:"type"`
	RecordingID      *int64  `json:"recording"`
	IsDraft          bool    `json:"is_draft"`
	IsRestricted     bool    `json:"is_restricted"`
	Groups           []int64 `json:"restrict_access_to_groups"`
	PasswordHash     string  `json:"-"`
	Cursus           string  `json:"cursus"`
	MainLang         string  `json:"main_lang"`
	Transcript       string  `json:"transcript"`
	Tags             string  `json:"tags"`
	Licence          string  `json:"licence"`
	AllowDownloading bool    `json:"allow_downloading"`
	Is360            bool    `json:"is_360"`
	DisableComment   bool    `json:"disable_comment"`
	SourceFile       string  `json:"-"` // under MEDIA_ROOT
	Duration         float64 `json:"duration"`
	EncodingState    string  `json:"encoding_state"`
	EncodingProgress float64 `json:"encoding_progress"` // 0 to 100
	EncodingLog      string  `json:"-"`
	Thumbnail        string  `json:"-"`
	// DateEvt is the day of the lecture (Pod's date_evt), "2006-01-02";
	// empty when unknown. An audiovideocast SMIL's date fills it.
	DateEvt     string    `json:"date_evt"`
	DateAdded   time.Time `json:"date_added"`
	DateUpdated time.Time `json:"date_updated"`

	Renditions []Rendition `json:"renditions"`
}

// PictureRendition is the largest MP4 rendition with a picture, the one
// a thumbnail is taken from; false for sound only or before the encode.
func (v *Video) PictureRendition() (Rendition, bool) {
	best := -1
	for i, r := range v.Renditions {
		if r.Kind == RenditionMP4 && r.Ready() && r.Height > 0 && (best < 0 || r.Height > v.Renditions[best].Height) {
			best = i
		}
	}
	if best < 0 {
		return Rendition{}, false
	}
	return v.Renditions[best], true
}

// Playable reports whether the video has a rendition a player can
// play: the whole encode done, or an early one (a remux of a
// browser-ready source, the lowest rung) while the others are coming.
func (v *Video) Playable() bool {
	for _, r := range v.Renditions {
		if r.Ready() && (r.Kind == RenditionMP4 || r.Kind == RenditionM4A || r.Kind == RenditionHLS) {
			return true
		}
	}
	return false
}

// RenditionState is r's state as a video's readers see it: ready,
// coming while the encode is pending or running, failed when it
// stopped in error.
func (v *Video) RenditionState(r Rendition) string {
	switch {
	case r.Ready():
		return RenditionReady
	case v.EncodingState == EncodingError:
		return RenditionFailed
	default:
		return RenditionComing
	}
}

// Coming lists the names of the MP4 renditions still to come, from the
// smallest ("360p", "720p"): the qualities the video page says are on
// their way.
func (v *Video) Coming() []string {
	var names []string
	for _, r := range v.Renditions {
		if r.Kind == RenditionMP4 && !r.Ready() && v.EncodingState != EncodingError {
			names = append(names, r.Name)
		}
	}
	return names
}

// PosterHeight is the height of the rendition a player starts with (the
// largest up to 720p): a video's poster, the frame the player shows
// before it plays, is as large as that rendition, not the lists' small
// thumbnail stretched.
const PosterHeight = 720

// PosterRendition is the MP4 rendition the player starts with, whose
// size the poster has: the largest up to PosterHeight, else the
// smallest; false for sound only or before the encode.
func (v *Video) PosterRendition() (Rendition, bool) {
	best := -1
	for i, r := range v.Renditions {
		if r.Kind != RenditionMP4 || !r.Ready() || r.Height <= 0 {
			continue
		}
		if best < 0 || posterFits(r.Height, v.Renditions[best].Height) {
			best = i
		}
	}
	if best < 0 {
		return Rendition{}, false
	}
	return v.Renditions[best], true
}

// posterFits reports whether a rendition h high makes a better poster
// than one than high (see PosterRendition).
func posterFits(h, than int) bool {
	switch {
	case h <= PosterHeight && than <= PosterHeight:
		return h > than
	case h <= PosterHeight:
		return true
	case than <= PosterHeight:
		return false
	default:
		return h < than
	}
}

// PosterName is the file of the poster taken with thumbnail (a path
// relative to the video's directory), beside it and named after it:
// "thumbnail.jpg" has "poster.jpg", "thumbnail-1500.jpg" (a frame its
// managers chose) "poster-1500.jpg"; "" for another name (no poster).
func PosterName(thumbnail string) string {
	dir, base := path.Split(thumbnail)
	rest, ok := strings.CutPrefix(base, "thumbnail")
	if !ok || !strings.HasSuffix(rest, ".jpg") {
		return ""
	}
	return dir + "poster" + rest
}

// EventDate reads the day a recorder wrote in its metadata (ISO 8601
// with or without a time and zone, or day/month/year as French
// recorders write it) as "2006-01-02"; "" when it is none of those.
func EventDate(s string) string {
	s = strings.TrimSpace(s)
	for _, layout := range []string{time.RFC3339, "2006-01-02T15:04:05", "2006-01-02 15:04:05", "2006-01-02T15:04",
		"2006-01-02 15:04", "2006-01-02", "02/01/2006 15:04:05", "02/01/2006 15:04", "02/01/2006", "2006/01/02", "20060102"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.Format("2006-01-02")
		}
	}
	return ""
}

// NewVideo returns the video a recording becomes: its title and owner,
// and from its recorder the type and every default (additional owners,
// draft, restricted, groups, password, cursus, language, transcript,
// tags, licence, downloading, 360, comments).
func NewVideo(rec *Recording, r *Recorder) *Video {
	v := &Video{
		Title: rec.Title, Slug: Slugify(rec.Title), OwnerID: rec.UserID, RecordingID: &rec.ID,
		EncodingState: EncodingPending,
	}
	if r != nil {
		v.TypeID = r.TypeID
		v.AdditionalOwners = append([]int64{}, r.AdditionalUsers...)
		v.IsDraft, v.IsRestricted = r.IsDraft, r.IsRestricted
		v.Groups = append([]int64{}, r.RestrictAccessToGroups...)
		v.PasswordHash, v.Cursus, v.MainLang, v.Transcript = r.PasswordHash, r.Cursus, r.MainLang, r.Transcript
		v.Tags, v.Licence = r.Tags, r.Licence
		v.AllowDownloading, v.Is360, v.DisableComment = r.AllowDownloading, r.Is360, r.DisableComment
	}
	// The owner is never also an additional owner.
	owners := v.AdditionalOwners[:0]
	for _, id := range v.AdditionalOwners {
		if id != v.OwnerID {
			owners = append(owners, id)
		}
	}
	v.AdditionalOwners = owners
	return v
}

// folds maps accented Latin letters to their plain form for slugs.
var folds = strings.NewReplacer(
	"à", "a", "á", "a", "â", "a", "ä", "a", "ã", "a", "å", "a", "æ", "ae", "ç", "c",
	"è", "e", "é", "e", "ê", "e", "ë", "e", "ì", "i", "í", "i", "î", "i", "ï", "i",
	"ñ", "n", "ò", "o", "ó", "o", "ô", "o", "ö", "o", "õ", "o", "ø", "o", "œ", "oe",
	"ù", "u", "ú", "u", "û", "u", "ü", "u", "ý", "y", "ÿ", "y", "ß", "ss",
)

// Slugify makes a URL segment of a title: lower case ASCII letters and
// digits joined by single dashes, at most 80 bytes; "video" when nothing
// is left.
func Slugify(title string) string {
	s := folds.Replace(strings.ToLower(title))
	var b strings.Builder
	dash := false
	for _, c := range s {
		switch {
		case c >= 'a' && c <= 'z' || c >= '0' && c <= '9':
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			dash = false
			b.WriteRune(c)
		default:
			dash = true
		}
		if b.Len() >= 80 {
			break
		}
	}
	if b.Len() == 0 {
		return "video"
	}
	return strings.TrimRight(b.String()[:min(b.Len(), 80)], "-")
}

// Viewer is who asks to watch a video: nil for an anonymous visitor.
type Viewer struct {
	User   *User
	Groups []int64 // the user's groups
}

// Access is the answer to "may this viewer watch this video?".
type Access int

const (
	AccessAllowed      Access = iota
	AccessLogin               // restricted: log in first
	AccessForbidden           // a draft, or a group the viewer is not in
	AccessPasswordForm        // ask for the video's password
)

// ManagedBy reports whether u owns v, is one of its additional owners, or
// is a superuser: they always see it, its errors and its files.
func (v *Video) ManagedBy(u *User) bool {
	return u != nil && (u.IsSuperuser || u.ID == v.OwnerID || slices.Contains(v.AdditionalOwners, u.ID))
}

// CanView applies Pod's access rules: owners, additional owners and
// superusers always; a draft to nobody else; a restricted video to
// logged-in users (of its groups, when set); a password-protected video
// after the password (passwordOK tells whether the viewer gave it).
func (v *Video) CanView(who Viewer, passwordOK bool) Access {
	u := who.User
	if v.ManagedBy(u) {
		return AccessAllowed
	}
	if v.IsDraft {
		if u == nil {
			return AccessLogin
		}
		return AccessForbidden
	}
	if v.IsRestricted || len(v.Groups) > 0 {
		if u == nil {
			return AccessLogin
		}
		if len(v.Groups) > 0 && !intersects(v.Groups, who.Groups) {
			return AccessForbidden
		}
	}
	if v.PasswordHash != "" && !passwordOK {
		return AccessPasswordForm
	}
	return AccessAllowed
}

func intersects(a, b []int64) bool {
	for _, x := range a {
		if slices.Contains(b, x) {
			return true
		}
	}
	return false
}

// VideoFilter selects videos; zero fields match everything.
type VideoFilter struct {
	ID      *int64
	OwnerID *int64 // owner or additional owner
	// PublishedByID is who published the video's recording
	// (Recording.PublishedByID); videos they own or co-own are left out.
	PublishedByID *int64
	RecordingID   *int64
	State         *string
	Draft         *bool
	Page          Page
}

// VideoService stores videos.
type VideoService interface {
	// CreateVideo inserts v, setting v.ID; ECONFLICT (and v filled with
	// the stored video) when its recording already has one: one video per
	// recording, whatever crashes in between.
	CreateVideo(ctx context.Context, v *Video) error
	// UpdateVideo validates v (Video.Validate) and saves what its
	// managers edit: title (and slug), description, date of the event,
	// type, draft, restricted, groups, password hash, additional owners,
	// cursus, language, tags, licence, downloading, 360, comments.
	// ENOTFOUND; EINVALID (with Fields) for bad values or an unknown
	// type, user or group.
	UpdateVideo(ctx context.Context, v *Video) error
	// FindVideoByID returns ENOTFOUND when no video has that id.
	FindVideoByID(ctx context.Context, id int64) (*Video, error)
	// FindVideos returns one page of matching videos, newest first, and
	// the number of all matching videos.
	FindVideos(ctx context.Context, filter VideoFilter) ([]*Video, int, error)
	// CountVideos returns the number of matching videos (the filter's
	// Page is ignored).
	CountVideos(ctx context.Context, filter VideoFilter) (int, error)
	// SetSource records where the video's source now is (relative to
	// MEDIA_ROOT) and, in the same transaction, enqueues its encode
	// (EncodeVideoArgs; not twice while one waits or runs).
	SetSource(ctx context.Context, id int64, path string) error
	// EncodeAgain marks the video's encoding pending (progress 0, log
	// cleared) and, in the same transaction, enqueues its encode
	// (EncodeVideoArgs): an admin's "encode again" never leaves a video
	// waiting for a job that is not there, whatever crashes.
	EncodeAgain(ctx context.Context, id int64) error
	// RetryEncoding marks the video's encoding pending and, in the same
	// transaction, makes its finished encode job jobID run again (the
	// store's Enqueuer is then a Retrier): an admin's retry, whole or
	// not at all.
	RetryEncoding(ctx context.Context, id, jobID int64) error
	// SetEncoding records the encoding state, progress and log.
	SetEncoding(ctx context.Context, id int64, state string, progress float64, log string) error
	// SetEncoded stores an encode's result: duration, renditions and
	// thumbnail, state done, progress 100.
	SetEncoded(ctx context.Context, id int64, res *EncodeResult) error
	// SetRenditions stores what an encode has made so far (a
	// StagedEncoder's ready call): duration, thumbnail and renditions
	// (each with its State), replacing the stored ones, in one
	// transaction; the encoding state stays as it is. ENOTFOUND.
	SetRenditions(ctx context.Context, id int64, res *EncodeResult) error
	// SetThumbnail records the video's thumbnail (a path relative to its
	// directory).
	SetThumbnail(ctx context.Context, id int64, path string) error
	// DeleteVideo removes the video and its renditions' rows (not files).
	DeleteVideo(ctx context.Context, id int64) error
}
