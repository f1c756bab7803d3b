package ffmpeg

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"lectern"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// sharedClips are made once per test binary, by the first test that asks.
var sharedClips struct {
	dir  string
	mu   sync.Mutex
	once map[string]*clipOnce
}

type clipOnce struct {
	sync.Once
	path string
	err  error
}

func TestMain(m *testing.M) {
	flag.Parse()
	dir, err := os.MkdirTemp("", "lectern-ffmpeg-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	sharedClips.dir, sharedClips.once = dir, map[string]*clipOnce{}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// sharedClip makes the named clip with ffmpeg (args: inputs and output
// options) the first time it is asked for, and returns its path.
func sharedClip(tb testing.TB, name string, args ...string) string {
	tb.Helper()
	sharedClips.mu.Lock()
	c := sharedClips.once[name]
	if c == nil {
		c = &clipOnce{}
		sharedClips.once[name] = c
	}
	sharedClips.mu.Unlock()
	c.Do(func() {
		c.path = filepath.Join(sharedClips.dir, name)
		cmd := exec.Command("ffmpeg", append(append([]string{"-nostdin", "-hide_banner", "-loglevel", "error", "-y"}, args...), c.path)...)
		if b, err := cmd.CombinedOutput(); err != nil {
			c.err = fmt.Errorf("make %s: %v\n%s", name, err, b)
		}
	})
	if c.err != nil {
		tb.Fatal(c.err)
	}
	return c.path
}

// lectureClip is three seconds of a size×size picture with a 440 Hz tone.
func lectureClip(tb testing.TB, size string) string {
	return sharedClip(tb, "lecture-"+size+".mp4",
		"-f", "lavfi", "-i", "testsrc2=duration=3:size="+size+":rate=25",
		"-f", "lavfi", "-i", "sine=duration=3:frequency=440",
		"-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest")
}

// silentClip is two seconds of 1280x720 picture without sound.
func silentClip(tb testing.TB) string {
	return sharedClip(tb, "silent.mp4", "-f", "lavfi", "-i", "testsrc2=duration=2:size=1280x720:rate=25",
		"-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p")
}

// testRunner encodes fast: the tests check what is written, not how well.
// (ultrafast would be faster still, but writes constrained baseline.)
func testRunner() *Runner { return &Runner{Preset: "superfast"} }

// probed is the part of ffprobe's JSON the tests check.
type probed struct {
	Streams []struct {
		CodecType  string `json:"codec_type"`
		CodecName  string `json:"codec_name"`
		Profile    string `json:"profile"`
		PixFmt     string `json:"pix_fmt"`
		Width      int    `json:"width"`
		Height     int    `json:"height"`
		SampleRate string `json:"sample_rate"`
		Channels   int    `json:"channels"`
	} `json:"streams"`
	Format struct {
		Duration string `json:"duration"`
	} `json:"format"`
}

func ffprobe(tb testing.TB, path string) probed {
	tb.Helper()
	out, err := exec.Command("ffprobe", "-v", "error", "-print_format", "json", "-show_format", "-show_streams", path).Output()
	if err != nil {
		tb.Fatalf("ffprobe %s: %v", path, err)
	}
	var p probed
	if err := json.Unmarshal(out, &p); err != nil {
		tb.Fatal(err)
	}
	return p
}

// checkMP4 checks an MP4 rendition: H.264 high yuv420p at w×h, AAC 48 kHz
// stereo when audio, the source's duration, moov before mdat.
func checkMP4(t *testing.T, path string, w, h int, audio bool, duration float64) {
	t.Helper()
	p := ffprobe(t, path)
	var v, a int
	for _, s := range p.Streams {
		switch s.CodecType {
		case "video":
			v++
			if s.CodecName != "h264" || s.Profile != "High" || s.PixFmt != "yuv420p" || s.Width != w || s.Height != h {
				t.Errorf("%s: video %s %s %s %dx%d, want h264 High yuv420p %dx%d", filepath.Base(path), s.CodecName, s.Profile, s.PixFmt, s.Width, s.Height, w, h)
			}
		case "audio":
			a++
			// Copied from an AAC source, or encoded: 48 kHz stereo
			// (TestEncodeKeepsSync checks which).
			if s.CodecName != "aac" || s.Channels < 1 || s.Channels > 2 {
				t.Errorf("%s: audio %s %s Hz %d channels, want aac, mono or stereo", filepath.Base(path), s.CodecName, s.SampleRate, s.Channels)
			}
		}
	}
	if want := map[bool]int{true: 1, false: 0}[audio]; v != 1 || a != want {
		t.Errorf("%s: %d video and %d audio streams, want 1 and %d", filepath.Base(path), v, a, want)
	}
	checkDuration(t, path, p, duration)
	checkFaststart(t, path)
}

func checkDuration(t *testing.T, path string, p probed, want float64) {
	t.Helper()
	var d float64
	fmt.Sscan(p.Format.Duration, &d)
	if math.Abs(d-want) > 0.1 {
		t.Errorf("%s lasts %.3f s, want %.3f ± 0.1", filepath.Base(path), d, want)
	}
}

// checkFaststart reads the top-level boxes: moov must come before mdat.
func checkFaststart(t *testing.T, path string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var order []string
	for off := 0; off+8 <= len(b); {
		size := int(binary.BigEndian.Uint32(b[off:]))
		typ := string(b[off+4 : off+8])
		if size == 1 && off+16 <= len(b) {
			size = int(binary.BigEndian.Uint64(b[off+8:]))
		}
		order = append(order, typ)
		if size < 8 {
			break
		}
		off += size
	}
	moov, mdat := slices.Index(order, "moov"), slices.Index(order, "mdat")
	if moov < 0 || mdat < 0 || moov > mdat {
		t.Errorf("%s: top-level boxes %v, want moov before mdat", filepath.Base(path), order)
	}
}

// keyframes lists the times of the keyframes of path's video.
func keyframes(t *testing.T, path string) string {
	t.Helper()
	out, err := exec.Command("ffprobe", "-v", "error", "-select_streams", "v:0", "-skip_frame", "nokey",
		"-show_entries", "frame=pts_time", "-of", "csv=p=0", path).Output()
	if err != nil {
		t.Fatalf("ffprobe keyframes of %s: %v", path, err)
	}
	return strings.Join(strings.Fields(strings.ReplaceAll(string(out), ",", " ")), " ")
}

// recorder collects progress reports.
type recorder struct {
	mu  sync.Mutex
	got []float64
}

func (r *recorder) report(p float64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.got = append(r.got, p)
}

func (r *recorder) check(t *testing.T) {
	t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.got) == 0 || r.got[len(r.got)-1] != 100 {
		t.Fatalf("progress %v does not end at 100", r.got)
	}
	for i := 1; i < len(r.got); i++ {
		if r.got[i] <= r.got[i-1] {
			t.Errorf("progress %v does not grow", r.got)
		}
	}
}

func renditionNames(res *lectern.EncodeResult) string {
	var s []string
	for _, r := range res.Renditions {
		s = append(s, fmt.Sprintf("%s %s %s %dx%d", r.Kind, r.Name, r.Path, r.Width, r.Height))
	}
	return strings.Join(s, "\n")
}

func TestEncode1080p(t *testing.T) {
	t.Parallel()
	src := lectureClip(t, "1920x1080")
	dir := t.TempDir()
	var rec recorder
	res, err := testRunner().Encode(context.Background(), src, dir, rec.report)
	if err != nil {
		t.Fatal(err)
	}
	rec.check(t)
	want := strings.Join([]string{
		"mp4 360p 360p.mp4 640x360", "mp4 720p 720p.mp4 1280x720", "mp4 1080p 1080p.mp4 1920x1080",
		"hls master hls/master.m3u8 1920x1080",
		"hls 360p hls/360p.m3u8 640x360", "hls 720p hls/720p.m3u8 1280x720", "hls 1080p hls/1080p.m3u8 1920x1080",
	}, "\n")
	if diff := cmp.Diff(want, renditionNames(res)); diff != "" {
		t.Fatalf("renditions (-want +got):\n%s", diff)
	}
	if math.Abs(res.Info.Duration-3) > 0.05 || !res.Info.HasAudio || res.Info.Height != 1080 {
		t.Errorf("info = %+v", res.Info)
	}
	var hlsTotal int64
	for _, r := range res.Renditions {
		path := filepath.Join(dir, r.Path)
		switch {
		case r.Kind == lectern.RenditionMP4:
			checkMP4(t, path, r.Width, r.Height, true, res.Info.Duration)
			if n, _ := fileSize(path); r.Size != n || n == 0 {
				t.Errorf("%s: Size %d, file %d bytes", r.Path, r.Size, n)
			}
		case r.Name != "master":
			hlsTotal += r.Size
		}
		if r.VideoBitrate == 0 || r.AudioBitrate == 0 {
			t.Errorf("%s: bitrates %d/%d", r.Path, r.VideoBitrate, r.AudioBitrate)
		}
	}
	if master := res.Renditions[3]; master.Size <= hlsTotal {
		t.Errorf("master Size %d, want more than its media playlists' %d", master.Size, hlsTotal)
	}
	entries, _ := os.ReadDir(filepath.Join(dir, hlsDir))
	var hlsFiles []string
	for _, e := range entries {
		hlsFiles = append(hlsFiles, e.Name())
	}
	if diff := cmp.Diff([]string{"1080p.m3u8", "360p.m3u8", "720p.m3u8", "master.m3u8"}, hlsFiles); diff != "" {
		t.Errorf("hls/ (-want +got):\n%s", diff)
	}

	t.Run("HLS", func(t *testing.T) {
		master := filepath.Join(dir, "hls", "master.m3u8")
		b, err := os.ReadFile(master)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range []string{"RESOLUTION=640x360,CODECS=\"avc1.64", ",mp4a.40.2\"\n360p.m3u8\n", "RESOLUTION=1920x1080", "AVERAGE-BANDWIDTH="} {
			if !strings.Contains(string(b), s) {
				t.Errorf("master playlist lacks %q:\n%s", s, b)
			}
		}
		// ffprobe reads every variant through the master playlist.
		p := ffprobe(t, master)
		var sizes []string
		for _, s := range p.Streams {
			if s.CodecType == "video" {
				sizes = append(sizes, fmt.Sprintf("%dx%d", s.Width, s.Height))
			} else if s.CodecName != "aac" {
				t.Errorf("HLS audio is %s", s.CodecName)
			}
		}
		if len(p.Streams) != 6 || !slices.Contains(sizes, "640x360") || !slices.Contains(sizes, "1920x1080") {
			t.Errorf("HLS streams: %d, video %v", len(p.Streams), sizes)
		}
		checkDuration(t, master, p, res.Info.Duration)
		// And decodes them to the end.
		if out, err := exec.Command("ffmpeg", "-v", "error", "-i", master, "-map", "0", "-f", "null", "-").CombinedOutput(); err != nil || len(out) > 0 {
			t.Errorf("decoding the HLS: %v\n%s", err, out)
		}
	})
	t.Run("KeyframesAligned", func(t *testing.T) {
		// The 1080p is the source (one keyframe); the 360p and 720p
		// have theirs at its segments' starts (TestEncodeStagedAligned):
		// here the first only.
		for _, r := range []string{"360p", "720p", "1080p"} {
			if k := strings.Fields(keyframes(t, filepath.Join(dir, r+".mp4"))); len(k) != 1 {
				t.Errorf("%s keyframes at %v, want one", r, k)
			}
		}
	})
	t.Run("Thumbnail", func(t *testing.T) {
		if res.Thumbnail != "thumbnail.jpg" {
			t.Fatalf("Thumbnail = %q", res.Thumbnail)
		}
		if w, h := jpegSize(t, filepath.Join(dir, res.Thumbnail)); w != 640 || h != 360 {
			t.Errorf("thumbnail is %dx%d, want the 360p's 640x360", w, h)
		}
		// The player's poster: as large as the 720p it starts with.
		if w, h := jpegSize(t, filepath.Join(dir, "poster.jpg")); w != 1280 || h != 720 {
			t.Errorf("poster is %dx%d, want the 720p's 1280x720", w, h)
		}
	})
}

func TestEncodeSmallSources(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		size, want string
	}{
		{"640x360", "mp4 360p 360p.mp4 640x360\nhls master hls/master.m3u8 640x360\nhls 360p hls/360p.m3u8 640x360"},
		// 480 high: too short for 720p, and no rung of its own.
		{"854x480", "mp4 360p 360p.mp4 640x360\nhls master hls/master.m3u8 640x360\nhls 360p hls/360p.m3u8 640x360"},
		// Smaller than the first rung: kept at its size.
		{"320x240", "mp4 360p 360p.mp4 320x240\nhls master hls/master.m3u8 320x240\nhls 360p hls/360p.m3u8 320x240"},
	} {
		t.Run(tc.size, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			res, err := testRunner().Encode(context.Background(), lectureClip(t, tc.size), dir, nil)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, renditionNames(res)); diff != "" {
				t.Errorf("renditions (-want +got):\n%s", diff)
			}
			if res.Remux == "360p" {
				// Browser-ready and within the rung's limits: the
				// source's own streams, copied.
				checkFaststart(t, filepath.Join(dir, "360p.mp4"))
				return
			}
			checkMP4(t, filepath.Join(dir, "360p.mp4"), res.Renditions[0].Width, res.Renditions[0].Height, true, 3)
		})
	}
}

