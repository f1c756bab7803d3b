package web

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"

	"lectern"
	"lectern/password"
)

// The encoded files of a two-second 640x360 clip, laid out as the encoder
// writes a video's directory: 360p.mp4, hls/ (an fMP4 playlist, its init
// section and segments, the master playlist), thumbnail.jpg, and
// audio.m4a for sounds. Made once by real ffmpeg for the whole test
// binary, removed by TestMain.
var (
	clipOnce sync.Once
	clipDir  string
	clipErr  error
)

// sourceContent is what each test video's source file holds: a page or a
// file that shows it leaked the source.
const sourceContent = "SOURCE FILE, NEVER SERVED"

func encodedClip(tb testing.TB) string {
	tb.Helper()
	clipOnce.Do(func() { clipDir, clipErr = makeClip() })
	if clipErr != nil {
		tb.Fatal(clipErr)
	}
	return clipDir
}

func makeClip() (string, error) {
	dir, err := os.MkdirTemp("", "lectern-web-clip-")
	if err != nil {
		return "", err
	}
	if err := os.Mkdir(filepath.Join(dir, "hls"), 0o755); err != nil {
		return dir, err
	}
	quiet := []string{"-nostdin", "-hide_banner", "-loglevel", "error", "-y"}
	for _, args := range [][]string{
		{"-f", "lavfi", "-i", "testsrc2=size=640x360:rate=25:duration=2", "-f", "lavfi", "-i", "sine=frequency=440:duration=2",
			"-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-g", "25", "-c:a", "aac", "-b:a", "96k",
			"-shortest", "-movflags", "+faststart", "360p.mp4"},
		{"-i", "360p.mp4", "-c", "copy", "-f", "hls", "-hls_segment_type", "fmp4", "-hls_playlist_type", "vod", "-hls_time", "1",
			"hls/360p.m3u8"},
		{"-ss", "1", "-i", "360p.mp4", "-frames:v", "1", "-vf", "scale=320:-2", "thumbnail.jpg"},
		{"-f", "lavfi", "-i", "sine=frequency=440:duration=2", "-c:a", "aac", "-b:a", "96k", "audio.m4a"},
	} {
		cmd := exec.Command("ffmpeg", append(quiet, args...)...)
		cmd.Dir = dir
		if out, err := cmd.CombinedOutput(); err != nil {
			return dir, fmt.Errorf("ffmpeg %v: %v\n%s", args, err, out)
		}
	}
	master := "#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-INDEPENDENT-SEGMENTS\n" +
		"#EXT-X-STREAM-INF:BANDWIDTH=1200000,RESOLUTION=640x360,CODECS=\"avc1.64001e,mp4a.40.2\"\n360p.m3u8\n"
	return dir, os.WriteFile(filepath.Join(dir, "hls", "master.m3u8"), []byte(master), 0o644)
}

// video creates a public video of owner titled title, pending until
// encoded; edit changes it before it is stored.
func (b *testBundle) video(owner *lectern.User, title string, edit ...func(*lectern.Video)) *lectern.Video {
	b.tb.Helper()
	if b.videoTypeID == 0 {
		b.videoTypeID = b.videoType("Lecture").ID
	}
	v := &lectern.Video{Title: title, Slug: lectern.Slugify(title), OwnerID: owner.ID, TypeID: b.videoTypeID,
		EncodingState: lectern.EncodingPending}
	for _, f := range edit {
		f(v)
	}
	if err := b.videos.CreateVideo(context.Background(), v); err != nil {
		b.tb.Fatal(err)
	}
	return v
}

// encoded gives v the clip's files in MEDIA_ROOT/videos/<id>/ (with a
// source beside them) and stores the encode: done, 2 s, one MP4, the HLS
// playlists and the thumbnail; an audio-only one gets the M4A alone.
func (b *testBundle) encoded(v *lectern.Video, audioOnly bool) *lectern.Video {
	b.tb.Helper()
	clip := encodedClip(b.tb)
	dir := filepath.Join(b.mediaRoot, "videos", id64(v.ID))
	if err := os.MkdirAll(filepath.Join(dir, "hls"), 0o755); err != nil {
		b.tb.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "source.mp4"), []byte(sourceContent), 0o644); err != nil {
		b.tb.Fatal(err)
	}
	res := &lectern.EncodeResult{Info: lectern.MediaInfo{Duration: 2, HasAudio: true}}
	files := []string{"audio.m4a"}
	if audioOnly {
		res.Renditions = []lectern.Rendition{{Name: "audio", Kind: lectern.RenditionM4A, Path: "audio.m4a", AudioBitrate: 96000}}
	} else {
		res.Info.HasVideo, res.Info.Width, res.Info.Height = true, 640, 360
		res.Thumbnail = "thumbnail.jpg"
		res.Renditions = []lectern.Rendition{
			{Name: "360p", Kind: lectern.RenditionMP4, Path: "360p.mp4", Width: 640, Height: 360, VideoBitrate: 1000000, AudioBitrate: 96000},
			{Name: "master", Kind: lectern.RenditionHLS, Path: "hls/master.m3u8", Width: 640, Height: 360},
			{Name: "360p", Kind: lectern.RenditionHLS, Path: "hls/360p.m3u8", Width: 640, Height: 360},
		}
		files = []string{"360p.mp4", "thumbnail.jpg", "hls/360p.m3u8", "hls/master.m3u8", "hls/init.mp4", "hls/360p0.m4s", "hls/360p1.m4s"}
	}
	for _, f := range files {
		copyFile(b.tb, filepath.Join(clip, f), filepath.Join(dir, f))
	}
	for i := range res.Renditions {
		if fi, err := os.Stat(filepath.Join(dir, res.Renditions[i].Path)); err == nil {
			res.Renditions[i].Size = fi.Size()
		}
	}
	return b.setEncoded(v, res)
}

// setEncoded stores res as v's encoding and returns v as stored.
func (b *testBundle) setEncoded(v *lectern.Video, res *lectern.EncodeResult) *lectern.Video {
	b.tb.Helper()
	ctx := context.Background()
	if err := b.videos.SetEncoded(ctx, v.ID, res); err != nil {
		b.tb.Fatal(err)
	}
	v, err := b.videos.FindVideoByID(ctx, v.ID)
	if err != nil {
		b.tb.Fatal(err)
	}
	return v
}

func copyFile(tb testing.TB, from, to string) {
	tb.Helper()
	in, err := os.Open(from)
	if err != nil {
		tb.Fatal(err)
	}
	defer in.Close()
	out, err := os.Create(to)
	if err != nil {
		tb.Fatal(err)
	}
	if _, err := io.Copy(out, in); err != nil {
		tb.Fatal(err)
	}
	if err := out.Close(); err != nil {
		tb.Fatal(err)
	}
}

// protect sets a video's password.
func protect(pw string) func(*lectern.Video) {
	return func(v *lectern.Video) {
		hash, err := password.Hash(pw)
		if err != nil {
			panic(err)
		}
		v.PasswordHash = hash
	}
}

// group creates a group.
func (b *testBundle) group(name string) *lectern.Group {
	b.tb.Helper()
	g := &lectern.Group{Name: name}
	if err := b.groups.CreateGroup(context.Background(), g); err != nil {
		b.tb.Fatal(err)
	}
	return g
}

// member creates a plain user in groups.
func (b *testBundle) member(username string, groups ...int64) *lectern.User {
	b.tb.Helper()
	u := b.user(username, false, false)
	u.Groups = groups
	if err := b.users.UpdateUser(context.Background(), u); err != nil {
		b.tb.Fatal(err)
	}
	return u
}
