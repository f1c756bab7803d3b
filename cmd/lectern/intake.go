package main

import (
	"context"
	"time"

	"lectern"
	"lectern/intake/ftp"
)

// intake returns the Intake that every detection path (FTP server,
// watcher, checkDirectory, notify, HTTP upload) hands complete deposits
// to, built from the configuration and the store of s; routed, when not
// nil, is called with each new treatment (serve: dispatchNow).
func (a *app) intake(s *services, routed func(context.Context, *lectern.Treatment)) *lectern.Intake {
	in := &lectern.Intake{
		Root:              a.cfg.DefaultRecorderPath,
		Extensions:        a.cfg.VideoAllowedExtensions,
		DefaultRecorderID: a.cfg.DefaultRecorderID,
		AllowClaiming:     a.cfg.AllowManualRecordingClaiming,
		PartPattern:       a.cfg.partPattern(),
		Recorders:         s.recorders,
		Treatments:        s.treatments,
		Sightings:         s.sightings,
		RoutedFunc:        routed,
		Events:            s.events,
		ScheduleTolerance: time.Duration(a.cfg.ScheduleTolerance),
		Logger:            a.logger,
	}
	if a.metrics != nil {
		in.DepositFunc = a.metrics.Deposit
	}
	return in
}

// ftpConfig is the FTP server's configuration from the FTP_* settings.
func (c *Config) ftpConfig() ftp.Config {
	lo, hi, _ := c.PassivePortRange() // validated with the configuration
	return ftp.Config{
		Addr: c.FTPAddr, PassivePortLow: lo, PassivePortHigh: hi, PublicHost: c.FTPPublicHost,
		TLSCert: c.FTPTLSCert, TLSKey: c.FTPTLSKey, CertDir: c.DataDir,
		RequireTLS: c.FTPRequireTLS, CheckRecorderIP: c.FTPCheckRecorderIP, Root: c.DefaultRecorderPath,
		MaxClients: c.FTPMaxClients, MaxPerIP: c.FTPMaxPerIP,
		LoginTimeout: time.Duration(c.FTPLoginTimeout), IdleTimeout: time.Duration(c.FTPIdleTimeout),
		DataTimeout: time.Duration(c.FTPDataTimeout),
		MaxDirs:     c.FTPMaxDirs, MaxDepth: c.FTPMaxDepth, MaxFiles: c.FTPMaxFiles,
	}
}
