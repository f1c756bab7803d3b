package ffmpeg

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"lectern"
)

// Encoding defaults, chosen by measurement with bench/encode on a 1080p
// lecture clip (a still slide, a speaker in a corner; figures in its
// README), against Pod's two commands at -preset slow -crf 20: veryfast
// is the fastest preset within 0.003 of Pod's 720p SSIM whose 360p and
// 720p take no more bytes than Pod's (superfast and ultrafast, without
// x264's macroblock tree, wrote 1.2 to 3.4 times Pod's bytes for the
// same SSIM; faster, fast and medium cost more CPU for no rung smaller
// than Pod's allows); CRF 23 is the highest within 0.003 (26 fell 0.0032
// below); no tune (stillimage lost SSIM and saved nothing).
const (
	DefaultPreset       = "veryfast"
	DefaultCRF          = 23
	DefaultAudioBitrate = 128_000 // an audio-only source's M4A
	// DefaultTune is libx264's -tune for every rung; none when empty.
	DefaultTune = ""
	// KeyframeSeconds is keyframeSeconds, for bench/encode.
	KeyframeSeconds = keyframeSeconds
)

// Fixed choices of the encoder.
const (
	// keyframeSeconds is the keyframe interval, the same in every
	// rendition, so that HLS segments (this long) line up across rungs
	// and a player can switch between them at any segment. Six seconds,
	// Apple's advice for HLS segments: on a lecture's still slide a
	// keyframe is most of a rung's bytes, and every 6 s rather than 2 s
	// the 360p and 720p took a quarter fewer bytes for 0.0004 of SSIM
	// (bench/encode).
	keyframeSeconds = 6
	// audioRate is the sample rate of every AAC track.
	audioRate = 48000
)

var _ lectern.Encoder = (*Runner)(nil)

// Output names, relative to the output directory.
const (
	hlsDir        = lectern.VideoHLSDir
	masterName    = "master.m3u8"
	audioName     = "audio.m4a"
	thumbnailName = "thumbnail.jpg"
)

// settings are the runner's encoding settings with defaults applied.
type settings struct {
	ladder       Ladder
	preset       string
	crf          int
	audioBitrate int
}

// validate reports the first unusable setting.
func (s settings) validate() error {
	if err := s.ladder.Validate(); err != nil {
		return err
	}
	if s.audioBitrate <= 0 {
		return fmt.Errorf("audio bitrate %d: want a positive number of bits per second", s.audioBitrate)
	}
	if !slices.Contains(x264Presets, s.preset) {
		return fmt.Errorf("preset %q: want one of %s", s.preset, strings.Join(x264Presets, ", "))
	}
	if s.crf < 1 || s.crf > 51 {
		return fmt.Errorf("crf %d: want 1 to 51", s.crf)
	}
	return nil
}

// ValidateEncoding reports the first of the runner's encoding settings
// (Ladder, Preset, CRF, AudioBitrate) Encode could not use, naming it, so
// that a configuration is checked at start rather than at the first
// encode.
func (r *Runner) ValidateEncoding() error {
	return r.settings().validate()
}

// x264Presets are the presets libx264 knows, fastest first.
var x264Presets = []string{"ultrafast", "superfast", "veryfast", "faster", "fast", "medium", "slow", "slower", "veryslow", "placebo"}

func (r *Runner) settings() settings {
	s := settings{ladder: DefaultLadder(), preset: DefaultPreset, crf: DefaultCRF, audioBitrate: DefaultAudioBitrate}
	if r == nil {
		return s
	}
	if len(r.Ladder) > 0 {
		s.ladder = r.Ladder
	}
	if r.Preset != "" {
		s.preset = r.Preset
	}
	if r.CRF != 0 {
		s.crf = r.CRF
	}
	if r.AudioBitrate != 0 {
		s.audioBitrate = r.AudioBitrate
	}
	return s
}

