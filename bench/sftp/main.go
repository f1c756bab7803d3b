// Command sftp measures Lectern's embedded SFTP server: detection latency
// (the client closes the file's handle, then the treatment row exists)
// and upload throughput of a large file over loopback, against OpenSSH's
// internal-sftp in the same run when -openssh gives its address (run.sh
// installs, configures and starts one: a chrooted user, its own host key,
// a free loopback port).
//
// It runs the server (intake/sftp) on 127.0.0.1:0 with a SQLite store and
// an Intake in a temporary directory, and uploads with github.com/pkg/sftp's
// client over golang.org/x/crypto/ssh (concurrent writes, as OpenSSH's
// sftp sends 64 requests in flight), the same client for both servers.
//
//	go run ./bench/sftp [-uploads 20] [-upload-size 4194304] [-size 1073741824] [-rounds 5]
//	    [-openssh 127.0.0.1:PORT -openssh-user U -openssh-key KEY -openssh-dir DIR]
//	bench/sftp/run.sh   # the same with OpenSSH's sshd
package main

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"syscall"
	"time"

	"github.com/pkg/sftp"
	"golang.org/x/crypto/ssh"

	"lectern"
	"lectern/bench/internal/benchkit"
	lsftp "lectern/intake/sftp"
	"lectern/password"
	"lectern/sqldb"
)

type options struct {
	uploads, rounds  int
	uploadSize, size int64
	openssh          string
	opensshUser      string
	opensshKey       string
	opensshDir       string
	opensshPath      string
	keep             bool
}

func main() {
	var o options
	flag.IntVar(&o.uploads, "uploads", 20, "uploads timed for detection latency")
	flag.Int64Var(&o.uploadSize, "upload-size", 4<<20, "size of each latency upload, bytes")
	flag.Int64Var(&o.size, "size", 1<<30, "size of the throughput upload, bytes (0: skip)")
	flag.IntVar(&o.rounds, "rounds", 5, "throughput rounds (each uploads once to each server)")
	flag.StringVar(&o.openssh, "openssh", "", "address of an OpenSSH sshd serving internal-sftp to compare with (empty: none)")
	flag.StringVar(&o.opensshUser, "openssh-user", "lecternbench", "OpenSSH login")
	flag.StringVar(&o.opensshKey, "openssh-key", "", "private key file of the OpenSSH login")
	flag.StringVar(&o.opensshDir, "openssh-dir", "", "host directory where sshd writes the upload, to delete it between rounds")
	flag.StringVar(&o.opensshPath, "openssh-path", "/upload/big.bin", "path of the upload on OpenSSH (in its chroot)")
	flag.BoolVar(&o.keep, "keep", false, "keep the temporary directory")
	flag.Parse()
	if err := run(context.Background(), o); err != nil {
		fmt.Fprintln(os.Stderr, "bench/sftp:", err)
		os.Exit(1)
	}
}

type bench struct {
	srv  *lsftp.Server
	root string
	key  ssh.Signer // the recorder's

	mu     sync.Mutex
	routed map[string]time.Time // file -> when its treatment row was stored
}

func run(ctx context.Context, o options) error {
	tmp, cleanup, err := benchkit.TempDir("", "lectern-bench-sftp-", o.keep)
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
		lat, err := b.latency(o.uploads, o.uploadSize)
		if err != nil {
			return err
		}
		benchkit.ReportLatency(fmt.Sprintf("Detection latency, %d uploads of %s (close sent -> treatment row)", o.uploads, benchkit.MiB(o.uploadSize)), lat)
	}
	if o.size > 0 {
		return b.throughput(tmp, o)
	}
	return nil
}

// start runs the SFTP server on a fresh store with one recorder, "bench",
// which logs in with a key.
func start(ctx context.Context, tmp string) (*bench, func(), error) {
	db, err := sqldb.Open(ctx, filepath.Join(tmp, "lectern.db"), nil)
	if err != nil {
		return nil, nil, err
	}
	b := &bench{root: filepath.Join(tmp, "recorders"), routed: map[string]time.Time{}}
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, nil, err
	}
	if b.key, err = ssh.NewSignerFromSigner(priv); err != nil {
		return nil, nil, err
	}
	vt := &lectern.VideoType{Title: "Course"}
	if err := sqldb.NewVideoTypeService(db).CreateVideoType(ctx, vt); err != nil {
		db.Close()
		return nil, nil, err
	}
	recs := &lectern.RecorderDirectories{RecorderService: sqldb.NewRecorderService(db), Root: b.root}
	r := lectern.NewRecorder()
	r.Name, r.Directory, r.TypeID, r.AddressIP, r.CredentialsLogin = "Bench room", "bench", vt.ID, "127.0.0.1", "bench"
	r.SFTPAuthorizedKeys = string(ssh.MarshalAuthorizedKey(b.key.PublicKey()))
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
		}}
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	b.srv, err = lsftp.New(lsftp.Config{Addr: "127.0.0.1:0", Root: b.root, KeyDir: tmp},
		lsftp.Deps{Recorders: recs, Intake: in, Sightings: sightings, Logger: logger})
	if err == nil {
		err = b.srv.Start(ctx)
	}
	if err != nil {
		db.Close()
		return nil, nil, err
	}
	return b, func() { b.srv.Stop(); db.Close() }, nil
}

