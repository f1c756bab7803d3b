// Command abuse measures what anonymous abuse costs the `lectern serve`
// process in memory: issue 11's "memory figure (server RSS under the FTP
// and multipart abuse) printed by a benchmark". It builds the program,
// starts it on a temporary DATA_DIR, TMPDIR and free loopback ports, lets
// it idle, then runs one phase at a time and prints, per phase, the
// server's peak RSS beside its idle RSS:
//
//   - multipart: for each web form route (login, language switch, logout,
//     video password), -parallel anonymous POSTs of a -size multipart part
//     at once; the answers' statuses and the files left in the server's
//     TMPDIR are printed too.
//   - ftp-line: one unauthenticated FTP control connection sending
//     -line-bytes without a newline.
//   - ftp-idle: -idle-conns FTP connections opened and left idle before
//     login, while /readyz is asked every 250 ms: how many answered.
//
// Each phase gets a fresh server, whose open files are limited to
// -nofile (512 by default, as where issue 11 saw HTTP go down). Everything
// is on loopback, and every loop is bounded in count and time.
//
//	go run ./bench/abuse
//	go run ./bench/abuse -bin bin/lectern -keep
package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"mime/multipart"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"lectern/bench/internal/benchkit"
)

// phaseLimit bounds each phase.
const phaseLimit = 90 * time.Second

func main() {
	bin := flag.String("bin", "", "a lectern binary to run instead of building ./cmd/lectern")
	keep := flag.Bool("keep", false, "keep the temporary directory (DATA_DIR, TMPDIR, the server's log)")
	parallel := flag.Int("parallel", 4, "multipart POSTs at once per route")
	size := flag.Int("size", 40<<20, "bytes of each multipart part")
	lineBytes := flag.Int64("line-bytes", 256<<20, "bytes of the FTP command line without a newline")
	idleConns := flag.Int("idle-conns", 520, "idle pre-login FTP connections")
	nofile := flag.Int("nofile", 512, "the server's open files limit, soft and hard (512: where 520 idle FTP connections took HTTP down in issue 11); 0: this shell's")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	cfg := config{bin: *bin, keep: *keep, parallel: min(max(*parallel, 1), 64), size: min(max(*size, 1), 1<<30),
		lineBytes: min(max(*lineBytes, 1), 4<<30), idleConns: min(max(*idleConns, 1), 5000), nofile: max(*nofile, 0)}
	if err := run(ctx, cfg); err != nil {
		fmt.Fprintln(os.Stderr, "bench/abuse:", err)
		os.Exit(1)
	}
}

type config struct {
	bin               string
	keep              bool
	parallel, size    int
	lineBytes         int64
	idleConns         int
	nofile            int
	httpAddr, ftpAddr string
	tmpDir, serverTmp string
	serverPID         int
	rows              []row
}

// row is one line of the table.
type row struct {
	phase            string
	idle, peak, rest int64 // KiB: RSS before the phase, its peak, RSS at its end
	took             time.Duration
	note             string
}

