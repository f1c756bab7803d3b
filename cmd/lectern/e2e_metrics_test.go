package main

import (
	"bufio"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	ftpclient "github.com/jlaffaye/ftp"
	"github.com/pkg/sftp"
	"golang.org/x/crypto/ssh"

	"lectern"
)

// metricsToken is the METRICS_TOKEN of the metrics tests.
const metricsToken = "metrics-token-0123456789abcdef"

// scrape fetches url (a /metrics address) with token as a bearer token
// ("" none) and returns its status and its samples, by series as the
// text format writes them (`name{label="value",...}`).
func scrape(tb testing.TB, url, token string) (int, map[string]float64) {
	tb.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		tb.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		tb.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	samples := map[string]float64{}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 0, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		if i < 0 {
			tb.Fatalf("sample line %q", line)
		}
		v, err := strconv.ParseFloat(line[i+1:], 64)
		if err != nil {
			tb.Fatalf("sample line %q: %v", line, err)
		}
		samples[line[:i]] = v
	}
	if err := sc.Err(); err != nil {
		tb.Fatal(err)
	}
	return resp.StatusCode, samples
}

// series counts the series whose name starts with prefix.
func series(samples map[string]float64, prefix string) int {
	n := 0
	for k := range samples {
		if strings.HasPrefix(k, prefix) {
			n++
		}
	}
	return n
}

// wantAtLeast fails unless the series key is at least min.
func wantAtLeast(tb testing.TB, samples map[string]float64, key string, min float64) {
	tb.Helper()
	v, ok := samples[key]
	if !ok || v < min {
		var near []string
		name, _, _ := strings.Cut(key, "{")
		for k, v := range samples {
			if strings.HasPrefix(k, name) {
				near = append(near, k+" "+strconv.FormatFloat(v, 'g', -1, 64))
			}
		}
		tb.Fatalf("%s = %v (present %v), want at least %v; series of %s:\n%s", key, v, ok, min, name, strings.Join(near, "\n"))
	}
}