func TestEncodeVideoOnly(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	var rec recorder
	res, err := testRunner().Encode(context.Background(), silentClip(t), dir, rec.report)
	if err != nil {
		t.Fatal(err)
	}
	rec.check(t)
	want := "mp4 360p 360p.mp4 640x360\nmp4 720p 720p.mp4 1280x720\nhls master hls/master.m3u8 1280x720\nhls 360p hls/360p.m3u8 640x360\nhls 720p hls/720p.m3u8 1280x720"
	if diff := cmp.Diff(want, renditionNames(res)); diff != "" {
		t.Fatalf("renditions (-want +got):\n%s", diff)
	}
	for _, r := range res.Renditions {
		if r.AudioBitrate != 0 {
			t.Errorf("%s: AudioBitrate %d for a silent source", r.Path, r.AudioBitrate)
		}
		if r.Kind == lectern.RenditionMP4 {
			checkMP4(t, filepath.Join(dir, r.Path), r.Width, r.Height, false, 2)
		}
	}
	master := filepath.Join(dir, "hls", "master.m3u8")
	if b, _ := os.ReadFile(master); !strings.Contains(string(b), "CODECS=\"avc1.") || strings.Contains(string(b), "mp4a") {
		t.Errorf("master playlist of a silent video:\n%s", b)
	}
	if p := ffprobe(t, master); len(p.Streams) != 2 {
		t.Errorf("HLS has %d streams, want 2 videos", len(p.Streams))
	}
	if res.Thumbnail == "" {
		t.Error("no thumbnail")
	}
}

