// Command soak runs `lectern serve` under load and faults (issue 7): 20
// recorders uploading at once by FTP, some uploads broken off and resumed,
// some broken off for good, while the server is killed with SIGKILL and
// restarted 10 times; then it checks that every completed upload became
// exactly one video, that nothing broken off was published, and that the
// SQLite file is sound. A second phase fills the recorders' file system (a
// small tmpfs) during an upload and checks that the client gets a clean
// error, that the half file is never published and that the server keeps
// serving.
//
//	go run ./bench/soak                  # the whole run (root, for the tmpfs)
//	go run ./bench/soak -diskfull=false  # without the disk-full phase
//	go run ./bench/soak -keep -seed 7
//
// It exits non-zero when an invariant fails, and prints each failure on a
// line starting with "INVARIANT FAILED".
package main

import (
	"archive/zip"
	"bufio"
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/textproto"
	"os"
	"os/exec"
	"os/signal"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/jlaffaye/ftp"
	_ "modernc.org/sqlite"

	"lectern/bench/internal/benchkit"
)

const (
	ftpPassword = "soak-ftp-pass"
	manager     = "soakboss"
)

type options struct {
	recorders int
	files     int
	crashes   int
	minGap    time.Duration
	maxGap    time.Duration
	rate      int // bytes per second of each upload
	spread    time.Duration
	seed      uint64
	keep      bool
	bin       string
	diskFull  bool
	settle    time.Duration
}

func main() {
	var o options
	flag.IntVar(&o.recorders, "recorders", 20, "recorders uploading at once (half video, half audiovideocast)")
	flag.IntVar(&o.files, "files", 3, "files each recorder deposits (plus one broken off for good for every third recorder)")
	flag.IntVar(&o.crashes, "crashes", 10, "kill -9 and restarts of the server during the load")
	flag.DurationVar(&o.minGap, "min-gap", time.Second, "shortest time between two kills")
	flag.DurationVar(&o.maxGap, "max-gap", 6*time.Second, "longest time between two kills")
	flag.DurationVar(&o.spread, "spread", 35*time.Second, "uploads start at random times over this span (about the crash loop's)")
	flag.IntVar(&o.rate, "rate", 48<<10, "bytes per second of each upload (throttled, so that uploads are in flight at the kills)")
	flag.Uint64Var(&o.seed, "seed", 0, "random seed (0: from the clock)")
	flag.BoolVar(&o.keep, "keep", false, "keep the temporary directory (DATA_DIR, the servers' logs)")
	flag.StringVar(&o.bin, "bin", "", "a lectern binary to run instead of building ./cmd/lectern")
	flag.BoolVar(&o.diskFull, "diskfull", true, "run the disk-full phase (needs root: mounts a tmpfs)")
	flag.DurationVar(&o.settle, "settle", 8*time.Minute, "longest wait, after the last upload, for every video to be done or in error")
	flag.Parse()
	if o.seed == 0 {
		o.seed = uint64(time.Now().UnixNano())
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	failures, err := run(ctx, o)
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench/soak:", err)
		os.Exit(1)
	}
	if failures > 0 {
		fmt.Printf("bench/soak: %d invariant(s) failed\n", failures)
		os.Exit(1)
	}
}

// checker counts failed invariants and prints them.
type checker struct{ failed int }

func (c *checker) check(ok bool, format string, args ...any) {
	if !ok {
		c.failed++
		fmt.Printf("INVARIANT FAILED: "+format+"\n", args...)
	}
}

func run(ctx context.Context, o options) (int, error) {
	start := time.Now()
	rng := rand.New(rand.NewPCG(o.seed, o.seed^0x9e3779b97f4a7c15))
	tmp, cleanup, err := benchkit.TempDir("", "lectern-soak-", o.keep)
	if err != nil {
		return 0, err
	}
	defer cleanup()
	fmt.Printf("seed %d, %d recorders x %d files, %d crashes %s-%s apart, uploads throttled to %d KiB/s\n",
		o.seed, o.recorders, o.files, o.crashes, o.minGap, o.maxGap, o.rate>>10)

	media, err := makeMedia(ctx, tmp)
	if err != nil {
		return 0, err
	}
	bin := o.bin
	if bin == "" {
		bin = filepath.Join(tmp, "lectern")
		if err := benchkit.Build(ctx, bin); err != nil {
			return 0, err
		}
	}

	var c checker
	if err := loadPhase(ctx, o, rng, tmp, bin, media, &c); err != nil {
		return c.failed, err
	}
	if o.diskFull {
		if err := diskFullPhase(ctx, tmp, bin, media, &c); err != nil {
			return c.failed, err
		}
	}
	fmt.Printf("total wall time %.0f s; %d invariant(s) failed\n", time.Since(start).Seconds(), c.failed)
	return c.failed, nil
}

// ---------------------------------------------------------------------------
// Media: small clips and audiovideocast ZIPs, made once.
// ---------------------------------------------------------------------------

type mediaSet struct {
	clips [][]byte // MP4s of 2, 3 and 4 s, 320x180
	zips  [][]byte // an audiovideocast ZIP around each clip
}

func makeMedia(ctx context.Context, dir string) (*mediaSet, error) {
	m := &mediaSet{}
	for i, d := range []int{2, 3, 4} {
		p := filepath.Join(dir, fmt.Sprintf("clip-%ds.mp4", d))
		ds := strconv.Itoa(d)
		out, err := exec.CommandContext(ctx, "ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "error", "-y",
			"-f", "lavfi", "-i", "testsrc2=size=320x180:rate=25:duration="+ds,
			"-f", "lavfi", "-i", "sine=frequency="+strconv.Itoa(330+110*i)+":duration="+ds,
			"-c:v", "libx264", "-preset", "veryfast", "-crf", "20", "-pix_fmt", "yuv420p",
			"-c:a", "aac", "-b:a", "96k", "-shortest", p).CombinedOutput()
		if err != nil {
			return nil, fmt.Errorf("make a clip with ffmpeg: %w\n%s", err, out)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return nil, err
		}
		m.clips = append(m.clips, b)
		z, err := avcZip(b, 2+i%2, float64(d))
		if err != nil {
			return nil, err
		}
		m.zips = append(m.zips, z)
	}
	fmt.Printf("media: clips of %d, %d, %d bytes; audiovideocast ZIPs of %d, %d, %d bytes\n",
		len(m.clips[0]), len(m.clips[1]), len(m.clips[2]), len(m.zips[0]), len(m.zips[1]), len(m.zips[2]))
	return m, nil
}

