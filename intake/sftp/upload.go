package sftp

import (
	"errors"
	"io/fs"
	"log/slog"
	"os"
	"sync"
	"syscall"
	"time"

	"github.com/pkg/sftp"

	"lectern"
)

// upload is a file open for writing, from its open to its close: the
// io.WriterAt pkg/sftp writes into. See the package documentation for
// when it is complete.
type upload struct {
	s         *Server
	sn        *session
	f         *os.File
	path      string // canonical host path, as Intake names it
	start     time.Time
	firstSeen time.Time

	mu       sync.Mutex
	received int64
	broken   string // why the upload is broken off ("": whole so far)
	closed   bool
}

var errNothingToResume = lectern.ErrNothingToResume

// WriteAt writes at off; pkg/sftp calls it from several workers at once,
// which pwrite allows. A failed write breaks the upload off.
func (u *upload) WriteAt(p []byte, off int64) (int, error) {
	n, err := u.f.WriteAt(p, off)
	if u.s.cfg.ReceivedFunc != nil && n > 0 {
		u.s.cfg.ReceivedFunc(int64(n))
	}
	u.mu.Lock()
	u.received += int64(n)
	if err != nil && u.broken == "" {
		u.broken = "write failed: " + err.Error()
	}
	u.mu.Unlock()
	if errors.Is(err, syscall.ENOSPC) || errors.Is(err, syscall.EDQUOT) {
		u.sn.log.Error("sftp upload refused: no space left on the recorders' file system", "path", u.path, "err", err)
		return n, errors.New("insufficient storage space on the server; upload again once an admin has freed space")
	}
	if err != nil {
		u.sn.log.Warn("sftp write failed", "path", u.path, "err", err)
		return n, sftp.ErrSSHFxFailure
	}
	return n, nil
}

// TransferError is called by pkg/sftp when the connection ends with the
// file still open (the client was killed, the network dropped, the server
// stops): the upload is broken off, and Close keeps it held.
func (u *upload) TransferError(err error) {
	u.mu.Lock()
	if u.broken == "" {
		u.broken = "connection ended before the file was closed: " + err.Error()
	}
	u.mu.Unlock()
}

// Close ends the upload. The client closed the handle after a whole
// transfer (SSH_FXP_CLOSE): the file is complete, handed to Intake before
// the close is answered. Broken off: it stays held.
func (u *upload) Close() error {
	u.mu.Lock()
	if u.closed {
		u.mu.Unlock()
		return nil
	}
	u.closed = true
	u.mu.Unlock()
	defer u.sn.handles.Add(-1)
	var size int64
	fi, err := u.f.Stat()
	if err == nil {
		size = fi.Size()
	}
	if cerr := u.f.Close(); err == nil {
		err = cerr
	}
	end := time.Now()
	u.mu.Lock()
	broken, received := u.broken, u.received
	if broken == "" && err != nil {
		broken = "close failed: " + err.Error()
	}
	u.mu.Unlock()
	log := u.sn.log.With("path", u.path, "size", size, "received", received, "duration", end.Sub(u.start).Round(time.Millisecond))
	if broken != "" {
		log.Warn("sftp upload broken off: the file stays held until it is resumed or uploaded again", "reason", broken)
		if err != nil {
			return sftp.ErrSSHFxFailure
		}
		return nil
	}
	// Before Intake: if the server dies before the deposit is recorded,
	// its next start completes the file (completeEnded).
	if err := u.s.deps.Sightings.MarkTransferEnded(u.s.ctx, u.path, size, end); err != nil {
		log.Error("sftp upload: mark transfer ended", "err", err)
	}
	u.s.confirm(u.sn, log, u.path, size, u.firstSeen, "handle closed")
	return nil
}

// depositName is the file an upload to rel writes
// (lectern.Intake.UploadName); fresh reports a new name chosen there, which
// the caller creates exclusively (openDeposit).
func (s *Server) depositName(sn *session, rel string, resume bool) (name string, fresh bool, err error) {
	name, fresh, err = s.deps.Intake.UploadName(s.ctx, s.deps.Sightings, sn.root, rel,
		func(r string) string { return s.canonical(sn, r) }, resume)
	switch {
	case errors.Is(err, lectern.ErrNothingToResume):
		return "", false, errNothingToResume
	case err != nil:
		sn.log.Error("sftp upload: name the deposit", "path", rel, "err", err)
		return "", false, sftp.ErrSSHFxFailure
	}
	return name, fresh, nil
}