func TestEncodeAudioOnly(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		args    []string
		bitrate func(int) bool
	}{
		{"sound.wav", []string{"-f", "lavfi", "-i", "sine=duration=2:frequency=440"}, func(b int) bool { return b == 128_000 }},
		// AAC already: copied, its own bitrate.
		{"sound.m4a", []string{"-f", "lavfi", "-i", "sine=duration=2:frequency=440", "-c:a", "aac", "-b:a", "64k"}, func(b int) bool { return b > 30_000 && b < 100_000 }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			var rec recorder
			res, err := testRunner().Encode(context.Background(), sharedClip(t, tc.name, tc.args...), dir, rec.report)
			if err != nil {
				t.Fatal(err)
			}
			rec.check(t)
			if got := renditionNames(res); got != "m4a audio audio.m4a 0x0" || res.Thumbnail != "" {
				t.Fatalf("renditions %q, thumbnail %q", got, res.Thumbnail)
			}
			if r := res.Renditions[0]; !tc.bitrate(r.AudioBitrate) || r.VideoBitrate != 0 || r.Size == 0 {
				t.Errorf("rendition %+v", r)
			}
			p := ffprobe(t, filepath.Join(dir, "audio.m4a"))
			if len(p.Streams) != 1 || p.Streams[0].CodecName != "aac" {
				t.Errorf("audio.m4a streams %+v", p.Streams)
			}
			checkDuration(t, "audio.m4a", p, 2)
			if entries, _ := os.ReadDir(dir); len(entries) != 1 {
				t.Errorf("%d files in dir, want audio.m4a alone", len(entries))
			}
		})
	}
}