// avcZip is an audiovideocast ZIP as recorders send it: cours/cours.smil,
// the media stored uncompressed, slides JPEGs spread over the clip.
func avcZip(clip []byte, slides int, seconds float64) ([]byte, error) {
	var smil strings.Builder
	smil.WriteString(`<?xml version="1.0" encoding="UTF-8"?>
<smil xmlns="http://www.w3.org/2001/SMIL20/Language"><head><meta name="title" content="Soak"/></head><body><par>
<video src="video/cours.mp4"/>
<seq>
`)
	for i := range slides {
		fmt.Fprintf(&smil, "<img src=\"slides/s%d.jpg\" begin=\"%.2f\"/>\n", i+1, seconds*float64(i)/float64(slides))
	}
	smil.WriteString("</seq></par></body></smil>\n")
	var buf bytes.Buffer
	w := zip.NewWriter(&buf)
	add := func(name string, method uint16, data []byte) error {
		fw, err := w.CreateHeader(&zip.FileHeader{Name: "cours/" + name, Method: method})
		if err != nil {
			return err
		}
		_, err = fw.Write(data)
		return err
	}
	if err := add("cours.smil", zip.Deflate, []byte(smil.String())); err != nil {
		return nil, err
	}
	if err := add("video/cours.mp4", zip.Store, clip); err != nil {
		return nil, err
	}
	for i := range slides {
		img := image.NewRGBA(image.Rect(0, 0, 160, 120))
		for p := range img.Pix {
			img.Pix[p] = uint8(40 + 60*i)
		}
		img.Set(0, 0, color.RGBA{255, 0, 0, 255})
		var jb bytes.Buffer
		if err := jpeg.Encode(&jb, img, nil); err != nil {
			return nil, err
		}
		if err := add(fmt.Sprintf("slides/s%d.jpg", i+1), zip.Store, jb.Bytes()); err != nil {
			return nil, err
		}
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// ---------------------------------------------------------------------------
// The server and the command line.
// ---------------------------------------------------------------------------

// instance is a DATA_DIR, its environment and its server, restarted at will.
type instance struct {
	bin, log, httpAddr, ftpAddr string
	env                         []string

	mu   sync.Mutex
	srv  *benchkit.Process
	runs int
}

func newInstance(tmp, name, bin string, extra ...string) (*instance, error) {
	addrs, err := benchkit.ServerAddrs(60)
	if err != nil {
		return nil, err
	}
	httpAddr, ftpAddr, passive := addrs.HTTP, addrs.FTP, addrs.Passive
	data := filepath.Join(tmp, name)
	env := []string{"LECTERN_DATA_DIR=" + data, "LECTERN_HTTP_ADDR=" + httpAddr, "LECTERN_FTP_ADDR=" + ftpAddr,
		"LECTERN_FTP_PASSIVE_PORTS=" + passive, "LECTERN_LOG_LEVEL=info",
		"LECTERN_ENCODE_PRESET=ultrafast", "LECTERN_ENCODE_LADDER=360p:640x360:1000k:96k", "LECTERN_ENCODE_WORKERS=1"}
	env = append(env, extra...)
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "LECTERN_") {
			env = append(env, kv)
		}
	}
	return &instance{bin: bin, log: filepath.Join(tmp, name+".log"), httpAddr: httpAddr, ftpAddr: ftpAddr, env: env}, nil
}

func (in *instance) dbPath() string {
	for _, kv := range in.env {
		if d, ok := strings.CutPrefix(kv, "LECTERN_DATA_DIR="); ok {
			return filepath.Join(d, "lectern.db")
		}
	}
	return ""
}

// cli runs the command line on the instance's DATA_DIR.
func (in *instance) cli(ctx context.Context, stdin string, args ...string) (string, error) {
	return benchkit.CLI(ctx, in.bin, in.env, stdin, args...)
}

// setup creates a video type, the manager (a superuser, to see every
// video and job through the API) and returns the type's id and a token.
func (in *instance) setup(ctx context.Context) (typeID int64, token string, err error) {
	if _, err := in.cli(ctx, "", "type", "add", "--title", "Course"); err != nil {
		return 0, "", err
	}
	out, err := in.cli(ctx, "", "type", "list", "--json")
	if err != nil {
		return 0, "", err
	}
	var types []struct {
		ID int64 `json:"id"`
	}
	if err := json.Unmarshal([]byte(out), &types); err != nil || len(types) != 1 {
		return 0, "", fmt.Errorf("lectern type list --json: %v: %s", err, out)
	}
	if _, err := in.cli(ctx, "soak-user-pass\n", "user", "add", "--username", manager, "--email", "boss@univ.example",
		"--staff", "--superuser", "--password-stdin"); err != nil {
		return 0, "", err
	}
	out, err = in.cli(ctx, "", "token", "create", "--username", manager)
	if err != nil {
		return 0, "", err
	}
	return types[0].ID, strings.TrimSpace(out), nil
}

// addRecorder adds a recorder (a unique, made-up IP address: IPs are
// unique, and FTP_CHECK_RECORDER_IP is off).
func (in *instance) addRecorder(ctx context.Context, typeID int64, n int, login, kind string) error {
	_, err := in.cli(ctx, ftpPassword+"\n", "recorder", "add", "--name", "Soak "+login, "--ip", fmt.Sprintf("192.0.2.%d", n+1),
		"--directory", login, "--type-id", strconv.FormatInt(typeID, 10), "--manager", manager, "--auto",
		"--recording-type", kind, "--login", login, "--password-stdin")
	return err
}

