package ffmpeg

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// mediaPlaylist is what the master playlist says of one media playlist.
type mediaPlaylist struct {
	peak    int    // bits per second of the largest segment
	average int    // bits per second over the whole
	codecs  string // RFC 6381: "avc1.64001f,mp4a.40.2"
	size    int64  // bytes of the playlist (its media is the rendition's MP4)
}

// initCodecs reads the RFC 6381 codecs of an fMP4 init section: the
// profile, constraints and level bytes of the avcC box, and AAC-LC when
// there is an mp4a entry (Encode's AAC encoder writes LC).
func initCodecs(path string, off, length int64) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	if length <= 0 {
		length = 64 << 10
	}
	b, err := io.ReadAll(io.NewSectionReader(f, off, length))
	if err != nil {
		return "", err
	}
	var codecs []string
	if i := bytes.Index(b, []byte("avcC")); i >= 0 && i+8 <= len(b) {
		codecs = append(codecs, fmt.Sprintf("avc1.%02x%02x%02x", b[i+5], b[i+6], b[i+7]))
	}
	if bytes.Contains(b, []byte("mp4a")) {
		codecs = append(codecs, "mp4a.40.2")
	}
	if len(codecs) == 0 {
		return "", fmt.Errorf("%s: no H.264 or AAC in the init section", filepath.Base(path))
	}
	return strings.Join(codecs, ","), nil
}

// variant is one media playlist named by the master playlist.
type variant struct {
	uri           string
	width, height int
	playlist      mediaPlaylist
}

// writeMaster writes the master playlist at path, variants in the given
// order, and returns its size. BANDWIDTH is the peak segment bitrate and
// AVERAGE-BANDWIDTH the mean, as the HLS specification defines them.
func writeMaster(path string, variants []variant) (int64, error) {
	var b strings.Builder
	b.WriteString("#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-INDEPENDENT-SEGMENTS\n")
	for _, v := range variants {
		fmt.Fprintf(&b, "#EXT-X-STREAM-INF:BANDWIDTH=%d,AVERAGE-BANDWIDTH=%d,RESOLUTION=%dx%d,CODECS=\"%s\"\n%s\n",
			v.playlist.peak, v.playlist.average, v.width, v.height, v.playlist.codecs, v.uri)
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, []byte(b.String()), 0o644); err != nil {
		return 0, fmt.Errorf("hls master playlist: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return 0, fmt.Errorf("hls master playlist: %w", err)
	}
	return int64(b.Len()), nil
}
