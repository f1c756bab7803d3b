package ffmpeg

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"

	"lectern"
)

// Encoding defaults, chosen by measurement with bench/encode on a 1080p
// lecture clip (a still slide, a speaker in a corner; figures in its
// README), against Pod's two commands at -preset slow -crf 20.
//
// The preset is superfast with x264's macroblock tree over a 10-frame
// lookahead added (DefaultX264Params): without the tree, superfast and
// ultrafast spend their bits again on every frame of a still slide (1.2
// to 3.4 times Pod's bytes for the 360p and 720p); with it, superfast
// writes veryfast's bytes at its SSIM (within 0.0002) for about an eighth
// less CPU on the 720p. Three of superfast's analyses are dropped (subpel
// refinement, intra partitions, weighted prediction): on a lecture they
// bought nothing measurable (SSIM within 0.0001, bytes within 1 %) for
// about 5 % of the 720p's CPU. (Without 8x8 transforms too, x264 writes
// Main profile: High is kept.) faster, fast
// and medium cost more CPU for no rung smaller than Pod's allows. CRF 23
// is the highest within 0.003 of Pod's 720p SSIM (26 fell 0.0032 below);
// no tune (stillimage lost SSIM and saved nothing).
const (
	DefaultPreset = "superfast"
	// DefaultX264Params are libx264's options added to DefaultPreset
	// (-x264-params) when Runner.X264Params is empty.
	DefaultX264Params   = "mbtree=1:rc-lookahead=10:subme=0:partitions=none:weightp=0"
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
	x264Params   string // -x264-params, "" for none
	crf          int
	audioBitrate int
	cpus         int // the machine's, shared by a pass's encoders
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
	if s.x264Params != "" && !x264ParamsRE.MatchString(s.x264Params) {
		return fmt.Errorf("x264 params %q: want key=value pairs separated by ':'", s.x264Params)
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

// x264ParamsRE is what Runner.X264Params may be: libx264's key=value
// options, nothing ffmpeg could read as another option or a file.
var x264ParamsRE = regexp.MustCompile(`^[a-z0-9-]+=[A-Za-z0-9.,_-]+(:[a-z0-9-]+=[A-Za-z0-9.,_-]+)*$`)

// x264Presets are the presets libx264 knows, fastest first.
var x264Presets = []string{"ultrafast", "superfast", "veryfast", "faster", "fast", "medium", "slow", "slower", "veryslow", "placebo"}

func (r *Runner) settings() settings {
	s := settings{ladder: DefaultLadder(), preset: DefaultPreset, x264Params: DefaultX264Params, crf: DefaultCRF,
		audioBitrate: DefaultAudioBitrate, cpus: runtime.NumCPU()}
	if r == nil {
		return s
	}
	if len(r.Ladder) > 0 {
		s.ladder = r.Ladder
	}
	if r.Preset != "" {
		s.preset = r.Preset
	}
	s.x264Params = r.X264Params
	if s.x264Params == "" && s.preset == DefaultPreset {
		s.x264Params = DefaultX264Params
	}
	if r.CRF != 0 {
		s.crf = r.CRF
	}
	if r.AudioBitrate != 0 {
		s.audioBitrate = r.AudioBitrate
	}
	return s
}

// Encode implements lectern.Encoder. It opens src (Open) and writes, for
// each rung of the ladder the source gets (see Ladder), <rung>.mp4: one
// fragmented MP4 with its index at the front (fragMovflags), the MP4 a
// browser plays or a viewer downloads and, through hls/<rung>.m3u8 (byte
// ranges of it), the rung's HLS media. A browser-ready source within the
// top rung's limits is the top rung as it is (a stream copy); the other
// rungs are encoded by one ffmpeg that decodes the source once (see
// planFor). Then hls/master.m3u8, and thumbnail.jpg and poster.jpg from
// the keyframe at a tenth of the duration of the largest rendition (the
// thumbnail as wide as the lowest rung, the poster as large as the
// rendition a player starts with, lectern.Video.PosterRendition). A
// video without sound gets video-only renditions. A source with sound
// only gets audio.m4a.
//
// Renditions are listed MP4s first, from the smallest, then the HLS
// master playlist (Size: every playlist), then each HLS media playlist
// (Size: the playlist; its media is the MP4's). progress is called from
// one goroutine at a time with growing percentages, last with 100, never
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
// (deinterlaced when stored as fields, one frame per frame) and scaled
// for every rung to square pixels of the displayed aspect ratio, each
// rung from the next larger one (scaling the 720p to 360p costs a quarter
// of scaling the 1080p source to it): the source bicubic for the
// brightness and bilinear for the colours (bicublin: 720p SSIM within
// 0.0002 of bicubic, a few percent less CPU), a rung half the next by
// averaging areas (the 360p is the 720p halved; at 1080p to 720p, areas
// lost 0.0017 of SSIM), another the same as the source; each rung encoded once (x264 high
// profile, CRF under the rung's maxrate, keyframes at the same instants
// in every rung and no scene-cut keyframes that would differ between
// rungs) into one fragmented MP4 (fragMovflags), the rendition's MP4 and
// its HLS playlist's media. The sound is copied when it is AAC-LC within
// half again the rung's audio bitrate (copyAudio), else encoded per rung
// (AAC 48 kHz stereo). Paths are relative to the output directory,
// ffmpeg's working directory. The arguments are those after the input
// (runLong puts encodeArgs and the input first).
func videoArgs(s *Source, set settings) ([]string, []output) {
	outs := set.ladder.outputs(s.Width, s.Height)
	return rungArgs(s, set, outs, "", nil), outs
}

// maxKeyframeList bounds the list of keyframe times given to ffmpeg (one
// argument; Linux takes 128 KiB): past it, keyframes fall every
// keyframeSeconds, not at another rendition's segment starts.
const maxKeyframeList = 64 << 10

// rungArgs is videoArgs for the rungs outs (from the smallest), their
// files under prefix ("" or a directory and a slash), keyframes at cuts
// (another rendition's segment starts), or every keyframeSeconds when
// cuts is nil.
func rungArgs(s *Source, set settings, outs []output, prefix string, cuts []float64) []string {
	var args []string

	var graph strings.Builder
	fmt.Fprintf(&graph, "[0:%d]", s.video)
	if s.interlaced {
		graph.WriteString("bwdif=mode=send_frame,")
	}
	for i := len(outs) - 1; i >= 0; i-- {
		o := outs[i]
		if i < len(outs)-1 {
			fmt.Fprintf(&graph, ";[c%d]", i)
		}
		switch {
		case i == len(outs)-1:
			fmt.Fprintf(&graph, "scale=%d:%d:flags=bicublin,setsar=1,format=yuv420p", o.W, o.H)
		case outs[i+1].W == 2*o.W && outs[i+1].H == 2*o.H:
			fmt.Fprintf(&graph, "scale=%d:%d:flags=area", o.W, o.H)
		default:
			fmt.Fprintf(&graph, "scale=%d:%d:flags=bicublin", o.W, o.H)
		}
		if i > 0 {
			fmt.Fprintf(&graph, ",split=2[v%d][c%d]", i, i-1)
		} else {
			graph.WriteString("[v0]")
		}
	}
	args = append(args, "-filter_complex", graph.String())

	keyframes := fmt.Sprintf("expr:gte(t,n_forced*%d)", keyframeSeconds)
	if len(cuts) > 0 {
		times := make([]string, len(cuts))
		for i, c := range cuts {
			// Just before the instant: the frame at it is at or after.
			times[i] = strconv.FormatFloat(max(0, c-0.004), 'f', 3, 64)
		}
		if list := strings.Join(times, ","); len(list) <= maxKeyframeList {
			keyframes = list
		}
	}
	// The pass's encoders share the machine's cores: each rung's x264 in
	// as many threads as it gets (one each on two cores), not 1.5 × every
	// core each, whose synchronisation cost a tenth of the CPU measured.
	threads := strconv.Itoa(max(1, set.cpus/len(outs)))
	for i, o := range outs {
		args = append(args, "-map", fmt.Sprintf("[v%d]", i))
		if s.HasAudio {
			args = append(args, "-map", fmt.Sprintf("0:%d", s.audio))
		}
		args = append(args, "-c:v", "libx264", "-preset", set.preset, "-crf", strconv.Itoa(set.crf), "-profile:v", "high", "-threads", threads)
		if set.x264Params != "" {
			args = append(args, "-x264-params", set.x264Params)
		}
		if DefaultTune != "" {
			args = append(args, "-tune", DefaultTune)
		}
		args = append(args,
			"-maxrate", formatBitrate(o.VideoBitrate), "-bufsize", formatBitrate(2*o.VideoBitrate),
			"-sc_threshold", "0", "-force_key_frames", keyframes, "-fps_mode", "vfr")
		switch {
		case !s.HasAudio:
		case s.copyAudio(o):
			args = append(args, "-c:a", "copy")
		default:
			args = append(args, "-c:a", "aac", "-b:a", formatBitrate(o.AudioBitrate), "-ar", strconv.Itoa(audioRate), "-ac", "2")
		}
		args = append(args, "-map_metadata", "-1", "-movflags", fragMovflags, "-max_muxing_queue_size", "4096",
			"-f", "mp4", prefix+o.Name+".mp4")
	}
	return args
}

// copyAudio reports whether rung o takes s's sound as it is: AAC-LC,
// mono or stereo, its bitrate known and at most half again the rung's
// (a recorder's 128k in the 360p's 96k place: 4 MB more an hour, and
// no decode and encode of the sound per rung).
func (s *Source) copyAudio(o output) bool {
	return s.audioCodec == "aac" && s.audioProfile == "LC" && s.audioChannels >= 1 && s.audioChannels <= 2 &&
		s.audioBitrate > 0 && float64(s.audioBitrate) <= 1.5*float64(o.AudioBitrate)
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