// start starts `lectern serve`, its output appended to the log, and waits
// until it answers /healthz.
func (in *instance) start(ctx context.Context) error {
	in.mu.Lock()
	defer in.mu.Unlock()
	in.runs++
	log, err := os.OpenFile(in.log, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	fmt.Fprintf(log, "==== bench/soak: start %d at %s\n", in.runs, time.Now().Format(time.RFC3339Nano))
	cmd := exec.Command(in.bin, "serve")
	cmd.Env = in.env
	srv, err := benchkit.Start(cmd, log)
	if err != nil {
		return err
	}
	in.srv = srv
	t := time.Now()
	for {
		if benchkit.Healthy(in.httpAddr) {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-srv.Done:
			return fmt.Errorf("the server exited at start: %v\nits log ends:\n%s", srv.Cmd.ProcessState, benchkit.LogTail(in.log, 3000))
		case <-time.After(50 * time.Millisecond):
		}
		if time.Since(t) > 60*time.Second {
			return fmt.Errorf("the server does not answer /healthz after 60 s\nits log ends:\n%s", benchkit.LogTail(in.log, 3000))
		}
	}
}

// kill sends SIGKILL (kill -9) and waits for the process to be gone.
func (in *instance) kill() {
	in.mu.Lock()
	defer in.mu.Unlock()
	if in.srv == nil {
		return
	}
	in.srv.Kill()
	in.srv = nil
}

// stop sends SIGTERM and waits up to 60 s (then SIGKILL).
func (in *instance) stop() error {
	in.mu.Lock()
	defer in.mu.Unlock()
	if in.srv == nil {
		return nil
	}
	srv := in.srv
	in.srv = nil
	if !srv.Stop(syscall.SIGTERM, 60*time.Second) {
		return errors.New("the server did not stop within 60 s of SIGTERM")
	}
	if st := srv.Cmd.ProcessState; !st.Success() {
		return fmt.Errorf("the server exited %v after SIGTERM", st)
	}
	return nil
}

// alive says whether the server process is running.
func (in *instance) alive() bool {
	in.mu.Lock()
	defer in.mu.Unlock()
	if in.srv == nil {
		return false
	}
	select {
	case <-in.srv.Done:
		return false
	default:
		return true
	}
}

// children are the command names of the server's child processes.
func (in *instance) children() []string {
	in.mu.Lock()
	defer in.mu.Unlock()
	if in.srv == nil {
		return nil
	}
	pid := strconv.Itoa(in.srv.Cmd.Process.Pid)
	var out []string
	stats, _ := filepath.Glob("/proc/[0-9]*/stat")
	for _, st := range stats {
		b, err := os.ReadFile(st)
		if err != nil {
			continue
		}
		// pid (comm) state ppid ...
		i := bytes.LastIndexByte(b, ')')
		j := bytes.IndexByte(b, '(')
		if i < 0 || j < 0 {
			continue
		}
		f := strings.Fields(string(b[i+1:]))
		if len(f) > 1 && f[1] == pid {
			out = append(out, string(b[j+1:i]))
		}
	}
	return out
}

// ffmpegOf are the pids of ffmpeg or ffprobe processes working on files
// under dir.
func ffmpegOf(dir string) []int {
	var out []int
	cmdlines, _ := filepath.Glob("/proc/[0-9]*/cmdline")
	for _, p := range cmdlines {
		b, err := os.ReadFile(p)
		if err != nil || !bytes.Contains(b, []byte(dir)) {
			continue
		}
		name, _, _ := bytes.Cut(b, []byte{0})
		if base := filepath.Base(string(name)); base == "ffmpeg" || base == "ffprobe" {
			pid, _ := strconv.Atoi(filepath.Base(filepath.Dir(p)))
			out = append(out, pid)
		}
	}
	return out
}

// logProblems are the server log's lines that tell of a panic, a Go fatal
// error or a data race.
func logProblems(log string) []string {
	b, _ := os.ReadFile(log)
	var out []string
	for line := range strings.SplitSeq(string(b), "\n") {
		if strings.HasPrefix(line, "panic:") || strings.Contains(line, "fatal error:") ||
			strings.Contains(line, "DATA RACE") || strings.Contains(line, "level=ERROR") {
			out = append(out, line)
		}
	}
	return out
}

// printProblems prints the first 30 lines logProblems found, and how many.
func printProblems(lines []string) {
	for i, l := range lines {
		if i == 30 {
			fmt.Printf("  server log: ... %d lines of errors in all\n", len(lines))
			break
		}
		fmt.Println("  server log:", l)
	}
}

// integrity runs PRAGMA integrity_check on the SQLite file.
func integrity(dbPath string) (string, error) {
	db, err := sql.Open("sqlite", "file:"+dbPath+"?mode=rw")
	if err != nil {
		return "", err
	}
	defer db.Close()
	rows, err := db.Query("PRAGMA integrity_check")
	if err != nil {
		return "", err
	}
	defer rows.Close()
	var lines []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return "", err
		}
		lines = append(lines, s)
	}
	return strings.Join(lines, "; "), rows.Err()
}

// ---------------------------------------------------------------------------
// The API.
// ---------------------------------------------------------------------------

type apiVideo struct {
	ID        int64  `json:"id"`
	Title     string `json:"title"`
	Recording *int64 `json:"recording"`
	State     string `json:"encoding_state"`
}

type apiRecording struct {
	ID         int64  `json:"id"`
	Recorder   int64  `json:"recorder"`
	Treatment  *int64 `json:"treatment"`
	SourceFile string `json:"source_file"`
	Type       string `json:"type"`
}

type apiTreatment struct {
	ID    int64  `json:"id"`
	File  string `json:"file"`
	State string `json:"state"`
}

type apiJob struct {
	ID          int64  `json:"id"`
	Kind        string `json:"kind"`
	State       string `json:"state"`
	Attempt     int    `json:"attempt"`
	RecordingID *int64 `json:"recording_id"`
	VideoID     *int64 `json:"video_id"`
	Errors      []struct {
		Error string `json:"error"`
	} `json:"errors"`
}

// list reads every page of an API list.
func list[T any](ctx context.Context, in *instance, token, p string) ([]T, error) {
	var all []T
	for page := 1; ; page++ {
		sep := "?"
		if strings.Contains(p, "?") {
			sep = "&"
		}
		req, err := http.NewRequestWithContext(ctx, "GET", "http://"+in.httpAddr+p+sep+"page_size=200&page="+strconv.Itoa(page), nil)
		if err != nil {
			return nil, err
		}
		req.Header.Set("Authorization", "Token "+token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return nil, err
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			return nil, err
		}
		if resp.StatusCode != http.StatusOK {
			return nil, fmt.Errorf("GET %s: %s: %s", p, resp.Status, body)
		}
		var pg struct {
			Count   int     `json:"count"`
			Next    *string `json:"next"`
			Results []T     `json:"results"`
		}
		if err := json.Unmarshal(body, &pg); err != nil {
			return nil, fmt.Errorf("GET %s: %w", p, err)
		}
		all = append(all, pg.Results...)
		if pg.Next == nil || len(pg.Results) == 0 {
			return all, nil
		}
	}
}

// activeJob says whether a job may still run.
func activeJob(state string) bool {
	switch state {
	case "available", "running", "retryable", "scheduled", "pending":
		return true
	}
	return false
}

// ---------------------------------------------------------------------------
// FTP clients that can be killed.
// ---------------------------------------------------------------------------

// client is one FTP session whose connections (control first, then data)
// are all known, so that it can be cut off as a killed process would be.
type client struct {
	*ftp.ServerConn
	mu    sync.Mutex
	conns []net.Conn
	dead  atomic.Bool
}

func dial(ctx context.Context, addr, login string) (*client, error) {
	c := &client{}
	sc, err := ftp.Dial(addr, ftp.DialWithContext(ctx), ftp.DialWithDialFunc(func(network, address string) (net.Conn, error) {
		nc, err := net.DialTimeout(network, address, 5*time.Second)
		if err == nil {
			c.mu.Lock()
			c.conns = append(c.conns, nc)
			c.mu.Unlock()
		}
		return nc, err
	}))
	if err != nil {
		return nil, err
	}
	c.ServerConn = sc
	if err := sc.Login(login, ftpPassword); err != nil {
		c.cut(1)
		return nil, err
	}
	return c, nil
}

// cut closes every connection without QUIT, as when the recorder's
// process dies: mode 0 closes the control connection first, then the
// data connection (FIN); mode 1 resets both (RST); mode 2 closes the data
// connection first, then the control one.
func (c *client) cut(mode int) {
	c.dead.Store(true)
	c.mu.Lock()
	conns := slices.Clone(c.conns)
	c.mu.Unlock()
	if len(conns) == 0 {
		return
	}
	if mode == 2 && len(conns) > 1 {
		conns = append(conns[1:], conns[0])
	}
	for _, nc := range conns {
		if tc, ok := nc.(*net.TCPConn); ok && mode == 1 {
			tc.SetLinger(0)
		}
		nc.Close()
	}
}