func run(ctx context.Context, cfg config) error {
	tmp, cleanup, err := benchkit.TempDir("", "lectern-bench-abuse-", cfg.keep)
	if err != nil {
		return err
	}
	defer cleanup()
	cfg.tmpDir = tmp
	fmt.Printf("machine: %d CPUs, load average %s; the server's open files limit: %s\n", runtime.NumCPU(), benchkit.LoadAvg(),
		map[bool]string{true: strconv.Itoa(cfg.nofile), false: "this shell's"}[cfg.nofile > 0])
	if cfg.bin == "" {
		cfg.bin = filepath.Join(tmp, "lectern")
		if err := benchkit.Build(ctx, cfg.bin); err != nil {
			return err
		}
	}
	if cfg.httpAddr, err = benchkit.FreeAddr(); err != nil {
		return err
	}
	if cfg.ftpAddr, err = benchkit.FreeAddr(); err != nil {
		return err
	}
	passive, err := benchkit.FreePortRange(20)
	if err != nil {
		return err
	}
	cfg.serverTmp = filepath.Join(tmp, "tmp")
	if err := os.Mkdir(cfg.serverTmp, 0o700); err != nil {
		return err
	}
	env := []string{"LECTERN_HTTP_ADDR=" + cfg.httpAddr,
		"LECTERN_FTP_ADDR=" + cfg.ftpAddr, "LECTERN_FTP_PASSIVE_PORTS=" + passive, "LECTERN_RECORDER_WATCH=false",
		"TMPDIR=" + cfg.serverTmp}
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "LECTERN_") && !strings.HasPrefix(kv, "TMPDIR=") {
			env = append(env, kv)
		}
	}
	for i, p := range []struct {
		name string
		fn   func(context.Context, *config) (string, error)
	}{
		{"multipart", multipartPhase},
		{"ftp-line", ftpLinePhase},
		{"ftp-idle", ftpIdlePhase},
	} {
		// A fresh server for each phase, so that one phase's garbage is
		// not the next one's figure.
		logPath := filepath.Join(tmp, fmt.Sprintf("serve-%d-%s.log", i+1, p.name))
		srvEnv := append([]string{"LECTERN_DATA_DIR=" + filepath.Join(tmp, fmt.Sprintf("data-%d", i+1))}, env...)
		srv, err := startServer(ctx, cfg.bin, cfg.nofile, srvEnv, logPath, cfg.httpAddr)
		if err != nil {
			return err
		}
		cfg.serverPID = srv.Cmd.Process.Pid
		r, err := phase(ctx, &cfg, p.name, p.fn)
		stopServer(srv)
		if err != nil {
			return fmt.Errorf("%s: %w\nthe server's log ends:\n%s", p.name, err, benchkit.LogTail(logPath, 4000))
		}
		cfg.rows = append(cfg.rows, r)
	}
	printTable(cfg)
	return nil
}

// phase lets the server idle 3 s, reads its RSS, then runs fn within
// phaseLimit and measures it.
func phase(ctx context.Context, cfg *config, name string, fn func(context.Context, *config) (string, error)) (row, error) {
	if err := sleepCtx(ctx, 3*time.Second); err != nil {
		return row{}, err
	}
	st, err := benchkit.ReadMemory(cfg.serverPID)
	if err != nil {
		return row{}, err
	}
	pctx, cancel := context.WithTimeout(ctx, phaseLimit)
	defer cancel()
	r, err := measure(pctx, cfg, name, fn)
	r.idle = st.RSS
	return r, err
}

// measure runs fn while sampling the server's RSS every 20 ms, and with
// its VmHWM reset first where the kernel allows it.
func measure(ctx context.Context, cfg *config, name string, fn func(context.Context, *config) (string, error)) (row, error) {
	hwmReset := benchkit.ResetPeak(cfg.serverPID) == nil
	var (
		mu   sync.Mutex
		peak int64
		done = make(chan struct{})
		wg   sync.WaitGroup
	)
	wg.Go(func() {
		t := time.NewTicker(20 * time.Millisecond)
		defer t.Stop()
		for {
			if st, err := benchkit.ReadMemory(cfg.serverPID); err == nil {
				mu.Lock()
				peak = max(peak, st.RSS)
				mu.Unlock()
			}
			select {
			case <-done:
				return
			case <-t.C:
			}
		}
	})
	start := time.Now()
	note, err := fn(ctx, cfg)
	took := time.Since(start)
	close(done)
	wg.Wait()
	if err != nil {
		return row{}, err
	}
	st, err := benchkit.ReadMemory(cfg.serverPID)
	if err != nil {
		return row{}, fmt.Errorf("the server is gone: %w", err)
	}
	if hwmReset {
		peak = max(peak, st.HWM)
	}
	return row{phase: name, peak: peak, rest: st.RSS, took: took, note: note}, nil
}

