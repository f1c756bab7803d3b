package lectern

import (
	"context"
	"path"
	"strings"
)

// A deposit made of several files (Treatment.Parts: a recording split
// into parts, an Opencast media package's tracks) becomes one video: the
// presenter's parts joined in order are its source, and the
// presentation's parts joined the same way are a second file kept beside
// it, encoded into one MP4 (RenditionPresentation) the player shows next
// to the camera. A deposit with no presenter part has its presentation as
// the video.

// RenditionPresentation is the kind of a video's screen capture, shown
// beside the presenter: one MP4 (no ladder, no HLS).
const RenditionPresentation = "presentation"

// MaxParts bounds the files of one deposit: a longer list is refused
// whole (processing) or starts a new recording (grouping split parts), so
// that one recorder cannot make ffmpeg open thousands of files at once.
const MaxParts = 100

// VideoPresentationSource is where video id's joined or moved
// presentation (of extension ext) is kept, relative to MEDIA_ROOT.
func VideoPresentationSource(id int64, ext string) string {
	return path.Join(VideoDir(id), "presentation-source"+strings.ToLower(ext))
}

// VideoPresentationName is the presentation's encoded MP4, relative to
// the video's folder.
const VideoPresentationName = "presentation.mp4"

// JoinResult tells how parts were joined.
type JoinResult struct {
	// Copied: the parts shared their codecs, picture size and time base,
	// and were joined by stream copy; false: they were re-encoded.
	Copied bool
	// Info is what the joined file holds (Duration about the parts' sum).
	Info MediaInfo
	// Reason says, for a re-encode, what differed.
	Reason string
}

// Joiner joins the parts of a deposit into one file and encodes a
// presentation (implemented by ffmpeg.Runner). Like the Encoder, it reads
// only files it has checked to be media in an accepted container.
type Joiner interface {
	// Join checks every part (a part that is not media is an EINVALID
	// error naming it, and nothing is written), then writes the parts, in
	// order, into dst as one Matroska file: by stream copy when they
	// match, else re-encoded. dst is overwritten; the caller writes to a
	// temporary name and renames it. More than MaxParts parts, or a part
	// whose name cannot be written in a concat list (a control
	// character), is EINVALID.
	Join(ctx context.Context, parts []string, dst string) (*JoinResult, error)
	// EncodePresentation writes src, a presentation, into dir as
	// VideoPresentationName: one H.264 MP4 no taller than 720 lines, and
	// returns its rendition (Kind RenditionPresentation).
	EncodePresentation(ctx context.Context, src, dir string) (*Rendition, error)
}
