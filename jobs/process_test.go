package jobs_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"lectern"
	"lectern/ffmpeg"
	"lectern/jobs"
	"lectern/locale"
	"lectern/sqldb"
)

// clipDir holds the clip every processing test deposits, made once.
var (
	clipDir  string
	clipOnce sync.Once
	clipErr  error
)

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "lectern-jobs-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	clipDir = dir
	code := 0
	// Every test on each database, as sqldb's TestStore runs the store
	// suite: SQLite, then PostgreSQL (pgtest's server).
	for _, db := range []string{"sqlite", "postgres"} {
		if only := os.Getenv("LECTERN_TEST_JOBS_DB"); only != "" && only != db {
			continue
		}
		testPostgres = db == "postgres"
		if c := m.Run(); c != 0 {
			fmt.Fprintf(os.Stderr, "== jobs tests on %s: FAIL\n", db)
			code = c
		}
	}
	os.RemoveAll(dir)
	os.Exit(code)
}

// clip returns a two-second 640x360 clip with sound, made by ffmpeg on
// first use.
func clip(tb testing.TB) string {
	tb.Helper()
	path := filepath.Join(clipDir, "clip.mp4")
	clipOnce.Do(func() {
		out, err := exec.Command("ffmpeg", "-v", "error", "-nostdin",
			"-f", "lavfi", "-i", "testsrc2=size=640x360:rate=25:duration=2",
			"-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000:duration=2",
			"-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest", "-y", path).CombinedOutput()
		if err != nil {
			clipErr = fmt.Errorf("make test clip: %v\n%s", err, out)
		}
	})
	if clipErr != nil {
		tb.Fatal(clipErr)
	}
	return path
}

// media is one test's database with its people, a recorder with
// defaults for its videos, the recorder's directory and MEDIA_ROOT.
type media struct {
	*testBundle
	recordings  *sqldb.RecordingService
	videos      *sqldb.VideoService
	recorders   *sqldb.RecorderService
	enrichments *sqldb.EnrichmentService
	root        string // MEDIA_ROOT
	dir         string // the recorder's directory
	owner       *lectern.User
	helper      *lectern.User
	group       *lectern.Group
	typeID      int64
	recorder    *lectern.Recorder
}

// setupMedia makes a media bundle whose recorder's files are in dir
// (t.TempDir() when empty).
func setupMedia(tb testing.TB, dir string) *media {
	tb.Helper()
	ctx := context.Background()
	b := setup(tb, "")
	m := &media{testBundle: b, recordings: sqldb.NewRecordingService(b.db, b.enq), videos: sqldb.NewVideoService(b.db, b.enq),
		recorders: sqldb.NewRecorderService(b.db), enrichments: sqldb.NewEnrichmentService(b.db), root: filepath.Join(tb.TempDir(), "media"), dir: dir}
	if m.dir == "" {
		m.dir = tb.TempDir()
	}
	users := sqldb.NewUserService(b.db)
	m.owner = &lectern.User{Username: "owner", IsActive: true}
	m.helper = &lectern.User{Username: "helper", IsActive: true}
	m.group = &lectern.Group{Name: "students"}
	vt := &lectern.VideoType{Title: "Course"}
	for _, err := range []error{users.CreateUser(ctx, m.owner), users.CreateUser(ctx, m.helper),
		sqldb.NewGroupService(b.db).CreateGroup(ctx, m.group), sqldb.NewVideoTypeService(b.db).CreateVideoType(ctx, vt)} {
		if err != nil {
			tb.Fatal(err)
		}
	}
	m.typeID = vt.ID
	r := lectern.NewRecorder()
	r.Name, r.AddressIP, r.Directory, r.TypeID = "Amphi A", "10.0.0.1", "amphi-a", vt.ID
	r.AdditionalUsers, r.RestrictAccessToGroups = []int64{m.helper.ID}, []int64{m.group.ID}
	r.IsDraft, r.IsRestricted, r.AllowDownloading, r.DisableComment = false, true, true, true
	r.Tags, r.MainLang, r.Licence = "optics physics", "fr", "by-sa"
	if err := m.recorders.CreateRecorder(ctx, r); err != nil {
		tb.Fatal(err)
	}
	m.recorder = r
	return m
}