// quit sends QUIT and waits for its 221, which the server sends only once
// the deposit is recorded (ftp.ServerConn.Quit sends QUIT without reading
// the reply). It then closes the connections.
func (c *client) quit() error {
	c.mu.Lock()
	ctl := c.conns[0]
	c.mu.Unlock()
	defer c.cut(0)
	ctl.SetDeadline(time.Now().Add(15 * time.Second))
	if _, err := ctl.Write([]byte("QUIT\r\n")); err != nil {
		return err
	}
	line, err := bufio.NewReader(ctl).ReadString('\n')
	if err != nil {
		return fmt.Errorf("no reply to QUIT: %w", err)
	}
	if !strings.HasPrefix(line, "221") {
		return fmt.Errorf("QUIT answered %q", strings.TrimSpace(line))
	}
	return nil
}

var errCut = errors.New("upload cut off on purpose")

// throttled sends data[from:] at rate bytes per second; at cutAt (an
// absolute offset, -1 for never) it cuts the client off.
type throttled struct {
	data   []byte
	off    int
	cutAt  int
	rate   int
	start  time.Time
	sent   int
	cutOff func()
}

func (t *throttled) Read(p []byte) (int, error) {
	if t.off >= len(t.data) {
		return 0, io.EOF
	}
	if t.start.IsZero() {
		t.start = time.Now()
	}
	if t.cutAt >= 0 && t.off >= t.cutAt {
		t.cutOff()
		return 0, errCut
	}
	n := min(len(p), 8<<10, len(t.data)-t.off)
	if t.cutAt >= 0 && t.off < t.cutAt {
		n = min(n, t.cutAt-t.off)
	}
	// Pace: the bytes sent so far are due at sent/rate.
	due := t.start.Add(time.Duration(float64(t.sent+n) / float64(t.rate) * float64(time.Second)))
	if d := time.Until(due); d > 0 {
		time.Sleep(d)
	}
	copy(p, t.data[t.off:t.off+n])
	t.off += n
	t.sent += n
	return n, nil
}

// ---------------------------------------------------------------------------
// Phase 1 to 3: the load, the crash loop, the checks.
// ---------------------------------------------------------------------------

// deposit is one file a recorder means to deposit.
type deposit struct {
	recorder  string
	name      string
	data      []byte
	clip      []byte // the media inside (data itself for a video)
	start     time.Duration
	cutAt     int    // first attempt cut off there on purpose (-1: never)
	resume    string // how the file is taken up again after a cut: rest, appe, again
	abandoned bool   // cut off and never taken up again

	attempts     int
	crashFails   int    // attempts that failed because of the server (not on purpose)
	uncertain    int    // STOR answered 226 but QUIT got no 221
	lostAfter226 int    // of those, how many had no treatment once the server was back
	completed    bool   // STOR 226 then QUIT 221
	how          string // the last transfer: stor, rest, appe
	err          error
}

type tally struct {
	mu       sync.Mutex
	resumes  map[string]int
	restOffs int // REST/APPE at a non-zero offset
}

func (t *tally) add(how string, offset int64) {
	t.mu.Lock()
	t.resumes[how]++
	if offset > 0 {
		t.restOffs++
	}
	t.mu.Unlock()
}

