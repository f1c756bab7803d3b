package sftp_test

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pkg/sftp"
	"golang.org/x/crypto/bcrypt"
	"golang.org/x/crypto/ssh"

	"lectern"
	lsftp "lectern/intake/sftp"
	"lectern/internal/syncbuf"
	"lectern/password"
	"lectern/sqldb"
)

// hostKeyDir holds host keys generated once for every test (an RSA key
// takes a moment).
var hostKeyDir string

func TestMain(m *testing.M) {
	password.Cost = bcrypt.MinCost
	dir, err := os.MkdirTemp("", "lectern-sftp-keys")
	if err != nil {
		panic(err)
	}
	hostKeyDir = dir
	if _, err := lsftp.New(lsftp.Config{Addr: "127.0.0.1:0", Root: dir, KeyDir: dir}, lsftp.Deps{
		Recorders: &lectern.RecorderDirectories{}, Intake: &lectern.Intake{}, Sightings: sqldb.NewSightingService(nil)}); err != nil {
		panic(err)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// bundle is a running server on a real store.
type bundle struct {
	srv        *lsftp.Server
	cfg        lsftp.Config
	root       string
	recs       *lectern.RecorderDirectories
	treatments *sqldb.TreatmentService
	sightings  *sqldb.SightingService
	typeID     int64
	log        *syncbuf.Buffer
	deps       lsftp.Deps

	mu sync.Mutex
	n  int
}

func newServer(tb testing.TB, change func(*lsftp.Config)) *bundle {
	tb.Helper()
	ctx := context.Background()
	lb := &syncbuf.Buffer{}
	tb.Cleanup(func() {
		if tb.Failed() {
			tb.Log("server log:\n" + lb.String())
		}
	})
	logger := slog.New(slog.NewTextHandler(lb, &slog.HandlerOptions{Level: slog.LevelDebug}))
	db, err := sqldb.Open(ctx, filepath.Join(tb.TempDir(), "l.db"), nil)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	b := &bundle{root: tb.TempDir(), log: lb, treatments: sqldb.NewTreatmentService(db, nil), sightings: sqldb.NewSightingService(db)}
	vt := &lectern.VideoType{Title: "Course"}
	if err := sqldb.NewVideoTypeService(db).CreateVideoType(ctx, vt); err != nil {
		tb.Fatal(err)
	}
	b.typeID = vt.ID
	b.recs = &lectern.RecorderDirectories{RecorderService: sqldb.NewRecorderService(db), Root: b.root}
	in := &lectern.Intake{Root: b.root, Extensions: []string{"mp4", "mov"}, AllowClaiming: true,
		Recorders: b.recs, Treatments: b.treatments, Sightings: b.sightings, Logger: logger}
	b.cfg = lsftp.Config{Addr: "127.0.0.1:0", Root: b.root, LoginFailureDelay: time.Millisecond,
		HostKeys: []string{filepath.Join(hostKeyDir, "sftp_host_ed25519_key"), filepath.Join(hostKeyDir, "sftp_host_rsa_key")}}
	if change != nil {
		change(&b.cfg)
	}
	b.deps = lsftp.Deps{Recorders: b.recs, Intake: in, Sightings: b.sightings, Logger: logger}
	b.start(tb)
	return b
}

func (b *bundle) start(tb testing.TB) {
	tb.Helper()
	srv, err := lsftp.New(b.cfg, b.deps)
	if err != nil {
		tb.Fatal(err)
	}
	if err := srv.Start(context.Background()); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(srv.Stop)
	b.srv = srv
}

// recorder creates a recorder with login and password; its directory is
// dir.
func (b *bundle) recorder(tb testing.TB, dir, login, pw string, change func(*lectern.Recorder)) *lectern.Recorder {
	tb.Helper()
	b.mu.Lock()
	b.n++
	n := b.n
	b.mu.Unlock()
	r := lectern.NewRecorder()
	r.Name, r.Directory, r.TypeID = "Room "+dir, dir, b.typeID
	r.AddressIP = fmt.Sprintf("10.0.0.%d", n)
	r.CredentialsLogin = login
	h, err := password.Hash(pw)
	if err != nil {
		tb.Fatal(err)
	}
	r.CredentialsPasswordHash = h
	if change != nil {
		change(r)
	}
	if err := b.recs.CreateRecorder(context.Background(), r); err != nil {
		tb.Fatal(err)
	}
	return r
}

// client is a real SFTP client (pkg/sftp over x/crypto/ssh) over TCP.
type client struct {
	*sftp.Client
	ssh *ssh.Client
	tcp net.Conn
}

// dialSSH connects and logs in with auth; the host key must be one of
// the server's.
func (b *bundle) dialSSH(tb testing.TB, login string, auth ...ssh.AuthMethod) (*ssh.Client, net.Conn, error) {
	tb.Helper()
	tcp, err := net.DialTimeout("tcp", b.srv.Addr(), 10*time.Second)
	if err != nil {
		tb.Fatal(err)
	}
	fps := b.srv.Fingerprints()
	cfg := &ssh.ClientConfig{User: login, Auth: auth, Timeout: 10 * time.Second,
		HostKeyCallback: func(_ string, _ net.Addr, key ssh.PublicKey) error {
			for _, fp := range fps {
				if strings.HasSuffix(fp, " "+ssh.FingerprintSHA256(key)) {
					return nil
				}
			}
			return fmt.Errorf("unknown host key %s", ssh.FingerprintSHA256(key))
		}}
	c, chans, reqs, err := ssh.NewClientConn(tcp, b.srv.Addr(), cfg)
	if err != nil {
		tcp.Close()
		return nil, nil, err
	}
	sc := ssh.NewClient(c, chans, reqs)
	tb.Cleanup(func() { sc.Close() })
	return sc, tcp, nil
}

func (b *bundle) connect(tb testing.TB, login string, auth ...ssh.AuthMethod) (*client, error) {
	tb.Helper()
	sc, tcp, err := b.dialSSH(tb, login, auth...)
	if err != nil {
		return nil, err
	}
	c, err := sftp.NewClient(sc)
	if err != nil {
		return nil, err
	}
	tb.Cleanup(func() { c.Close() })
	return &client{Client: c, ssh: sc, tcp: tcp}, nil
}

// login connects with a password.
func (b *bundle) login(tb testing.TB, login, pw string) *client {
	tb.Helper()
	c, err := b.connect(tb, login, ssh.Password(pw))
	if err != nil {
		tb.Fatalf("login %s: %v", login, err)
	}
	return c
}

// newKey returns a new Ed25519 key and its authorized_keys line.
func newKey(tb testing.TB) (ssh.Signer, string) {
	tb.Helper()
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		tb.Fatal(err)
	}
	s, err := ssh.NewSignerFromSigner(priv)
	if err != nil {
		tb.Fatal(err)
	}
	return s, strings.TrimSpace(string(ssh.MarshalAuthorizedKey(s.PublicKey()))) + " recorder@room"
}

// put uploads data to name and closes the file.
func put(tb testing.TB, c *client, name string, data []byte) {
	tb.Helper()
	f, err := c.Create(name)
	if err != nil {
		tb.Fatalf("create %s: %v", name, err)
	}
	if _, err := f.Write(data); err != nil {
		tb.Fatalf("write %s: %v", name, err)
	}
	if err := f.Close(); err != nil {
		tb.Fatalf("close %s: %v", name, err)
	}
}

func (b *bundle) path(rel string) string { return filepath.Join(b.root, filepath.FromSlash(rel)) }

func (b *bundle) allTreatments(tb testing.TB) []*lectern.Treatment {
	tb.Helper()
	ts, _, err := b.treatments.FindTreatments(context.Background(), lectern.TreatmentFilter{Page: lectern.Page{Number: 1, Size: 100}})
	if err != nil {
		tb.Fatal(err)
	}
	return ts
}

// treatment is the one treatment of a file, found at once: the server
// records it before it answers the close.
func (b *bundle) treatment(tb testing.TB, rel string) *lectern.Treatment {
	tb.Helper()
	p := b.path(rel)
	ts, _, err := b.treatments.FindTreatments(context.Background(), lectern.TreatmentFilter{File: &p})
	if err != nil {
		tb.Fatal(err)
	}
	if len(ts) != 1 {
		tb.Fatalf("%d treatments for %s, want 1; all: %v", len(ts), rel, b.allTreatments(tb))
	}
	return ts[0]
}

func (b *bundle) held(tb testing.TB, rel string) bool {
	tb.Helper()
	s, err := b.sightings.FindSighting(context.Background(), b.path(rel))
	if lectern.ErrorCode(err) == lectern.ENOTFOUND {
		return false
	} else if err != nil {
		tb.Fatal(err)
	}
	return s.Held
}

// waitLog waits for the server's log to hold s (what the server did
// after a client went away, which the client cannot be told).
func (b *bundle) waitLog(tb testing.TB, s string) {
	tb.Helper()
	for range 1000 {
		if strings.Contains(b.log.String(), s) {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	tb.Fatalf("the log never said %q", s)
}

func content(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i % 251)
	}
	return b
}
