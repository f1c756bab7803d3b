// Package benchkit holds what the benchmark programs under bench/ share:
// their temporary directory, free loopback ports for a real server, and
// the machine's state printed beside their figures.
package benchkit

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strings"

	"lectern/internal/freeport"
)

// TempDir makes the program's temporary directory in dir (the system's
// when empty) and returns it with the function that removes it; with
// keep, the directory is printed and kept.
func TempDir(dir, prefix string, keep bool) (string, func(), error) {
	tmp, err := os.MkdirTemp(dir, prefix)
	if err != nil {
		return "", nil, err
	}
	if keep {
		fmt.Println("temporary directory:", tmp)
		return tmp, func() {}, nil
	}
	return tmp, func() { os.RemoveAll(tmp) }, nil
}

// FreeAddr is a loopback address with a port free a moment ago.
func FreeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

// FreePortRange is "a-b", n loopback ports in a row free a moment ago (an
// FTP server's passive ports).
func FreePortRange(n int) (string, error) {
	first, err := freeport.Range(n)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("%d-%d", first, first+n-1), nil
}

// LoadAvg is the machine's load average over 1, 5 and 15 minutes: a
// figure taken on a busy machine says so.
func LoadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	return strings.Join(strings.Fields(string(b))[:3], " ")
}

// FFmpegVersion is ffmpeg's first line of -version, without its
// copyright.
func FFmpegVersion(ctx context.Context) string {
	out, err := exec.CommandContext(ctx, "ffmpeg", "-version").Output()
	if err != nil {
		return "ffmpeg version unknown"
	}
	line, _, _ := strings.Cut(string(out), "\n")
	line, _, _ = strings.Cut(line, " Copyright")
	return line
}