func loadPhase(ctx context.Context, o options, rng *rand.Rand, tmp, bin string, m *mediaSet, c *checker) (err error) {
	fmt.Println("\n== phase 1-3: recorders uploading, server killed with SIGKILL and restarted")
	in, err := newInstance(tmp, "load", bin)
	if err != nil {
		return err
	}
	typeID, token, err := in.setup(ctx)
	if err != nil {
		return err
	}
	var deps []*deposit
	kinds := map[string]string{}
	resumes := []string{"rest", "appe", "again"}
	for i := range o.recorders {
		login := fmt.Sprintf("r%02d", i)
		kind, ext := "video", "mp4"
		if i >= o.recorders/2 {
			kind, ext = "audiovideocast", "zip"
		}
		kinds[login] = kind
		if err := in.addRecorder(ctx, typeID, i, login, kind); err != nil {
			return err
		}
		n := o.files
		if i%3 == 0 {
			n++ // the last one is abandoned
		}
		for f := range n {
			d := &deposit{recorder: login, name: fmt.Sprintf("%s-f%d-%s.%s", login, f+1, kind[:3], ext), cutAt: -1}
			k := rng.IntN(len(m.clips))
			d.data, d.clip = m.clips[k], m.clips[k]
			d.start = time.Duration(rng.Int64N(int64(o.spread) + 1))
			if kind == "audiovideocast" {
				d.data = m.zips[k]
			}
			switch {
			case i%3 == 0 && f == n-1:
				d.abandoned = true
				d.name = fmt.Sprintf("%s-x%d-abandoned.%s", login, f+1, ext)
				d.cutAt = len(d.data) * (20 + rng.IntN(60)) / 100
			case rng.IntN(3) == 0:
				d.cutAt = len(d.data) * (10 + rng.IntN(80)) / 100
				d.resume = resumes[rng.IntN(len(resumes))]
			}
			deps = append(deps, d)
		}
	}
	fmt.Printf("%d recorders (%d video, %d audiovideocast), %d deposits planned: %d cut off on purpose then taken up again, %d cut off for good\n",
		o.recorders, o.recorders-o.recorders/2, o.recorders/2, len(deps), count(deps, func(d *deposit) bool { return d.cutAt >= 0 && !d.abandoned }),
		count(deps, func(d *deposit) bool { return d.abandoned }))

	if err := in.start(ctx); err != nil {
		return err
	}
	defer func() {
		if in.alive() {
			in.kill()
		}
		if err != nil {
			err = fmt.Errorf("%w\nthe server's log ends:\n%s", err, benchkit.LogTail(in.log, 3000))
		}
	}()
	fmt.Printf("lectern serve: http %s, ftp %s, log %s\n", in.httpAddr, in.ftpAddr, in.log)

	// The recorders.
	loadStart := time.Now()
	t := &tally{resumes: map[string]int{}}
	byRecorder := map[string][]*deposit{}
	for _, d := range deps {
		byRecorder[d.recorder] = append(byRecorder[d.recorder], d)
	}
	for _, ds := range byRecorder {
		sort.Slice(ds, func(i, j int) bool { return ds[i].start < ds[j].start })
	}
	treatmentsNamed := func(ctx context.Context, name string) (int, error) {
		trs, err := list[apiTreatment](ctx, in, token, "/api/v1/treatments?search="+name)
		return count(trs, func(t apiTreatment) bool { return path.Base(t.File) == name }), err
	}
	var wg sync.WaitGroup
	var inflight atomic.Int64
	for login, ds := range byRecorder {
		seed := rng.Uint64()
		wg.Go(func() {
			// Each deposit starts at its time, two at a time at most, as a
			// recorder with a queue would.
			sem := make(chan struct{}, 2)
			var rw sync.WaitGroup
			for _, d := range ds {
				time.Sleep(time.Until(loadStart.Add(d.start)))
				sem <- struct{}{}
				rw.Go(func() {
					defer func() { <-sem }()
					inflight.Add(1)
					defer inflight.Add(-1)
					upload(ctx, in.ftpAddr, login, d, o.rate, r2(seed, d.name), t, treatmentsNamed)
				})
			}
			rw.Wait()
		})
	}

	// The crash loop.
	var crashes, orphans []string
	killsEncoding := 0
	dataDir := filepath.Dir(in.dbPath())
	crashDone := make(chan error, 1)
	go func() {
		for k := range o.crashes {
			gap := o.minGap + time.Duration(rng.Int64N(int64(o.maxGap-o.minGap)+1))
			select {
			case <-ctx.Done():
				crashDone <- ctx.Err()
				return
			case <-time.After(gap):
			}
			at := time.Since(loadStart)
			n := inflight.Load()
			kids := in.children()
			if slices.Contains(kids, "ffmpeg") {
				killsEncoding++
			}
			in.kill()
			t0 := time.Now()
			time.Sleep(300 * time.Millisecond)
			if o := ffmpegOf(dataDir); len(o) > 0 {
				orphans = append(orphans, fmt.Sprintf("kill #%d: ffmpeg pids %v still running", k+1, o))
			}
			if err := in.start(ctx); err != nil {
				crashDone <- fmt.Errorf("restart %d: %w", k+1, err)
				return
			}
			crashes = append(crashes, fmt.Sprintf("%.1fs(%d in flight, up again in %.2fs)", at.Seconds(), n, time.Since(t0).Seconds()))
			fmt.Printf("  kill -9 #%d at %.1f s (%s after the previous), %d uploads in flight, children %v; /healthz again after %.2f s\n",
				k+1, at.Seconds(), gap.Round(10*time.Millisecond), n, kids, time.Since(t0).Seconds())
		}
		crashDone <- nil
	}()
	if err := <-crashDone; err != nil {
		return err
	}
	wg.Wait()
	uploadsDone := time.Since(loadStart)
	fmt.Printf("uploads over after %.1f s (crash loop included)\n", uploadsDone.Seconds())

	var completed, abandoned, attempts, crashFails, uncertain, lostAfter226, failed int
	var lost226 []string
	for _, d := range deps {
		attempts += d.attempts
		lostAfter226 += d.lostAfter226
		if d.lostAfter226 > 0 {
			lost226 = append(lost226, d.name)
		}
		crashFails += d.crashFails
		uncertain += d.uncertain
		switch {
		case d.abandoned:
			abandoned++
		case d.completed:
			completed++
		default:
			failed++
			fmt.Printf("  deposit %s never completed after %d attempts: %v\n", d.name, d.attempts, d.err)
		}
	}
	c.check(failed == 0, "%d deposits never completed although the client retried them", failed)

	// Wait for the server to settle: a recording per completed upload,
	// every video done or in error, no job left to run.
	fmt.Println("waiting for every video to be done or in error, and no job left...")
	var vids []apiVideo
	var recs []apiRecording
	var jobs []apiJob
	var trs []apiTreatment
	settleStart := time.Now()
	var lastPrint, quietSince time.Time
	for {
		if !in.alive() {
			return errors.New("the server died after the crash loop")
		}
		var err error
		if recs, err = list[apiRecording](ctx, in, token, "/api/v1/recordings"); err != nil {
			return err
		}
		if vids, err = list[apiVideo](ctx, in, token, "/api/v1/videos"); err != nil {
			return err
		}
		if jobs, err = list[apiJob](ctx, in, token, "/api/v1/jobs"); err != nil {
			return err
		}
		states := map[string]int{}
		for _, v := range vids {
			states[v.State]++
		}
		active := count(jobs, func(j apiJob) bool { return activeJob(j.State) })
		quiet := len(vids) >= len(recs) && states["done"]+states["error"] == len(vids) && active == 0
		if !quiet {
			quietSince = time.Time{}
		} else if quietSince.IsZero() {
			quietSince = time.Now()
		}
		// Settled: a recording per completed upload and nothing left to
		// run; or nothing left to run for 20 s (some uploads are lost).
		settled := quiet && (len(recs) >= completed || time.Since(quietSince) > 20*time.Second)
		if settled || time.Since(lastPrint) > 15*time.Second {
			fmt.Printf("  %5.0f s: %d recordings, %d videos %v, %d jobs (%d active)\n",
				time.Since(settleStart).Seconds(), len(recs), len(vids), states, len(jobs), active)
			lastPrint = time.Now()
		}
		if settled {
			break
		}
		if time.Since(settleStart) > o.settle {
			c.check(false, "not settled after %s: %d recordings for %d completed uploads, videos %v, %d active jobs",
				o.settle, len(recs), completed, states, active)
			break
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(time.Second):
		}
	}
	settleTime := time.Since(settleStart)
	// A last look, a few seconds later: nothing new must appear.
	time.Sleep(3 * time.Second)
	if recs, err = list[apiRecording](ctx, in, token, "/api/v1/recordings"); err != nil {
		return err
	}
	if vids, err = list[apiVideo](ctx, in, token, "/api/v1/videos"); err != nil {
		return err
	}
	if jobs, err = list[apiJob](ctx, in, token, "/api/v1/jobs"); err != nil {
		return err
	}
	if trs, err = list[apiTreatment](ctx, in, token, "/api/v1/treatments"); err != nil {
		return err
	}
	if err := in.stop(); err != nil {
		c.check(false, "clean stop: %v", err)
	}
	ic, err := integrity(in.dbPath())
	if err != nil {
		ic = "error: " + err.Error()
	}

	// The figures.
	nameRe := regexp.MustCompile(`r\d\d-[fx]\d+-[a-z]+\.(mp4|zip)`)
	nameOf := func(p string) string { return nameRe.FindString(path.Base(p)) }
	trFile := map[int64]string{}
	for _, tr := range trs {
		trFile[tr.ID] = tr.File
	}
	// A recording's file: its treatment's (the deposit), else its source.
	recName := func(r apiRecording) string {
		if r.Treatment != nil {
			if f, ok := trFile[*r.Treatment]; ok {
				return nameOf(f)
			}
		}
		return nameOf(r.SourceFile)
	}
	recByID := map[int64]apiRecording{}
	recNames := map[string][]int64{}
	for _, r := range recs {
		recByID[r.ID] = r
		recNames[recName(r)] = append(recNames[recName(r)], r.ID)
	}
	vidNames := map[string][]int64{}
	states := map[string]int{}
	var orphanVideos []int64
	for _, v := range vids {
		states[v.State]++
		if v.Recording == nil {
			orphanVideos = append(orphanVideos, v.ID)
			continue
		}
		r, ok := recByID[*v.Recording]
		if !ok {
			orphanVideos = append(orphanVideos, v.ID)
			continue
		}
		n := recName(r)
		vidNames[n] = append(vidNames[n], v.ID)
	}
	trNames := map[string][]int64{}
	for _, tr := range trs {
		n := nameOf(tr.File)
		trNames[n] = append(trNames[n], tr.ID)
	}
	var dupes, lost, abandonedPublished, unknown []string
	for n, ids := range recNames {
		if len(ids) > 1 {
			dupes = append(dupes, fmt.Sprintf("%s: recordings %v", n, ids))
		}
	}
	for n, ids := range vidNames {
		if len(ids) > 1 {
			dupes = append(dupes, fmt.Sprintf("%s: videos %v", n, ids))
		}
	}
	for n, ids := range trNames {
		if len(ids) > 1 {
			dupes = append(dupes, fmt.Sprintf("%s: treatments %v", n, ids))
		}
	}
	known := map[string]bool{}
	for _, d := range deps {
		known[d.name] = true
		switch {
		case d.abandoned:
			if len(recNames[d.name])+len(vidNames[d.name])+len(trNames[d.name]) > 0 {
				abandonedPublished = append(abandonedPublished, fmt.Sprintf("%s: treatments %v, recordings %v, videos %v",
					d.name, trNames[d.name], recNames[d.name], vidNames[d.name]))
			}
		case d.completed:
			if len(vidNames[d.name]) == 0 {
				lost = append(lost, fmt.Sprintf("%s: treatments %v, recordings %v, no video (attempts %d, last %s)",
					d.name, trNames[d.name], recNames[d.name], d.attempts, d.how))
			}
		}
	}
	for n := range recNames {
		if !known[n] {
			unknown = append(unknown, fmt.Sprintf("recording source %q", n))
		}
	}
	// The bytes: each video's source (MEDIA_ROOT/videos/<id>/source.*)
	// is the clip the recorder sent, and an audiovideocast ZIP left as
	// <name>_treated is the ZIP it sent, however its upload was cut off,
	// resumed or retried.
	var corrupt []string
	checkedBytes := 0
	for _, d := range deps {
		if !d.completed || len(vidNames[d.name]) != 1 {
			continue
		}
		id := vidNames[d.name][0]
		srcs, _ := filepath.Glob(filepath.Join(dataDir, "media", "videos", strconv.FormatInt(id, 10), "source.*"))
		if len(srcs) != 1 {
			corrupt = append(corrupt, fmt.Sprintf("%s: video %d has %d source files", d.name, id, len(srcs)))
			continue
		}
		if b, err := os.ReadFile(srcs[0]); err != nil || !bytes.Equal(b, d.clip) {
			corrupt = append(corrupt, fmt.Sprintf("%s: video %d's source (%d bytes) is not the clip sent (%d bytes) %v", d.name, id, len(b), len(d.clip), err))
			continue
		}
		checkedBytes++
		if strings.HasSuffix(d.name, ".zip") {
			z := filepath.Join(dataDir, "recorders", d.recorder, d.name+"_treated")
			if b, err := os.ReadFile(z); err != nil || !bytes.Equal(b, d.data) {
				corrupt = append(corrupt, fmt.Sprintf("%s: %s (%d bytes) is not the ZIP sent (%d bytes) %v", d.name, z, len(b), len(d.data), err))
			}
		}
	}
	var errVideos []string
	for _, v := range vids {
		if v.State == "error" {
			msg := ""
			for _, j := range jobs {
				if j.VideoID != nil && *j.VideoID == v.ID && len(j.Errors) > 0 {
					msg = j.Errors[len(j.Errors)-1].Error
				}
			}
			errVideos = append(errVideos, fmt.Sprintf("video %d %q: %.300s", v.ID, v.Title, msg))
		}
	}
	jobStates := map[string]int{}
	for _, j := range jobs {
		jobStates[j.Kind+":"+j.State]++
	}
	problems := logProblems(in.log)

	sort.Strings(dupes)
	sort.Strings(lost)
	fmt.Println("\nresults of the load phase:")
	fmt.Printf("  deposits attempted:                %d (%d to complete, %d cut off for good)\n", len(deps), len(deps)-abandoned, abandoned)
	fmt.Printf("  FTP transfers:                     %d (%d failed because of a kill -9)\n", attempts, crashFails)
	fmt.Printf("  226 then no 221 (kill in between):  %d; of those, %d files had no treatment once the server was back %v\n", uncertain, lostAfter226, lost226)
	if lostAfter226 > 0 {
		fmt.Printf("  FINDING: %d uploads answered 226 were not deposits after the kill: a recorder that trusts the 226 (and not the 221 of QUIT) never sends them again; the file stays held in its directory, never published\n", lostAfter226)
	}
	fmt.Printf("  taken up again after a cut:        %v (%d at a non-zero offset)\n", t.resumes, t.restOffs)
	fmt.Printf("  completed uploads:                 %d\n", completed)
	fmt.Printf("  treatments:                        %d\n", len(trs))
	fmt.Printf("  published recordings:              %d\n", len(recs))
	fmt.Printf("  videos:                            %d: done %d, error %d, other %d\n", len(vids), states["done"], states["error"],
		len(vids)-states["done"]-states["error"])
	fmt.Printf("  jobs:                              %v\n", jobStates)
	fmt.Printf("  crashes survived:                  %d %v\n", len(crashes), crashes)
	fmt.Printf("  kills while ffmpeg encoded:        %d; ffmpeg left running after a kill: %v\n", killsEncoding, orphans)
	fmt.Printf("  settled %.0f s after the last upload\n", settleTime.Seconds())
	fmt.Printf("  sources byte-identical to what was sent: %d of %d completed uploads\n", checkedBytes, completed)
	fmt.Printf("  PRAGMA integrity_check:            %s\n", ic)
	for _, s := range errVideos {
		fmt.Println("  error:", s)
	}
	for _, s := range dupes {
		fmt.Println("  DUPLICATE:", s)
	}
	for _, s := range lost {
		fmt.Println("  LOST:", s)
	}
	for _, s := range abandonedPublished {
		fmt.Println("  HALF FILE PUBLISHED:", s)
	}
	for _, s := range corrupt {
		fmt.Println("  CORRUPT:", s)
	}
	for _, s := range unknown {
		fmt.Println("  UNKNOWN:", s)
	}
	for _, v := range orphanVideos {
		fmt.Println("  video without its recording:", v)
	}
	printProblems(problems)
	c.check(len(dupes) == 0, "%d duplicates (two treatments, recordings or videos for one file)", len(dupes))
	c.check(len(lost) == 0, "%d completed uploads lost (no video)", len(lost))
	c.check(len(abandonedPublished) == 0, "%d uploads cut off for good were published", len(abandonedPublished))
	c.check(len(corrupt) == 0, "%d videos whose source is not the bytes sent", len(corrupt))
	c.check(len(unknown) == 0, "%d recordings of files nobody deposited", len(unknown))
	c.check(len(recs) == completed, "%d recordings for %d completed uploads", len(recs), completed)
	c.check(len(vids) == len(recs), "%d videos for %d recordings", len(vids), len(recs))
	if states["error"] > 0 {
		fmt.Printf("  FINDING: %d videos in error (listed above): a job whose run is cut by kill -9 five times is given up, although the recording is sound\n", states["error"])
	}
	c.check(len(orphans) == 0, "ffmpeg outlived the server: %v", orphans)
	c.check(len(crashes) == o.crashes, "%d crashes survived out of %d", len(crashes), o.crashes)
	c.check(ic == "ok", "PRAGMA integrity_check: %s", ic)
	c.check(count(problems, func(l string) bool { return !strings.Contains(l, "level=ERROR") }) == 0, "panic or fatal error in the server's log")
	fmt.Printf("summary: %d recorders, %d deposits (%d cut off for good), %d kill -9 survived: %d completed uploads, %d recordings, %d videos done, %d error, %d duplicates, %d lost, %d half files published, %d sources not as sent, %d lost after a 226 without 221, integrity_check %s\n",
		o.recorders, len(deps), abandoned, len(crashes), completed, len(recs), states["done"], states["error"], len(dupes), len(lost), len(abandonedPublished), len(corrupt), lostAfter226, ic)
	return nil
}

