package main

import (
	"context"
	"fmt"
	"os/exec"
	"regexp"
	"strconv"
)

var ssimAll = regexp.MustCompile(`SSIM Y:.* All:([0-9.]+)`)

// ssim compares encoded (a 1280x720 rendition) with the source scaled to
// 1280x720, frame by frame, and returns the mean SSIM of all planes.
// Both start at 0: a fragmented MP4 (Lectern's renditions) starts its
// picture and sound a few frames late (the muxer's shift for B-frames,
// without an edit list), and the ssim filter pairs frames by time.
func ssim(ctx context.Context, encoded, src string) (float64, error) {
	out, err := exec.CommandContext(ctx, "ffmpeg", "-nostdin", "-hide_banner", "-i", encoded, "-i", src,
		"-lavfi", "[0:v]setpts=PTS-STARTPTS[enc];[1:v]setpts=PTS-STARTPTS,scale=1280:720[ref];[enc][ref]ssim", "-f", "null", "-").CombinedOutput()
	if err != nil {
		return 0, fmt.Errorf("ssim of %s: %w: %s", encoded, err, tail(out))
	}
	m := ssimAll.FindSubmatch(out)
	if m == nil {
		return 0, fmt.Errorf("ssim of %s: no SSIM in ffmpeg's output: %s", encoded, tail(out))
	}
	return strconv.ParseFloat(string(m[1]), 64)
}
