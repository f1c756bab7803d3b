package ftp

import (
	"context"
	"errors"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"sync"
	"syscall"
	"time"

	"goftp.io/server/v2"

	"lectern"
)

// upload is one transfer into a file, from its first bytes to its verdict.
type upload struct {
	sess      *session
	vpath     string // as the client names it
	path      string // canonical host path, as Intake names it
	size      int64  // of the whole file once written
	received  int64  // by this transfer
	firstSeen time.Time
	start     time.Time
	end       time.Time
	timer     *time.Timer // ConfirmAfter, while pending
}

// bufSize is the copy buffer: large reads and writes (256 KiB measured
// best on loopback, against 64 KiB and 1 MiB), and no fsync.
const bufSize = 256 << 10

var bufPool = sync.Pool{New: func() any { b := make([]byte, bufSize); return &b }}

// writerOnly and readerOnly hide ReadFrom and WriteTo so that
// io.CopyBuffer uses the large buffer.
type writerOnly struct{ io.Writer }
type readerOnly struct{ io.Reader }

// counted is w, telling Config.ReceivedFunc of each write as it is made
// (a long upload shows in the metrics while it arrives, not at its end).
// It has no ReadFrom either.
func (s *Server) counted(w io.Writer) io.Writer {
	if s.cfg.ReceivedFunc == nil {
		return writerOnly{w}
	}
	return countingWriter{w: w, fn: s.cfg.ReceivedFunc}
}

type countingWriter struct {
	w  io.Writer
	fn func(int64)
}

func (c countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.fn(int64(n))
	return n, err
}

// PutFile receives STOR and APPE (REST n then STOR resumes at n). The
// file is held before it is written; a transfer that ends cleanly becomes
// the connection's pending upload (see the package documentation).
func (d *driver) PutFile(ctx *server.Context, p string, data io.Reader, _ int64) (int64, error) {
	c, sn, err := d.session(ctx)
	if err != nil {
		return 0, err
	}
	offset := c.xferOffset
	c.xferOffset = -1
	appending := ctx.Cmd == "APPE" && offset < 0
	if cl, ok := data.(io.Closer); ok {
		c.setXfer(cl)
		defer func() {
			// The library leaves the data connection open after an upload.
			c.setXfer(nil)
			cl.Close()
		}()
	}
	rel := relPath(p)
	if rel == "." {
		return 0, errNotFile
	}
	asked := rel
	stored, fresh, err := d.s.depositName(sn, asked, offset > 0)
	if err != nil {
		return 0, err
	}
	rel = stored
	// Opening a FIFO or a device planted in the directory could block or
	// worse: only regular files are written.
	if fi, err := sn.root.Stat(rel); err == nil && !fi.Mode().IsRegular() {
		return 0, errNotFile
	} else if err != nil && offset > 0 {
		return 0, sn.public("resume", p, err)
	} else if err == nil && offset > fi.Size() {
		return 0, errors.New("restart offset beyond the end of the file")
	}
	u := &upload{sess: sn, vpath: p, start: time.Now()}
	bp := bufPool.Get().(*[]byte)
	defer bufPool.Put(bp)
	buf := *bp

	// Wait for the first bytes (or EOF) before touching the file: a data
	// connection that fails must not truncate what is there.
	n0, rerr := readSome(data, buf)
	if rerr != nil && rerr != io.EOF {
		sn.log.Warn("ftp upload broken off", "path", p, "size", 0, "reason", "data connection failed before any data", "err", rerr)
		return 0, errors.New("data connection failed")
	}
	flags := os.O_WRONLY | os.O_CREATE
	if appending {
		flags |= os.O_APPEND
	}
	f, err := d.s.openDeposit(sn, &rel, asked, fresh, flags, offset > 0)
	if err != nil {
		return 0, sn.public("upload", p, err)
	}
	if rel != asked {
		sn.log.Info("ftp upload under the name of an earlier deposit: stored under a name of its own", "path", p,
			"stored_as", "/"+rel, "offset", offset, "append", appending)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil || !fi.Mode().IsRegular() {
		return 0, errNotFile
	}
	ino, _ := lectern.FileIdentity(fi)
	sn.redirects.set(asked, rel, ino) // SIZE asked describes this file
	u.path = d.s.canonical(sn, rel)
	if err := d.s.hold(u); err != nil {
		sn.log.Error("ftp upload: hold file", "path", u.path, "err", err)
		return 0, errLocal
	}
	// Truncate only what is to be overwritten: on ext4 a truncation
	// (even of an empty file to 0) makes close start the write-back of
	// the whole file (auto_da_alloc), which halves the throughput.
	switch {
	case appending:
	case offset >= 0:
		if fi.Size() > offset {
			err = f.Truncate(offset)
		}
		if err == nil {
			_, err = f.Seek(offset, io.SeekStart)
		}
	case fi.Size() > 0:
		err = f.Truncate(0)
	}
	w := d.s.counted(f)
	if err == nil && n0 > 0 {
		var m int
		m, err = w.Write(buf[:n0])
		u.received += int64(m)
	}
	if err == nil && rerr == nil {
		var m int64
		m, err = io.CopyBuffer(w, readerOnly{data}, buf)
		u.received += m
	}
	if fi, serr := f.Stat(); serr == nil {
		u.size = fi.Size()
	}
	if err == nil {
		err = f.Close()
	}
	u.end = time.Now()
	if errors.Is(err, syscall.ENOSPC) || errors.Is(err, syscall.EDQUOT) {
		// The library answers every failed STOR with 450; the words
		// say what a 452 would.
		sn.log.Error("ftp upload refused: no space left on the recorders' file system", "path", u.path, "size", u.size,
			"received", u.received, "err", err)
		return u.received, errors.New("insufficient storage space on the server; upload again once an admin has freed space")
	}
	if err != nil {
		sn.log.Warn("ftp upload broken off", "path", u.path, "size", u.size, "received", u.received,
			"duration", u.end.Sub(u.start).Round(time.Millisecond), "reason", "transfer failed", "err", err)
		return u.received, errors.New("transfer broken off; resume it with REST or APPE")
	}
	// Before the library answers 226: if the server dies before the
	// upload is decided, its next start completes the file (see
	// completeEnded).
	if err := d.s.deps.Sightings.MarkTransferEnded(d.s.ctx, u.path, u.size, u.end); err != nil {
		sn.log.Error("ftp upload: mark transfer ended", "path", u.path, "err", err)
	}
	c.setPending(u)
	return u.received, nil
}

// errNothingToResume answers a REST n then STOR under the name of an
// earlier deposit when no upload of that name was broken off.
var errNothingToResume = lectern.ErrNothingToResume

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
		sn.log.Error("ftp upload: name the deposit", "path", rel, "err", err)
		return "", false, errLocal
	}
	return name, fresh, nil
}