func r2(seed uint64, name string) *rand.Rand {
	var h uint64 = 1469598103934665603
	for _, b := range []byte(name) {
		h = (h ^ uint64(b)) * 1099511628211
	}
	return rand.New(rand.NewPCG(seed, h))
}

func count[T any](s []T, f func(T) bool) int {
	n := 0
	for _, x := range s {
		if f(x) {
			n++
		}
	}
	return n
}

// upload deposits d as a recorder does: it retries until STOR and QUIT
// both succeed, taking the file up again after a cut (on purpose or by a
// kill -9 of the server) by REST then STOR, APPE, or from the start.
func upload(ctx context.Context, addr, login string, d *deposit, rate int, r *rand.Rand, t *tally,
	treatmentsNamed func(context.Context, string) (int, error)) {
	deadline := time.Now().Add(6 * time.Minute)
	backoff := 200 * time.Millisecond
	first := true
	for time.Now().Before(deadline) && ctx.Err() == nil {
		cl, err := dial(ctx, addr, login)
		if err != nil {
			d.err = err
			time.Sleep(backoff)
			backoff = min(2*backoff, 2*time.Second)
			continue
		}
		backoff = 200 * time.Millisecond
		d.attempts++
		how := "stor"
		if !first {
			how = d.resume
			if how == "" {
				how = []string{"rest", "appe", "again"}[r.IntN(3)]
			}
		}
		var offset int64
		if how == "rest" || how == "appe" {
			if n, err := cl.FileSize(d.name); err == nil && n <= int64(len(d.data)) {
				offset = n
			} else {
				how = "again" // nothing there (or too much): from the start
			}
		}
		if !first {
			t.add(how, offset)
		}
		tr := &throttled{data: d.data, off: int(offset), cutAt: -1, rate: rate}
		if first && d.cutAt >= 0 {
			tr.cutAt = d.cutAt
		}
		mode := r.IntN(3)
		tr.cutOff = func() { cl.cut(mode) }
		// A watchdog: a transfer never takes more than a minute.
		watchdog := time.AfterFunc(time.Minute, func() { cl.cut(1) })
		switch how {
		case "appe":
			err = cl.Append(d.name, tr)
		case "rest":
			err = cl.StorFrom(d.name, tr, uint64(offset))
		default:
			err = cl.Stor(d.name, tr)
		}
		d.how = how
		first = false
		if errors.Is(err, errCut) || cl.dead.Load() {
			watchdog.Stop()
			cl.cut(mode)
			if d.abandoned {
				return
			}
			time.Sleep(time.Duration(300+r.IntN(1500)) * time.Millisecond)
			continue
		}
		if err != nil {
			watchdog.Stop()
			d.err = err
			d.crashFails++
			if d.abandoned {
				cl.cut(1) // broken off by the server before the cut: abandoned all the same
				return
			}
			cl.cut(1)
			time.Sleep(time.Duration(200+r.IntN(800)) * time.Millisecond)
			continue
		}
		// A third of the clients linger before QUIT (up to 1.5 s, around
		// the server's 1 s confirmation delay), widening the window in
		// which a kill falls between the 226 and the QUIT.
		if r.IntN(3) == 0 {
			time.Sleep(time.Duration(r.IntN(1500)) * time.Millisecond)
		}
		err = cl.quit()
		watchdog.Stop()
		if err != nil {
			d.err = fmt.Errorf("quit: %w", err)
			d.uncertain++
			d.crashFails++
			// A recorder that trusts the 226 stops here. Would it have
			// lost the file? Asked once the server is back.
			for range 100 {
				if ctx.Err() != nil {
					return
				}
				n, err := treatmentsNamed(ctx, d.name)
				if err == nil {
					if n == 0 {
						d.lostAfter226++
					}
					break
				}
				time.Sleep(200 * time.Millisecond)
			}
			time.Sleep(time.Duration(200+r.IntN(800)) * time.Millisecond)
			continue
		}
		d.completed = true
		return
	}
}

