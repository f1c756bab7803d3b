package opencast_test

import (
	"context"
	"crypto/md5"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"lectern"
	"lectern/internal/syncbuf"
	"lectern/opencast"
	"lectern/password"
	"lectern/sqldb"
)

func TestMain(m *testing.M) {
	password.Cost = bcrypt.MinCost
	os.Exit(m.Run())
}

// memEvents is a working in-memory lectern.EventService, for the calls
// the protocol makes.
type memEvents struct {
	mu     sync.Mutex
	events []*lectern.Event
}

func (m *memEvents) add(e *lectern.Event) *lectern.Event {
	m.mu.Lock()
	defer m.mu.Unlock()
	e.ID = int64(len(m.events) + 1)
	if e.UID == "" {
		e.UID = lectern.NewEventUID()
	}
	m.events = append(m.events, e)
	return e
}

func (m *memEvents) CreateEvent(_ context.Context, e *lectern.Event) error { m.add(e); return nil }
func (m *memEvents) FindEventByID(_ context.Context, id int64) (*lectern.Event, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, e := range m.events {
		if e.ID == id {
			c := *e
			return &c, nil
		}
	}
	return nil, lectern.Errorf(lectern.ENOTFOUND, "Event not found.")
}
func (m *memEvents) FindEventByUID(_ context.Context, uid string) (*lectern.Event, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, e := range m.events {
		if e.UID == uid {
			c := *e
			return &c, nil
		}
	}
	return nil, lectern.Errorf(lectern.ENOTFOUND, "Event not found.")
}
func (m *memEvents) FindEvents(_ context.Context, f lectern.EventFilter) ([]*lectern.Event, int, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []*lectern.Event
	for _, e := range m.events {
		if f.RecorderID != nil && e.RecorderID != *f.RecorderID {
			continue
		}
		if (!f.From.IsZero() && !e.End.After(f.From)) || (!f.To.IsZero() && !e.Start.Before(f.To)) {
			continue
		}
		c := *e
		out = append(out, &c)
	}
	return out, len(out), nil
}
func (m *memEvents) UpdateEvent(_ context.Context, e *lectern.Event) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for i, have := range m.events {
		if have.ID == e.ID {
			c := *e
			m.events[i] = &c
			return nil
		}
	}
	return lectern.Errorf(lectern.ENOTFOUND, "Event not found.")
}
func (m *memEvents) DeleteEvent(context.Context, int64) error { return nil }
func (m *memEvents) EventAt(context.Context, int64, time.Time, time.Duration) (*lectern.Event, error) {
	return nil, lectern.Errorf(lectern.ENOTFOUND, "Event not found.")
}
func (m *memEvents) MarkEventUsed(context.Context, int64, time.Time) error { return nil }
func (m *memEvents) MarkEventMissed(context.Context, int64, time.Time) (bool, error) {
	return false, nil
}
func (m *memEvents) SetEventAgentState(_ context.Context, id int64, state string, at time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, e := range m.events {
		if e.ID == id {
			e.AgentState, e.AgentStateAt = state, at
			return nil
		}
	}
	return lectern.Errorf(lectern.ENOTFOUND, "Event not found.")
}

// bundle is a running protocol server on a real store: recorder A (login
// ca-a, agent name ca-a), recorder B (login ca-b, agent name room-b), and
// recorder old (login ca-old, a password set before Digest secrets were
// kept).
type bundle struct {
	url        string
	recorders  *sqldb.RecorderService
	agents     *sqldb.CaptureAgentService
	events     *memEvents
	a, b, old  *lectern.Recorder
	owner      *lectern.User
	log        *syncbuf.Buffer
	httpClient *http.Client
}