func printTable(cfg config) {
	fmt.Println()
	fmt.Println("server RSS: idle (3 s after start), the phase's peak and the ratio, at the phase's end (a fresh server each phase)")
	fmt.Printf("%-10s %9s %9s %7s %10s %7s  %s\n", "phase", "idle MiB", "peak MiB", "x idle", "after MiB", "took", "notes")
	for _, r := range cfg.rows {
		fmt.Printf("%-10s %9d %9d %7.1f %10d %6.1fs  %s\n", r.phase, mib(r.idle), mib(r.peak), float64(r.peak)/float64(r.idle),
			mib(r.rest), r.took.Seconds(), r.note)
	}
}

func mib(kib int64) int64 { return (kib + 512) >> 10 }

// formRoutes are the web forms an anonymous visitor can post to.
var formRoutes = []string{"/accounts/login/", "/i18n/setlang/", "/accounts/logout/", "/video/1/"}

// multipartPhase posts cfg.parallel anonymous multipart forms of
// cfg.size bytes at once to each form route, one route after the other.
func multipartPhase(ctx context.Context, cfg *config) (string, error) {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	_ = mw.WriteField("csrf_token", "forged")
	fw, _ := mw.CreateFormFile("file", "big.bin")
	_, _ = fw.Write(make([]byte, cfg.size))
	_ = mw.Close()
	body, ct := buf.Bytes(), mw.FormDataContentType()
	statuses := map[int]int{}
	var mu sync.Mutex
	for _, route := range formRoutes {
		var wg sync.WaitGroup
		for range cfg.parallel {
			wg.Go(func() {
				st := post(ctx, cfg.httpAddr, route, ct, body)
				mu.Lock()
				statuses[st]++
				mu.Unlock()
			})
		}
		wg.Wait()
		if ctx.Err() != nil {
			return "", ctx.Err()
		}
	}
	files, size := 0, int64(0)
	entries, _ := os.ReadDir(cfg.serverTmp)
	for _, e := range entries {
		if info, err := e.Info(); err == nil {
			files++
			size += info.Size()
		}
	}
	var sts []string
	for st, n := range statuses {
		sts = append(sts, fmt.Sprintf("%d×%d", n, st))
	}
	return fmt.Sprintf("%d×%d POSTs of %d MiB to %s; answers %s; left in TMPDIR: %d files, %d MiB",
		len(formRoutes), cfg.parallel, cfg.size>>20, strings.Join(formRoutes, " "), strings.Join(sts, " "),
		files, size>>20), nil
}

// post sends one POST over its own connection, the body written while the
// answer is read, and returns the answer's status (0: none).
func post(ctx context.Context, addr, path, contentType string, body []byte) int {
	d := net.Dialer{Timeout: 5 * time.Second}
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return 0
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(60 * time.Second))
	go func() {
		// The site's own Origin, as a browser would send (a script can
		// send any): the CSRF check then reads the form.
		fmt.Fprintf(conn, "POST %s HTTP/1.1\r\nHost: %s\r\nOrigin: http://%s\r\nConnection: close\r\nContent-Type: %s\r\nContent-Length: %d\r\n\r\n",
			path, addr, addr, contentType, len(body))
		_, _ = conn.Write(body)
	}()
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		return 0
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
	resp.Body.Close()
	return resp.StatusCode
}

// ftpLinePhase sends cfg.lineBytes without a newline on one FTP control
// connection before login, in 64 KiB writes, until the server closes it
// or all is sent.
func ftpLinePhase(ctx context.Context, cfg *config) (string, error) {
	d := net.Dialer{Timeout: 5 * time.Second}
	conn, err := d.DialContext(ctx, "tcp", cfg.ftpAddr)
	if err != nil {
		return "", err
	}
	defer conn.Close()
	deadline, _ := ctx.Deadline()
	_ = conn.SetDeadline(deadline)
	greeting, _ := bufio.NewReader(conn).ReadString('\n')
	chunk := bytes.Repeat([]byte("A"), 64<<10)
	var sent int64
	var werr error
	for sent < cfg.lineBytes && ctx.Err() == nil {
		n, err := conn.Write(chunk[:min(int64(len(chunk)), cfg.lineBytes-sent)])
		sent += int64(n)
		if err != nil {
			werr = err
			break
		}
	}
	outcome := "the server closed the connection"
	if werr == nil {
		// Give the server a second to take in what it was sent.
		_ = sleepCtx(ctx, time.Second)
		_ = conn.SetReadDeadline(time.Now().Add(100 * time.Millisecond))
		if _, err := conn.Read(make([]byte, 512)); err == nil || errors.Is(err, os.ErrDeadlineExceeded) {
			outcome = "all sent, connection still open"
		}
	}
	return fmt.Sprintf("greeting %q; %d MiB of %d sent without a newline: %s", strings.TrimSpace(greeting),
		sent>>20, cfg.lineBytes>>20, outcome), nil
}