// ---------------------------------------------------------------------------
// Phase 4: disk full while receiving.
// ---------------------------------------------------------------------------

func diskFullPhase(ctx context.Context, tmp, bin string, m *mediaSet, c *checker) (err error) {
	fmt.Println("\n== phase 4: the recorders' file system fills up during an upload")
	spool := filepath.Join(tmp, "spool")
	if err := os.MkdirAll(spool, 0o755); err != nil {
		return err
	}
	if out, err := exec.CommandContext(ctx, "mount", "-t", "tmpfs", "-o", "size=20m", "tmpfs", spool).CombinedOutput(); err != nil {
		return fmt.Errorf("mount a 20 MiB tmpfs on %s (needs root; -diskfull=false skips this phase): %w\n%s", spool, err, out)
	}
	defer func() {
		if out, uerr := exec.Command("umount", spool).CombinedOutput(); uerr != nil {
			fmt.Printf("umount %s: %v %s; trying a lazy unmount\n", spool, uerr, out)
			exec.Command("umount", "-l", spool).Run()
		}
	}()
	fmt.Printf("tmpfs of 20 MiB on %s = DEFAULT_RECORDER_PATH\n", spool)
	in, err := newInstance(tmp, "diskfull", bin, "LECTERN_DEFAULT_RECORDER_PATH="+spool)
	if err != nil {
		return err
	}
	typeID, token, err := in.setup(ctx)
	if err != nil {
		return err
	}
	for i, l := range []string{"full-a", "full-b"} {
		if err := in.addRecorder(ctx, typeID, i, l, "video"); err != nil {
			return err
		}
	}
	if err := in.start(ctx); err != nil {
		return err
	}
	defer func() {
		in.kill() // before the unmount
		if err != nil {
			err = fmt.Errorf("%w\nthe server's log ends:\n%s", err, benchkit.LogTail(in.log, 3000))
		}
	}()

	// A 32 MiB file into 20 MiB: it must fail cleanly.
	big := make([]byte, 32<<20)
	copy(big, m.clips[1])
	for i := len(m.clips[1]); i < len(big); i++ {
		big[i] = byte(i * 7)
	}
	stor := func(login, name string, data []byte) error {
		cl, err := dial(ctx, in.ftpAddr, login)
		if err != nil {
			return err
		}
		defer cl.cut(0)
		if err := cl.Stor(name, bytes.NewReader(data)); err != nil {
			cl.Quit()
			return err
		}
		return cl.Quit()
	}
	code := func(err error) int {
		var te *textproto.Error
		if errors.As(err, &te) {
			return te.Code
		}
		return 0
	}
	t0 := time.Now()
	bigErr := stor("full-a", "big.mp4", big)
	fmt.Printf("  STOR big.mp4 (32 MiB) into 20 MiB: %v (reply code %d) after %.2f s\n", bigErr, code(bigErr), time.Since(t0).Seconds())
	c.check(bigErr != nil, "an upload larger than the file system succeeded")
	if bigErr != nil {
		// Clean: a negative FTP reply (4xx or 5xx), not a hang or a
		// dropped control connection. RFC 959 has 452 (and 552) for
		// "insufficient storage"; any other code is reported, not failed.
		cd := code(bigErr)
		c.check(cd >= 400 && cd < 600, "the client got no FTP reply for a full disk (%v)", bigErr)
		if cd != 452 && cd != 552 && cd != 451 && cd != 550 {
			fmt.Printf("  FINDING: a full disk is answered %d, not 452/552 (insufficient storage space): the recorder cannot tell it from a broken connection, and the text tells it to resume\n", cd)
		}
	}
	var st syscall.Statfs_t
	if syscall.Statfs(spool, &st) == nil {
		fmt.Printf("  tmpfs: %d KiB free\n", st.Bavail*uint64(st.Bsize)>>10)
	}
	c.check(in.alive(), "the server died on a full disk")
	resp, herr := http.Get("http://" + in.httpAddr + "/healthz")
	if herr == nil {
		resp.Body.Close()
	}
	c.check(herr == nil && resp.StatusCode == 200, "the server does not answer /healthz after a full disk: %v", herr)

	// Another recorder, while the disk is still full.
	smallErr := stor("full-b", "small.mp4", m.clips[0])
	fmt.Printf("  STOR small.mp4 by another recorder while the disk is full: %v (reply code %d)\n", smallErr, code(smallErr))

	time.Sleep(3 * time.Second) // more than ConfirmAfter: nothing may come of the half file
	trs, err := list[apiTreatment](ctx, in, token, "/api/v1/treatments")
	if err != nil {
		return err
	}
	recs, err := list[apiRecording](ctx, in, token, "/api/v1/recordings")
	if err != nil {
		return err
	}
	fmt.Printf("  while full: %d treatments %v, %d recordings\n", len(trs), treatmentList(trs), len(recs))
	halfPublished := count(trs, func(t apiTreatment) bool { return path.Base(t.File) == "big.mp4" })
	c.check(halfPublished == 0 && len(recs) == 0, "the half file big.mp4 was taken as a deposit (treatments %v, %d recordings)", treatmentList(trs), len(recs))
	if smallErr != nil {
		c.check(count(trs, func(t apiTreatment) bool { return path.Base(t.File) == "small.mp4" }) == 0,
			"the failed small.mp4 was taken as a deposit")
	}

	// Free the space by deleting the half file, then retry both.
	cl, err := dial(ctx, in.ftpAddr, "full-a")
	if err != nil {
		return fmt.Errorf("log in after the full disk: %w", err)
	}
	size, serr := cl.FileSize("big.mp4")
	derr := cl.Delete("big.mp4")
	cl.Quit()
	fmt.Printf("  the half file was %d bytes (%v); DELE big.mp4: %v\n", size, serr, derr)
	c.check(derr == nil, "DELE of the half file failed: %v", derr)
	retryBig := stor("full-a", "big.mp4", m.clips[1]) // the recorder's retry, of a file that fits
	fmt.Printf("  retry STOR big.mp4 (%d bytes): %v\n", len(m.clips[1]), retryBig)
	c.check(retryBig == nil, "the retry of big.mp4 after freeing space failed: %v", retryBig)
	if smallErr != nil {
		smallErr = stor("full-b", "small.mp4", m.clips[0])
		fmt.Printf("  retry STOR small.mp4: %v\n", smallErr)
	}
	c.check(smallErr == nil, "small.mp4 never uploaded: %v", smallErr)

	// Both published once, and encoded.
	var vids []apiVideo
	deadline := time.Now().Add(3 * time.Minute)
	for {
		if vids, err = list[apiVideo](ctx, in, token, "/api/v1/videos"); err != nil {
			return err
		}
		settled := len(vids) >= 2 && count(vids, func(v apiVideo) bool { return v.State == "done" || v.State == "error" }) == len(vids)
		if settled || time.Now().After(deadline) {
			break
		}
		time.Sleep(time.Second)
	}
	time.Sleep(2 * time.Second)
	if recs, err = list[apiRecording](ctx, in, token, "/api/v1/recordings"); err != nil {
		return err
	}
	if trs, err = list[apiTreatment](ctx, in, token, "/api/v1/treatments"); err != nil {
		return err
	}
	names := map[string]int{}
	for _, r := range recs {
		names[path.Base(r.SourceFile)]++
	}
	vstates := map[string]int{}
	for _, v := range vids {
		vstates[v.State]++
	}
	fmt.Printf("  after the retries: treatments %v, recordings by file %v, videos %v\n", treatmentList(trs), names, vstates)
	c.check(names["big.mp4"] == 1, "big.mp4 published %d times after its retry (want 1)", names["big.mp4"])
	c.check(names["small.mp4"] == 1, "small.mp4 published %d times (want 1)", names["small.mp4"])
	c.check(len(recs) == 2 && len(vids) == 2 && vstates["done"] == 2, "want 2 recordings and 2 videos done, got %d, %d %v", len(recs), len(vids), vstates)
	c.check(in.alive(), "the server died in the disk-full phase")
	if err := in.stop(); err != nil {
		c.check(false, "clean stop: %v", err)
	}
	ic, err := integrity(in.dbPath())
	if err != nil {
		ic = "error: " + err.Error()
	}
	c.check(ic == "ok", "PRAGMA integrity_check: %s", ic)
	problems := logProblems(in.log)
	printProblems(problems)
	c.check(count(problems, func(l string) bool { return !strings.Contains(l, "level=ERROR") }) == 0, "panic or fatal error in the server's log")
	fmt.Printf("summary (disk full): 32 MiB STOR into 20 MiB tmpfs -> %s; half file published: %d; server up: %v; after DELE the retry published %d time(s), small.mp4 %d; integrity_check %s\n",
		replyText(bigErr), halfPublished, in.runs == 1, names["big.mp4"], names["small.mp4"], ic)
	return nil
}

func replyText(err error) string {
	if err == nil {
		return "no error"
	}
	var te *textproto.Error
	if errors.As(err, &te) {
		return fmt.Sprintf("%d %s", te.Code, te.Msg)
	}
	return err.Error()
}

func treatmentList(trs []apiTreatment) []string {
	var out []string
	for _, t := range trs {
		out = append(out, path.Base(t.File)+":"+t.State)
	}
	return out
}

// ---------------------------------------------------------------------------
// Ports.
// ---------------------------------------------------------------------------
