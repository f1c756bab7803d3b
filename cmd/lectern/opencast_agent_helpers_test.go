package main

import (
	"bytes"
	"context"
	"crypto/md5"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"lectern"
	"lectern/internal/freeport"
	"lectern/sqldb"
)

// agentSite is a real lectern serve on a port known before it starts
// (so that BASE_URL, which the service registry hands agents, is its
// own), with a manager, and recorders added by the command line with FTP
// logins: amphia (login ca-a, agent name ca-a) and amphib (login ca-b,
// agent name room-b).
type agentSite struct {
	c      *cli
	srv    *server
	base   string
	owner  *lectern.User
	events *sqldb.EventService
	agents *sqldb.CaptureAgentService
	recs   map[string]*lectern.Recorder
}

func newAgentSite(t *testing.T) *agentSite {
	t.Helper()
	port := freeport.Must(t, 1)
	base := "http://127.0.0.1:" + strconv.Itoa(port)
	c := newCLI(t, "LECTERN_BASE_URL="+base+"/")
	c.addUser(t, "prof", "--staff", "--first-name", "Ada", "--last-name", "Lovelace")
	typeID := c.addType(t, "Course")
	c.mustRun(t, "pw-a\n", "recorder", "add", "--name", "amphia", "--ip", "127.0.0.2", "--directory", "amphia",
		"--type-id", itoa(typeID), "--manager", "prof", "--login", "ca-a", "--password-stdin")
	c.mustRun(t, "pw-b\n", "recorder", "add", "--name", "amphib", "--ip", "127.0.0.3", "--directory", "amphib",
		"--type-id", itoa(typeID), "--manager", "prof", "--login", "ca-b", "--agent-name", "room-b", "--password-stdin")
	srv := startServeEnv(t, c, "LECTERN_HTTP_ADDR=127.0.0.1:"+strconv.Itoa(port), "LECTERN_FTP_ADDR=127.0.0.1:0")
	db := c.open(t)
	s := &agentSite{c: c, srv: srv, base: base, events: sqldb.NewEventService(db), agents: sqldb.NewCaptureAgentService(db),
		recs: map[string]*lectern.Recorder{}}
	recorders := sqldb.NewRecorderService(db)
	for _, name := range []string{"amphia", "amphib"} {
		r, err := lectern.FindRecorder(context.Background(), recorders, lectern.RecorderFilter{Name: &name})
		if err != nil {
			t.Fatal(err)
		}
		s.recs[name] = r
	}
	var err error
	if s.owner, err = sqldb.NewUserService(db).FindUserByUsername(context.Background(), "prof"); err != nil {
		t.Fatal(err)
	}
	return s
}

// event books a slot of recorder, starting in an hour.
func (s *agentSite) event(t *testing.T, recorder, title string) *lectern.Event {
	t.Helper()
	start := time.Now().UTC().Truncate(time.Minute).Add(time.Hour)
	for i := 0; ; i++ { // after the recorder's other events
		ev := &lectern.Event{RecorderID: s.recs[recorder].ID, Title: title, OwnerID: &s.owner.ID, Series: "Maths L1",
			Start: start.Add(time.Duration(i) * 2 * time.Hour), End: start.Add(time.Duration(i)*2*time.Hour + time.Hour)}
		err := s.events.CreateEvent(context.Background(), ev)
		if err == nil {
			return ev
		} else if lectern.ErrorCode(err) != lectern.ECONFLICT || i > 10 {
			t.Fatal(err)
		}
	}
}

// agentClient replays an agent's HTTP calls: Basic credentials on every
// request as pyCA's curl sends them, or Digest as Galicaster's (and
// pyCA's auth_method = digest): a first request without credentials, then
// the nonce of the challenge with growing nonce counts, asked again when
// stale.
type agentClient struct {
	login, pw string
	useDigest bool
	nonce     string
	nc        int
	// last is the last Authorization header sent, for replays.
	last string
}

type agentReply struct {
	status int
	header http.Header
	body   string
}

func (a *agentClient) do(t *testing.T, method, u string, header http.Header, body func() (string, io.Reader)) agentReply {
	t.Helper()
	for range 3 {
		var ct string
		var r io.Reader
		if body != nil {
			ct, r = body()
		}
		req, err := http.NewRequest(method, u, r)
		if err != nil {
			t.Fatal(err)
		}
		for k, v := range header {
			req.Header[k] = v
		}
		if ct != "" {
			req.Header.Set("Content-Type", ct)
		}
		switch {
		case !a.useDigest:
			req.SetBasicAuth(a.login, a.pw)
		case a.nonce != "":
			req.Header.Set("X-Requested-Auth", "Digest")
			a.authorize(req)
		default:
			req.Header.Set("X-Requested-Auth", "Digest")
		}
		rep := send(t, req)
		if !a.useDigest || rep.status != http.StatusUnauthorized {
			return rep
		}
		ch := rep.header.Get("WWW-Authenticate") // curl takes the first: MD5
		if a.nonce != "" && !strings.Contains(ch, "stale=true") {
			return rep
		}
		a.nonce, a.nc = headerParam(ch, "nonce"), 0
	}
	t.Fatalf("%s %s: 401 three times", method, u)
	return agentReply{}
}