// ftpIdlePhase opens cfg.idleConns FTP connections, leaves them idle
// before login for 5 s while asking /readyz every 250 ms, then closes
// them.
func ftpIdlePhase(ctx context.Context, cfg *config) (string, error) {
	var (
		mu                sync.Mutex
		conns             []net.Conn
		opened, greeted   int
		refused           int // answered 421: over the server's connection budget
		readyOK, readyAll int
	)
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	stopReady := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		client := &http.Client{Timeout: 2 * time.Second}
		t := time.NewTicker(250 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-stopReady:
				return
			case <-t.C:
			}
			ok := false
			if resp, err := client.Get("http://" + cfg.httpAddr + "/readyz"); err == nil {
				ok = resp.StatusCode == http.StatusOK
				resp.Body.Close()
			}
			mu.Lock()
			readyAll++
			if ok {
				readyOK++
			}
			mu.Unlock()
		}
	})
	d := net.Dialer{Timeout: 2 * time.Second}
	for i := 0; i < cfg.idleConns && ctx.Err() == nil; i++ {
		c, err := d.DialContext(ctx, "tcp", cfg.ftpAddr)
		if err != nil {
			continue
		}
		opened++
		conns = append(conns, c)
	}
	// Read each greeting (in parallel, 2 s at most each).
	var gwg sync.WaitGroup
	for _, c := range conns {
		gwg.Go(func() {
			_ = c.SetReadDeadline(time.Now().Add(2 * time.Second))
			line, err := bufio.NewReader(c).ReadString('\n')
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err != nil:
			case strings.HasPrefix(line, "220"):
				greeted++
			case strings.HasPrefix(line, "421"):
				refused++
			}
		})
	}
	gwg.Wait()
	err := sleepCtx(ctx, 5*time.Second)
	close(stopReady)
	wg.Wait()
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("%d connections opened, %d greeted 220, %d refused 421; /readyz answered %d of %d times", opened, greeted, refused,
		readyOK, readyAll), nil
}

// startServer starts `bin serve` (with at most nofile open files, through
// the shell's ulimit, when not 0), its output to logPath, and waits until
// it answers /healthz (30 s at most).
func startServer(ctx context.Context, bin string, nofile int, env []string, logPath, httpAddr string) (*benchkit.Process, error) {
	log, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, "serve")
	if nofile > 0 {
		cmd = exec.Command("/bin/sh", "-c", `ulimit -n "$1" && exec "$2" serve`, "sh", strconv.Itoa(nofile), bin)
	}
	cmd.Env = env
	srv, err := benchkit.Start(cmd, log)
	if err != nil {
		return nil, err
	}
	start := time.Now()
	for {
		if benchkit.Healthy(httpAddr) {
			return srv, nil
		}
		if time.Since(start) > 30*time.Second {
			stopServer(srv)
			return nil, fmt.Errorf("the server does not answer /healthz after 30 s\n%s", benchkit.LogTail(logPath, 4000))
		}
		if err := sleepCtx(ctx, 50*time.Millisecond); err != nil {
			stopServer(srv)
			return nil, err
		}
	}
}

// stopServer ends the server: SIGTERM, then SIGKILL after 10 s.
func stopServer(srv *benchkit.Process) { srv.Stop(syscall.SIGTERM, 10*time.Second) }

func sleepCtx(ctx context.Context, d time.Duration) error {
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(d):
		return nil
	}
}
