package main

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"fmt"
	"io"
	"mime/multipart"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestHostileHTTP is issue 11's sweep of what a client can make the HTTP
// server hold: bodies larger than their route takes (refused with 413
// before they are read, nothing left in TMPDIR), forged forms (403,
// nothing left in TMPDIR), and bodies sent too slowly (cut off after
// HTTP_READ_TIMEOUT, or HTTP_UPLOAD_STALL_TIMEOUT without progress on an
// upload, while a slow but steady upload goes through).
//
// The server runs in this process, and multipart files go to the
// process's TMPDIR: so this test sets TMPDIR to a folder of its own, and
// for that cannot run in parallel with the others (t.Setenv). It runs
// before them; the slow senders' rows run in parallel with each other.
func TestHostileHTTP(t *testing.T) {
	const maxSize = 1 << 20
	tmp := t.TempDir()
	c := newCLI(t, "LECTERN_RECORDING_FILE_MAX_SIZE="+strconv.Itoa(maxSize), "LECTERN_LANGUAGE_CODE=en",
		"LECTERN_RECORDER_WATCH=false", "LECTERN_HTTP_READ_TIMEOUT=1s", "LECTERN_HTTP_UPLOAD_STALL_TIMEOUT=2s",
		"LECTERN_HTTP_IDLE_TIMEOUT=2s")
	c.addUser(t, "boss", "--superuser")
	bossToken := strings.TrimSpace(c.mustRun(t, "", "token", "create", "--username", "boss").stdout)
	typeID := c.addType(t, "Course")
	c.mustRun(t, "", "recorder", "add", "--name", "Amphi A", "--ip", "10.0.0.1", "--directory", "amphi-a",
		"--type-id", fmt.Sprint(typeID), "--manager", "boss", "--salt", "s4lt")
	var recs []recorderView
	c.mustJSON(t, &recs, "recorder", "list", "--json")
	recorder := fmt.Sprint(recs[0].ID)
	t.Setenv("TMPDIR", tmp)
	s := startServe(t, c)
	addr := strings.TrimPrefix(s.url, "http://")
	h := &hostile{t: t, s: s, c: c, db: c.open(t).SQL()}
	emptyTmp := func(tb testing.TB) {
		tb.Helper()
		entries, _ := os.ReadDir(tmp)
		for _, e := range entries {
			tb.Errorf("left in TMPDIR: %s", e.Name())
		}
	}

	// A page's CSRF token and cookie, as a browser holds them.
	b := newBrowser(t, s.url)
	_, page := b.do(http.MethodGet, s.url+"/accounts/login/", nil)
	token := csrfToken(t, page)
	u, _ := url.Parse(s.url)
	var cookie string
	for _, ck := range b.hc.Jar.Cookies(u) {
		cookie += ck.Name + "=" + ck.Value + "; "
	}

	formRoutes := []string{"/accounts/login/", "/accounts/logout/", "/i18n/setlang/", "/video/1/", "/admin/recorders/add/"}
	t.Run("bodies", func(t *testing.T) {
		type row struct {
			name, path string
			header     []string
			body       []byte
			want       []int
		}
		big, bigType := multipartForm(t, url.Values{"csrf_token": {token}, "recorder": {recorder}}, "big.mp4", 40<<20)
		small, smallType := multipartForm(t, url.Values{"csrf_token": {"AAAA" + token[4:]}}, "small.mp4", 8<<10)
		var rows []row
		for _, p := range formRoutes {
			rows = append(rows,
				row{"40 MiB multipart, anonymous, to " + p, p, []string{"Content-Type: " + bigType}, big, []int{413}},
				row{"40 MiB multipart with the token to " + p, p, []string{"Content-Type: " + bigType, "Cookie: " + cookie}, big, []int{413}},
				row{"forged multipart to " + p, p, []string{"Content-Type: " + smallType, "Cookie: " + cookie}, small, []int{403}},
				row{"40 MiB multipart without a length to " + p, p, []string{"Content-Type: " + bigType, "Transfer-Encoding: chunked"}, big, []int{413}},
			)
		}
		rows = append(rows,
			row{"40 MiB to the notify URL (read up to 64 KiB, answered in Pod's words)", "/record/recorder_notify/",
				[]string{"Content-Type: " + bigType}, big, []int{200}},
			row{"40 MiB JSON to the API", "/api/v1/recorders", []string{"Content-Type: application/json"}, big, []int{413}},
			row{"40 MiB upload, anonymous", "/api/v1/recording-files", []string{"Content-Type: " + bigType}, big, []int{413}},
			row{"40 MiB upload with a token", "/api/v1/recording-files", []string{"Content-Type: " + bigType,
				"Authorization: Token " + bossToken}, big, []int{413}},
			row{"40 MiB upload without a length", "/api/v1/recording-files", []string{"Content-Type: " + bigType,
				"Authorization: Token " + bossToken, "Transfer-Encoding: chunked"}, big, []int{413}},
			row{"forged multipart upload", "/api/v1/recording-files", []string{"Content-Type: " + smallType}, small, []int{401, 403}},
			row{"40 MiB tus chunk", "/api/v1/uploads/x", []string{"Content-Type: application/offset+octet-stream",
				"Tus-Resumable: 1.0.0", "Upload-Offset: 0", "X-HTTP-Method-Override: PATCH", "Authorization: Token " + bossToken}, big, []int{413}},
		)
		// One after the other: the refused uploads' temporary files must
		// be gone when each is answered.
		for _, r := range rows {
			t.Run(r.name, func(t *testing.T) {
				before := h.snapshot()
				header := append([]string{"Origin: " + s.url}, r.header...)
				res := rawHTTP(t, addr, "POST", r.path, header, r.body, nil)
				ok := false
				for _, w := range r.want {
					ok = ok || res.status == w
				}
				if !ok {
					t.Errorf("status %d, want one of %v", res.status, r.want)
				}
				h.unchanged(t, before)
			})
		}
	})
	t.Run("TMPDIR is empty", func(t *testing.T) { emptyTmp(t) })

	t.Run("slow senders", func(t *testing.T) {
		// One byte every 250 ms: 80 bytes would take 20 s.
		for _, p := range []string{"/record/recorder_notify/", "/mediacourses_notify", "/accounts/login/", "/i18n/setlang/", "/api/v1/recorders"} {
			t.Run("dribble to "+p, func(t *testing.T) {
				t.Parallel()
				body := []byte("title=" + strings.Repeat("a", 74))
				if strings.HasPrefix(p, "/api/") {
					body = []byte(`{"name": "` + strings.Repeat("a", 70))
				}
				res := rawHTTP(t, addr, "POST", p, []string{"Content-Type: application/x-www-form-urlencoded",
					"Content-Length: 80", "Origin: " + s.url, "Cookie: " + cookie, "Authorization: Token " + bossToken},
					nil, dribble(body, 1, 250*time.Millisecond))
				if res.sentAll {
					t.Errorf("the whole slow body was read (%s): want it cut off after HTTP_READ_TIMEOUT", res.took)
				}
				t.Logf("status %d after %s", res.status, res.took)
			})
		}
		// Connections that send nothing: closed after the read timeout
		// (no request yet) or the idle timeout (after one), where a
		// 2 min idle timeout kept them before.
		dial := func(t *testing.T) net.Conn {
			t.Helper()
			conn, err := net.Dial("tcp", addr)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { conn.Close() })
			return conn
		}
		closedWithin := func(t *testing.T, conn net.Conn, d time.Duration) {
			t.Helper()
			_ = conn.SetReadDeadline(time.Now().Add(d))
			if _, err := io.Copy(io.Discard, conn); err != nil {
				t.Errorf("the server kept the connection open for %s: %v", d, err)
			}
		}
		t.Run("silent connection", func(t *testing.T) {
			t.Parallel()
			conn := dial(t)
			closedWithin(t, conn, 5*time.Second)
		})
		// A body declared and never sent, where no route's handler is
		// reached: the health checks, paths the mux redirects, the tus
		// root without its slash. Each must still be cut off (read or
		// stall timeout) rather than hold its connection for good.
		for _, p := range []string{"//x", "/a/../b", "/healthz", "/readyz", "/api/v1/uploads"} {
			t.Run("body never sent to "+p, func(t *testing.T) {
				t.Parallel()
				conn := dial(t)
				fmt.Fprintf(conn, "GET %s HTTP/1.1\r\nHost: %s\r\nContent-Length: 10\r\n\r\n", p, addr)
				closedWithin(t, conn, 8*time.Second)
			})
		}
		t.Run("idle kept-alive connection", func(t *testing.T) {
			t.Parallel()
			conn := dial(t)
			fmt.Fprintf(conn, "GET /healthz HTTP/1.1\r\nHost: %s\r\n\r\n", addr)
			br := bufio.NewReader(conn)
			resp, err := http.ReadResponse(br, nil)
			if err != nil {
				t.Fatal(err)
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			_ = conn.SetReadDeadline(time.Now().Add(10 * time.Second))
			if _, err := io.Copy(io.Discard, br); err != nil {
				t.Errorf("the server kept an idle connection open for 10 s: %v", err)
			}
		})
		upload := func(name string) ([]byte, []string) {
			body, ct := multipartForm(t, url.Values{"recorder": {recorder}}, name, 64<<10)
			return body, []string{"Content-Type: " + ct, "Content-Length: " + strconv.Itoa(len(body)), "Authorization: Token " + bossToken}
		}
		t.Run("upload that stalls", func(t *testing.T) {
			t.Parallel()
			body, header := upload("stall.mp4")
			// Half the body, then a pause longer than the stall timeout.
			res := rawHTTP(t, addr, "POST", "/api/v1/recording-files", header, nil, func(w io.Writer) error {
				if _, err := w.Write(body[:len(body)/2]); err != nil {
					return err
				}
				time.Sleep(6 * time.Second)
				_, err := w.Write(body[len(body)/2:])
				return err
			})
			if res.status == http.StatusCreated || res.sentAll {
				t.Errorf("a stalled upload was taken (%d after %s)", res.status, res.took)
			}
			if _, err := os.Stat(filepath.Join(c.dataDir, "recorders", "amphi-a", "stall.mp4")); err == nil {
				t.Error("the stalled upload was kept")
			}
		})
		// tus: a PATCH that stalls half-way ends there, the upload
		// unfinished; one that keeps moving completes it.
		tusCreate := func(t *testing.T, name string, size int) string {
			req, _ := http.NewRequest(http.MethodPost, s.url+"/api/v1/uploads/", nil)
			req.Header.Set("Tus-Resumable", "1.0.0")
			req.Header.Set("Authorization", "Token "+bossToken)
			req.Header.Set("Upload-Length", strconv.Itoa(size))
			req.Header.Set("Upload-Metadata", "filename "+base64.StdEncoding.EncodeToString([]byte(name))+
				",recorder "+base64.StdEncoding.EncodeToString([]byte(recorder)))
			st, body, hdr := h.send(req)
			if st != http.StatusCreated {
				t.Fatalf("tus create: %d %s", st, body)
			}
			loc, err := url.Parse(hdr.Get("Location"))
			if err != nil {
				t.Fatal(err)
			}
			return loc.Path
		}
		tusPatch := []string{"Tus-Resumable: 1.0.0", "Authorization: Token " + bossToken, "Upload-Offset: 0",
			"Content-Type: application/offset+octet-stream", "Content-Length: 65536"}
		t.Run("tus PATCH that stalls", func(t *testing.T) {
			t.Parallel()
			path := tusCreate(t, "tus-stall.mp4", 64<<10)
			res := rawHTTP(t, addr, http.MethodPatch, path, tusPatch, nil, func(w io.Writer) error {
				if _, err := w.Write(make([]byte, 32<<10)); err != nil {
					return err
				}
				time.Sleep(6 * time.Second)
				_, err := w.Write(make([]byte, 32<<10))
				return err
			})
			if res.status == http.StatusNoContent || res.sentAll {
				t.Errorf("a stalled tus PATCH was taken (%d after %s)", res.status, res.took)
			}
			if _, err := os.Stat(filepath.Join(c.dataDir, "recorders", "amphi-a", "tus-stall.mp4")); err == nil {
				t.Error("the stalled tus upload was deposited")
			}
		})
		t.Run("tus PATCH slow but steady", func(t *testing.T) {
			t.Parallel()
			path := tusCreate(t, "tus-slow.mp4", 64<<10)
			res := rawHTTP(t, addr, http.MethodPatch, path, tusPatch, nil, dribble(make([]byte, 64<<10), 4<<10, 250*time.Millisecond))
			if res.status != http.StatusNoContent {
				t.Errorf("a slow but steady tus PATCH: %d after %s, want 204\n%s", res.status, res.took, res.body)
			}
		})
		t.Run("upload slow but steady", func(t *testing.T) {
			t.Parallel()
			// 16 pieces 250 ms apart: 4 s in all, longer than
			// HTTP_READ_TIMEOUT, never still for the stall timeout.
			body, header := upload("slow.mp4")
			res := rawHTTP(t, addr, "POST", "/api/v1/recording-files", header, nil, dribble(body, len(body)/16+1, 250*time.Millisecond))
			if res.status != http.StatusCreated {
				t.Errorf("a slow but steady upload: %d after %s, want 201\n%s", res.status, res.took, res.body)
			}
		})
	})
	if t.Failed() {
		t.Logf("log:\n%s", s.log)
	}
}

