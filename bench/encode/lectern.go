package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"lectern/ffmpeg"
)

// The bench's model of Lectern's encode once the source is remuxed when
// it can be (issue 16): its own ffmpeg commands, written after
// ffmpeg/encode.go's videoArgs, so that candidates' x264 settings can be
// measured without changing the runner. When the source is browser-ready
// and within the top rung's limits, the top rung is the source's own
// streams copied (one ffmpeg, -c copy, to a faststart MP4 and an fMP4 HLS
// playlist through the tee muxer) and only the lower rungs are encoded, by
// a second ffmpeg that decodes the source once; otherwise every rung is
// encoded by that one ffmpeg, as Runner.Encode does today. Then the
// thumbnail (from the smallest rendition) and the poster (from the top
// one), as Encode takes them.

// remuxFactor: a source whose video bitrate is more than this many times
// the top rung's maxrate is encoded rather than copied (the issue: "far
// above the rung's maxrate"), as the job's remuxBitrateFactor.
const remuxFactor = 1.5

// candidate is one set of x264 settings for the encoded rungs.
type candidate struct {
	preset string
	crf    int
	tune   string // "" or an x264 tune (stillimage)
	gop    int    // keyframe interval and HLS segment length, seconds
}

func (c candidate) String() string {
	s := fmt.Sprintf("%s/%d", c.preset, c.crf)
	if c.tune != "" {
		s += "/" + c.tune
	}
	return s + fmt.Sprintf("/g%d", c.gop)
}

// parseCandidates reads "preset:crf[:tune][:gN]", comma-separated; gN is
// the keyframe interval in seconds (default ffmpeg.KeyframeSeconds).
func parseCandidates(s string) ([]candidate, error) {
	var cs []candidate
	for item := range strings.SplitSeq(s, ",") {
		f := strings.Split(strings.TrimSpace(item), ":")
		if len(f) < 2 || f[0] == "" {
			return nil, fmt.Errorf("candidate %q: want preset:crf[:tune][:gN]", item)
		}
		crf, err := strconv.Atoi(f[1])
		if err != nil {
			return nil, fmt.Errorf("candidate %q: crf: %w", item, err)
		}
		c := candidate{preset: f[0], crf: crf, gop: ffmpeg.KeyframeSeconds}
		for _, o := range f[2:] {
			if g, ok := strings.CutPrefix(o, "g"); ok {
				if c.gop, err = strconv.Atoi(g); err != nil || c.gop < 1 {
					return nil, fmt.Errorf("candidate %q: keyframe interval %q", item, o)
				}
			} else {
				c.tune = o
			}
		}
		cs = append(cs, c)
	}
	return cs, nil
}

// probed is what the model needs to know of a source.
type probed struct {
	width, height      int
	codec, profile     string
	pixFmt, fieldOrder string
	level              int
	videoBitrate       int
	audioCodec         string // "" without sound
	duration           float64
}

func probe(ctx context.Context, src string, m *meter) (probed, error) {
	var out struct {
		Streams []struct {
			CodecType  string `json:"codec_type"`
			CodecName  string `json:"codec_name"`
			Profile    string `json:"profile"`
			PixFmt     string `json:"pix_fmt"`
			FieldOrder string `json:"field_order"`
			Level      int    `json:"level"`
			Width      int    `json:"width"`
			Height     int    `json:"height"`
			BitRate    string `json:"bit_rate"`
		} `json:"streams"`
		Format struct {
			Duration string `json:"duration"`
		} `json:"format"`
	}
	b, err := m.output(ctx, "ffprobe", "-v", "error", "-show_streams", "-show_format", "-of", "json", src)
	if err != nil {
		return probed{}, err
	}
	if err := json.Unmarshal(b, &out); err != nil {
		return probed{}, fmt.Errorf("probe %s: %w", src, err)
	}
	var p probed
	p.duration, _ = strconv.ParseFloat(out.Format.Duration, 64)
	for _, s := range out.Streams {
		switch {
		case s.CodecType == "video" && p.codec == "":
			p.codec, p.profile, p.pixFmt, p.fieldOrder, p.level = s.CodecName, s.Profile, s.PixFmt, s.FieldOrder, s.Level
			p.width, p.height = s.Width, s.Height
			p.videoBitrate, _ = strconv.Atoi(s.BitRate)
		case s.CodecType == "audio" && p.audioCodec == "":
			p.audioCodec = s.CodecName
		}
	}
	return p, nil
}