func TestEncodeNotMedia(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for _, tc := range []struct{ src, msg string }{
		{notMedia(t, dir), "notes.mp4 is not an audio or video file"},
		{sharedClip(t, "slide.jpg", "-f", "lavfi", "-i", "testsrc2=size=320x240", "-frames:v", "1"),
			"slide.jpg is not a media container Lectern accepts: ffprobe reads it as image2 (a picture)"},
	} {
		t.Run(filepath.Base(tc.src), func(t *testing.T) {
			out := t.TempDir()
			_, err := testRunner().Encode(context.Background(), tc.src, out, nil)
			if lectern.ErrorCode(err) != lectern.EINVALID || !strings.Contains(err.Error(), tc.msg) {
				t.Fatalf("err = %v, want EINVALID saying %q", err, tc.msg)
			}
			if entries, _ := os.ReadDir(out); len(entries) != 0 {
				t.Errorf("%d files written for a file that is not media", len(entries))
			}
		})
	}
	t.Run("Missing", func(t *testing.T) {
		_, err := testRunner().Encode(context.Background(), filepath.Join(dir, "gone.mp4"), t.TempDir(), nil)
		if err == nil || lectern.ErrorCode(err) == lectern.EINVALID || !errors.Is(err, os.ErrNotExist) {
			t.Fatalf("err = %v, want a missing file, not EINVALID", err)
		}
	})
}