// openDeposit opens the file an upload writes, *rel. A fresh name
// (depositName) is created exclusively: when another session took it
// meanwhile, the next name is chosen for asked, and *rel changes.
func (s *Server) openDeposit(sn *session, rel *string, asked string, fresh bool, flags int, rest bool) (*os.File, error) {
	for range 100 {
		if !fresh {
			return sn.root.OpenFile(*rel, flags, 0o640)
		}
		f, err := sn.root.OpenFile(*rel, flags|os.O_EXCL, 0o640)
		if !errors.Is(err, fs.ErrExist) {
			return f, err
		}
		if *rel, fresh, err = s.depositName(sn, asked, rest); err != nil {
			return nil, err
		}
	}
	return nil, errLocal
}

// readSome reads until it gets bytes or an error.
func readSome(r io.Reader, buf []byte) (int, error) {
	for range 100 {
		if n, err := r.Read(buf); n > 0 || err != nil {
			return n, err
		}
	}
	return 0, io.ErrNoProgress
}

// hold marks u's file as being received by the FTP server, and finds when
// it was first seen: at the first transfer of a file whose earlier upload
// broke off, at this one's start otherwise.
func (s *Server) hold(u *upload) error {
	u.firstSeen = u.start
	prev, err := s.deps.Sightings.FindSighting(s.ctx, u.path)
	if err == nil && prev.Held && !prev.FirstSeen.IsZero() {
		u.firstSeen = prev.FirstSeen
	} else if err != nil && lectern.ErrorCode(err) != lectern.ENOTFOUND {
		return err
	}
	return s.deps.Sightings.HoldFile(s.ctx, u.path, true, u.start)
}

