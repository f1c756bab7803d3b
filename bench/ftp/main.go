// Command ftp measures Lectern's embedded FTP server: detection latency
// (the client's STOR returns, then the treatment row exists) and upload
// throughput of a large file over loopback, against vsftpd in the same run
// when -vsftpd gives its address (run.sh installs, configures and starts
// one).
//
// It runs the server (intake/ftp) on 127.0.0.1:0 with a SQLite store and
// an Intake in a temporary directory, and uploads with the
// github.com/jlaffaye/ftp client, which sends files with sendfile, so that
// the server is what is measured.
//
//	go run ./bench/ftp [-uploads 20] [-upload-size 4194304] [-idle-uploads 3]
//	    [-size 1073741824] [-rounds 5] [-vsftpd 127.0.0.1:2221 -vsftpd-dir DIR]
//	bench/ftp/run.sh   # the same with vsftpd
package main

import (
	"context"
	"crypto/rand"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"runtime/pprof"
	"sync"
	"syscall"
	"time"

	goftp "github.com/jlaffaye/ftp"

	"lectern"
	"lectern/bench/internal/benchkit"
	"lectern/intake/ftp"
	"lectern/password"
	"lectern/sqldb"
)

type options struct {
	uploads, idleUploads, rounds int
	uploadSize, size             int64
	vsftpd, vsftpdDir            string
	vsftpdUser, vsftpdPass       string
	vsftpdPath                   string
	keep                         bool
	cpuprofile                   string
}

func main() {
	var o options
	flag.IntVar(&o.uploads, "uploads", 20, "uploads timed for detection latency (client sends QUIT after STOR)")
	flag.Int64Var(&o.uploadSize, "upload-size", 4<<20, "size of each latency upload, bytes")
	flag.IntVar(&o.idleUploads, "idle-uploads", 3, "uploads timed with a client that stays connected and silent after STOR")
	flag.Int64Var(&o.size, "size", 1<<30, "size of the throughput upload, bytes (0: skip)")
	flag.IntVar(&o.rounds, "rounds", 5, "throughput rounds (each uploads once to each server)")
	flag.StringVar(&o.vsftpd, "vsftpd", "", "address of a vsftpd to compare with (empty: none)")
	flag.StringVar(&o.vsftpdDir, "vsftpd-dir", "", "directory where vsftpd writes the upload, to delete it between rounds")
	flag.StringVar(&o.vsftpdUser, "vsftpd-user", "anonymous", "vsftpd login")
	flag.StringVar(&o.vsftpdPass, "vsftpd-pass", "bench@", "vsftpd password")
	flag.StringVar(&o.vsftpdPath, "vsftpd-path", "upload/big.bin", "path of the upload on vsftpd")
	flag.BoolVar(&o.keep, "keep", false, "keep the temporary directory")
	cpuprofile := flag.String("cpuprofile", "", "write a CPU profile of the last throughput upload to Lectern to this file")
	flag.Parse()
	o.cpuprofile = *cpuprofile
	if err := run(context.Background(), o); err != nil {
		fmt.Fprintln(os.Stderr, "bench/ftp:", err)
		os.Exit(1)
	}
}

type bench struct {
	srv  *ftp.Server
	root string

	mu     sync.Mutex
	routed map[string]time.Time // file -> when its treatment row was stored
	signal chan struct{}
}

func run(ctx context.Context, o options) error {
	tmp, cleanup, err := benchkit.TempDir("", "lectern-bench-ftp-", o.keep)
	if err != nil {
		return err
	}
	defer cleanup()
	b, stop, err := start(ctx, tmp)
	if err != nil {
		return err
	}
	defer stop()

	if o.uploads > 0 {
		lat, err := b.latency(o.uploads, o.uploadSize, true)
		if err != nil {
			return err
		}
		benchkit.ReportLatency(fmt.Sprintf("Detection latency, %d uploads of %s, client sends QUIT after STOR", o.uploads, benchkit.MiB(o.uploadSize)), lat)
	}
	if o.idleUploads > 0 {
		lat, err := b.latency(o.idleUploads, o.uploadSize, false)
		if err != nil {
			return err
		}
		benchkit.ReportLatency(fmt.Sprintf("Detection latency, %d uploads of %s, client stays connected and silent (ConfirmAfter)", o.idleUploads, benchkit.MiB(o.uploadSize)), lat)
	}
	if o.size > 0 {
		return b.throughput(tmp, o)
	}
	return nil
}

// start runs the FTP server on a fresh store with one recorder, "bench".
func start(ctx context.Context, tmp string) (*bench, func(), error) {
	db, err := sqldb.Open(ctx, filepath.Join(tmp, "lectern.db"), nil)
	if err != nil {
		return nil, nil, err
	}
	b := &bench{root: filepath.Join(tmp, "recorders"), routed: map[string]time.Time{}, signal: make(chan struct{}, 1)}
	vt := &lectern.VideoType{Title: "Course"}
	if err := sqldb.NewVideoTypeService(db).CreateVideoType(ctx, vt); err != nil {
		db.Close()
		return nil, nil, err
	}
	recs := &lectern.RecorderDirectories{RecorderService: sqldb.NewRecorderService(db), Root: b.root}
	r := lectern.NewRecorder()
	r.Name, r.Directory, r.TypeID, r.AddressIP, r.CredentialsLogin = "Bench room", "bench", vt.ID, "127.0.0.1", "bench"
	if r.CredentialsPasswordHash, err = password.Hash("bench"); err != nil {
		db.Close()
		return nil, nil, err
	}
	if err := recs.CreateRecorder(ctx, r); err != nil {
		db.Close()
		return nil, nil, err
	}
	sightings := sqldb.NewSightingService(db)
	in := &lectern.Intake{Root: b.root, Extensions: []string{"mp4"}, AllowClaiming: true,
		Recorders: recs, Treatments: sqldb.NewTreatmentService(db, nil), Sightings: sightings,
		RoutedFunc: func(_ context.Context, t *lectern.Treatment) {
			now := time.Now()
			b.mu.Lock()
			b.routed[t.File] = now
			b.mu.Unlock()
			select {
			case b.signal <- struct{}{}:
			default:
			}
		}}
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	b.srv, err = ftp.New(ftp.Config{Addr: "127.0.0.1:0", Root: b.root, CertDir: tmp},
		ftp.Deps{Recorders: recs, Intake: in, Sightings: sightings, Logger: logger})
	if err == nil {
		err = b.srv.Start(ctx)
	}
	if err != nil {
		db.Close()
		return nil, nil, err
	}
	return b, func() { b.srv.Stop(); db.Close() }, nil
}