func TestEncodeCancel(t *testing.T) {
	t.Parallel()
	src := lectureClip(t, "1920x1080")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	started := make(chan struct{})
	var once sync.Once
	r := &Runner{Preset: "veryslow"} // tens of seconds for the three rungs
	done := make(chan error, 1)
	go func() {
		_, err := r.Encode(ctx, src, t.TempDir(), func(float64) { once.Do(func() { close(started) }) })
		done <- err
	}()
	// Cancel once ffmpeg reports progress, or after 5 s on a busy
	// machine where three veryslow encoders are slow to start.
	select {
	case <-started:
	case err := <-done:
		t.Fatalf("Encode ended before it was cancelled: %v", err)
	case <-time.After(5 * time.Second):
	}
	cancel()
	start := time.Now()
	var err error
	select {
	case err = <-done:
	case <-time.After(3 * time.Second):
		t.Fatal("Encode still running 3 s after cancellation")
	}
	if !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want context.Canceled", err)
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("Encode returned %s after cancellation", d)
	}
	t.Run("BeforeStart", func(t *testing.T) {
		// Cancelled during the probe: cancelled, not "not media".
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		_, err := testRunner().Encode(ctx, src, t.TempDir(), nil)
		if !errors.Is(err, context.Canceled) || lectern.ErrorCode(err) == lectern.EINVALID {
			t.Errorf("err = %v, want context.Canceled", err)
		}
	})
	// No ffmpeg left reading the source.
	procs, _ := filepath.Glob("/proc/[0-9]*/cmdline")
	for _, p := range procs {
		if b, _ := os.ReadFile(p); strings.Contains(string(b), src) && strings.Contains(string(b), "veryslow") {
			t.Errorf("still running: %s", strings.ReplaceAll(string(b), "\x00", " "))
		}
	}
}