// TestServeMetrics scrapes a real `lectern serve`, on the main address
// behind METRICS_TOKEN and on METRICS_ADDR, after a deposit by FTP that
// is published and encoded and a wrong FTP password: the counters moved,
// the histograms have samples, the database's gauges are there, and a
// thousand requests for random paths add no series.
func TestServeMetrics(t *testing.T) {
	t.Parallel()
	c, s, token := partsSite(t, "LECTERN_METRICS_TOKEN="+metricsToken, "LECTERN_METRICS_ADDR=127.0.0.1:0")
	clip := clipFile(t, 2)
	fi, err := os.Stat(clip)
	if err != nil {
		t.Fatal(err)
	}
	ftpPut(t, s.app.ftpAddr, "amphis", "ftp-s", "", clip, "lecture.mp4")
	bad, err := ftpclient.Dial(s.app.ftpAddr, ftpclient.DialWithTimeout(10*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	if err := bad.Login("amphis", "wrong"); err == nil {
		t.Fatal("a wrong FTP password logged in")
	}
	bad.Quit()
	tr := waitTreatments(t, s, token, "?state=published", 1)[0]
	if tr.DetectedBy != lectern.SourceFTP {
		t.Fatalf("treatment %+v", tr)
	}
	waitVideoDone(t, s, c.open(t).SQL(), "lecture.mp4")

	code, m := scrape(t, s.url+"/metrics", metricsToken)
	if code != http.StatusOK {
		t.Fatalf("GET /metrics with the token: %d", code)
	}
	wantAtLeast(t, m, `lectern_deposits_total{detected_by="ftp",state="to_publish"}`, 1)
	wantAtLeast(t, m, `lectern_deposit_detection_seconds_count{detected_by="ftp"}`, 1)
	wantAtLeast(t, m, `lectern_deposit_detection_seconds_bucket{detected_by="ftp",le="+Inf"}`, 1)
	wantAtLeast(t, m, `lectern_deposit_routing_seconds_count`, 1)
	wantAtLeast(t, m, `lectern_encode_duration_seconds_count`, 1)
	wantAtLeast(t, m, `lectern_encode_speed_ratio_count`, 1)
	wantAtLeast(t, m, `lectern_encode_speed_ratio_sum`, 0.01)
	wantAtLeast(t, m, `lectern_ffmpeg_failures_total{op="encode"}`, 0)
	wantAtLeast(t, m, `lectern_recorder_received_bytes_total{protocol="ftp"}`, float64(fi.Size()))
	wantAtLeast(t, m, `lectern_recorder_login_failures_total{protocol="ftp",reason="wrong_password"}`, 1)
	wantAtLeast(t, m, `lectern_recorder_sessions{protocol="ftp"}`, 0)
	wantAtLeast(t, m, `lectern_recorder_sessions{protocol="sftp"}`, 0)
	wantAtLeast(t, m, `lectern_treatments_waiting{state="to_claim"}`, 0)
	wantAtLeast(t, m, `lectern_outbox_backlog_messages`, 0)
	wantAtLeast(t, m, `lectern_mail_delivery_failures_total`, 0)
	wantAtLeast(t, m, `lectern_jobs{kind="process_recording",state="completed"}`, 1)
	// The video is stored encoded a moment before River completes its job.
	if series(m, `lectern_jobs{kind="encode_video",state="running"}`)+series(m, `lectern_jobs{kind="encode_video",state="completed"}`) != 1 {
		t.Fatalf("no encode_video job in the metrics")
	}
	wantAtLeast(t, m, `lectern_http_requests_total{code="2xx",route="GET /api/v1/treatments"}`, 1)
	wantAtLeast(t, m, `lectern_http_request_duration_seconds_count{route="GET /api/v1/treatments"}`, 1)
	wantAtLeast(t, m, `process_resident_memory_bytes`, 1)
	wantAtLeast(t, m, `go_goroutines`, 1)

	// The same metrics on METRICS_ADDR, without a token.
	code, m2 := scrape(t, "http://"+s.app.metricsAddr+"/metrics", "")
	if code != http.StatusOK {
		t.Fatalf("GET METRICS_ADDR/metrics: %d", code)
	}
	wantAtLeast(t, m2, `lectern_deposits_total{detected_by="ftp",state="to_publish"}`, 1)

	// Bounded labels: one request of each shape first (their series,
	// and the scrape's own, exist), then a thousand random paths add
	// none.
	shapes := []string{"/%s", "/api/v1/%s", "/api/v1/videos/%s", "/recorders/%s/", "/ingest/%s", "/static/%s.css"}
	get := func(shape string) {
		t.Helper()
		path := strings.Replace(shape, "%s", rand.Text(), 1)
		resp, err := http.Get(s.url + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	for _, shape := range shapes {
		get(shape)
	}
	scrape(t, s.url+"/metrics", metricsToken)
	_, before := scrape(t, s.url+"/metrics", metricsToken)
	for i := range 1000 {
		get(shapes[i%len(shapes)])
	}
	_, after := scrape(t, s.url+"/metrics", metricsToken)
	if b, a := series(before, "lectern_http_"), series(after, "lectern_http_"); a != b {
		var added []string
		for k := range after {
			if _, ok := before[k]; !ok && strings.HasPrefix(k, "lectern_http_") {
				added = append(added, k)
			}
		}
		t.Fatalf("a thousand random paths took the HTTP series from %d to %d:\n%s", b, a, strings.Join(added, "\n"))
	}
	// The pages' catch-all ("/") answers their unknown paths.
	wantAtLeast(t, after, `lectern_http_requests_total{code="4xx",route="/"}`, float64(1000/len(shapes)))
}

// TestServeMetricsAddrOnly: with METRICS_ADDR and no METRICS_TOKEN,
// /metrics on the main address is a page that does not exist (404) and
// METRICS_ADDR serves without a token; LOG_FORMAT = json writes one JSON
// object a line, with time, level and msg.
func TestServeMetricsAddrOnly(t *testing.T) {
	t.Parallel()
	c := newCLI(t, "LECTERN_METRICS_ADDR=127.0.0.1:0", "LECTERN_LOG_FORMAT=json")
	s := startServe(t, c)
	if code, _ := s.get(t, "/metrics", ""); code != http.StatusNotFound {
		t.Fatalf("GET /metrics on the main address without METRICS_TOKEN: %d, want 404", code)
	}
	code, m := scrape(t, "http://"+s.app.metricsAddr+"/metrics", "")
	if code != http.StatusOK {
		t.Fatalf("GET METRICS_ADDR/metrics: %d", code)
	}
	wantAtLeast(t, m, `lectern_http_requests_total{code="4xx",route="/"}`, 1)
	wantAtLeast(t, m, `lectern_treatments_waiting{state="to_notify"}`, 0)

	if err := s.stop(); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(s.log.String()), "\n")
	if len(lines) < 3 {
		t.Fatalf("log:\n%s", s.log)
	}
	for _, line := range lines {
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("log line %q is not a JSON object: %v", line, err)
		}
		for _, k := range []string{"time", "level", "msg"} {
			if _, ok := rec[k]; !ok {
				t.Fatalf("log line %q has no %s", line, k)
			}
		}
		if _, err := time.Parse(time.RFC3339Nano, rec["time"].(string)); err != nil {
			t.Fatalf("log line %q: time: %v", line, err)
		}
	}
	if !strings.Contains(s.log.String(), `"msg":"lectern listening"`) {
		t.Fatalf("no listening line in:\n%s", s.log)
	}
}

// TestServeMetricsSFTP: the SFTP server's hooks count into the metrics
// (on METRICS_ADDR): a wrong password, the open session, the bytes of an
// upload as they arrive, and the deposit.
func TestServeMetricsSFTP(t *testing.T) {
	t.Parallel()
	c := newCLI(t, "LECTERN_METRICS_ADDR=127.0.0.1:0")
	s := startServeEnv(t, c, "LECTERN_HTTP_ADDR=127.0.0.1:0", "LECTERN_FTP_ADDR=127.0.0.1:0",
		"LECTERN_SFTP_ENABLED=true", "LECTERN_SFTP_ADDR=127.0.0.1:0")
	typeID := c.addType(t, "Course")
	c.addUser(t, "boss", "--superuser")
	token := strings.TrimSpace(c.mustRun(t, "", "token", "create", "--username", "boss").stdout)
	c.mustRun(t, "sftp-secret\n", "recorder", "add", "--name", "Amphi S", "--ip", "10.1.2.9", "--directory", "amphi-s",
		"--type-id", fmt.Sprint(typeID), "--manager", "boss", "--auto", "--login", "amphis", "--password-stdin")
	login := func(pw string) (*ssh.Client, error) {
		return ssh.Dial("tcp", s.app.sftpAddr, &ssh.ClientConfig{User: "amphis", Auth: []ssh.AuthMethod{ssh.Password(pw)},
			Timeout: 10 * time.Second, HostKeyCallback: ssh.InsecureIgnoreHostKey()})
	}
	if sc, err := login("wrong"); err == nil {
		sc.Close()
		t.Fatal("a wrong SFTP password logged in")
	}
	sc, err := login("sftp-secret")
	if err != nil {
		t.Fatal(err)
	}
	defer sc.Close()
	client, err := sftp.NewClient(sc)
	if err != nil {
		t.Fatal(err)
	}
	f, err := client.Create("/lecture.mp4")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Write(make([]byte, 256<<10)); err != nil {
		t.Fatal(err)
	}
	// Written, not yet closed: the bytes are counted, the session open.
	url := "http://" + s.app.metricsAddr + "/metrics"
	_, m := scrape(t, url, "")
	wantAtLeast(t, m, `lectern_recorder_sessions{protocol="sftp"}`, 1)
	wantAtLeast(t, m, `lectern_recorder_received_bytes_total{protocol="sftp"}`, 256<<10)
	wantAtLeast(t, m, `lectern_recorder_login_failures_total{protocol="sftp",reason="wrong_password"}`, 1)
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	waitTreatments(t, s, token, "?state=published", 1)
	_, m = scrape(t, url, "")
	wantAtLeast(t, m, `lectern_deposits_total{detected_by="sftp",state="to_publish"}`, 1)
	wantAtLeast(t, m, `lectern_deposit_detection_seconds_count{detected_by="sftp"}`, 1)
	client.Close()
	sc.Close()
	// The session ends a moment after the client goes.
	deadline := time.Now().Add(10 * time.Second)
	for {
		if _, m = scrape(t, url, ""); m[`lectern_recorder_sessions{protocol="sftp"}`] == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("sftp sessions still %v after the client closed", m[`lectern_recorder_sessions{protocol="sftp"}`])
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestWorkerMetrics: a `lectern worker` serves its own metrics on
// METRICS_ADDR (it has no other HTTP address), the database's gauges
// included.
func TestWorkerMetrics(t *testing.T) {
	t.Parallel()
	c := newCLI(t)
	if err := startServe(t, c).stop(); err != nil { // marks the storage
		t.Fatal(err)
	}
	w := startInProcessWorker(t, c, "LECTERN_METRICS_ADDR=127.0.0.1:0", "LECTERN_NODE_ID=worker-1")
	code, m := scrape(t, "http://"+w.app.metricsAddr+"/metrics", "")
	if code != http.StatusOK {
		t.Fatalf("GET METRICS_ADDR/metrics of a worker: %d", code)
	}
	wantAtLeast(t, m, `lectern_treatments_waiting{state="to_publish"}`, 0)
	wantAtLeast(t, m, `lectern_encode_duration_seconds_count`, 0)
	wantAtLeast(t, m, `lectern_outbox_backlog_messages`, 0)
}