func (a *agentClient) authorize(req *http.Request) {
	a.nc++
	h := func(s string) string { x := md5.Sum([]byte(s)); return hex.EncodeToString(x[:]) }
	cnonce, nc, uri := rand.Text(), fmt.Sprintf("%08x", a.nc), req.URL.RequestURI()
	resp := h(h(a.login+":Opencast:"+a.pw) + ":" + a.nonce + ":" + nc + ":" + cnonce + ":auth:" + h(req.Method+":"+uri))
	a.last = fmt.Sprintf(`Digest username="%s", realm="Opencast", nonce="%s", uri="%s", algorithm=MD5, response="%s", qop=auth, nc=%s, cnonce="%s", opaque="lectern"`,
		a.login, a.nonce, uri, resp, nc, cnonce)
	req.Header.Set("Authorization", a.last)
}

func send(t *testing.T, req *http.Request) agentReply {
	t.Helper()
	resp, err := (&http.Client{Timeout: 30 * time.Second}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return agentReply{resp.StatusCode, resp.Header, string(b)}
}

func headerParam(h, name string) string {
	i := strings.Index(h, name+`="`)
	if i < 0 {
		return ""
	}
	rest := h[i+len(name)+2:]
	return rest[:strings.IndexByte(rest, '"')]
}

// agentMultipart is a form as pyCA's curl (HTTPPOST) sends it.
func agentMultipart(fields ...string) func() (string, io.Reader) {
	return func() (string, io.Reader) {
		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		for i := 0; i+1 < len(fields); i += 2 {
			_ = mw.WriteField(fields[i], fields[i+1])
		}
		mw.Close()
		return mw.FormDataContentType(), &buf
	}
}

// agentURLEncoded is a form as Galicaster's curl (POSTFIELDS) sends it.
func agentURLEncoded(fields ...string) func() (string, io.Reader) {
	return func() (string, io.Reader) {
		v := url.Values{}
		for i := 0; i+1 < len(fields); i += 2 {
			v.Add(fields[i], fields[i+1])
		}
		return "application/x-www-form-urlencoded", strings.NewReader(v.Encode())
	}
}

// service looks an endpoint up as pyCA's get_service does: host + path
// of the online, active services of the type (one object or a list).
func (a *agentClient) service(t *testing.T, base, typ string) string {
	t.Helper()
	rep := a.do(t, "GET", base+"/services/available.json?serviceType="+typ, nil, nil)
	var reg struct {
		Services struct {
			Service json.RawMessage `json:"service"`
		} `json:"services"`
	}
	if rep.status != 200 || json.Unmarshal([]byte(rep.body), &reg) != nil {
		t.Fatalf("registry %s: %d %s", typ, rep.status, rep.body)
	}
	var list []map[string]any
	if err := json.Unmarshal(reg.Services.Service, &list); err != nil {
		var one map[string]any
		if err := json.Unmarshal(reg.Services.Service, &one); err != nil {
			t.Fatalf("registry %s: %s", typ, rep.body)
		}
		list = []map[string]any{one}
	}
	for _, s := range list {
		if s["online"] == true && s["active"] == true {
			return s["host"].(string) + s["path"].(string)
		}
	}
	t.Fatalf("registry %s: no online active service: %s", typ, rep.body)
	return ""
}

// icalEvent is an event of a calendar read as pyCA's parse_ical does.
type icalEvent struct {
	props  map[string]string
	attach map[string]string // file name: decoded data
}

func parseCalendar(t *testing.T, cal string) []icalEvent {
	t.Helper()
	cal = strings.ReplaceAll(strings.ReplaceAll(cal, "\r\n ", ""), "\r\n\r\n", "\r\n")
	parts := strings.Split(cal, "\r\nBEGIN:VEVENT\r\n")
	var out []icalEvent
	for _, vevent := range parts[1:] {
		ev := icalEvent{props: map[string]string{}, attach: map[string]string{}}
		for _, line := range strings.Split(vevent, "\r\n") {
			key, val, ok := strings.Cut(line, ":")
			if !ok || strings.EqualFold(key, "end") {
				continue
			}
			if !strings.HasPrefix(strings.ToLower(key), "attach") {
				ev.props[strings.ToLower(key)] = val
				continue
			}
			name := ""
			for _, p := range strings.Split(key, ";") {
				if kv := strings.Split(p, "="); strings.EqualFold(kv[0], "x-apple-filename") {
					name = kv[1]
				}
			}
			data, err := base64.StdEncoding.DecodeString(val)
			if err != nil {
				t.Fatalf("attachment %s: %v", name, err)
			}
			ev.attach[name] = string(data)
		}
		out = append(out, ev)
	}
	return out
}

// adminPage fetches a page as the superuser root (password pw-root).
func adminPage(t *testing.T, s *agentSite, path string) string {
	t.Helper()
	h := &hostile{t: t, s: s.srv, c: s.c}
	return h.page(h.login("root"), path)
}