func TestEncodeFailure(t *testing.T) {
	dir := t.TempDir()
	fake := filepath.Join(dir, "fake-ffmpeg")
	// Much chatter, then the reason, then a failure.
	script := "#!/bin/sh\ni=0\nwhile [ $i -lt 100 ]; do echo \"frame $i: some warning about nothing in particular\" >&2; i=$((i+1)); done\necho 'libx264: the encoder broke down' >&2\nexit 1\n"
	if err := os.WriteFile(fake, []byte(script), 0o700); err != nil {
		t.Fatal(err)
	}
	slow := filepath.Join(dir, "slow-ffmpeg")
	if err := os.WriteFile(slow, []byte("#!/bin/sh\necho encoding >&2\nsleep 30\n"), 0o700); err != nil {
		t.Fatal(err)
	}
	// The scripts are written before the parallel tests run: a process
	// another test forks while a script is still open for writing would
	// make its exec fail with "text file busy".
	t.Parallel()
	_, err := (&Runner{FFmpeg: fake}).Encode(context.Background(), lectureClip(t, "640x360"), t.TempDir(), nil)
	if err == nil || !strings.Contains(err.Error(), "the encoder broke down") || !strings.Contains(err.Error(), "exit status 1") {
		t.Fatalf("err = %v", err)
	}
	if len(err.Error()) > stderrTail+200 || strings.Contains(err.Error(), "frame 0:") {
		t.Errorf("error keeps more than the tail of stderr (%d bytes)", len(err.Error()))
	}
	if lectern.ErrorCode(err) != lectern.EINTERNAL {
		t.Errorf("code %s, want internal", lectern.ErrorCode(err))
	}

	t.Run("Timeout", func(t *testing.T) {
		start := time.Now()
		_, err := (&Runner{FFmpeg: slow, EncodeTimeout: 300 * time.Millisecond}).Encode(context.Background(), lectureClip(t, "640x360"), t.TempDir(), nil)
		if err == nil || !strings.Contains(err.Error(), "deadline exceeded after 300ms") || !strings.Contains(err.Error(), "encoding") {
			t.Fatalf("err = %v", err)
		}
		// The shell and its sleep, one process group, die together.
		if d := time.Since(start); d > 5*time.Second {
			t.Errorf("took %s", d)
		}
	})
	t.Run("BadSettings", func(t *testing.T) {
		if err := (&Runner{}).ValidateEncoding(); err != nil {
			t.Errorf("defaults: %v", err)
		}
		for _, tc := range []struct {
			r   *Runner
			err string
		}{
			{&Runner{Preset: "warp"}, `preset "warp": want one of ultrafast,`},
			{&Runner{CRF: 60}, "crf 60: want 1 to 51"},
			{&Runner{AudioBitrate: -1}, "audio bitrate -1"},
			{&Runner{Ladder: Ladder{{Name: "tiny", Width: 3, Height: 2, VideoBitrate: 1, AudioBitrate: 1}}}, "ladder rung tiny: size 3x2"},
		} {
			if err := tc.r.ValidateEncoding(); err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("ValidateEncoding() = %v, want %q", err, tc.err)
			}
		}
		_, err := (&Runner{Preset: "warp"}).Encode(context.Background(), lectureClip(t, "640x360"), t.TempDir(), nil)
		if err == nil || !strings.Contains(err.Error(), `preset "warp"`) {
			t.Fatalf("err = %v", err)
		}
	})
}

