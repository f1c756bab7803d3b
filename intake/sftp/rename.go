package sftp

import (
	"fmt"
	"path"
	"path/filepath"
	"time"

	"github.com/pkg/sftp"

	"lectern"
)

// rename renames a file or directory within the recorder's directory.
// SFTP's rename refuses an existing target; posix-rename replaces it.
// For a file, as on the FTP server: a file that is not held is complete
// under its new name (the "upload as x.tmp, rename to x.mp4" pattern:
// x.tmp, a temporary name, was not a deposit); a held one (broken off)
// stays held under its new name; a deposit being published is not
// renamed; a new name an earlier deposit used becomes a name of its own.
func (h *handler) rename(from, to string, replace bool) error {
	s, sn := h.s, h.sn
	asked := relPath(from)
	fromRel, toRel := sn.name(asked), relPath(to)
	if fromRel == "." || toRel == "." {
		return errDenied
	}
	fi, err := sn.root.Lstat(fromRel)
	if err != nil {
		return sn.public("rename", from, err)
	}
	if !replace {
		if _, err := sn.root.Lstat(toRel); err == nil {
			return errExists
		}
	}
	if fi.IsDir() {
		if d := lectern.FolderDepth(toRel) + lectern.FolderHeight(sn.root.FS(), fromRel); d > s.cfg.MaxDepth {
			return fmt.Errorf("not renamed: directories may be nested at most %d deep, this would make %d", s.cfg.MaxDepth, d)
		}
		if err := sn.root.Rename(fromRel, toRel); err != nil {
			return sn.public("rename", from, err)
		}
		return nil
	}
	if !fi.Mode().IsRegular() {
		return errNotFile // links, FIFOs: nothing of the recorder's to move
	}
	oldAbs := s.canonical(sn, fromRel)
	prev, err := s.deps.Sightings.FindSighting(s.ctx, oldAbs)
	seen := err == nil
	if toRel, err = h.renameTarget(oldAbs, toRel); err != nil {
		return err
	}
	if err := sn.root.Rename(fromRel, toRel); err != nil {
		return sn.public("rename", from, err)
	}
	sn.forget(asked)
	newAbs := s.canonical(sn, toRel)
	log := sn.log.With("from", oldAbs, "path", newAbs)
	now := time.Now()
	if seen && prev.Held {
		// A broken-off upload stays broken off under its new name.
		if _, _, err := s.deps.Sightings.ObserveFile(s.ctx, lectern.Sighting{Path: newAbs, Size: fi.Size(),
			ModTime: fi.ModTime(), FirstSeen: prev.FirstSeen, LastSeen: now}); err != nil {
			log.Error("sftp rename: move hold", "err", err)
		}
		if err := s.deps.Sightings.HoldFile(s.ctx, newAbs, true, now); err != nil {
			log.Error("sftp rename: move hold", "err", err)
		}
		s.release(oldAbs, false)
		log.Warn("sftp held file renamed, still held")
		return nil
	}
	first := now
	if seen {
		s.release(oldAbs, false)
		if !prev.FirstSeen.IsZero() {
			first = prev.FirstSeen
		}
	}
	s.confirm(sn, log.With("size", fi.Size()), newAbs, fi.Size(), first, "renamed")
	return nil
}

// renameTarget checks a rename of the file at oldAbs to toRel: the file
// of a deposit being published stays where it is, and a new name that an
// earlier deposit used becomes the next free one.
func (h *handler) renameTarget(oldAbs, toRel string) (string, error) {
	s, sn := h.s, h.sn
	ts, _, err := s.deps.Intake.Treatments.FindTreatments(s.ctx, lectern.TreatmentFilter{File: &oldAbs, Page: lectern.Page{Size: 1}})
	if err != nil {
		sn.log.Error("sftp rename: find treatment", "path", oldAbs, "err", err)
		return "", sftp.ErrSSHFxFailure
	}
	if len(ts) == 1 && (ts[0].State == lectern.TreatmentToPublish || ts[0].State == lectern.TreatmentPublished) {
		return "", errBeingPublished
	}
	toAbs := s.canonical(sn, toRel)
	if taken, err := s.deps.Intake.Taken(s.ctx, toAbs); err != nil {
		sn.log.Error("sftp rename: find earlier deposit", "path", toAbs, "err", err)
		return "", sftp.ErrSSHFxFailure
	} else if !taken || toAbs == oldAbs {
		return toRel, nil
	}
	free, err := s.deps.Intake.FreePath(s.ctx, toAbs)
	if err != nil {
		sn.log.Error("sftp rename: choose a free name", "path", toAbs, "err", err)
		return "", sftp.ErrSSHFxFailure
	}
	stored := path.Join(path.Dir(toRel), filepath.Base(free))
	sn.log.Info("sftp rename onto the name of an earlier deposit: renamed to a name of its own", "path", "/"+toRel,
		"stored_as", "/"+stored)
	return stored, nil
}
