package ffmpeg

import (
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseLadder(t *testing.T) {
	t.Parallel()
	def := DefaultLadder()
	l, err := ParseLadder(def.String())
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(def, l); diff != "" {
		t.Errorf("default ladder does not survive String and ParseLadder (-want +got):\n%s", diff)
	}
	if got, want := def.String(), "360p:640x360:1000k:96k,720p:1280x720:3000k:128k,1080p:1920x1080:4500k:192k"; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
	l, err = ParseLadder(" 240p:426x240:400000:64k , 480p:854x480:1.5M:96k ")
	if err != nil {
		t.Fatal(err)
	}
	want := Ladder{{"240p", 426, 240, 400_000, 64_000}, {"480p", 854, 480, 1_500_000, 96_000}}
	if diff := cmp.Diff(want, l); diff != "" {
		t.Errorf("ParseLadder (-want +got):\n%s", diff)
	}
	var u Ladder
	if err := u.UnmarshalText([]byte("360p:640x360:800k:64k")); err != nil || len(u) != 1 || u[0].VideoBitrate != 800_000 {
		t.Errorf("UnmarshalText: %v, %+v", err, u)
	}

	for _, tc := range []struct{ in, err string }{
		{"", "no rung"},
		{"360p:640x360:1000k", "want name:WIDTHxHEIGHT:video:audio"},
		{"360p:640:1000k:96k", "is not WIDTHxHEIGHT"},
		{"360p:640x360:fast:96k", `bitrate "fast"`},
		{"360p:640x360:1000k:-1k", `bitrate "-1k"`},
		{"3 60p:640x360:1000k:96k", "letters, digits"},
		{"../x:640x360:1000k:96k", "letters, digits"},
		{"master:640x360:1000k:96k", "reserved"},
		{"a:640x360:1000k:96k,a:1280x720:3000k:128k", "used twice"},
		{"a:641x360:1000k:96k", "even"},
		{"a:1280x720:3000k:128k,b:640x360:1000k:96k", "not larger"},
	} {
		t.Run(tc.in, func(t *testing.T) {
			_, err := ParseLadder(tc.in)
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("err = %v, want one saying %q", err, tc.err)
			}
		})
	}
}

func TestLadderOutputs(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		w, h int
		want string
	}{
		{1920, 1080, "360p:640x360 720p:1280x720 1080p:1920x1080"},
		{3840, 2160, "360p:640x360 720p:1280x720 1080p:1920x1080"},
		{1280, 720, "360p:640x360 720p:1280x720"},
		{640, 360, "360p:640x360"},
		{854, 480, "360p:640x360"}, // 480 high: 360p only, as Pod does
		{1024, 768, "360p:480x360 720p:960x720"},
		{320, 240, "360p:320x240"},                                // smaller than the first rung: kept
		{321, 241, "360p:322x242"},                                // made even
		{1080, 1920, "360p:202x360 720p:406x720 1080p:608x1080"},  // portrait
		{3840, 1080, "360p:640x180 720p:1280x360 1080p:1920x540"}, // two screens side by side
		{1920, 800, "360p:640x266 720p:1280x534 1080p:1920x800"},  // wider than 16:9 fills 1080p's width
		{1900, 1070, "360p:640x360 720p:1278x720"},                // a little short of 1080p: not upscaled
		{720, 576, "360p:450x360"},                                // PAL, stored size
		{2, 2, "360p:2x2"},
	} {
		t.Run(fmt.Sprintf("%dx%d", tc.w, tc.h), func(t *testing.T) {
			var got []string
			for _, o := range DefaultLadder().outputs(tc.w, tc.h) {
				got = append(got, fmt.Sprintf("%s:%dx%d", o.Name, o.W, o.H))
				if o.W > max(tc.w, 2)+1 || o.H > max(tc.h, 2)+1 {
					t.Errorf("%s upscales", o.Name)
				}
			}
			if s := strings.Join(got, " "); s != tc.want {
				t.Errorf("outputs = %s, want %s", s, tc.want)
			}
		})
	}
}