// hold marks the file at p as being received by the SFTP server, and
// returns when it was first seen: at the first transfer of a file whose
// earlier upload broke off, now otherwise.
func (s *Server) hold(p string, now time.Time) (time.Time, error) {
	first := now
	prev, err := s.deps.Sightings.FindSighting(s.ctx, p)
	if err == nil && prev.Held && !prev.FirstSeen.IsZero() {
		first = prev.FirstSeen
	} else if err != nil && lectern.ErrorCode(err) != lectern.ENOTFOUND {
		return now, err
	}
	return first, s.deps.Sightings.HoldFile(s.ctx, p, true, now)
}

// confirm hands a complete file to Intake.
func (s *Server) confirm(sn *session, log *slog.Logger, p string, size int64, firstSeen time.Time, why string) {
	s.mu.Lock()
	if s.stopped {
		s.mu.Unlock()
		log.Warn("sftp upload left undecided: the server is stopping; the next start completes it if the file is unchanged")
		return
	}
	s.wg.Add(1)
	s.mu.Unlock()
	defer s.wg.Done()
	log = log.With("confirmed_by", why)
	tr, created, err := s.deps.Intake.Complete(s.ctx, lectern.Deposit{Path: p, Size: size, Source: lectern.SourceSFTP, FirstSeen: firstSeen})
	switch {
	case lectern.ErrorCode(err) == lectern.ENOTFOUND:
		log.Warn("sftp upload complete but the file is gone", "err", err)
		s.release(p, false)
	case err != nil:
		// Released, so that the watcher's rescan can take it.
		log.Error("sftp upload complete but not recorded", "err", err)
		s.release(p, false)
	case tr == nil:
		// Temporary name or empty file: released, but remembered, so that
		// a rename keeps its first sighting.
		log.Info("sftp upload complete, not a deposit (temporary name or empty)")
		s.release(p, true)
	default:
		log.Info("sftp upload complete", "treatment_id", tr.ID, "created", created, "state", tr.State)
	}
}

// completeEnded runs at start, before connections are accepted: a held
// file whose handle was closed cleanly but whose deposit was not recorded
// when the server stopped or died is completed if it still has the size
// it had then; otherwise it stays held. The FTP server does the same for
// its own (the sightings do not say which server held a file; Intake
// records a file once, whichever asks).
func (s *Server) completeEnded() {
	list, err := s.deps.Sightings.FindEndedTransfers(s.ctx)
	if err != nil {
		s.log.Error("sftp server: find uploads left undecided", "err", err)
		return
	}
	for _, sg := range list {
		fi, err := os.Lstat(sg.Path)
		if err != nil || !fi.Mode().IsRegular() || fi.Size() != sg.EndedSize {
			s.log.Warn("upload left held after a restart: the file is gone or changed since its transfer ended",
				"path", sg.Path, "size", sg.EndedSize)
			continue
		}
		first := sg.FirstSeen
		if first.IsZero() {
			first = sg.TransferEnded
		}
		s.confirm(nil, s.log.With("path", sg.Path, "size", sg.EndedSize), sg.Path, sg.EndedSize, first,
			"transfer ended before a restart")
	}
}

// release ends the server's claim on a file: its sighting is kept unheld
// (keep) or forgotten.
func (s *Server) release(p string, keep bool) {
	if err := lectern.ReleaseHold(s.ctx, s.deps.Sightings, p, keep); err != nil {
		s.log.Error("sftp: release hold", "path", p, "err", err)
	}
}

// public maps a file system error to one the client may see (never a
// host path), and logs the ones that are not ordinary.
func (sn *session) public(op, p string, err error) error {
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return sftp.ErrSSHFxNoSuchFile
	case errors.Is(err, fs.ErrExist):
		return errExists
	}
	for _, e := range []error{errNotFile, errNotDir, errDenied, errNothingToResume, errBeingPublished, errTooMany} {
		if errors.Is(err, e) {
			return err
		}
	}
	sn.log.Warn("sftp "+op+" refused", "path", p, "err", err)
	return sftp.ErrSSHFxPermissionDenied
}