// copyTop says whether the model copies the top rung, and why.
func copyTop(p probed, top ffmpeg.Rung) (bool, string) {
	switch {
	case p.codec != "h264":
		return false, "video is " + p.codec + ", not H.264"
	case p.pixFmt != "yuv420p" && p.pixFmt != "yuvj420p":
		return false, "pixels are " + p.pixFmt + ", not 8-bit 4:2:0"
	case !slices.Contains([]string{"Constrained Baseline", "Main", "High"}, p.profile):
		return false, "H.264 profile " + p.profile
	case p.level <= 0 || p.level > 51:
		return false, fmt.Sprintf("H.264 level %d", p.level)
	case p.fieldOrder != "" && p.fieldOrder != "progressive" && p.fieldOrder != "unknown":
		return false, "interlaced"
	case p.audioCodec != "" && p.audioCodec != "aac":
		return false, "sound is " + p.audioCodec + ", not AAC"
	case p.width > top.Width || p.height > top.Height:
		return false, fmt.Sprintf("%dx%d is larger than %s", p.width, p.height, top.Name)
	case float64(p.videoBitrate) > remuxFactor*float64(top.VideoBitrate):
		return false, fmt.Sprintf("%.1f Mbit/s is more than %.1f× %s's maxrate", float64(p.videoBitrate)/1e6, remuxFactor, top.Name)
	}
	return true, fmt.Sprintf("H.264 %s %s, %.1f Mbit/s ≤ %.1f× %s's maxrate, AAC", p.profile, p.pixFmt, float64(p.videoBitrate)/1e6, remuxFactor, top.Name)
}

// rendition is a rung as a 16:9 source at least its size gets it.
type rendition struct {
	ffmpeg.Rung
	w, h int
}

// rungs is the default ladder's rungs a width×height source gets (every
// rung whose box it fills; the bench's sources are 16:9).
func rungs(width, height int) []rendition {
	var rs []rendition
	for i, r := range ffmpeg.DefaultLadder() {
		if i > 0 && width < r.Width && height < r.Height {
			continue
		}
		rs = append(rs, rendition{r, min(r.Width, width), min(r.Height, height)})
	}
	return rs
}

// hlsOut is the tee muxer's two outputs of a rung, as videoArgs writes them.
func hlsOut(name string, gop int) string {
	return fmt.Sprintf("[f=mp4:movflags=+faststart]%s.mp4|[f=hls:hls_time=%d:hls_playlist_type=vod:hls_segment_type=fmp4:hls_flags=single_file]hls/%s.m3u8",
		name, gop, name)
}

var quiet = []string{"-nostdin", "-hide_banner", "-loglevel", "error", "-y"}

// remuxArgs copies the source's streams to the top rung's files.
func remuxArgs(src string, top rendition, gop int, audio bool) []string {
	args := append(slices.Clip(quiet), "-i", src, "-map", "0:v:0")
	if audio {
		args = append(args, "-map", "0:a:0")
	}
	return append(args, "-c", "copy", "-map_metadata", "-1", "-f", "tee", hlsOut(top.Name, gop))
}