// latency uploads n files, each in its own session, and returns for each
// the time from the client's STOR returning to the treatment row.
func (b *bench) latency(n int, size int64, quit bool) ([]time.Duration, error) {
	data := make([]byte, size)
	if _, err := rand.Read(data); err != nil {
		return nil, err
	}
	var lat []time.Duration
	kind := map[bool]string{true: "quit", false: "idle"}[quit]
	for i := range n {
		c, err := goftp.Dial(b.srv.Addr(), goftp.DialWithTimeout(10*time.Second))
		if err != nil {
			return nil, err
		}
		if err := c.Login("bench", "bench"); err != nil {
			return nil, err
		}
		name := fmt.Sprintf("latency-%s-%02d.mp4", kind, i)
		if err := c.Stor(name, &sliceReader{b: data}); err != nil {
			return nil, err
		}
		end := time.Now()
		if quit {
			c.Quit()
		}
		at, err := b.waitRow(filepath.Join(b.root, "bench", name), 10*time.Second)
		if !quit {
			c.Quit()
		}
		if err != nil {
			return nil, err
		}
		lat = append(lat, at.Sub(end))
	}
	return lat, nil
}

// sliceReader hides bytes.Reader's WriteTo so that the client writes in
// its usual way.
type sliceReader struct{ b []byte }

func (r *sliceReader) Read(p []byte) (int, error) {
	if len(r.b) == 0 {
		return 0, io.EOF
	}
	n := copy(p, r.b)
	r.b = r.b[n:]
	return n, nil
}

func (b *bench) waitRow(file string, timeout time.Duration) (time.Time, error) {
	deadline := time.After(timeout)
	for {
		b.mu.Lock()
		at, ok := b.routed[file]
		b.mu.Unlock()
		if ok {
			return at, nil
		}
		select {
		case <-b.signal:
		case <-deadline:
			return time.Time{}, fmt.Errorf("no treatment for %s after %v", file, timeout)
		}
	}
}

// throughput uploads one large file to Lectern and to vsftpd, in turn,
// alternating which goes first; before each upload the previous one is
// deleted and the file system synced, so that no upload pays for the
// write-back of another.
func (b *bench) throughput(tmp string, o options) error {
	src := filepath.Join(tmp, "big.bin")
	if err := benchkit.WriteRandom(src, o.size); err != nil {
		return err
	}
	defer os.Remove(src)
	lectern := func(round int) (float64, error) {
		name := fmt.Sprintf("big-%d.mp4", round+1)
		if o.cpuprofile != "" && round == o.rounds-1 {
			f, err := os.Create(o.cpuprofile)
			if err != nil {
				return 0, err
			}
			defer f.Close()
			if err := pprof.StartCPUProfile(f); err != nil {
				return 0, err
			}
			defer pprof.StopCPUProfile()
		}
		syscall.Sync()
		mbs, err := upload(b.srv.Addr(), "bench", "bench", name, src, o.size)
		if err != nil {
			return 0, fmt.Errorf("upload to Lectern: %w", err)
		}
		// The upload is complete once its treatment exists.
		big := filepath.Join(b.root, "bench", name)
		if _, err := b.waitRow(big, 10*time.Second); err != nil {
			return 0, err
		}
		return mbs, os.Remove(big)
	}
	vsftpd := func(int) (float64, error) {
		syscall.Sync()
		mbs, err := upload(o.vsftpd, o.vsftpdUser, o.vsftpdPass, o.vsftpdPath, src, o.size)
		if err != nil {
			return 0, fmt.Errorf("upload to vsftpd: %w", err)
		}
		if o.vsftpdDir != "" {
			os.Remove(filepath.Join(o.vsftpdDir, filepath.Base(o.vsftpdPath)))
		}
		return mbs, nil
	}
	if o.vsftpd == "" {
		vsftpd = nil // Lectern alone
	}
	return benchkit.Rounds(o.rounds, o.size, lectern, "vsftpd", vsftpd)
}

// upload sends src with STOR and returns MB/s (10^6 bytes per second).
func upload(addr, user, pass, name, src string, size int64) (float64, error) {
	c, err := goftp.Dial(addr, goftp.DialWithTimeout(10*time.Second))
	if err != nil {
		return 0, err
	}
	defer c.Quit()
	if err := c.Login(user, pass); err != nil {
		return 0, err
	}
	f, err := os.Open(src)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	start := time.Now()
	if err := c.Stor(name, f); err != nil {
		return 0, err
	}
	elapsed := time.Since(start)
	if n, err := c.FileSize(name); err != nil || n != size {
		return 0, errors.Join(fmt.Errorf("uploaded %d bytes of %d", n, size), err)
	}
	return float64(size) / elapsed.Seconds() / 1e6, nil
}