// multipartForm is a multipart body with fields and a file part "file"
// named name of size bytes.
func multipartForm(tb testing.TB, fields url.Values, name string, size int) (body []byte, contentType string) {
	tb.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for k, vs := range fields {
		for _, v := range vs {
			_ = mw.WriteField(k, v)
		}
	}
	fw, err := mw.CreateFormFile("file", name)
	if err != nil {
		tb.Fatal(err)
	}
	_, _ = fw.Write(bytes.Repeat([]byte{0}, size))
	_ = mw.Close()
	return buf.Bytes(), mw.FormDataContentType()
}

// rawResult is what rawHTTP saw.
type rawResult struct {
	status  int // 0: the connection ended without an answer
	body    string
	sentAll bool // the whole body was written before the answer
	took    time.Duration
}

// dribble writes body piece bytes at a time, every apart.
func dribble(body []byte, piece int, every time.Duration) func(io.Writer) error {
	return func(w io.Writer) error {
		for len(body) > 0 {
			n := min(piece, len(body))
			if _, err := w.Write(body[:n]); err != nil {
				return err
			}
			body = body[n:]
			if len(body) > 0 {
				time.Sleep(every)
			}
		}
		return nil
	}
}

// rawHTTP sends one request over its own TCP connection, the body written
// while the answer is read, as a hostile client would: no client library
// that stops writing or retries. The body is body, sent whole with its
// Content-Length (or chunked, when header says so), or what send writes
// (header then gives the length). Everything is bounded by 30 s.
func rawHTTP(tb testing.TB, addr, method, path string, header []string, body []byte, send func(io.Writer) error) rawResult {
	tb.Helper()
	start := time.Now()
	conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		tb.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(start.Add(30 * time.Second))
	head := strings.Join(header, "\r\n")
	chunked := strings.Contains(head, "Transfer-Encoding: chunked")
	var w io.Writer = conn
	if send == nil {
		if !chunked {
			header = append(header, "Content-Length: "+strconv.Itoa(len(body)))
		}
		send = func(w io.Writer) error { _, err := w.Write(body); return err }
	}
	fmt.Fprintf(conn, "%s %s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n%s\r\n\r\n", method, path, addr, strings.Join(header, "\r\n"))
	var cw *chunkWriter
	if chunked {
		cw = &chunkWriter{w: conn}
		w = cw
	}
	sent := make(chan bool, 1)
	go func() {
		err := send(w)
		if err == nil && cw != nil {
			_, err = io.WriteString(conn, "0\r\n\r\n")
		}
		sent <- err == nil
	}()
	res := rawResult{}
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err == nil {
		res.status = resp.StatusCode
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
		res.body = string(b)
	}
	res.took = time.Since(start)
	select {
	case res.sentAll = <-sent:
	default: // still writing: it was answered early
	}
	conn.Close()
	return res
}

// chunkWriter writes each Write as one HTTP/1.1 chunk.
type chunkWriter struct{ w io.Writer }

func (c *chunkWriter) Write(p []byte) (int, error) {
	total := len(p)
	for len(p) > 0 {
		n := min(len(p), 32<<10)
		if _, err := fmt.Fprintf(c.w, "%x\r\n%s\r\n", n, p[:n]); err != nil {
			return 0, err
		}
		p = p[n:]
	}
	return total, nil
}