// newClient makes a processing job client on the bundle's database that
// encodes with the real ffmpeg (fast settings), and stops it when the
// test ends.
func (m *media) newClient(tb testing.TB, change func(*jobs.Config, *jobs.Deps)) *jobs.Client {
	tb.Helper()
	cfg := jobs.Config{DB: m.pool, Listener: m.listener, MediaRoot: m.root, RetryPolicy: fastRetry{}, FetchPollInterval: 100 * time.Millisecond,
		ProgressInterval: 100 * time.Millisecond, StopTimeout: 5 * time.Second}
	deps := jobs.Deps{Videos: m.videos, Recordings: m.recordings, Recorders: m.recorders, Enrichments: m.enrichments,
		Encoder: &ffmpeg.Runner{Preset: "ultrafast", Logger: logger(tb)}, Logger: logger(tb)}
	if change != nil {
		change(&cfg, &deps)
	}
	c, err := jobs.New(context.Background(), cfg, deps)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { c.Stop() })
	return c
}

// deposit puts the test clip (or data, when not nil) into the recorder's
// directory as name and publishes it through svc.
func (m *media) deposit(tb testing.TB, svc lectern.RecordingService, name string, data []byte) *lectern.Recording {
	tb.Helper()
	path := filepath.Join(m.dir, name)
	if data == nil {
		var err error
		if data, err = os.ReadFile(clip(tb)); err != nil {
			tb.Fatal(err)
		}
	}
	if err := os.WriteFile(path, data, 0o640); err != nil {
		tb.Fatal(err)
	}
	rec := &lectern.Recording{RecorderID: m.recorder.ID, UserID: m.owner.ID, Title: "Optique géométrique",
		Type: lectern.RecordingTypeVideo, SourceFile: path}
	if err := svc.CreateRecording(context.Background(), rec); err != nil {
		tb.Fatal(err)
	}
	return rec
}

// videosOf returns the videos made from recording id.
func (m *media) videosOf(tb testing.TB, id int64) []*lectern.Video {
	tb.Helper()
	list, _, err := m.videos.FindVideos(context.Background(), lectern.VideoFilter{RecordingID: &id})
	if err != nil {
		tb.Fatal(err)
	}
	return list
}

