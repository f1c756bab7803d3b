package lectern

import "context"

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
type Thumbnailer interface {
	// Probe reads the file's duration and streams; a file that is not
	// media is an EINVALID error.
	Probe(ctx context.Context, path string) (MediaInfo, error)
	// Thumbnail writes one JPEG frame of src taken at second at, width
	// pixels wide, to dst.
	Thumbnail(ctx context.Context, src, dst string, at float64, width int) error
}
