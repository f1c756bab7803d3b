package jobs_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"lectern"
	"lectern/ffmpeg"
	"lectern/jobs"
)

// playableClip makes a two-second 1280x720 clip with sound with the
// given video codec options, once per test binary.
func playableClip(tb testing.TB, name string, opts ...string) []byte {
	tb.Helper()
	playableClips.Lock()
	defer playableClips.Unlock()
	path := filepath.Join(clipDir, name)
	if _, err := os.Stat(path); err != nil {
		args := append([]string{"-v", "error", "-nostdin", "-f", "lavfi", "-i", "testsrc2=size=1280x720:rate=25:duration=2",
			"-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000:duration=2"}, opts...)
		args = append(args, "-c:a", "aac", "-shortest", "-y", path)
		if out, err := exec.Command("ffmpeg", args...).CombinedOutput(); err != nil {
			tb.Fatalf("make %s: %v\n%s", name, err, out)
		}
	}
	b, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

var playableClips sync.Mutex

// watchingEncoder is the real encoder, which reads the stored video each
// time a step's renditions are stored, before the next step starts.
type watchingEncoder struct {
	*ffmpeg.Runner
	videos lectern.VideoService
	mu     sync.Mutex
	seen   []string // per step: each stored rendition "kind name state" and whether its file is there
}

func (e *watchingEncoder) EncodeStaged(ctx context.Context, src, dir string, progress func(float64), ready func(*lectern.EncodeResult) error) (*lectern.EncodeResult, error) {
	id := filepath.Base(dir)
	return e.Runner.EncodeStaged(ctx, src, dir, progress, func(part *lectern.EncodeResult) error {
		if err := ready(part); err != nil {
			return err
		}
		var vid int64
		fmt.Sscan(id, &vid)
		v, err := e.videos.FindVideoByID(ctx, vid)
		if err != nil {
			return err
		}
		var b strings.Builder
		fmt.Fprintf(&b, "playable=%v state=%s:", v.Playable(), v.EncodingState)
		for _, r := range v.Renditions {
			_, err := os.Stat(filepath.Join(dir, filepath.FromSlash(r.Path)))
			fmt.Fprintf(&b, " %s/%s/%s/file=%v", r.Kind, r.Name, v.RenditionState(r), err == nil)
		}
		e.mu.Lock()
		e.seen = append(e.seen, b.String())
		e.mu.Unlock()
		return nil
	})
}

// An H.264/AAC deposit is playable (its remux stored, the 720p) before
// the ladder's first rung is encoded; an HEVC deposit gets its lowest
// rung first. Then the whole ladder is stored, every rendition ready,
// and the log says how the source became the top rung.
func TestPlayableBeforeLadder(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		opts  []string
		first string
		log   string
	}{
		{"h264.mp4", []string{"-c:v", "libx264", "-preset", "ultrafast", "-b:v", "1M", "-maxrate", "1M", "-bufsize", "2M", "-pix_fmt", "yuv420p"},
			"playable=true state=running: hls/720p/ready/file=true hls/master/ready/file=true hls/360p/coming/file=false mp4/720p/ready/file=true mp4/360p/coming/file=false",
			"copied as the 720p, not encoded again"},
		{"hevc.mp4", []string{"-c:v", "libx265", "-preset", "ultrafast", "-x265-params", "log-level=error", "-pix_fmt", "yuv420p"},
			"playable=true state=running: hls/360p/ready/file=true hls/master/ready/file=true hls/720p/coming/file=false mp4/360p/ready/file=true mp4/720p/coming/file=false",
			"The source is encoded, not offered as it is:"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			m := setupMedia(t, "")
			enc := &watchingEncoder{Runner: &ffmpeg.Runner{Preset: "ultrafast", Logger: logger(t)}, videos: m.videos}
			c := m.newClient(t, func(_ *jobs.Config, d *jobs.Deps) { d.Encoder = enc })
			start(t, c)
			rec := m.deposit(t, m.recordings, "Lecture.mp4", playableClip(t, tc.name, tc.opts...))
			// Two encodes of x265 and x264 on a loaded machine: longer
			// than waitVideo's 30 s.
			var v *lectern.Video
			for deadline := time.Now().Add(5 * time.Minute); ; time.Sleep(50 * time.Millisecond) {
				if list := m.videosOf(t, rec.ID); len(list) == 1 && list[0].EncodingState == lectern.EncodingDone {
					v = list[0]
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("not encoded after 5 min:\n%s", m.comment(t, rec.ID))
				}
			}
			enc.mu.Lock()
			seen := enc.seen
			enc.mu.Unlock()
			if len(seen) != 1 || sortedFields(seen[0]) != sortedFields(tc.first) {
				t.Errorf("stored at the first step:\n%v\nwant\n%s", seen, tc.first)
			}
			for _, r := range v.Renditions {
				if !r.Ready() {
					t.Errorf("rendition %s %s still %s once encoded", r.Kind, r.Name, r.State)
				}
			}
			if len(v.Renditions) != 5 {
				t.Errorf("%d renditions, want 5: %+v", len(v.Renditions), v.Renditions)
			}
			m.checkEncoded(t, rec, v)
			m.checkLog(t, rec.ID, "Playable: ", tc.log)
			if _, err := os.Stat(filepath.Join(m.root, "videos", fmt.Sprint(v.ID), ".work")); !os.IsNotExist(err) {
				t.Errorf(".work left behind: %v", err)
			}
		})
	}
}

// sortedFields compares a step's renditions whatever the store's order.
func sortedFields(s string) string {
	head, rest, _ := strings.Cut(s, ":")
	f := strings.Fields(rest)
	slices.Sort(f)
	return head + ":" + strings.Join(f, " ")
}