// encodeArgs encodes rs from one decode of src, as videoArgs does, with
// c's x264 settings.
func encodeArgs(src string, rs []rendition, c candidate, audio bool) []string {
	var graph strings.Builder
	if len(rs) == 1 {
		graph.WriteString("[0:v:0]null[s0]")
	} else {
		fmt.Fprintf(&graph, "[0:v:0]split=%d", len(rs))
		for i := range rs {
			fmt.Fprintf(&graph, "[s%d]", i)
		}
	}
	for i, r := range rs {
		fmt.Fprintf(&graph, ";[s%d]scale=%d:%d,setsar=1,format=yuv420p[v%d]", i, r.w, r.h, i)
	}
	args := append(slices.Clip(quiet), "-i", src, "-filter_complex", graph.String())
	for i, r := range rs {
		args = append(args, "-map", fmt.Sprintf("[v%d]", i))
		if audio {
			args = append(args, "-map", "0:a:0")
		}
		args = append(args, "-c:v", "libx264", "-preset", c.preset, "-crf", strconv.Itoa(c.crf), "-profile:v", "high")
		if c.tune != "" {
			args = append(args, "-tune", c.tune)
		}
		args = append(args, "-maxrate", strconv.Itoa(r.VideoBitrate), "-bufsize", strconv.Itoa(2*r.VideoBitrate),
			"-sc_threshold", "0", "-force_key_frames", fmt.Sprintf("expr:gte(t,n_forced*%d)", c.gop), "-fps_mode", "vfr")
		if audio {
			args = append(args, "-c:a", "aac", "-b:a", strconv.Itoa(r.AudioBitrate), "-ar", "48000", "-ac", "2")
		}
		args = append(args, "-map_metadata", "-1", "-flags", "+global_header", "-max_muxing_queue_size", "4096",
			"-f", "tee", hlsOut(r.Name, c.gop))
	}
	return args
}

// stillArgs is a thumbnail as Runner.Thumbnail takes it.
func stillArgs(src, dst string, at float64, width int) []string {
	w := strconv.Itoa(width)
	return append(slices.Clip(quiet), "-ss", strconv.FormatFloat(at, 'f', 3, 64), "-i", src,
		"-map", "0:v:0", "-frames:v", "1", "-vf", "scale='min("+w+",iw)':-2", "-q:v", "4",
		"-f", "image2", "-update", "1", "-c:v", "mjpeg", dst)
}

// runLectern runs the model on src into dir with c's settings. It
// returns the figures and the bytes of the encoded rungs below the top.
func runLectern(ctx context.Context, src, dir string, c candidate) (result, string, error) {
	res := result{name: "Lectern " + c.String()}
	m := &meter{dir: dir}
	start := time.Now()
	if err := os.MkdirAll(filepath.Join(dir, "hls"), 0o755); err != nil {
		return res, "", err
	}
	p, err := probe(ctx, src, m)
	if err != nil {
		return res, "", err
	}
	rs := rungs(p.width, p.height)
	top := rs[len(rs)-1]
	audio := p.audioCodec != ""
	copied, why := copyTop(p, top.Rung)
	model := "every rung encoded from one decode (" + why + ")"
	encoded := rs
	if copied {
		model = fmt.Sprintf("%s copied (%s), the other rungs encoded from one decode", top.Name, why)
		encoded = rs[:len(rs)-1]
		if err := m.run(ctx, "ffmpeg", remuxArgs(src, top, c.gop, audio)...); err != nil {
			return res, "", err
		}
		res.playable = time.Since(start)
	}
	if len(encoded) > 0 {
		if err := m.run(ctx, "ffmpeg", encodeArgs(src, encoded, c, audio)...); err != nil {
			return res, "", err
		}
	}
	// Thumbnail and poster, each after a probe of its rendition.
	at := max(p.duration/10, 1)
	for _, s := range []struct {
		from  rendition
		dst   string
		width int
	}{{rs[0], "thumbnail.jpg", rs[0].w}, {top, "poster.jpg", min(top.w, 1280)}} {
		if _, err := m.output(ctx, "ffprobe", "-v", "error", "-show_streams", "-show_format", "-of", "json", s.from.Name+".mp4"); err != nil {
			return res, "", err
		}
		if err := m.run(ctx, "ffmpeg", stillArgs(s.from.Name+".mp4", s.dst, at, s.width)...); err != nil {
			return res, "", err
		}
	}
	res.wall, res.cpu, res.maxRSS = time.Since(start), m.cpu, m.maxRSS
	res.size = dirSize(dir)
	for _, r := range rs[:len(rs)-1] {
		res.lower += prefixSize(dir, r.Name+".")
	}
	if res.ssim, err = ssim(ctx, filepath.Join(dir, "720p.mp4"), src); err != nil {
		return res, "", err
	}
	return res, model, nil
}
