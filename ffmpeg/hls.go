package ffmpeg

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// mediaPlaylist is what the master playlist says of one media playlist.
type mediaPlaylist struct {
	peak    int    // bits per second of the largest segment
	average int    // bits per second over the whole
	codecs  string // RFC 6381: "avc1.64001f,mp4a.40.2"
	size    int64  // bytes of the playlist and every file it names
}

// readMediaPlaylist reads the HLS media playlist name in dir, as ffmpeg's
// HLS muxer writes it (EXTINF, optional BYTERANGE, EXT-X-MAP), and the
// codecs from its fMP4 init section.
func readMediaPlaylist(dir, name string) (mediaPlaylist, error) {
	var pl mediaPlaylist
	b, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil {
		return pl, fmt.Errorf("hls playlist: %w", err)
	}
	pl.size = int64(len(b))
	files := map[string]int64{}
	fileSizeOf := func(uri string) (int64, error) {
		if n, ok := files[uri]; ok {
			return n, nil
		}
		if strings.Contains(uri, "/") || strings.Contains(uri, "..") {
			return 0, fmt.Errorf("hls playlist %s: unexpected URI %q", name, uri)
		}
		n, err := fileSize(filepath.Join(dir, uri))
		if err != nil {
			return 0, fmt.Errorf("hls playlist %s: %w", name, err)
		}
		files[uri] = n
		pl.size += n
		return n, nil
	}
	var (
		dur, total float64
		bytesTotal int64
		length     int64 = -1 // of the next segment, from EXT-X-BYTERANGE
		initURI    string
		initLen    int64
		initOff    int64
	)
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		switch {
		case line == "":
		case strings.HasPrefix(line, "#EXTINF:"):
			v, _, _ := strings.Cut(strings.TrimPrefix(line, "#EXTINF:"), ",")
			dur, _ = strconv.ParseFloat(v, 64)
		case strings.HasPrefix(line, "#EXT-X-BYTERANGE:"):
			length, _, err = byteRange(strings.TrimPrefix(line, "#EXT-X-BYTERANGE:"))
			if err != nil {
				return pl, fmt.Errorf("hls playlist %s: %w", name, err)
			}
		case strings.HasPrefix(line, "#EXT-X-MAP:"):
			attrs := strings.TrimPrefix(line, "#EXT-X-MAP:")
			initURI = attr(attrs, "URI")
			if br := attr(attrs, "BYTERANGE"); br != "" {
				if initLen, initOff, err = byteRange(br); err != nil {
					return pl, fmt.Errorf("hls playlist %s: %w", name, err)
				}
			}
			if _, err := fileSizeOf(initURI); err != nil {
				return pl, err
			}
		case strings.HasPrefix(line, "#"):
		default:
			n, err := fileSizeOf(line)
			if err != nil {
				return pl, err
			}
			if length >= 0 {
				n = length
			}
			if dur > 0 {
				pl.peak = max(pl.peak, int(math.Ceil(float64(n)*8/dur)))
			}
			total += dur
			bytesTotal += n
			dur, length = 0, -1
		}
	}
	if total <= 0 {
		return pl, fmt.Errorf("hls playlist %s: no segment", name)
	}
	pl.average = int(math.Ceil(float64(bytesTotal) * 8 / total))
	if initURI == "" {
		return pl, fmt.Errorf("hls playlist %s: no EXT-X-MAP (fMP4 init section)", name)
	}
	if pl.codecs, err = initCodecs(filepath.Join(dir, initURI), initOff, initLen); err != nil {
		return pl, fmt.Errorf("hls playlist %s: %w", name, err)
	}
	return pl, nil
}

// byteRange reads "length[@offset]".
func byteRange(s string) (length, offset int64, err error) {
	l, o, _ := strings.Cut(s, "@")
	length, err = strconv.ParseInt(l, 10, 64)
	if err == nil && o != "" {
		offset, err = strconv.ParseInt(o, 10, 64)
	}
	if err != nil || length < 0 || offset < 0 {
		return 0, 0, fmt.Errorf("bad byte range %q", s)
	}
	return length, offset, nil
}

// attr reads the value of key in an HLS attribute list, unquoted.
func attr(list, key string) string {
	for _, kv := range splitAttrs(list) {
		k, v, _ := strings.Cut(kv, "=")
		if k == key {
			return strings.Trim(v, `"`)
		}
	}
	return ""
}

// splitAttrs splits an attribute list at the commas outside quotes.
func splitAttrs(s string) []string {
	var out []string
	quoted, start := false, 0
	for i, c := range s {
		switch {
		case c == '"':
			quoted = !quoted
		case c == ',' && !quoted:
			out = append(out, s[start:i])
			start = i + 1
		}
	}
	return append(out, s[start:])
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
