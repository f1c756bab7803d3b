package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	ftpclient "github.com/jlaffaye/ftp"

	"lectern"
)

// waitTreatments polls the API until it lists want treatments matching
// query (routing follows detection by a moment: ask for the state
// expected), and returns them.
func waitTreatments(tb testing.TB, s *server, token, query string, want int) []lectern.Treatment {
	tb.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		status, body := s.get(tb, "/api/v1/treatments"+query, token)
		if status != http.StatusOK {
			tb.Fatalf("GET /api/v1/treatments = %d %s", status, body)
		}
		var page struct {
			Count   int                 `json:"count"`
			Results []lectern.Treatment `json:"results"`
		}
		if err := json.Unmarshal([]byte(body), &page); err != nil {
			tb.Fatal(err)
		}
		if page.Count >= want {
			if page.Count > want {
				tb.Fatalf("%d treatments, want %d: %s", page.Count, want, body)
			}
			return page.Results
		}
		if time.Now().After(deadline) {
			tb.Fatalf("%d treatments after 20s, want %d\nlog:\n%s", page.Count, want, s.log)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestServeWatchesDeposits runs the real program: a recorder made from the
// command line while serve runs, a file copied into its directory by
// something else than Lectern, one treatment routed to its manager.
func TestServeWatchesDeposits(t *testing.T) {
	t.Parallel()
	c := newCLI(t, "LECTERN_RECORDER_QUIESCENCE=200ms")
	s := startServe(t, c)
	typeID := c.addType(t, "Course")
	c.addUser(t, "boss", "--superuser")
	token := strings.TrimSpace(c.mustRun(t, "", "token", "create", "--username", "boss").stdout)
	c.mustRun(t, "", "recorder", "add", "--name", "Amphi A", "--ip", "10.1.2.3", "--directory", "amphi-a",
		"--type-id", fmt.Sprint(typeID), "--manager", "boss")

	dir := filepath.Join(c.dataDir, "recorders", "amphi-a")
	if err := os.WriteFile(filepath.Join(dir, "lecture.mp4.part"), []byte("partial"), 0o640); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "lecture.mp4"), make([]byte, 4096), 0o640); err != nil {
		t.Fatal(err)
	}
	got := waitTreatments(t, s, token, "?state=notified", 1)
	tr := got[0]
	if filepath.Base(tr.File) != "lecture.mp4" || tr.FileSize != 4096 || tr.State != lectern.TreatmentNotified || !tr.EmailSent ||
		tr.DetectedBy != lectern.SourceWatch || tr.RecorderID == nil {
		t.Fatalf("treatment %+v", tr)
	}
}

// TestServeHTTPUpload posts a file to the running program, as Pod's
// "Recording Files" API does.
func TestServeHTTPUpload(t *testing.T) {
	t.Parallel()
	c := newCLI(t)
	s := startServe(t, c)
	typeID := c.addType(t, "Course")
	c.addUser(t, "boss", "--superuser")
	token := strings.TrimSpace(c.mustRun(t, "", "token", "create", "--username", "boss").stdout)
	c.mustRun(t, "", "recorder", "add", "--name", "Amphi B", "--ip", "10.1.2.4", "--directory", "amphi-b",
		"--type-id", fmt.Sprint(typeID))
	var recs []recorderView
	c.mustJSON(t, &recs, "recorder", "list", "--json")

	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	mw.WriteField("recorder", fmt.Sprint(recs[0].ID))
	fw, _ := mw.CreateFormFile("file", "cours.mp4")
	fw.Write(make([]byte, 10000))
	mw.Close()
	req, _ := http.NewRequest(http.MethodPost, s.url+"/api/v1/recording-files", &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Authorization", "Token "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("POST /api/v1/recording-files = %d", resp.StatusCode)
	}
	tr := waitTreatments(t, s, token, "?state=reported", 1)[0]
	if tr.DetectedBy != lectern.SourceHTTP || tr.FileSize != 10000 || tr.State != lectern.TreatmentReported {
		t.Fatalf("treatment %+v", tr)
	}
	if _, err := os.Stat(filepath.Join(c.dataDir, "recorders", "amphi-b", "cours.mp4")); err != nil {
		t.Fatal(err)
	}
}

// TestServeFTPDeposit uploads by FTP to the running program, with a
// recorder whose FTP login was made from the command line a moment before.
func TestServeFTPDeposit(t *testing.T) {
	t.Parallel()
	c := newCLI(t)
	s := startServe(t, c)
	typeID := c.addType(t, "Course")
	c.addUser(t, "boss", "--superuser")
	token := strings.TrimSpace(c.mustRun(t, "", "token", "create", "--username", "boss").stdout)
	c.mustRun(t, "ftp-secret\n", "recorder", "add", "--name", "Amphi C", "--ip", "10.1.2.5", "--directory", "amphi-c",
		"--type-id", fmt.Sprint(typeID), "--manager", "boss", "--auto", "--login", "amphic", "--password-stdin")

	conn := ftpLogin(t, s.app.ftpAddr, "amphic", "ftp-secret")
	defer conn.Quit()
	if err := conn.Stor("lecture.MP4", bytes.NewReader(make([]byte, 1<<20))); err != nil {
		t.Fatal(err)
	}
	if _, err := conn.CurrentDir(); err != nil { // the next command confirms the upload
		t.Fatal(err)
	}
	tr := waitTreatments(t, s, token, "?state=published", 1)[0]
	if tr.DetectedBy != lectern.SourceFTP || tr.FileSize != 1<<20 || tr.State != lectern.TreatmentPublished ||
		filepath.Base(tr.File) != "lecture.MP4" {
		t.Fatalf("treatment %+v", tr)
	}
}

// ftpLogin connects to the embedded FTP server and logs in.
func ftpLogin(tb testing.TB, addr, login, password string) *ftpclient.ServerConn {
	tb.Helper()
	conn, err := ftpclient.Dial(addr, ftpclient.DialWithTimeout(10*time.Second))
	if err != nil {
		tb.Fatal(err)
	}
	if err := conn.Login(login, password); err != nil {
		tb.Fatal(err)
	}
	return conn
}
