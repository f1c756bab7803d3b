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
func ssim(ctx context.Context, encoded, src string) (float64, error) {
	out, err := exec.CommandContext(ctx, "ffmpeg", "-nostdin", "-hide_banner", "-i", encoded, "-i", src,
		"-lavfi", "[1:v]scale=1280:720[ref];[0:v][ref]ssim", "-f", "null", "-").CombinedOutput()
	if err != nil {
		return 0, fmt.Errorf("ssim of %s: %w: %s", encoded, err, tail(out))
	}
	m := ssimAll.FindSubmatch(out)
	if m == nil {
		return 0, fmt.Errorf("ssim of %s: no SSIM in ffmpeg's output: %s", encoded, tail(out))
	}
	return strconv.ParseFloat(string(m[1]), 64)
}