func newBundle(t *testing.T, change func(*opencast.Config)) *bundle {
	t.Helper()
	ctx := context.Background()
	db, err := sqldb.Open(ctx, filepath.Join(t.TempDir(), "l.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	lb := &syncbuf.Buffer{}
	t.Cleanup(func() {
		if t.Failed() {
			t.Log("server log:\n" + lb.String())
		}
	})
	vt := &lectern.VideoType{Title: "Course"}
	if err := sqldb.NewVideoTypeService(db).CreateVideoType(ctx, vt); err != nil {
		t.Fatal(err)
	}
	owner := &lectern.User{Username: "prof", FirstName: "Ada", LastName: "Lovelace", IsActive: true}
	users := sqldb.NewUserService(db)
	if err := users.CreateUser(ctx, owner); err != nil {
		t.Fatal(err)
	}
	b := &bundle{recorders: sqldb.NewRecorderService(db), agents: sqldb.NewCaptureAgentService(db), events: &memEvents{},
		owner: owner, log: lb, httpClient: &http.Client{Timeout: 30 * time.Second}}
	mk := func(name, ip, login, pw, agent string, digest bool) *lectern.Recorder {
		r := lectern.NewRecorder()
		r.Name, r.AddressIP, r.Directory, r.TypeID, r.AgentName = name, ip, name, vt.ID, agent
		r.CredentialsLogin = login
		if r.CredentialsPasswordHash, err = password.Hash(pw); err != nil {
			t.Fatal(err)
		}
		if digest {
			r.CredentialsDigest = password.Digest(login, pw)
		}
		if err := b.recorders.CreateRecorder(ctx, r); err != nil {
			t.Fatal(err)
		}
		return r
	}
	b.a = mk("amphia", "10.0.0.1", "ca-a", "pw-a", "", true)
	b.b = mk("amphib", "10.0.0.2", "ca-b", "pw-b", "room-b", true)
	b.old = mk("amphiold", "10.0.0.3", "ca-old", "pw-old", "", false)

	cfg := opencast.Config{BaseURL: "http://lectern.example", Auth: opencast.AuthConfig{MaxLoginFailures: 1000, LoginFailureDelay: time.Nanosecond, DigestSHA256: true}}
	if change != nil {
		change(&cfg)
	}
	srv := opencast.New(cfg, opencast.Deps{Recorders: b.recorders, Agents: b.agents, Events: b.events, Users: users,
		Logger: slog.New(slog.NewTextHandler(lb, &slog.HandlerOptions{Level: slog.LevelDebug}))}, nil)
	mux := http.NewServeMux()
	for _, p := range opencast.Paths {
		mux.Handle(p, srv)
	}
	ts := httptest.NewServer(mux)
	t.Cleanup(ts.Close)
	b.url = ts.URL
	return b
}

// do sends a request with Basic credentials (none when login is empty).
func (b *bundle) do(t *testing.T, method, path, login, pw, contentType string, body io.Reader) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(method, b.url+path, body)
	if err != nil {
		t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if login != "" {
		req.SetBasicAuth(login, pw)
	}
	return b.send(t, req)
}

func (b *bundle) send(t *testing.T, req *http.Request) (*http.Response, string) {
	t.Helper()
	resp, err := b.httpClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, string(data)
}

// digestClient logs in by Digest as curl does: it asks, answers the
// challenge, then reuses the nonce with growing nonce counts.
type digestClient struct {
	login, pw, algorithm string
	nonce, opaque        string
	nc                   int
}

// authorize sets the Authorization header of req for its nonce.
func (d *digestClient) authorize(req *http.Request) {
	d.nc++
	h := func() hash.Hash { return md5.New() }
	if d.algorithm == "SHA-256" {
		h = sha256.New
	}
	hx := func(s string) string { x := h(); x.Write([]byte(s)); return hex.EncodeToString(x.Sum(nil)) }
	cnonce := rand.Text()
	nc := fmt.Sprintf("%08x", d.nc)
	uri := req.URL.RequestURI()
	ha1 := hx(d.login + ":Opencast:" + d.pw)
	resp := hx(ha1 + ":" + d.nonce + ":" + nc + ":" + cnonce + ":auth:" + hx(req.Method+":"+uri))
	req.Header.Set("Authorization", fmt.Sprintf(`Digest username="%s", realm="Opencast", nonce="%s", uri="%s", algorithm=%s, response="%s", qop=auth, nc=%s, cnonce="%s", opaque="%s"`,
		d.login, d.nonce, uri, d.algorithm, resp, nc, cnonce, d.opaque))
}

// challenge reads the nonce of a 401's challenge for d's algorithm.
func (d *digestClient) challenge(t *testing.T, resp *http.Response) {
	t.Helper()
	for _, h := range resp.Header.Values("WWW-Authenticate") {
		if !strings.Contains(h, "algorithm="+d.algorithm+",") {
			continue
		}
		d.nonce, d.opaque, d.nc = param(h, "nonce"), param(h, "opaque"), 0
		return
	}
	t.Fatalf("no Digest %s challenge in %v", d.algorithm, resp.Header.Values("WWW-Authenticate"))
}

func param(h, name string) string {
	i := strings.Index(h, name+`="`)
	if i < 0 {
		return ""
	}
	rest := h[i+len(name)+2:]
	return rest[:strings.IndexByte(rest, '"')]
}

// digest sends a request by Digest, asking for a nonce first when it has
// none (or when the server says it is stale).
func (b *bundle) digest(t *testing.T, d *digestClient, newReq func() *http.Request) (*http.Response, string) {
	t.Helper()
	for range 3 {
		req := newReq()
		req.Header.Set("X-Requested-Auth", "Digest")
		if d.nonce != "" {
			d.authorize(req)
		}
		resp, body := b.send(t, req)
		if resp.StatusCode != http.StatusUnauthorized || (d.nonce != "" && !strings.Contains(resp.Header.Get("WWW-Authenticate"), "stale=true")) {
			return resp, body
		}
		d.challenge(t, resp)
	}
	t.Fatal("no answer but 401 after three tries")
	return nil, ""
}
