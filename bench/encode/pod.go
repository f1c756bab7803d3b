package main

import (
	"context"
	"fmt"
	"path/filepath"
	"strconv"
	"time"
)

// Pod's encoding settings (Esup-Pod, pod/video_encode_transcript/
// encoding_settings.py): FFMPEG_PRESET, FFMPEG_CRF, FFMPEG_PROFILE,
// FFMPEG_LEVEL, FFMPEG_HLS_TIME, FFMPEG_NB_THREADS and VIDEO_RENDITIONS.
const (
	podPreset  = "slow"
	podCRF     = "20"
	podProfile = "high"
	podLevel   = "3"
	podHLSTime = "2"
	podThreads = "0"
)

// podRendition is one entry of Pod's VIDEO_RENDITIONS.
type podRendition struct {
	height         int
	maxrate, audio string
	encodeMP4      bool
}

var podRenditions = []podRendition{
	{height: 360, maxrate: "1000k", audio: "96k", encodeMP4: true},
	{height: 720, maxrate: "3000k", audio: "128k", encodeMP4: true},
	{height: 1080, maxrate: "4500k", audio: "192k", encodeMP4: false},
}

// podMP4Command is Pod's get_mp4_command for a source with sound and a
// picture at least 1080 high: FFMPEG_INPUT, then FFMPEG_MP4_ENCODE for
// each rendition with encode_mp4 (360p, 720p), bufsize = maxrate as Pod
// sets it. One ffmpeg, one decode, two scales and two x264 encodes.
func podMP4Command(src, out string) []string {
	args := []string{"-nostdin", "-loglevel", "error", "-hide_banner", "-threads", podThreads, "-i", src}
	for _, r := range podRenditions {
		if !r.encodeMP4 {
			continue
		}
		args = append(args,
			"-map", "0:v:0", "-map", "0:a:0", "-c:v", "libx264", "-vf", "scale=-2:"+strconv.Itoa(r.height),
			"-preset", podPreset, "-profile:v", podProfile,
			"-pix_fmt", "yuv420p", "-level", podLevel, "-crf", podCRF,
			"-maxrate", r.maxrate, "-bufsize", r.maxrate,
			"-sc_threshold", "0", "-force_key_frames", "expr:gte(t,n_forced*1)",
			"-max_muxing_queue_size", "4000",
			"-c:a", "aac", "-ar", "48000", "-b:a", r.audio, "-movflags", "faststart", "-y", "-vsync", "0",
			filepath.Join(out, fmt.Sprintf("%dp.mp4", r.height)))
	}
	return args
}

// podHLSCommand is Pod's get_hls_command: FFMPEG_INPUT, then
// FFMPEG_HLS_COMMON_PARAMS once, then for each rendition the common
// parameters again and FFMPEG_HLS_ENCODE_PARAMS (MPEG-TS in one file of
// byte ranges per rendition). A second decode of the source and three
// more x264 encodes.
func podHLSCommand(src, out string) []string {
	common := []string{
		"-c:v", "libx264", "-preset", podPreset, "-profile:v", podProfile, "-pix_fmt", "yuv420p",
		"-level", podLevel, "-crf", podCRF, "-sc_threshold", "0",
		"-force_key_frames", "expr:gte(t,n_forced*1)",
		"-c:a", "aac", "-ar", "48000", "-max_muxing_queue_size", "4000",
	}
	args := append([]string{"-nostdin", "-loglevel", "error", "-hide_banner", "-threads", podThreads, "-i", src}, common...)
	for _, r := range podRenditions {
		h := strconv.Itoa(r.height)
		args = append(args, common...)
		args = append(args,
			"-vf", "scale=-2:"+h, "-maxrate", r.maxrate, "-bufsize", r.maxrate, "-b:a:0", r.audio,
			"-hls_playlist_type", "vod", "-hls_time", podHLSTime, "-hls_flags", "single_file",
			"-master_pl_name", "livestream"+h+".m3u8",
			"-y", filepath.Join(out, h+"p.m3u8"))
	}
	return args
}

// runPod runs Pod's two commands one after the other, as Pod does.
func runPod(ctx context.Context, src, out string) (result, error) {
	res := result{name: "Pod slow/20"}
	m := &meter{dir: out}
	start := time.Now()
	if err := m.run(ctx, "ffmpeg", podMP4Command(src, out)...); err != nil {
		return res, err
	}
	mp4 := time.Since(start)
	if err := m.run(ctx, "ffmpeg", podHLSCommand(src, out)...); err != nil {
		return res, err
	}
	res.wall, res.cpu, res.maxRSS = time.Since(start), m.cpu, m.maxRSS
	fmt.Printf("  pod: MP4 command %.1f s, HLS command %.1f s\n", mp4.Seconds(), (res.wall - mp4).Seconds())
	res.size = dirSize(out)
	res.lower = prefixSize(out, "360p.") + prefixSize(out, "720p.")
	var err error
	res.ssim, err = ssim(ctx, filepath.Join(out, "720p.mp4"), src)
	return res, err
}
