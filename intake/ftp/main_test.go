package ftp_test

import (
	"bufio"
	"context"
	"crypto/tls"
	"fmt"
	"log/slog"
	"net"
	"net/textproto"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	goftp "github.com/jlaffaye/ftp"
	"golang.org/x/crypto/bcrypt"

	"lectern"
	"lectern/intake/ftp"
	"lectern/internal/syncbuf"
	"lectern/password"
	"lectern/sqldb"
)

func TestMain(m *testing.M) {
	password.Cost = bcrypt.MinCost
	os.Exit(m.Run())
}

// bundle is a running server on a real store.
type bundle struct {
	srv        *ftp.Server
	cfg        ftp.Config
	root       string
	recs       *lectern.RecorderDirectories
	treatments *sqldb.TreatmentService
	sightings  *sqldb.SightingService
	typeID     int64
	log        *logBuffer
	deps       ftp.Deps
	// health keeps the logins contacts records (Config.LoginFunc);
	// contacts writes only when flushed, unless a test runs it.
	health   *sqldb.RecorderHealthService
	contacts *lectern.ContactLog

	mu sync.Mutex
	n  int
}

// logBuffer is the log sink the server writes to while the test reads.
type logBuffer = syncbuf.Buffer

func newServer(tb testing.TB, change func(*ftp.Config)) *bundle {
	tb.Helper()
	ctx := context.Background()
	lb := &logBuffer{}
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
	b.health = sqldb.NewRecorderHealthService(db)
	b.contacts = &lectern.ContactLog{Store: b.health, Logger: logger}
	b.cfg = ftp.Config{Addr: "127.0.0.1:0", Root: b.root, CertDir: tb.TempDir(),
		LoginFailureDelay: time.Millisecond, ConfirmAfter: 300 * time.Millisecond, LoginFunc: b.contacts.Record}
	if change != nil {
		change(&b.cfg)
	}
	b.deps = ftp.Deps{Recorders: b.recs, Intake: in, Sightings: b.sightings, Logger: logger}
	b.start(tb)
	return b
}

// start starts a new server with b's configuration, database and
// directory.
func (b *bundle) start(tb testing.TB) {
	tb.Helper()
	srv, err := ftp.New(b.cfg, b.deps)
	if err != nil {
		tb.Fatal(err)
	}
	if err := srv.Start(context.Background()); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(srv.Stop)
	b.srv = srv
}

// recorder creates a recorder with FTP login and password; its directory
// is dir.
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
	if pw != "" {
		h, err := password.Hash(pw)
		if err != nil {
			tb.Fatal(err)
		}
		r.CredentialsPasswordHash = h
	}
	if change != nil {
		change(r)
	}
	if err := b.recs.CreateRecorder(context.Background(), r); err != nil {
		tb.Fatal(err)
	}
	return r
}

func (b *bundle) dial(tb testing.TB, opts ...goftp.DialOption) *goftp.ServerConn {
	tb.Helper()
	c, err := goftp.Dial(b.srv.Addr(), append([]goftp.DialOption{goftp.DialWithTimeout(10 * time.Second)}, opts...)...)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { c.Quit() })
	return c
}

func (b *bundle) login(tb testing.TB, login, pw string, opts ...goftp.DialOption) *goftp.ServerConn {
	tb.Helper()
	c := b.dial(tb, opts...)
	if err := c.Login(login, pw); err != nil {
		tb.Fatalf("login %s: %v", login, err)
	}
	return c
}

func tlsOption() goftp.DialOption {
	return goftp.DialWithExplicitTLS(&tls.Config{InsecureSkipVerify: true})
}

// path is the host path of a file in a recorder directory.
func (b *bundle) path(rel string) string { return filepath.Join(b.root, filepath.FromSlash(rel)) }

func (b *bundle) allTreatments(tb testing.TB) []*lectern.Treatment {
	tb.Helper()
	ts, _, err := b.treatments.FindTreatments(context.Background(), lectern.TreatmentFilter{Page: lectern.Page{Number: 1, Size: 100}})
	if err != nil {
		tb.Fatal(err)
	}
	return ts
}

// waitTreatment polls briefly for the treatment of a file.
func (b *bundle) waitTreatment(tb testing.TB, rel string) *lectern.Treatment {
	tb.Helper()
	p := b.path(rel)
	deadline := time.Now().Add(2 * time.Second)
	for {
		ts, _, err := b.treatments.FindTreatments(context.Background(), lectern.TreatmentFilter{File: &p})
		if err != nil {
			tb.Fatal(err)
		}
		if len(ts) == 1 {
			return ts[0]
		}
		if time.Now().After(deadline) {
			tb.Fatalf("no treatment for %s; treatments: %v", rel, b.allTreatments(tb))
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func (b *bundle) noTreatment(tb testing.TB) {
	tb.Helper()
	if ts := b.allTreatments(tb); len(ts) != 0 {
		tb.Fatalf("%d treatments, want none: %+v", len(ts), ts[0])
	}
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

// raw is a bare FTP client over textproto, for what real clients do when
// they are killed: close connections in the middle of a transfer.
type raw struct {
	tb   testing.TB
	c    net.Conn
	text *textproto.Conn
}

func (b *bundle) raw(tb testing.TB, login, pw string) *raw {
	tb.Helper()
	c, err := net.DialTimeout("tcp", b.srv.Addr(), 5*time.Second)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { c.Close() })
	r := &raw{tb: tb, c: c, text: textproto.NewConn(c)}
	r.expect(220)
	r.cmd(331, "USER %s", login)
	r.cmd(230, "PASS %s", pw)
	r.cmd(200, "TYPE I")
	return r
}

func (r *raw) expect(code int) string {
	r.tb.Helper()
	_ = r.c.SetReadDeadline(time.Now().Add(5 * time.Second))
	_, msg, err := r.text.ReadResponse(code)
	if err != nil {
		r.tb.Fatalf("want %d: %v", code, err)
	}
	return msg
}

func (r *raw) cmd(code int, format string, args ...any) string {
	r.tb.Helper()
	if err := r.text.PrintfLine(format, args...); err != nil {
		r.tb.Fatal(err)
	}
	return r.expect(code)
}

var epsvRE = regexp.MustCompile(`\(\|\|\|(\d+)\|\)`)

// data opens a passive data connection.
func (r *raw) data() *net.TCPConn {
	r.tb.Helper()
	m := epsvRE.FindStringSubmatch(r.cmd(229, "EPSV"))
	if m == nil {
		r.tb.Fatal("no port in EPSV reply")
	}
	port, _ := strconv.Atoi(m[1])
	d, err := net.DialTCP("tcp", nil, &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: port})
	if err != nil {
		r.tb.Fatal(err)
	}
	r.tb.Cleanup(func() { d.Close() })
	return d
}

// storPart starts STOR name and sends data, leaving both connections open.
func (r *raw) storPart(name string, data []byte) *net.TCPConn {
	r.tb.Helper()
	d := r.data()
	r.cmd(150, "STOR %s", name)
	if _, err := d.Write(data); err != nil {
		r.tb.Fatal(err)
	}
	return d
}

func content(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i % 251)
	}
	return b
}

func readAll(tb testing.TB, c *goftp.ServerConn, name string) string {
	tb.Helper()
	r, err := c.Retr(name)
	if err != nil {
		tb.Fatal(err)
	}
	defer r.Close()
	var sb strings.Builder
	if _, err := bufio.NewReader(r).WriteTo(&sb); err != nil {
		tb.Fatal(err)
	}
	return sb.String()
}
