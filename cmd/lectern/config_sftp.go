package main

import (
	"net"
	"os"
	"strconv"
	"time"

	"lectern/intake/sftp"
)

// checkSFTP validates the SFTP_* settings. The server's other limits are
// the FTP server's (FTP_MAX_CLIENTS, FTP_MAX_PER_IP, FTP_LOGIN_TIMEOUT,
// FTP_IDLE_TIMEOUT, FTP_MAX_DIRS, FTP_MAX_DEPTH, FTP_MAX_FILES,
// FTP_CHECK_RECORDER_IP), checked with them: they mean the same for
// either protocol.
func (c *Config) checkSFTP(bad func(key, format string, args ...any)) {
	if _, _, err := net.SplitHostPort(c.SFTPAddr); err != nil {
		bad("SFTP_ADDR", "want host:port, not %q", c.SFTPAddr)
	} else if _, port, _ := net.SplitHostPort(c.SFTPAddr); c.SFTPEnabled && c.FTPEnabled && c.SFTPAddr == c.FTPAddr && port != "0" {
		bad("SFTP_ADDR", "%s is FTP_ADDR too", c.SFTPAddr)
	}
	for _, p := range c.SFTPHostKeys {
		if _, err := os.Stat(p); err != nil {
			bad("SFTP_HOST_KEYS", "cannot read %s: %v", p, err)
		}
	}
}

// sftpConfig is the SFTP server's configuration from the SFTP_* settings
// and the FTP limits it shares.
func (c *Config) sftpConfig() sftp.Config {
	return sftp.Config{
		Addr: c.SFTPAddr, HostKeys: c.SFTPHostKeys, KeyDir: c.DataDir, Root: c.DefaultRecorderPath,
		CheckRecorderIP: c.FTPCheckRecorderIP,
		MaxClients:      c.FTPMaxClients, MaxPerIP: c.FTPMaxPerIP,
		LoginTimeout: time.Duration(c.FTPLoginTimeout), IdleTimeout: time.Duration(c.FTPIdleTimeout),
		MaxDirs: c.FTPMaxDirs, MaxDepth: c.FTPMaxDepth, MaxFiles: c.FTPMaxFiles,
	}
}

// SFTPPort is the port of SFTP_ADDR, what recorders type in their export
// screen.
func (c *Config) SFTPPort() int {
	_, port, _ := net.SplitHostPort(c.SFTPAddr)
	p, _ := strconv.Atoi(port)
	return p
}
