package ffmpeg

import (
	"fmt"
	"slices"
	"strconv"
)

// picture is what the probe tells of a source's moving picture, for the
// browser-ready rule (BrowserReady).
type picture struct {
	codec, profile, pixFmt, fieldOrder, sar string
	level                                   int     // ffprobe's: 40 is level 4.0, 51 level 5.1
	width, height                           int     // as stored
	bitrate                                 int     // bits per second; 0 when unknown
	frameRate                               float64 // frames per second on average; 0 when unknown
	rotated                                 bool
}

// The browser-ready rule (BrowserReady): what every browser Lectern's
// player serves plays from an MP4 or fMP4 HLS without transcoding (MSE
// through hls.js on Chrome, Firefox and Edge; native HLS on Safari and
// iOS), with margin.
var (
	// readyProfiles are the H.264 profiles every player decodes: 4:2:0,
	// 8 bits. Baseline with its error-resilience tools (not
	// "Constrained") and the High 10, 4:2:2 and 4:4:4 profiles are out.
	readyProfiles = []string{"Constrained Baseline", "Main", "High"}
	// readyPixFmts are 8-bit 4:2:0, in video range or full (JPEG) range.
	readyPixFmts = []string{"yuv420p", "yuvj420p"}
	// readyAudioProfiles are the AAC profiles MSE and Safari play.
	readyAudioProfiles = []string{"LC", "HE-AAC", "HE-AACv2"}
)

// readyMaxLevel is H.264 level 5.1 (4096×2304 at 30 frames per second),
// the highest every hardware decoder of phones and laptops takes.
const readyMaxLevel = 51

// readyMaxSize bounds the stored picture: level 5.1's largest frame side.
const readyMaxSize = 4096

// BrowserReady reports whether s plays in a browser as it is, so that a
// stream copy (a remux, no decode) into HLS and an MP4 is a rendition:
//
//   - the picture is H.264, profile Constrained Baseline, Main or High,
//     level 5.1 or less, 8-bit 4:2:0 (yuv420p, yuvj420p), progressive
//     (field order progressive or unknown), square pixels, not rotated
//     by the container, with even sides from 16 to 4096 pixels;
//   - the sound is AAC (LC, HE-AAC, HE-AACv2), or there is none;
//   - the container is any Open accepts (the streams are copied out of it).
//
// A source with sound only is ready when its sound is AAC. When it is
// not ready, reason says the first thing that is not ("the picture is
// hevc", "the sound is mp3"), for the recording's log.
func (s *Source) BrowserReady() (ok bool, reason string) {
	if s.HasAudio {
		if s.audioCodec != "aac" {
			return false, fmt.Sprintf("the sound is %s, not AAC", s.audioCodec)
		}
		if !slices.Contains(readyAudioProfiles, s.audioProfile) {
			return false, fmt.Sprintf("the sound is AAC %s, not LC or HE-AAC", orUnknown(s.audioProfile))
		}
	}
	if !s.HasVideo {
		return true, ""
	}
	p := s.pic
	switch {
	case p.codec != "h264":
		return false, fmt.Sprintf("the picture is %s, not H.264", p.codec)
	case !slices.Contains(readyProfiles, p.profile):
		return false, fmt.Sprintf("the picture is H.264 profile %s, not Constrained Baseline, Main or High", orUnknown(p.profile))
	case p.level <= 0 || p.level > readyMaxLevel:
		return false, fmt.Sprintf("the picture is H.264 level %s, not 5.1 or less", levelName(p.level))
	case !slices.Contains(readyPixFmts, p.pixFmt):
		return false, fmt.Sprintf("the picture is %s, not 8-bit 4:2:0 (yuv420p)", orUnknown(p.pixFmt))
	case p.fieldOrder != "" && p.fieldOrder != "progressive" && p.fieldOrder != "unknown":
		return false, fmt.Sprintf("the picture is interlaced (field order %s)", p.fieldOrder)
	case p.sar != "" && p.sar != "1:1" && p.sar != "0:1" && p.sar != "N/A":
		return false, fmt.Sprintf("the picture has non-square pixels (%s)", p.sar)
	case p.rotated:
		return false, "the picture is rotated by its container"
	case p.width < 16 || p.height < 16 || p.width > readyMaxSize || p.height > readyMaxSize || p.width%2 != 0 || p.height%2 != 0:
		return false, fmt.Sprintf("the picture is %dx%d, not even sides from 16 to %d", p.width, p.height, readyMaxSize)
	}
	return true, ""
}

func orUnknown(s string) string {
	if s == "" {
		return "unknown"
	}
	return s
}

// levelName writes ffprobe's level 41 as "4.1".
func levelName(l int) string {
	if l <= 0 {
		return "unknown"
	}
	return strconv.Itoa(l/10) + "." + strconv.Itoa(l%10)
}
