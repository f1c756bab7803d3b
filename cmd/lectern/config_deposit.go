package main

import (
	"fmt"
	"log/slog"
	"net"
	"os"
	"strconv"
	"strings"
	"time"

	"lectern/avc"
	"lectern/ffmpeg"
)

// checkDeposits validates the FTP, watcher and upload settings.
func (c *Config) checkDeposits(bad func(key, format string, args ...any)) {
	if _, _, err := net.SplitHostPort(c.FTPAddr); err != nil {
		bad("FTP_ADDR", "want host:port, not %q", c.FTPAddr)
	}
	if _, _, err := c.PassivePortRange(); err != nil {
		bad("FTP_PASSIVE_PORTS", "%v", err)
	}
	if (c.FTPTLSCert == "") != (c.FTPTLSKey == "") {
		bad("FTP_TLS_CERT", "FTP_TLS_CERT and FTP_TLS_KEY go together")
	}
	for _, f := range []struct{ key, path string }{{"FTP_TLS_CERT", c.FTPTLSCert}, {"FTP_TLS_KEY", c.FTPTLSKey}} {
		if f.path == "" {
			continue
		}
		if _, err := os.Stat(f.path); err != nil {
			bad(f.key, "cannot read %s: %v", f.path, err)
		}
	}
	for _, n := range []struct {
		key string
		v   int
	}{{"FTP_MAX_CLIENTS", c.FTPMaxClients}, {"FTP_MAX_PER_IP", c.FTPMaxPerIP}, {"FTP_MAX_DIRS", c.FTPMaxDirs},
		{"FTP_MAX_DEPTH", c.FTPMaxDepth}, {"FTP_MAX_FILES", c.FTPMaxFiles}} {
		if n.v < 1 {
			bad(n.key, "must be at least 1, not %d", n.v)
		}
	}
	if c.FTPMaxPerIP > c.FTPMaxClients {
		bad("FTP_MAX_PER_IP", "%d is more than FTP_MAX_CLIENTS (%d)", c.FTPMaxPerIP, c.FTPMaxClients)
	}
	for _, d := range []struct {
		key string
		v   Duration
	}{{"FTP_LOGIN_TIMEOUT", c.FTPLoginTimeout}, {"FTP_IDLE_TIMEOUT", c.FTPIdleTimeout}, {"FTP_DATA_TIMEOUT", c.FTPDataTimeout}} {
		if d.v <= 0 {
			bad(d.key, "must be positive, not %s", time.Duration(d.v))
		}
	}
	if c.RecorderScanInterval <= 0 {
		bad("RECORDER_SCAN_INTERVAL", "must be positive, not %s", time.Duration(c.RecorderScanInterval))
	}
	if c.RecorderQuiescence <= 0 {
		bad("RECORDER_QUIESCENCE", "must be positive, not %s", time.Duration(c.RecorderQuiescence))
	}
	c.checkParts(bad)
	if c.EncodeWorkers < 1 || c.EncodeWorkers > 64 {
		bad("ENCODE_WORKERS", "want 1 to 64 encodes at once, not %d", c.EncodeWorkers)
	}
	if err := c.Encoder(nil).ValidateEncoding(); err != nil {
		bad("ENCODE_PRESET, ENCODE_CRF or ENCODE_LADDER", "%v", err)
	}
	if c.RecordingFileMaxSize <= 0 {
		bad("RECORDING_FILE_MAX_SIZE", "must be a positive number of bytes, not %d", c.RecordingFileMaxSize)
	}
	if c.UploadExpiry <= 0 {
		bad("UPLOAD_EXPIRY", "must be positive, not %s", time.Duration(c.UploadExpiry))
	}
	if c.ZipMaxEntries < 1 {
		bad("ZIP_MAX_ENTRIES", "must be a positive number of entries, not %d", c.ZipMaxEntries)
	}
	if c.ZipMaxUncompressed <= 0 {
		bad("ZIP_MAX_UNCOMPRESSED", "must be a positive number of bytes, not %d", c.ZipMaxUncompressed)
	}
	if !(c.ZipMaxRatio >= 1) {
		bad("ZIP_MAX_RATIO", "must be at least 1 (uncompressed size over compressed), not %v", c.ZipMaxRatio)
	}
}

// ZipLimits are the ZIP_MAX_* settings.
func (c *Config) ZipLimits() avc.Limits {
	return avc.Limits{MaxEntries: c.ZipMaxEntries, MaxUncompressed: c.ZipMaxUncompressed, MaxRatio: c.ZipMaxRatio}
}

// PassivePortRange parses FTP_PASSIVE_PORTS ("30000-30100").
func (c *Config) PassivePortRange() (lo, hi int, err error) {
	a, b, ok := strings.Cut(c.FTPPassivePorts, "-")
	if !ok {
		b = a
	}
	lo, err1 := strconv.Atoi(strings.TrimSpace(a))
	hi, err2 := strconv.Atoi(strings.TrimSpace(b))
	if err1 != nil || err2 != nil || lo < 1 || hi > 65535 || lo > hi {
		return 0, 0, fmt.Errorf("want a port range such as 30000-30100, not %q", c.FTPPassivePorts)
	}
	return lo, hi, nil
}

// FTPPort is the port of FTP_ADDR, what recorders type in their FTP
// export screen.
func (c *Config) FTPPort() int {
	_, port, _ := net.SplitHostPort(c.FTPAddr)
	p, _ := strconv.Atoi(port)
	return p
}

// Encoder returns the ffmpeg runner with the ENCODE_* settings.
func (c *Config) Encoder(logger *slog.Logger) *ffmpeg.Runner {
	return &ffmpeg.Runner{Preset: c.EncodePreset, CRF: c.EncodeCRF, Ladder: c.EncodeLadder, OnePass: !c.EncodeRemux, Logger: logger}
}