// Encode implements lectern.Encoder. It opens src (Open), then runs one ffmpeg
// that decodes it once and writes, for each rung of the ladder the source
// gets (see Ladder), <rung>.mp4 (faststart) and, from the same encoded
// streams through the tee muxer, hls/<rung>.m3u8 over one fMP4 file of
// byte ranges; then it writes hls/master.m3u8, thumbnail.jpg (from the
// smallest rendition at a tenth of the duration) and poster.jpg (the
// same moment as large as the rendition a player starts with,
// lectern.Video.PosterRendition). A video without sound
// gets video-only renditions. A source with sound only gets audio.m4a.
//
// Renditions are listed MP4s first, from the smallest, then the HLS
// master playlist (Size: every HLS file), then each HLS media playlist
// (Size: the playlist and its media file). progress is called from one
// goroutine at a time with growing percentages, last with 100, never
// after Encode returns.
//
// Errors: a source Open refuses (not media, a playlist, a picture, any
// container not on its list) is an EINVALID *lectern.Error saying why,
// and nothing is written; a missing source is another error; the caller's cancellation kills ffmpeg at once and
// returns ctx.Err() (wrapped); a failure of ffmpeg carries the tail of
// its stderr. Files of an interrupted attempt in dir are overwritten.
func (r *Runner) Encode(ctx context.Context, src, dir string, progress func(percent float64)) (*lectern.EncodeResult, error) {
	return r.EncodeStaged(ctx, src, dir, progress, nil)
}

var _ lectern.StagedEncoder = (*Runner)(nil)

// EncodeStaged implements lectern.StagedEncoder: Encode, in steps (see
// planFor), calling ready after each but the last with the renditions
// whole so far and those coming. A browser-ready source is remuxed
// first, so that a player has it within seconds whatever its length;
// another gets its lowest rung first. Each rendition is written under
// .work/ and renamed into place when whole, its playlist last; the
// master playlist is rewritten (atomically) at each step over the
// renditions whole.
func (r *Runner) EncodeStaged(ctx context.Context, src, dir string, progress func(percent float64), ready func(*lectern.EncodeResult) error) (*lectern.EncodeResult, error) {
	name := filepath.Base(src)
	set := r.settings()
	if err := set.validate(); err != nil {
		return nil, fmt.Errorf("encode %s: settings: %w", name, err)
	}
	s, err := r.open(ctx, src, kindMedia)
	if err != nil && ctx.Err() != nil {
		// Not a verdict on the file: ffprobe was stopped.
		return nil, fmt.Errorf("encode %s: %w", name, ctx.Err())
	} else if err != nil {
		return nil, fmt.Errorf("encode: %w", err)
	}
	if progress == nil {
		progress = func(float64) {}
	}
	if !s.HasVideo {
		return r.encodeAudio(ctx, dir, s, set, progress)
	}
	return r.encodeVideo(ctx, dir, s, set, progress, ready)
}

// posterOutput is the rendition a player starts with (see
// lectern.Video.PosterRendition), whose size the poster has.
func posterOutput(outs []output) output {
	v := &lectern.Video{}
	for i, o := range outs {
		v.Renditions = append(v.Renditions, lectern.Rendition{Kind: lectern.RenditionMP4, Name: strconv.Itoa(i), Height: o.H})
	}
	r, _ := v.PosterRendition()
	i, _ := strconv.Atoi(r.Name)
	return outs[i]
}

func (r *Runner) encodeAudio(ctx context.Context, dir string, s *Source, set settings, progress func(float64)) (*lectern.EncodeResult, error) {
	name := s.name()
	args, bitrate := audioArgs(s, set)
	// Written under .work/ and renamed when whole, as a video's
	// renditions are.
	if err := os.MkdirAll(filepath.Join(dir, workDir), 0o755); err != nil {
		return nil, fmt.Errorf("encode %s: %w", name, err)
	}
	args[len(args)-1] = workDir + "/" + audioName
	pw := newProgressWriter(s.Duration, progress)
	if err := r.runLong(ctx, dir, s, args, r.encodeTimeout(s.Duration), pw); err != nil {
		return nil, fmt.Errorf("encode %s: %w", name, err)
	}
	if err := os.Rename(filepath.Join(dir, workDir, audioName), filepath.Join(dir, audioName)); err != nil {
		return nil, fmt.Errorf("encode %s: %w", name, err)
	}
	_ = os.Remove(filepath.Join(dir, workDir))
	size, err := fileSize(filepath.Join(dir, audioName))
	if err != nil {
		return nil, fmt.Errorf("encode %s: %w", name, err)
	}
	progress(100)
	return &lectern.EncodeResult{Info: s.Info, Renditions: []lectern.Rendition{{
		Name: "audio", Kind: lectern.RenditionM4A, Path: audioName, AudioBitrate: bitrate, Size: size,
	}}}, nil
}

