package ffmpeg

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"

	"lectern"
)

// Info is what Probe tells of a file.
type Info = lectern.MediaInfo

// probeOutput is the part of ffprobe's JSON Lectern reads.
type probeOutput struct {
	Streams []struct {
		Index       int               `json:"index"`
		CodecType   string            `json:"codec_type"`
		CodecName   string            `json:"codec_name"`
		FieldOrder  string            `json:"field_order"`
		FrameRate   string            `json:"avg_frame_rate"`
		SAR         string            `json:"sample_aspect_ratio"`
		BitRate     string            `json:"bit_rate"`
		Width       int               `json:"width"`
		Height      int               `json:"height"`
		Duration    string            `json:"duration"`
		PixFmt      string            `json:"pix_fmt"`
		Profile     string            `json:"profile"`
		Level       int               `json:"level"`
		TimeBase    string            `json:"time_base"`
		SampleRate  string            `json:"sample_rate"`
		Channels    int               `json:"channels"`
		Tags        map[string]string `json:"tags"`
		Disposition struct {
			AttachedPic int `json:"attached_pic"`
		} `json:"disposition"`
		SideDataList []struct {
			Rotation float64 `json:"rotation"`
		} `json:"side_data_list"`
	} `json:"streams"`
	Format struct {
		FormatName string `json:"format_name"`
		Duration   string `json:"duration"`
		BitRate    string `json:"bit_rate"`
	} `json:"format"`
}

// Probe implements lectern.Thumbnailer and lectern.Encoder: Open's
// verdict on path, and what it holds. A file Open refuses is an EINVALID
// *lectern.Error wrapping ErrNotMedia.
func (r *Runner) Probe(ctx context.Context, path string) (Info, error) {
	s, err := r.Open(ctx, path)
	if err != nil {
		return Info{}, err
	}
	return s.Info, nil
}

// parseProbe reads ffprobe's JSON: the demuxer (the first of
// format_name's names), the duration (the container's, else the longest
// stream's; 0 when none states one), the first moving picture and the
// first sound.
func parseProbe(out []byte) (*Source, error) {
	src := &Source{video: -1, audio: -1}
	var p probeOutput
	if err := json.Unmarshal(out, &p); err != nil {
		return nil, fmt.Errorf("read ffprobe output: %w", err)
	}
	src.demuxer, _, _ = strings.Cut(p.Format.FormatName, ",")
	info := &src.Info
	info.Duration = seconds(p.Format.Duration)
	var streams float64 // the longest stream's stated duration
	var sig strings.Builder
	for _, s := range p.Streams {
		fmt.Fprintf(&sig, "%s:%s:%s:%dx%d:%s:%s:%s:%d;", s.CodecType, s.CodecName, s.Profile, s.Width, s.Height,
			s.PixFmt, s.TimeBase, s.SampleRate, s.Channels)
		switch s.CodecType {
		case "audio":
			streams = max(streams, seconds(s.Duration))
			if info.HasAudio {
				continue
			}
			info.HasAudio = true
			src.audio, src.audioCodec = s.Index, s.CodecName
			src.audioBitrate, _ = strconv.Atoi(s.BitRate)
			src.audioProfile, src.audioChannels = s.Profile, s.Channels
		case "video":
			if s.Disposition.AttachedPic != 0 || info.HasVideo {
				continue
			}
			streams = max(streams, seconds(s.Duration))
			info.HasVideo = true
			src.video = s.Index
			info.Width, info.Height = s.Width, s.Height
			src.pic = picture{codec: s.CodecName, profile: s.Profile, level: s.Level, pixFmt: s.PixFmt,
				fieldOrder: s.FieldOrder, width: s.Width, height: s.Height, sar: s.SAR}
			src.pic.bitrate, _ = strconv.Atoi(s.BitRate)
			if n, d, ok := ratio(strings.Replace(s.FrameRate, "/", ":", 1)); ok {
				src.pic.frameRate = float64(n) / float64(d)
			}
			if n, d, ok := ratio(s.SAR); ok && n != d && info.Width > 0 {
				// Non-square pixels (HDV, DV): the displayed width.
				info.Width = max(1, int(math.Round(float64(info.Width)*float64(n)/float64(d))))
			}
			src.pic.rotated = turned(s.Tags["rotate"], s.SideDataList)
			if quarterTurn(s.Tags["rotate"], s.SideDataList) {
				info.Width, info.Height = info.Height, info.Width
			}
			switch s.FieldOrder {
			case "tt", "bb", "tb", "bt":
				src.interlaced = true
			}
		}
	}
	if info.Duration == 0 {
		info.Duration = streams
	}
	src.streams = sig.String()
	if src.pic.bitrate == 0 && src.video >= 0 {
		// Matroska states no stream bitrate: the whole file's, less the
		// sound's, stands for it.
		if b, _ := strconv.Atoi(p.Format.BitRate); b > 0 {
			src.pic.bitrate = max(0, b-src.audioBitrate)
		}
	}
	return src, nil
}

// seconds reads one of ffprobe's durations ("12.345000", "N/A").
func seconds(s string) float64 {
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || v < 0 || math.IsNaN(v) || math.IsInf(v, 0) {
		return 0
	}
	return v
}

// ratio reads ffprobe's "4:3"; "0:1" or "N/A" is not one.
func ratio(s string) (n, d int, ok bool) {
	a, b, found := strings.Cut(s, ":")
	n, err1 := strconv.Atoi(a)
	d, err2 := strconv.Atoi(b)
	if !found || err1 != nil || err2 != nil || n <= 0 || d <= 0 {
		return 0, 0, false
	}
	return n, d, true
}

// turned reports whether the container turns the picture at all.
func turned(tag string, side []struct {
	Rotation float64 `json:"rotation"`
}) bool {
	deg, _ := strconv.ParseFloat(tag, 64)
	for _, d := range side {
		if d.Rotation != 0 {
			deg = d.Rotation
		}
	}
	return math.Mod(deg, 360) != 0
}

// quarterTurn reports whether a phone's rotation (the old "rotate" tag or
// the display matrix) turns the picture by 90 or 270 degrees.
func quarterTurn(tag string, side []struct {
	Rotation float64 `json:"rotation"`
}) bool {
	deg, _ := strconv.ParseFloat(tag, 64)
	for _, d := range side {
		if d.Rotation != 0 {
			deg = d.Rotation
		}
	}
	turn := int(math.Round(math.Abs(deg))) % 180
	return turn == 90
}
