package lectern

import (
	"context"
	"path"
	"strconv"
	"strings"
)

// A video's folder: everything of video id lives in VideoDir(id) under
// MEDIA_ROOT, written by the jobs (package jobs, and the Encoder they
// run) and served by the video page (package web):
//
//	videos/<id>/source<.ext>       the source, moved out of the recorder's directory (VideoSource)
//	videos/<id>/360p.mp4 …         the renditions (fragmented MP4s), audio.m4a for sound only
//	videos/<id>/hls/               the HLS playlists (over byte ranges of the renditions; VideoHLSDir)
//	videos/<id>/thumbnail*.jpg     the thumbnails
//	videos/<id>/slides/            an audiovideocast's slides (VideoSlidesDir)
//
// Paths stored on a video (SourceFile, Rendition.Path, Thumbnail, a
// slide's image) use slashes; SourceFile is relative to MEDIA_ROOT, the
// others to the video's folder.
const (
	VideosDir      = "videos" // under MEDIA_ROOT
	VideoHLSDir    = "hls"
	VideoSlidesDir = "slides"
)

// VideoDir is video id's folder, relative to MEDIA_ROOT, with slashes.
func VideoDir(id int64) string { return path.Join(VideosDir, strconv.FormatInt(id, 10)) }

// VideoSource is where video id's source of extension ext (".MP4",
// ".mp4", "") is stored, relative to MEDIA_ROOT: source<.ext>, the
// extension in lower case.
func VideoSource(id int64, ext string) string {
	return path.Join(VideoDir(id), "source"+strings.ToLower(ext))
}

// MediaInfo is what a probe of a media file tells.
type MediaInfo struct {
	Duration float64 // seconds; 0 when unknown
	Width    int     // of the first video stream, as displayed (rotation applied)
	Height   int
	HasVideo bool // a moving picture; a cover image does not count
	HasAudio bool
}

// Thumbnailer probes media files and takes still pictures of them
// (implemented by ffmpeg.Runner). The processing stage adds an Encoder.
//
// Every method reads only the file it is given, and only when it is what
// the method takes: audio or video in a container on the implementation's
// list (a playlist, a concat script or a picture named .mp4 is refused,
// as they name other files or are no recording), or, for ScalePicture,
// one picture. A refused file is an EINVALID error whose message says
// what the file was read as.
type Thumbnailer interface {
	// Probe reads the file's duration and streams; a file that is not
	// media is an EINVALID error.
	Probe(ctx context.Context, path string) (MediaInfo, error)
	// Thumbnail writes one JPEG frame of src taken at second at, width
	// pixels wide, to dst.
	Thumbnail(ctx context.Context, src, dst string, at float64, width int) error
	// ScalePicture writes the picture src (a JPEG, PNG or GIF) to dst as
	// a JPEG width pixels wide, never wider than it is.
	ScalePicture(ctx context.Context, src, dst string, width int) error
}

// Rendition kinds.
const (
	RenditionMP4 = "mp4" // a progressive MP4 (faststart), for download and fallback playback
	RenditionHLS = "hls" // an HLS playlist over the same encoded streams
	RenditionM4A = "m4a" // audio-only sources
)

// Rendition is one encoded version of a video. Path is relative to the
// video's directory.
type Rendition struct {
	Name         string `json:"name"` // "360p", "720p", "1080p", "audio", "master"
	Kind         string `json:"kind"` // a Rendition* constant
	Path         string `json:"path"`
	Width        int    `json:"width"`
	Height       int    `json:"height"`
	VideoBitrate int    `json:"video_bitrate"` // bits per second, maximum
	AudioBitrate int    `json:"audio_bitrate"`
	Size         int64  `json:"size"` // bytes
	// State is RenditionReady (also when empty, as before states were
	// stored), RenditionComing (planned, its files not written yet: never
	// offered nor served) or, in an answer only, RenditionFailed (coming
	// when the encode failed; see Video.RenditionState).
	State string `json:"state"`
}

// Rendition states.
const (
	RenditionReady  = "ready"
	RenditionComing = "coming"
	RenditionFailed = "failed"
)

// Ready reports whether the rendition's files are whole and may be
// offered.
func (r Rendition) Ready() bool { return r.State == "" || r.State == RenditionReady }

// EncodeResult is what an encode produced, every path relative to the
// output directory.
type EncodeResult struct {
	Info       MediaInfo
	Renditions []Rendition
	Thumbnail  string // a JPEG still; "" for audio-only sources
	// Remux says how the source became the top rendition, for the
	// recording's log: "" when it was encoded as before (the remux off,
	// or a source not browser-ready; see RemuxSkipped), else the
	// rendition's name ("1080p", or "original" when the remux was offered
	// first and then replaced by the ladder's own top rung).
	Remux string
	// RemuxSkipped says why the source was not offered as it is, or was
	// replaced by an encoded top rung ("the picture is hevc, not H.264",
	// "its bitrate 12000k is above 1.5 × 1080p's 4500k"); "" otherwise.
	RemuxSkipped string
	// Stale lists files of renditions offered during the encode and not
	// in the result (a remux replaced by the ladder's top rung), which
	// the caller removes once the result is stored.
	Stale []string
}

// StagedEncoder is an Encoder that tells, as it goes, which renditions
// are ready (implemented by ffmpeg.Runner): a video is playable from the
// first.
type StagedEncoder interface {
	Encoder
	// EncodeStaged is Encode that calls ready, between its steps, with
	// the result so far: every rendition whose files are whole (State
	// RenditionReady; the master playlist names only those) and those
	// still to come (RenditionComing), the duration and the thumbnail.
	// An error from ready stops the encode and is returned.
	EncodeStaged(ctx context.Context, src, dir string, progress func(percent float64), ready func(*EncodeResult) error) (*EncodeResult, error)
}

// Encoder encodes a source for the web (implemented by ffmpeg.Runner).
type Encoder interface {
	// Probe checks src as Encode does before it writes anything, and
	// tells what it holds: a source Encode would refuse (not media, or
	// not in a container Lectern accepts) is an EINVALID error saying
	// why; a missing file is another error.
	Probe(ctx context.Context, src string) (MediaInfo, error)
	// Encode probes src, then writes every rendition, the HLS playlists
	// and a thumbnail into dir (which exists and is empty or holds a
	// previous, interrupted attempt to overwrite). progress, when not nil,
	// is called with the percentage done (0 to 100) as encoding goes. A
	// source that is not media is an EINVALID error; ffmpeg's failures
	// carry the tail of its standard error.
	Encode(ctx context.Context, src, dir string, progress func(percent float64)) (*EncodeResult, error)
}
