package ffmpeg

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"path/filepath"
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
		SAR         string            `json:"sample_aspect_ratio"`
		BitRate     string            `json:"bit_rate"`
		Width       int               `json:"width"`
		Height      int               `json:"height"`
		Duration    string            `json:"duration"`
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
	} `json:"format"`
}

// Probe runs ffprobe on path. A file ffprobe cannot read as media, or in
// which it finds neither audio nor video, is ErrNotMedia.
func (r *Runner) Probe(ctx context.Context, path string) (Info, error) {
	s, err := r.probe(ctx, path)
	return s.Info, err
}

// source is what the encoder needs to know of a file beyond Info.
type source struct {
	Info
	video, audio int    // stream indexes of the picture and the sound used; -1 if none
	audioCodec   string // "aac", "mp3", ...
	audioBitrate int    // bits per second; 0 when unknown
	interlaced   bool   // the picture is stored as fields
	image        bool   // a still picture file (JPEG, PNG...), not a video
}

func (r *Runner) probe(ctx context.Context, path string) (source, error) {
	src := source{video: -1, audio: -1}
	out, err := r.run(ctx, r.ffprobe(), "-v", "error", "-print_format", "json", "-show_format", "-show_streams", fileInput(path))
	if err != nil {
		return src, fmt.Errorf("probe %s: %w: %w", filepath.Base(path), ErrNotMedia, err)
	}
	var p probeOutput
	if err := json.Unmarshal(out, &p); err != nil {
		return src, fmt.Errorf("probe %s: read ffprobe output: %w", filepath.Base(path), err)
	}
	info := &src.Info
	info.Duration = seconds(p.Format.Duration)
	for _, s := range p.Streams {
		switch s.CodecType {
		case "audio":
			if info.HasAudio {
				continue
			}
			info.HasAudio = true
			src.audio, src.audioCodec = s.Index, s.CodecName
			src.audioBitrate, _ = strconv.Atoi(s.BitRate)
		case "video":
			if s.Disposition.AttachedPic != 0 || info.HasVideo {
				continue
			}
			info.HasVideo = true
			src.video = s.Index
			info.Width, info.Height = s.Width, s.Height
			if n, d, ok := ratio(s.SAR); ok && n != d && info.Width > 0 {
				// Non-square pixels (HDV, DV): the displayed width.
				info.Width = max(1, int(math.Round(float64(info.Width)*float64(n)/float64(d))))
			}
			if quarterTurn(s.Tags["rotate"], s.SideDataList) {
				info.Width, info.Height = info.Height, info.Width
			}
			if info.Duration == 0 {
				info.Duration = seconds(s.Duration)
			}
			switch s.FieldOrder {
			case "tt", "bb", "tb", "bt":
				src.interlaced = true
			}
		}
	}
	if !info.HasVideo && !info.HasAudio {
		return src, fmt.Errorf("probe %s: %w: no audio or video stream", filepath.Base(path), ErrNotMedia)
	}
	src.image = p.Format.FormatName == "image2" || strings.HasSuffix(p.Format.FormatName, "_pipe")
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