func TestEncodeOverwritesEarlierAttempt(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for name, content := range map[string]string{"360p.mp4": "half a file", "hls/360p.m4s": "half", "hls/2160p.m3u8": "#EXTM3U", "thumbnail.jpg": "x"} {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	res, err := testRunner().Encode(context.Background(), lectureClip(t, "640x360"), dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	checkMP4(t, filepath.Join(dir, "360p.mp4"), 640, 360, true, 3)
	if _, err := os.Stat(filepath.Join(dir, "hls", "2160p.m3u8")); err == nil {
		t.Error("an earlier attempt's playlist is left")
	}
	if fi, err := os.Stat(filepath.Join(dir, res.Thumbnail)); err != nil || fi.Size() < 100 {
		t.Errorf("thumbnail not rewritten: %v", err)
	}
	if p := ffprobe(t, filepath.Join(dir, "hls", "master.m3u8")); len(p.Streams) != 2 {
		t.Errorf("HLS has %d streams", len(p.Streams))
	}
	// The earlier layout's HLS media (a file of its own per rung) is
	// left for the caller to remove once the result is stored: a player
	// may still be reading it.
	if !slices.Equal(res.Stale, []string{"hls/360p.m4s"}) {
		t.Errorf("stale %v, want the earlier layout's hls/360p.m4s", res.Stale)
	}
}

// TestEncodeArgs compares the ffmpeg command lines with the golden files
// in testdata/; go test ./ffmpeg -run TestEncodeArgs -update rewrites them.
func TestEncodeArgs(t *testing.T) {
	t.Parallel()
	hd := &Source{path: "/media/lecture.mp4", demuxer: "mov", Info: Info{Duration: 60, Width: 1920, Height: 1080, HasVideo: true, HasAudio: true}, video: 0, audio: 1}
	interlacedSilent := &Source{path: "/media/lecture.mts", demuxer: "mpegts", Info: Info{Duration: 60, Width: 1920, Height: 1080, HasVideo: true}, video: 1, audio: -1, interlaced: true}
	small := &Source{path: "/media/lecture.mp4", demuxer: "mov", Info: Info{Width: 640, Height: 360, HasVideo: true, HasAudio: true}, video: 0, audio: 1}
	wav := &Source{path: "/media/lecture.wav", demuxer: "wav", Info: Info{Duration: 60, HasAudio: true}, video: -1, audio: 0, audioCodec: "pcm_s16le"}
	aac := &Source{path: "/media/lecture.m4a", demuxer: "mov", Info: Info{Duration: 60, HasAudio: true}, video: -1, audio: 1, audioCodec: "aac", audioBitrate: 64_000}
	def := (*Runner)(nil).settings()
	def.cpus = 2 // the golden files' machine
	video := func(s *Source) []string { return encodeCommand(s, first(videoArgs(s, def))) }
	audio := func(s *Source) []string { return encodeCommand(s, first(audioArgs(s, def))) }
	for _, tc := range []struct {
		golden string
		args   []string
	}{
		{"encode_1080p", video(hd)},
		{"encode_1080i_silent", video(interlacedSilent)},
		{"encode_360p_only", video(small)},
		{"encode_audio", audio(wav)},
		{"encode_audio_aac", audio(aac)},
	} {
		t.Run(tc.golden, func(t *testing.T) {
			got := strings.Join(tc.args, "\n") + "\n"
			path := filepath.Join("testdata", tc.golden+".golden")
			if *update {
				if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (go test ./ffmpeg -run TestEncodeArgs -update writes it)", err)
			}
			if diff := cmp.Diff(string(want), got); diff != "" {
				t.Errorf("ffmpeg arguments (-%s +got):\n%s", path, diff)
			}
		})
	}
}

func first[T, U any](t T, _ U) T { return t }