// waitVideo waits until recording id's video is in state, and returns it.
func (m *media) waitVideo(tb testing.TB, id int64, state string) *lectern.Video {
	tb.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for {
		list := m.videosOf(tb, id)
		if len(list) > 1 {
			tb.Fatalf("recording %d has %d videos", id, len(list))
		}
		if len(list) == 1 && list[0].EncodingState == state {
			return list[0]
		}
		if time.Now().After(deadline) {
			tb.Fatalf("after 2 minutes the video of recording %d is not %s: %+v\njobs %v\nrecording log:\n%s", id, state, list,
				m.jobsByKind(tb), m.comment(tb, id))
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// comment returns recording id's log, as an English reader sees it.
func (m *media) comment(tb testing.TB, id int64) string {
	tb.Helper()
	rec, err := m.recordings.FindRecordingByID(context.Background(), id)
	if err != nil {
		tb.Fatal(err)
	}
	return lectern.RecordingLogText(rec.Comment, locale.NewPrinter("en"))
}

// jobsByKind counts the jobs by "kind state".
func (m *media) jobsByKind(tb testing.TB) map[string]int {
	tb.Helper()
	rows, err := m.db.SQL().Query("SELECT kind || ' ' || state, count(*) FROM river_job GROUP BY kind, state")
	if err != nil {
		tb.Fatal(err)
	}
	defer rows.Close()
	n := map[string]int{}
	for rows.Next() {
		var k string
		var c int
		if err := rows.Scan(&k, &c); err != nil {
			tb.Fatal(err)
		}
		n[k] = c
	}
	return n
}

// waitJobs waits until the jobs by kind and state are want.
func (m *media) waitJobs(tb testing.TB, want map[string]int) {
	tb.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for {
		got := m.jobsByKind(tb)
		if fmt.Sprint(got) == fmt.Sprint(want) {
			return
		}
		if time.Now().After(deadline) {
			tb.Fatalf("after 2 minutes jobs are %v, want %v", got, want)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// checkEncoded checks a finished video: its source under
// MEDIA_ROOT/videos/<id>/ and gone from the recorder's directory, its
// renditions on disk.
func (m *media) checkEncoded(tb testing.TB, rec *lectern.Recording, v *lectern.Video) {
	tb.Helper()
	dir := filepath.Join(m.root, "videos", fmt.Sprint(v.ID))
	if want := fmt.Sprintf("videos/%d/source.mp4", v.ID); v.SourceFile != want {
		tb.Errorf("source file %q, want %q", v.SourceFile, want)
	}
	if _, err := os.Stat(filepath.Join(dir, "source.mp4")); err != nil {
		tb.Errorf("moved source: %v", err)
	}
	if _, err := os.Stat(rec.SourceFile); !os.IsNotExist(err) {
		tb.Errorf("the source is still in the recorder's directory (%v)", err)
	}
	if v.EncodingProgress != 100 || v.Duration < 1.9 || v.Duration > 2.1 || v.Thumbnail == "" || len(v.Renditions) == 0 {
		tb.Errorf("encoded video: progress %v, duration %v, thumbnail %q, %d renditions", v.EncodingProgress, v.Duration,
			v.Thumbnail, len(v.Renditions))
	}
	for _, r := range append(v.Renditions, lectern.Rendition{Name: "thumbnail", Path: v.Thumbnail}) {
		if fi, err := os.Stat(filepath.Join(dir, filepath.FromSlash(r.Path))); err != nil || fi.Size() == 0 {
			tb.Errorf("rendition %s (%s): %v", r.Name, r.Path, err)
		}
	}
	m.checkNoOrphanDirs(tb)
}

// checkNoOrphanDirs checks that each directory in MEDIA_ROOT/videos is a
// stored video's.
func (m *media) checkNoOrphanDirs(tb testing.TB) {
	tb.Helper()
	entries, _ := os.ReadDir(filepath.Join(m.root, "videos"))
	for _, e := range entries {
		id, err := strconv.ParseInt(e.Name(), 10, 64)
		if err == nil {
			_, err = m.videos.FindVideoByID(context.Background(), id)
		}
		if err != nil {
			tb.Errorf("MEDIA_ROOT/videos/%s is no video's: %v", e.Name(), err)
		}
	}
}

// checkLog checks that recording id's log holds each of want, in order.
//
// A job writes its last note after the row a test waits for (the video
// done, its thumbnail set), so the log is read again for a few seconds
// before a line is said to be missing.
func (m *media) checkLog(tb testing.TB, id int64, want ...string) {
	tb.Helper()
	missing := func(log string) string {
		rest := log
		for _, w := range want {
			i := strings.Index(rest, w)
			if i < 0 {
				return w
			}
			rest = rest[i+len(w):]
		}
		return ""
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		log := m.comment(tb, id)
		w := missing(log)
		if w == "" {
			return
		}
		if time.Now().After(deadline) {
			tb.Errorf("recording log lacks %q (in order):\n%s", w, log)
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// A recording published through the store (its job enqueued with it)
// becomes one video with its recorder's defaults, its source moved into
// media storage, encoded.
func TestProcessRecording(t *testing.T) {
	t.Parallel()
	m := setupMedia(t, "")
	c := m.newClient(t, nil)
	start(t, c)
	rec := m.deposit(t, m.recordings, "Lecture 1.MP4", nil)
	v := m.waitVideo(t, rec.ID, lectern.EncodingDone)
	t.Logf("recording log:\n%s", m.comment(t, rec.ID))
	m.checkEncoded(t, rec, v)
	r := m.recorder
	if v.Title != rec.Title || v.OwnerID != m.owner.ID || v.TypeID != m.typeID || v.IsDraft || !v.IsRestricted ||
		!v.AllowDownloading || !v.DisableComment || v.Tags != r.Tags || v.MainLang != "fr" || v.Licence != "by-sa" ||
		fmt.Sprint(v.AdditionalOwners) != fmt.Sprint([]int64{m.helper.ID}) || fmt.Sprint(v.Groups) != fmt.Sprint([]int64{m.group.ID}) {
		t.Errorf("video does not carry the recorder's defaults: %+v", v)
	}
	m.checkLog(t, rec.ID, fmt.Sprintf("Video %d created", v.ID), fmt.Sprintf("Source moved to videos/%d/source.mp4", v.ID),
		"Encoding queued", "Encoding started (attempt 1)", fmt.Sprintf("Encoded: %d renditions, duration 2", len(v.Renditions)))
	m.waitJobs(t, map[string]int{"encode_video completed": 1, "process_recording completed": 1})
}

// Enqueued twice before it runs, and again once it is done: one job, one
// video, one encode.
func TestEnqueueRecordingTwice(t *testing.T) {
	t.Parallel()
	m := setupMedia(t, "")
	c := m.newClient(t, nil)
	ctx := context.Background()
	rec := m.deposit(t, m.recordings, "lecture.mp4", nil)
	for range 2 {
		if err := c.EnqueueRecording(ctx, rec.ID); err != nil {
			t.Fatal(err)
		}
	}
	if n := m.jobsByKind(t); len(n) != 1 || n["process_recording available"] != 1 {
		t.Fatalf("jobs = %v, want one process_recording available", n)
	}
	start(t, c)
	v := m.waitVideo(t, rec.ID, lectern.EncodingDone)
	m.waitJobs(t, map[string]int{"encode_video completed": 1, "process_recording completed": 1})
	if err := c.EnqueueRecording(ctx, rec.ID); err != nil {
		t.Fatal(err)
	}
	time.Sleep(settle)
	m.waitJobs(t, map[string]int{"encode_video completed": 1, "process_recording completed": 1})
	if list := m.videosOf(t, rec.ID); len(list) != 1 || list[0].ID != v.ID || list[0].EncodingState != lectern.EncodingDone {
		t.Fatalf("videos %+v", list)
	}
	m.checkEncoded(t, rec, v)
}

// A file that is not media, or that names other files (an HLS playlist
// or a concat script named .mp4, which ffmpeg would follow to another
// user's video), is refused before it is moved: the video in state error
// saying why, nothing encoded, the process job cancelled, the
// recording's log says why, the file kept where it was.
func TestNotMediaRefused(t *testing.T) {
	t.Parallel()
	m := setupMedia(t, "")
	c := m.newClient(t, nil)
	start(t, c)
	target := clip(t)
	for _, tc := range []struct{ name, data, why string }{
		{"notes.mp4", strings.Repeat("these are not moving pictures\n", 100), "notes.mp4 is not an audio or video file"},
		{"playlist.mp4", "#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXTINF:2,\n" + target + "\n#EXT-X-ENDLIST\n",
			"playlist.mp4 is not a media container Lectern accepts: ffprobe reads it as hls (a playlist, which names other files)"},
		{"concat.mp4", "ffconcat version 1.0\nfile " + target + "\n",
			"concat.mp4 is not a media container Lectern accepts: ffprobe reads it as concat (a playlist, which names other files)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := m.deposit(t, m.recordings, tc.name, []byte(tc.data))
			deadline := time.Now().Add(30 * time.Second)
			for !strings.Contains(m.comment(t, rec.ID), "Not processed: ") && time.Now().Before(deadline) {
				time.Sleep(20 * time.Millisecond)
			}
			m.checkLog(t, rec.ID, "Not processed: "+tc.why+" (the file is kept where it was; fix it and retry the job)")
			v := m.waitVideo(t, rec.ID, lectern.EncodingError)
			if v.EncodingLog != tc.why || v.SourceFile != "" || len(v.Renditions) != 0 {
				t.Errorf("video: log %q, source %q, %d renditions", v.EncodingLog, v.SourceFile, len(v.Renditions))
			}
			if b, err := os.ReadFile(rec.SourceFile); err != nil || string(b) != tc.data {
				t.Errorf("source not kept as it was: %v", err)
			}
		})
	}
	m.waitJobs(t, map[string]int{"process_recording cancelled": 3})
	if got := listTree(t, filepath.Join(m.root, "videos")); got != "" {
		t.Errorf("MEDIA_ROOT/videos holds %s", got)
	}
}

// A source that is not media once the video is made (replaced on disk
// after its check): the encode fails cleanly, the video in state error
// with a clear message, the encode job cancelled, the source kept.
func TestEncodeNotMediaFailsCleanly(t *testing.T) {
	t.Parallel()
	m := setupMedia(t, "")
	c := m.newClient(t, nil)
	rec := m.deposit(t, m.recordings, "notes.mp4", nil)
	v := m.createVideo(t, rec)
	src := m.moveSource(t, rec, v)
	if err := m.videos.SetSource(context.Background(), v.ID, src); err != nil {
		t.Fatal(err)
	}
	data := strings.Repeat("these are not moving pictures\n", 100)
	if err := os.WriteFile(filepath.Join(m.root, filepath.FromSlash(src)), []byte(data), 0o640); err != nil {
		t.Fatal(err)
	}
	if err := c.EnqueueVideo(context.Background(), v.ID); err != nil {
		t.Fatal(err)
	}
	start(t, c)
	v = m.waitVideo(t, rec.ID, lectern.EncodingError)
	if v.EncodingLog != "source.mp4 is not an audio or video file" {
		t.Errorf("encoding log %q does not say the file is not media", v.EncodingLog)
	}
	// The recording's own process job, enqueued with it, finds the source
	// stored and the encode waiting or over: it enqueues no second one.
	m.waitJobs(t, map[string]int{"encode_video cancelled": 1, "process_recording completed": 1})
	if fi, err := os.Stat(filepath.Join(m.root, filepath.FromSlash(v.SourceFile))); err != nil || fi.Size() != int64(len(data)) {
		t.Errorf("source not kept: %v", err)
	}
	if len(v.Renditions) != 0 {
		t.Errorf("renditions %+v", v.Renditions)
	}
	m.checkLog(t, rec.ID, "Encoding failed: source.mp4 is not an audio or video file (the source is kept)")
}

// A source that vanished before it was moved: the job is cancelled, the
// video in state error, the recording's log says why.
func TestMissingSource(t *testing.T) {
	t.Parallel()
	m := setupMedia(t, "")
	c := m.newClient(t, nil)
	rec := m.deposit(t, m.recordings, "gone.mp4", nil)
	if err := os.Remove(rec.SourceFile); err != nil {
		t.Fatal(err)
	}
	if err := c.EnqueueRecording(context.Background(), rec.ID); err != nil {
		t.Fatal(err)
	}
	start(t, c)
	v := m.waitVideo(t, rec.ID, lectern.EncodingError)
	m.waitJobs(t, map[string]int{"process_recording cancelled": 1})
	want := fmt.Sprintf("source file %s is missing: nothing to encode", rec.SourceFile)
	if v.EncodingLog != want {
		t.Errorf("encoding log %q, want %q", v.EncodingLog, want)
	}
	m.checkLog(t, rec.ID, fmt.Sprintf("Video %d created", v.ID), fmt.Sprintf("Source file %s is missing: nothing to encode", rec.SourceFile))
	if _, err := os.Stat(filepath.Join(m.root, "videos")); !os.IsNotExist(err) {
		t.Errorf("a video directory was made for nothing: %v", err)
	}
}

// A crash between any two steps leaves the jobs that the store enqueued
// with each row in state running (a process killed with kill -9): the next
// start rescues them and finishes, one video, encoded, its source moved.
// No pass at start looks for work without a job: there is none.
func TestResumeAfterCrash(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		// crash leaves what a process killed at that point would.
		crash func(tb testing.TB, m *media, rec *lectern.Recording)
	}{
		{"recording stored, not processed", func(testing.TB, *media, *lectern.Recording) {}},
		{"video created, source not moved", func(tb testing.TB, m *media, rec *lectern.Recording) {
			m.createVideo(tb, rec)
		}},
		{"source moved, not recorded", func(tb testing.TB, m *media, rec *lectern.Recording) {
			v := m.createVideo(tb, rec)
			m.moveSource(tb, rec, v)
		}},
		{"source moved, not encoded", func(tb testing.TB, m *media, rec *lectern.Recording) {
			v := m.createVideo(tb, rec)
			m.videos.SetSource(context.Background(), v.ID, m.moveSource(tb, rec, v))
		}},
		{"killed mid-encode", func(tb testing.TB, m *media, rec *lectern.Recording) {
			v := m.createVideo(tb, rec)
			m.videos.SetSource(context.Background(), v.ID, m.moveSource(tb, rec, v))
			m.videos.SetEncoding(context.Background(), v.ID, lectern.EncodingRunning, 42, "")
			dir := filepath.Join(m.root, "videos", fmt.Sprint(v.ID))
			os.WriteFile(filepath.Join(dir, "360p.mp4"), []byte("half an MP4"), 0o640)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			m := setupMedia(t, "")
			rec := m.deposit(t, m.recordings, "lecture.mp4", nil)
			tc.crash(t, m, rec)
			m.orphanJobs(t)
			c := m.newClient(t, nil)
			start(t, c)
			v := m.waitVideo(t, rec.ID, lectern.EncodingDone)
			m.checkEncoded(t, rec, v)
			want := map[string]int{"encode_video completed": 1, "process_recording completed": 1}
			m.waitJobs(t, want)
		})
	}
}

// orphanJobs leaves every job as a process killed while working it
// would: running, attempted by this client's ID.
func (m *media) orphanJobs(tb testing.TB) {
	tb.Helper()
	if _, err := m.db.SQL().Exec(q(`UPDATE river_job SET state = 'running', attempt = 1, attempted_at = datetime('now', 'subsec'),
		attempted_by = jsonb(json_array(?))`), jobs.DefaultID); err != nil {
		tb.Fatal(err)
	}
}

// createVideo makes rec's video as the process job does.
func (m *media) createVideo(tb testing.TB, rec *lectern.Recording) *lectern.Video {
	tb.Helper()
	v := lectern.NewVideo(rec, m.recorder)
	if err := m.videos.CreateVideo(context.Background(), v); err != nil {
		tb.Fatal(err)
	}
	return v
}

// moveSource moves rec's source where the process job puts it, and
// returns that path relative to MEDIA_ROOT.
func (m *media) moveSource(tb testing.TB, rec *lectern.Recording, v *lectern.Video) string {
	tb.Helper()
	rel := fmt.Sprintf("videos/%d/source.mp4", v.ID)
	if err := os.MkdirAll(filepath.Join(m.root, "videos", fmt.Sprint(v.ID)), 0o750); err != nil {
		tb.Fatal(err)
	}
	if err := os.Rename(rec.SourceFile, filepath.Join(m.root, rel)); err != nil {
		tb.Fatal(err)
	}
	return rel
}

// A job left running by a process killed with kill -9 (as River leaves
// it) is run again at once when a client with the same ID starts, or
// given up when that was its last attempt; one left by another live
// process is not touched.
func TestStartRescuesOrphanedJobs(t *testing.T) {
	t.Parallel()
	m := setupMedia(t, "")
	ctx := context.Background()
	mine := m.deposit(t, m.recordings, "mine.mp4", nil)
	theirs := m.deposit(t, m.recordings, "theirs.mp4", nil)
	// An encode that was running on its last attempt each time the
	// process died.
	spent := m.deposit(t, m.recordings, "spent.mp4", nil)
	sv := m.createVideo(t, spent)
	m.videos.SetSource(ctx, sv.ID, m.moveSource(t, spent, sv))
	m.videos.SetEncoding(ctx, sv.ID, lectern.EncodingRunning, 12, "")

	c1 := m.newClient(t, nil)
	for _, rec := range []*lectern.Recording{mine, theirs} {
		if err := c1.EnqueueRecording(ctx, rec.ID); err != nil {
			t.Fatal(err)
		}
	}
	if err := c1.EnqueueVideo(ctx, sv.ID); err != nil {
		t.Fatal(err)
	}
	c1.Stop()
	for id, owner := range map[int64]string{mine.ID: jobs.DefaultID, theirs.ID: "worker-2"} {
		if _, err := m.db.SQL().Exec(q(`UPDATE river_job SET state = 'running', attempt = 1, attempted_at = datetime('now', 'subsec'),
			attempted_by = jsonb(json_array(?)) WHERE kind = 'process_recording' AND json_extract(args, '$.recording_id') = ?`),
			owner, id); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := m.db.SQL().Exec(q(`UPDATE river_job SET state = 'running', attempt = max_attempts, attempted_at = datetime('now', 'subsec'),
		attempted_by = jsonb(json_array(?)) WHERE kind = 'encode_video'`), jobs.DefaultID); err != nil {
		t.Fatal(err)
	}
	c2 := m.newClient(t, nil)
	start(t, c2)
	if got := m.waitVideo(t, spent.ID, lectern.EncodingError); !strings.Contains(got.EncodingLog, "encoding given up") {
		t.Errorf("video of an encode given up: log %q", got.EncodingLog)
	}
	v := m.waitVideo(t, mine.ID, lectern.EncodingDone)
	m.checkEncoded(t, mine, v)
	var attempt int
	var errs string
	if err := m.db.SQL().QueryRow(q(`SELECT attempt, json(errors) FROM river_job
		WHERE kind = 'process_recording' AND state = 'completed' AND json_extract(args, '$.recording_id') = ?`), mine.ID).Scan(&attempt, &errs); err != nil {
		t.Fatal(err)
	}
	if attempt != 2 || !strings.Contains(errs, "orphaned") {
		t.Errorf("rescued job: attempt %d, errors %s", attempt, errs)
	}
	n := m.jobsByKind(t)
	if n["process_recording running"] != 1 {
		t.Errorf("jobs %v: the job of another live worker was touched", n)
	}
	if n["encode_video discarded"] != 1 {
		t.Errorf("jobs %v: the encode on its last attempt is not discarded", n)
	}
	if list := m.videosOf(t, theirs.ID); len(list) != 0 {
		t.Errorf("the job of another live worker ran: %+v", list)
	}
}

// blockingEncoder encodes nothing: it reports some progress and waits for
// its context to end, as ffmpeg does for a long lecture.
type blockingEncoder struct{ started chan struct{} }

func (e *blockingEncoder) Probe(context.Context, string) (lectern.MediaInfo, error) {
	return lectern.MediaInfo{Duration: 60, HasVideo: true}, nil
}

func (e *blockingEncoder) Encode(ctx context.Context, _, _ string, progress func(float64)) (*lectern.EncodeResult, error) {
	progress(37)
	close(e.started)
	<-ctx.Done()
	return nil, fmt.Errorf("ffmpeg: %w", ctx.Err())
}

// A shutdown in the middle of an encode leaves the video pending and its
// job available, without spending an attempt; the next start encodes it.
func TestShutdownSnoozesEncode(t *testing.T) {
	t.Parallel()
	m := setupMedia(t, "")
	enc := &blockingEncoder{started: make(chan struct{})}
	c1 := m.newClient(t, func(cfg *jobs.Config, deps *jobs.Deps) {
		deps.Encoder, cfg.StopTimeout, cfg.ProgressInterval = enc, 100*time.Millisecond, time.Nanosecond
	})
	start(t, c1)
	rec := m.deposit(t, m.recordings, "lecture.mp4", nil)
	select {
	case <-enc.started:
	case <-time.After(20 * time.Second):
		t.Fatal("the encode did not start")
	}
	v := m.waitVideo(t, rec.ID, lectern.EncodingRunning)
	if v.EncodingProgress != 37 {
		t.Errorf("progress while running = %v, want 37", v.EncodingProgress)
	}
	if err := c1.Stop(); err != nil {
		t.Fatal(err)
	}
	v = m.videosOf(t, rec.ID)[0]
	if v.EncodingState != lectern.EncodingPending || !strings.Contains(v.EncodingLog, "shutdown") {
		t.Errorf("after the shutdown: state %s, log %q", v.EncodingState, v.EncodingLog)
	}
	var attempt int
	if err := m.db.SQL().QueryRow(`SELECT attempt FROM river_job WHERE kind = 'encode_video' AND state = 'available'`).
		Scan(&attempt); err != nil {
		t.Fatalf("the encode job is not available again: %v (jobs %v)", err, m.jobsByKind(t))
	}
	if attempt != 0 {
		t.Errorf("attempt after a snooze = %d, want 0: the interrupted attempt is not spent", attempt)
	}
	c2 := m.newClient(t, nil)
	start(t, c2)
	m.checkEncoded(t, rec, m.waitVideo(t, rec.ID, lectern.EncodingDone))
	m.checkLog(t, rec.ID, "Encoding interrupted by a shutdown at 37%", "Encoded: ")
}

// A recorder's directory on another file system than MEDIA_ROOT: the
// source is copied, synced, then removed.
func TestProcessAcrossFileSystems(t *testing.T) {
	t.Parallel()
	if _, err := os.Stat("/dev/shm"); err != nil {
		t.Skip("no /dev/shm to put the recorder's directory on another file system: cross-device move not exercised")
	}
	dir, err := os.MkdirTemp("/dev/shm", "lectern-recorder-")
	if err != nil {
		t.Skipf("/dev/shm not writable (%v): cross-device move not exercised", err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	m := setupMedia(t, dir)
	if err := os.MkdirAll(m.root, 0o750); err != nil {
		t.Fatal(err)
	}
	if device(t, dir) == device(t, m.root) {
		t.Skipf("/dev/shm and %s are one file system: cross-device move not exercised", m.root)
	}
	c := m.newClient(t, nil)
	start(t, c)
	rec := m.deposit(t, m.recordings, "lecture.mp4", nil)
	v := m.waitVideo(t, rec.ID, lectern.EncodingDone)
	m.checkEncoded(t, rec, v)
	m.checkLog(t, rec.ID, fmt.Sprintf("Source copied to videos/%d/source.mp4 (another file system), then removed", v.ID))
	if entries, _ := os.ReadDir(filepath.Join(m.root, "videos", fmt.Sprint(v.ID))); len(entries) == 0 {
		t.Fatal("empty video directory")
	} else {
		for _, e := range entries {
			if strings.HasSuffix(e.Name(), ".part") {
				t.Errorf("temporary copy left: %s", e.Name())
			}
		}
	}
}

func device(tb testing.TB, path string) uint64 {
	tb.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		tb.Fatal(err)
	}
	return uint64(fi.Sys().(*syscall.Stat_t).Dev)
}