// dial logs in and opens an SFTP session with concurrent writes.
func dial(addr, user string, key ssh.Signer) (*sftp.Client, func(), error) {
	c, err := ssh.Dial("tcp", addr, &ssh.ClientConfig{User: user, Auth: []ssh.AuthMethod{ssh.PublicKeys(key)},
		HostKeyCallback: ssh.InsecureIgnoreHostKey(), Timeout: 10 * time.Second})
	if err != nil {
		return nil, nil, fmt.Errorf("ssh to %s: %w", addr, err)
	}
	s, err := sftp.NewClient(c, sftp.UseConcurrentWrites(true), sftp.MaxConcurrentRequestsPerFile(64))
	if err != nil {
		c.Close()
		return nil, nil, err
	}
	return s, func() { s.Close(); c.Close() }, nil
}

// latency uploads n files, each in its own session, and returns for each
// the time from the close sent to the treatment row stored (the server
// stores it before it answers the close).
func (b *bench) latency(n int, size int64) ([]time.Duration, error) {
	data := make([]byte, size)
	if _, err := rand.Read(data); err != nil {
		return nil, err
	}
	var lat []time.Duration
	for i := range n {
		c, done, err := dial(b.srv.Addr(), "bench", b.key)
		if err != nil {
			return nil, err
		}
		name := fmt.Sprintf("latency-%02d.mp4", i)
		f, err := c.Create("/" + name)
		if err != nil {
			done()
			return nil, err
		}
		if _, err := f.Write(data); err != nil {
			done()
			return nil, err
		}
		start := time.Now()
		if err := f.Close(); err != nil {
			done()
			return nil, err
		}
		done()
		b.mu.Lock()
		at, ok := b.routed[filepath.Join(b.root, "bench", name)]
		b.mu.Unlock()
		if !ok {
			return nil, fmt.Errorf("no treatment for %s when its close was answered", name)
		}
		lat = append(lat, at.Sub(start))
	}
	return lat, nil
}

// throughput uploads one large file to Lectern and to OpenSSH, in turn,
// alternating which goes first, after one untimed round; before each
// upload the previous one is deleted and the file system synced.
func (b *bench) throughput(tmp string, o options) error {
	src := filepath.Join(tmp, "big.bin")
	if err := benchkit.WriteRandom(src, o.size); err != nil {
		return err
	}
	defer os.Remove(src)
	var osshKey ssh.Signer
	if o.openssh != "" {
		pem, err := os.ReadFile(o.opensshKey)
		if err != nil {
			return err
		}
		if osshKey, err = ssh.ParsePrivateKey(pem); err != nil {
			return fmt.Errorf("OpenSSH key: %w", err)
		}
	}
	lectern := func(round int) (float64, error) {
		name := fmt.Sprintf("big-%d.mp4", round+1)
		syscall.Sync()
		mbs, err := upload(b.srv.Addr(), "bench", b.key, "/"+name, src, o.size)
		if err != nil {
			return 0, fmt.Errorf("upload to Lectern: %w", err)
		}
		big := filepath.Join(b.root, "bench", name)
		b.mu.Lock()
		_, ok := b.routed[big]
		b.mu.Unlock()
		if !ok {
			return 0, fmt.Errorf("no treatment for %s when its close was answered", name)
		}
		return mbs, os.Remove(big)
	}
	openssh := func(int) (float64, error) {
		syscall.Sync()
		mbs, err := upload(o.openssh, o.opensshUser, osshKey, o.opensshPath, src, o.size)
		if err != nil {
			return 0, fmt.Errorf("upload to OpenSSH: %w", err)
		}
		if o.opensshDir != "" {
			os.Remove(filepath.Join(o.opensshDir, filepath.Base(o.opensshPath)))
		}
		return mbs, nil
	}
	if o.openssh == "" {
		openssh = nil // Lectern alone
	}
	return benchkit.Rounds(o.rounds, o.size, lectern, "OpenSSH internal-sftp", openssh)
}

// upload sends src to name and returns MB/s (10^6 bytes per second), from
// the open to the close answered.
func upload(addr, user string, key ssh.Signer, name, src string, size int64) (float64, error) {
	c, done, err := dial(addr, user, key)
	if err != nil {
		return 0, err
	}
	defer done()
	in, err := os.Open(src)
	if err != nil {
		return 0, err
	}
	defer in.Close()
	start := time.Now()
	f, err := c.Create(name)
	if err != nil {
		return 0, err
	}
	if _, err := f.ReadFrom(in); err != nil {
		f.Close()
		return 0, err
	}
	if err := f.Close(); err != nil {
		return 0, err
	}
	elapsed := time.Since(start)
	if fi, err := c.Stat(name); err != nil || fi.Size() != size {
		return 0, fmt.Errorf("uploaded %v bytes of %d: %v", fi, size, err)
	}
	return float64(size) / elapsed.Seconds() / 1e6, nil
}