// confirm hands a cleanly ended upload to Intake.
func (s *Server) confirm(u *upload, why string) {
	s.mu.Lock()
	if s.stopped {
		s.mu.Unlock()
		s.leavePending(u)
		return
	}
	s.wg.Add(1)
	s.mu.Unlock()
	defer s.wg.Done()

	log := s.logFor(u).With("path", u.path, "size", u.size, "received", u.received,
		"duration", u.end.Sub(u.start).Round(time.Millisecond), "confirmed_by", why)
	tr, created, err := s.deps.Intake.Complete(s.ctx, lectern.Deposit{
		Path: u.path, Size: u.size, Source: lectern.SourceFTP, FirstSeen: u.firstSeen})
	switch {
	case lectern.ErrorCode(err) == lectern.ENOTFOUND:
		log.Warn("ftp upload complete but the file is gone", "err", err)
		s.release(u.path, false)
	case err != nil:
		// Released, so that the watcher's rescan can take it.
		log.Error("ftp upload complete but not recorded", "err", err)
		s.release(u.path, false)
	case tr == nil:
		// Temporary name or empty file: released, but remembered, so that
		// a rename keeps its first sighting.
		log.Info("ftp upload complete, not a deposit (temporary name or empty)")
		s.release(u.path, true)
	default:
		log.Info("ftp upload complete", "treatment_id", tr.ID, "created", created, "state", tr.State)
	}
}

// keepHeld logs a pending upload that the client did not confirm: its
// file stays held, and its transfer-ended mark is cleared so that no
// restart completes it.
func (s *Server) keepHeld(u *upload, why string) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(s.ctx), 10*time.Second)
	defer cancel()
	if err := s.deps.Sightings.MarkTransferEnded(ctx, u.path, 0, time.Time{}); err != nil {
		s.log.Error("ftp: clear transfer-ended mark", "path", u.path, "err", err)
	}
	s.logFor(u).Warn("ftp upload broken off", "path", u.path, "size", u.size, "received", u.received,
		"duration", u.end.Sub(u.start).Round(time.Millisecond), "reason", why)
}

// leavePending logs a pending upload that the server stops before
// deciding: its file stays held with its transfer-ended mark, and the next
// start completes it if its size is unchanged.
func (s *Server) leavePending(u *upload) {
	s.logFor(u).Warn("ftp upload left undecided: the server is stopping; the next start completes it if the file is unchanged",
		"path", u.path, "size", u.size, "received", u.received, "duration", u.end.Sub(u.start).Round(time.Millisecond))
}

// logFor is the log of u's session (the server's for an upload found at
// start).
func (s *Server) logFor(u *upload) *slog.Logger {
	if u.sess != nil {
		return u.sess.log
	}
	return s.log
}

// completeEnded runs at start, before connections are accepted: a held
// file whose transfer ended (226 sent) but was not decided when the server
// stopped or died is completed if it still has the size it had then;
// otherwise it stays held.
func (s *Server) completeEnded() {
	list, err := s.deps.Sightings.FindEndedTransfers(s.ctx)
	if err != nil {
		s.log.Error("ftp server: find uploads left undecided", "err", err)
		return
	}
	for _, sg := range list {
		fi, err := os.Lstat(sg.Path)
		switch {
		case err != nil:
			s.log.Warn("ftp upload left held after a restart: its transfer had ended (226) but the file is gone",
				"path", sg.Path, "size", sg.EndedSize, "err", err)
			continue
		case !fi.Mode().IsRegular() || fi.Size() != sg.EndedSize:
			s.log.Warn("ftp upload left held after a restart: the file changed since its transfer ended (226)",
				"path", sg.Path, "size", sg.EndedSize, "size_now", fi.Size(), "mode", fi.Mode().String())
			continue
		}
		s.log.Info("completed after a restart: its transfer had ended (226) before the server stopped",
			"path", sg.Path, "size", sg.EndedSize, "ended_at", sg.TransferEnded)
		first := sg.FirstSeen
		if first.IsZero() {
			first = sg.TransferEnded
		}
		s.confirm(&upload{path: sg.Path, size: sg.EndedSize, received: sg.EndedSize, firstSeen: first,
			start: sg.TransferEnded, end: sg.TransferEnded}, "transfer ended before a restart")
	}
}

// release ends the FTP server's claim on a file: its sighting is kept
// unheld (keep) or forgotten.
func (s *Server) release(path string, keep bool) {
	if err := lectern.ReleaseHold(s.ctx, s.deps.Sightings, path, keep); err != nil {
		s.log.Error("ftp: release hold", "path", path, "err", err)
	}
}