// encodeArgs start every encode, before the input: quiet but for
// warnings and errors (their tail is the error message), progress on
// stdout, outputs overwritten. Each output then drops the source's
// metadata (-map_metadata -1): a phone's location or a recorder's tags
// have no place in a published file.
var encodeArgs = []string{"-nostdin", "-hide_banner", "-loglevel", "warning", "-nostats", "-progress", "pipe:1", "-y"}

// videoArgs is the one ffmpeg command of a video: the picture decoded once
// (deinterlaced when stored as fields, one frame per frame), split and
// scaled for every rung to square pixels of the displayed aspect ratio;
// each rung encoded once (x264 high profile, CRF under the rung's maxrate,
// a keyframe every keyframeSeconds in every rung, no scene-cut keyframes
// that would differ between rungs; AAC 48 kHz stereo) and written twice by
// the tee muxer: a faststart MP4, and an HLS media playlist over one fMP4
// file. Paths are relative to the output directory, ffmpeg's working
// directory. The sound is decoded once and encoded once per rung. The
// arguments are those after the input (runLong puts encodeArgs and the
// input first).
func videoArgs(s *Source, set settings) ([]string, []output) {
	outs := set.ladder.outputs(s.Width, s.Height)
	return rungArgs(s, set, outs, ""), outs
}

// rungArgs is videoArgs for the rungs outs, their files under prefix
// ("" or a directory and a slash).
func rungArgs(s *Source, set settings, outs []output, prefix string) []string {
	var args []string

	var graph strings.Builder
	fmt.Fprintf(&graph, "[0:%d]", s.video)
	if s.interlaced {
		graph.WriteString("bwdif=mode=send_frame,")
	}
	if len(outs) == 1 {
		graph.WriteString("null[s0]")
	} else {
		fmt.Fprintf(&graph, "split=%d", len(outs))
		for i := range outs {
			fmt.Fprintf(&graph, "[s%d]", i)
		}
	}
	for i, o := range outs {
		fmt.Fprintf(&graph, ";[s%d]scale=%d:%d,setsar=1,format=yuv420p[v%d]", i, o.W, o.H, i)
	}
	args = append(args, "-filter_complex", graph.String())

	for i, o := range outs {
		args = append(args, "-map", fmt.Sprintf("[v%d]", i))
		if s.HasAudio {
			args = append(args, "-map", fmt.Sprintf("0:%d", s.audio))
		}
		args = append(args, "-c:v", "libx264", "-preset", set.preset, "-crf", strconv.Itoa(set.crf), "-profile:v", "high")
		if DefaultTune != "" {
			args = append(args, "-tune", DefaultTune)
		}
		args = append(args,
			"-maxrate", formatBitrate(o.VideoBitrate), "-bufsize", formatBitrate(2*o.VideoBitrate),
			"-sc_threshold", "0", "-force_key_frames", fmt.Sprintf("expr:gte(t,n_forced*%d)", keyframeSeconds),
			"-fps_mode", "vfr")
		if s.HasAudio {
			args = append(args, "-c:a", "aac", "-b:a", formatBitrate(o.AudioBitrate), "-ar", strconv.Itoa(audioRate), "-ac", "2")
		}
		args = append(args, "-map_metadata", "-1", "-flags", "+global_header", "-max_muxing_queue_size", "4096", "-f", "tee",
			fmt.Sprintf("[f=mp4:movflags=+faststart]%s%s.mp4|[f=hls:hls_time=%d:hls_playlist_type=vod:hls_segment_type=fmp4:hls_flags=single_file]%s%s/%s.m3u8",
				prefix, o.Name, keyframeSeconds, prefix, hlsDir, o.Name))
	}
	return args
}

// audioArgs is the command of a source with sound only: its first audio
// track to audio.m4a, copied when it is AAC already, else encoded. It
// returns the M4A's bitrate.
func audioArgs(s *Source, set settings) ([]string, int) {
	args := []string{"-map", fmt.Sprintf("0:%d", s.audio), "-vn", "-sn", "-dn"}
	bitrate := set.audioBitrate
	if s.audioCodec == "aac" {
		args = append(args, "-c:a", "copy")
		bitrate = s.audioBitrate
	} else {
		args = append(args, "-c:a", "aac", "-b:a", formatBitrate(bitrate), "-ar", strconv.Itoa(audioRate), "-ac", "2")
	}
	return append(args, "-map_metadata", "-1", "-movflags", "+faststart", "-f", "mp4", audioName), bitrate
}

func fileSize(path string) (int64, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return 0, err
	}
	return fi.Size(), nil
}
