package main

import "lectern"

// intake returns the Intake that every detection path (FTP server,
// watcher, checkDirectory, notify, HTTP upload) hands complete deposits
// to, built from the configuration and the store of s.
func (a *app) intake(s *services) *lectern.Intake {
	return &lectern.Intake{
		Root:              a.cfg.DefaultRecorderPath,
		Extensions:        a.cfg.VideoAllowedExtensions,
		DefaultRecorderID: a.cfg.DefaultRecorderID,
		AllowClaiming:     a.cfg.AllowManualRecordingClaiming,
		Recorders:         s.recorders,
		Treatments:        s.treatments,
		Sightings:         s.sightings,
		Logger:            a.logger,
	}
}
