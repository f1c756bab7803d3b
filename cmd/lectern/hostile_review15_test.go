package main

import (
	"archive/zip"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pkg/sftp"
	"golang.org/x/crypto/ssh"

	"lectern/opencast"
)

// TestHostileReview15 is the review of issue 15's entry points by an
// attacker who holds one recorder's credentials: its capture agent, its
// FTP and its SFTP logins are one and the same, so every way in is tried
// against what the others keep (the Opencast staging folder), against
// the other recorder (its password, its events), against the disk (a ZIP
// that names one entry many times, a flood of media packages), and, as
// the recorder's manager, against this host's network (a feed's URL).
// Each row fails without the check it tests.
func TestHostileReview15(t *testing.T) {
	t.Parallel()
	o := newOCSite(t, "LECTERN_SFTP_ENABLED=true", "LECTERN_SFTP_ADDR=127.0.0.1:0", "LECTERN_FTP_MAX_DIRS=2")
	h := &hostile{t: t, s: o.s, c: o.c, db: o.db.SQL()}
	a := o.a
	staging := filepath.Join(o.c.dataDir, "recorders", "amphi-a", ".opencast")
	mp := a.ok("POST", "/ingest/addTrack", []ocField{{"mediaPackage", a.ok("GET", "/ingest/createMediaPackage", nil), ""},
		{"flavor", "presenter/source", ""}, {"BODY", "video", "a.mp4"}})
	id := ocPackageID(t, mp)
	if _, err := os.Stat(filepath.Join(staging, id, "state.json")); err != nil {
		t.Fatal(err)
	}

	t.Run("a ZIP whose manifest names one entry many times", func(t *testing.T) {
		// One entry, compressed well within ZIP_MAX_RATIO, named by a
		// hundred tracks: extracted a hundred times, a small upload would
		// write a hundred times its declared size.
		var buf strings.Builder
		zw := zip.NewWriter(&buf)
		tracks := ""
		for range 3 {
			tracks += `<track type="presenter/source"><url>presenter.mp4</url></track>`
		}
		w, _ := zw.Create("manifest.xml")
		w.Write([]byte(`<mediapackage xmlns="http://mediapackage.opencastproject.org" id="dup-1"><media>` + tracks + `</media></mediapackage>`))
		w, _ = zw.Create("presenter.mp4")
		w.Write([]byte("video"))
		zw.Close()
		before := h.snapshot()
		status, body := a.call("POST", "/ingest/addZippedMediaPackage", []ocField{{"track", buf.String(), "mp.zip"}}, nil)
		h.refused(t, "a manifest naming one entry thrice", status, body, http.StatusBadRequest)
		h.unchanged(t, before)
	})

	t.Run("FTP into the staging folder", func(t *testing.T) {
		f := dialRawFTP(t, o.s.app.ftpAddr, "")
		defer f.close()
		f.login(t, "agent-a", "pw-a")
		before := h.snapshot()
		for _, line := range []string{
			"MKD /.opencast/" + o.evB.UID, // a folder named for another recorder's event
			"MKD .opencast/x",
			"CWD .opencast",
			"CWD /.OpenCast/" + id,
			"DELE .opencast/" + id + "/state.json",
			"RMD .opencast/" + id,
			"RNFR .opencast/" + id,
			"SIZE .opencast/" + id + "/state.json",
		} {
			f.want(t, line, 550)
		}
		h.unchanged(t, before)
		// A rename into it is refused at RNTO.
		f.want(t, "MKD mine", 257)
		f.want(t, "RNFR mine", 350)
		f.want(t, "RNTO .opencast/"+id+"/mine", 550)
		f.want(t, "RMD mine", 250)
		// STOR is refused before a data connection is asked for.
		f.want(t, "STOR .opencast/"+id+"/state.json", 550)
		h.unchanged(t, before)
	})

	t.Run("SFTP into the staging folder", func(t *testing.T) {
		tcp, err := net.DialTimeout("tcp", o.s.app.sftpAddr, 10*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		conn, chans, reqs, err := ssh.NewClientConn(tcp, o.s.app.sftpAddr, &ssh.ClientConfig{User: "agent-a",
			Auth: []ssh.AuthMethod{ssh.Password("pw-a")}, HostKeyCallback: ssh.InsecureIgnoreHostKey(), Timeout: 10 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		sc := ssh.NewClient(conn, chans, reqs)
		defer sc.Close()
		cl, err := sftp.NewClient(sc)
		if err != nil {
			t.Fatal(err)
		}
		defer cl.Close()
		before := h.snapshot()
		state := "/.opencast/" + id + "/state.json"
		for what, try := range map[string]func() error{
			"write a package's state": func() error {
				f, err := cl.OpenFile(state, os.O_WRONLY|os.O_TRUNC)
				if err == nil {
					_, err = f.Write([]byte(`{"recorder":2}`))
					f.Close()
				}
				return err
			},
			"read a package's state":           func() error { _, err := cl.Open(state); return err },
			"make a folder for B's event":      func() error { return cl.Mkdir("/.opencast/" + o.evB.UID) },
			"remove a package's track":         func() error { return cl.Remove("/.opencast/" + id + "/presenter-1.mp4") },
			"rename a package's folder out":    func() error { return cl.Rename("/.opencast/"+id, "/stolen") },
			"posix-rename a package's folder":  func() error { return cl.PosixRename("/.opencast/"+id, "/stolen") },
			"list the staging folder":          func() error { _, err := cl.ReadDir("/.opencast"); return err },
			"stat a package's state":           func() error { _, err := cl.Stat(state); return err },
			"lstat the staging folder":         func() error { _, err := cl.Lstat("/.OPENCAST"); return err },
			"set a package's state's times":    func() error { return cl.Chtimes(state, time.Now(), time.Now()) },
			"create a file in the staging dir": func() error { _, err := cl.Create("/.opencast/new.mp4"); return err },
		} {
			if err := try(); err == nil {
				t.Errorf("%s: allowed", what)
			}
		}
		h.unchanged(t, before)
		if err := cl.Mkdir("/mine"); err != nil {
			t.Fatal(err)
		}
		if err := cl.Rename("/mine", "/.opencast/mine"); err == nil {
			t.Error("rename into the staging folder: allowed")
		}
		entries, err := cl.ReadDir("/")
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			if strings.EqualFold(e.Name(), ".opencast") {
				t.Error("the staging folder is listed")
			}
		}
		if err := cl.RemoveDirectory("/mine"); err != nil {
			t.Fatal(err)
		}
		h.unchanged(t, before)
	})

	t.Run("the agent's packages take no room from FTP's folder bound", func(t *testing.T) {
		// FTP_MAX_DIRS is 2 here; the staging folder holds more.
		a.ok("GET", "/ingest/createMediaPackage", nil)
		a.ok("GET", "/ingest/createMediaPackage", nil)
		f := dialRawFTP(t, o.s.app.ftpAddr, "")
		defer f.close()
		f.login(t, "agent-a", "pw-a")
		f.want(t, "MKD one", 257)
		f.want(t, "MKD two", 257)
		f.want(t, "MKD three", 552) // the bound still holds for the recorder's own
		f.want(t, "RMD one", 250)
		f.want(t, "RMD two", 250)
	})

	t.Run("a feed's URL on this host", func(t *testing.T) {
		// A recorder's manager is no administrator: a feed naming this
		// host (by a name that resolves to it, as a DNS rebinding would)
		// is refused when imported, and imports nothing.
		feedSrv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Write(icsWeekly("ssrf-1", "mgr@univ.example"))
		}))
		defer feedSrv.Close()
		_, port, _ := net.SplitHostPort(feedSrv.Listener.Addr().String())
		mgr := h.login("mgr")
		feeds := fmt.Sprintf("/recorders/%d/feeds/", o.evA.RecorderID)
		page := h.page(mgr, feeds+"add/")
		resp, _ := mgr.do(http.MethodPost, o.s.url+feeds+"add/", url.Values{"csrf_token": {csrfToken(t, page)},
			"name": {"Loopback"}, "url": {"http://localhost:" + port + "/ade.ics"}, "refresh_interval": {"60"}, "rule": {"organizer"}})
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("add the feed: %d", resp.StatusCode)
		}
		feed := resp.Request.URL.Path
		page = h.page(mgr, feed)
		_, page = mgr.do(http.MethodPost, o.s.url+feed+"import/", url.Values{"csrf_token": {csrfToken(t, page)}})
		if !strings.Contains(page, "private network") {
			t.Errorf("the import says nothing of the address:\n%.3000s", page)
		}
		var n int
		h.db.QueryRow("SELECT count(*) FROM events WHERE feed_id IS NOT NULL").Scan(&n)
		if n != 0 {
			t.Errorf("%d events imported from this host", n)
		}
	})

	t.Run("a flood of createMediaPackage", func(t *testing.T) {
		// As if the agent had just made MaxRecentPackages packages (each a
		// folder and two files, swept only once idle for UPLOAD_EXPIRY).
		var made []string
		for i := range opencast.MaxRecentPackages {
			d := filepath.Join(staging, fmt.Sprintf("00000000-0000-4000-8000-%012d", i))
			if err := os.Mkdir(d, 0o755); err != nil {
				t.Fatal(err)
			}
			made = append(made, d)
		}
		defer func() {
			for _, d := range made {
				os.Remove(d)
			}
		}()
		before := h.snapshot()
		status, body := a.call("GET", "/ingest/createMediaPackage", nil, nil)
		h.refused(t, "createMediaPackage beyond the bound", status, body, http.StatusTooManyRequests)
		status, body = a.call("PUT", "/ingest/createMediaPackageWithID/"+o.evA.UID, nil, nil)
		h.refused(t, "createMediaPackageWithID beyond the bound", status, body, http.StatusTooManyRequests)
		h.unchanged(t, before)
		// A package under way still takes its tracks.
		a.ok("POST", "/ingest/addTrack", []ocField{{"mediaPackage", mp, ""}, {"flavor", "presenter/source", ""}, {"BODY", "video", "b.mp4"}})
	})

	t.Run("twenty guesses at once", func(t *testing.T) {
		// From an address of its own (it ends blocked): twenty wrong
		// passwords sent together are not all checked before the first
		// failure counts; at most the five the throttle allows are.
		client := &http.Client{Timeout: 60 * time.Second, Transport: &http.Transport{
			DialContext: (&net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP("127.0.0.2")}}).DialContext}}
		checked := func() int { return strings.Count(o.s.log.String(), `reason="wrong password"`) }
		before := checked()
		var wg sync.WaitGroup
		var mu sync.Mutex
		statuses := map[int]int{}
		for range 20 {
			wg.Go(func() {
				req, _ := http.NewRequest("GET", o.s.url+"/info/me.json", nil)
				req.SetBasicAuth("agent-b", "guess")
				resp, err := client.Do(req)
				if err != nil {
					t.Error(err)
					return
				}
				resp.Body.Close()
				mu.Lock()
				statuses[resp.StatusCode]++
				mu.Unlock()
			})
		}
		wg.Wait()
		if n := checked() - before; n > 5 || statuses[http.StatusTooManyRequests] < 15 {
			t.Errorf("%d guesses checked (answers %v), want at most 5 and the rest 429", n, statuses)
		}
	})

	// Last: it blocks the test's address from the capture-agent side.
	t.Run("one recorder's good logins do not reset the count of guesses at another's", func(t *testing.T) {
		guess := &ocAgent{t: t, url: o.s.url, login: "agent-b", pwd: "guess"}
		for round := range 3 {
			var wg sync.WaitGroup
			for range 4 {
				wg.Go(func() { guess.call("GET", "/ingest/createMediaPackage", nil, nil) })
			}
			wg.Wait()
			if status, body := a.call("GET", "/info/me.json", nil, nil); round == 0 && status != http.StatusOK {
				t.Fatalf("A's own login after 4 failures: %d %s", status, body)
			}
		}
		// Twelve wrong passwords from this address, with A's right one
		// between every four: the address is refused, even B's right one.
		status, body := o.b.call("GET", "/info/me.json", nil, nil)
		h.refused(t, "B's password after 12 guesses", status, body, http.StatusTooManyRequests)
	})
}
