package ftp

import (
	"errors"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"goftp.io/server/v2"

	"lectern"
)

// Errors shown to the client (the library puts them in its replies): they
// never name a host path.
var (
	errNotFound    = errors.New("no such file or directory")
	errExists      = errors.New("file exists")
	errDenied      = errors.New("permission denied")
	errNotFile     = errors.New("not a regular file")
	errNotDir      = errors.New("not a directory")
	errNotLoggedIn = errors.New("not logged in")
	errLocal       = errors.New("local error, try again")
)

// driver implements server.Driver on the session's os.Root, which refuses
// any path, symbolic links included, that leads outside the recorder's
// directory.
type driver struct{ s *Server }

var _ server.Driver = (*driver)(nil)

func (d *driver) session(ctx *server.Context) (*conn, *session, error) {
	c := d.s.connOf(ctx.Sess)
	if c == nil {
		return nil, nil, errNotLoggedIn
	}
	sn := c.session()
	if sn == nil {
		return nil, nil, errNotLoggedIn
	}
	return c, sn, nil
}

// relPath turns a path as the client sees it ("/a/b", always absolute and
// clean from the library) into a name for os.Root.
func relPath(p string) string {
	r := strings.TrimPrefix(path.Clean("/"+p), "/")
	if r == "" {
		return "."
	}
	return r
}

// public maps a file system error to one the client may see, and logs the
// ones that are not ordinary.
func (sn *session) public(op, p string, err error) error {
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return errNotFound
	case errors.Is(err, fs.ErrExist):
		return errExists
	}
	sn.log.Warn("ftp "+op+" refused", "path", p, "err", err)
	return errDenied
}

// canonical is the host path Intake and the sightings use for a file of
// the session: symbolic links resolved as lectern.ResolveDeposit does.
func (s *Server) canonical(sn *session, rel string) string {
	abs := filepath.Join(sn.dir, filepath.FromSlash(rel))
	if p, _, _, err := lectern.ResolveDeposit(s.cfg.Root, abs); err == nil {
		return p
	}
	return abs
}

func (d *driver) Stat(ctx *server.Context, p string) (os.FileInfo, error) {
	_, sn, err := d.session(ctx)
	if err != nil {
		return nil, err
	}
	// SIZE, MDTM, STAT, MLST and RNFR come here: a name the session was
	// redirected from is its own file (redirects).
	fi, err := sn.root.Stat(sn.name(relPath(p)))
	if err != nil {
		return nil, sn.public("stat", p, err)
	}
	return fi, nil
}

// ListDir lists a directory, sorted by name. Symbolic links are shown as
// what they point to, and left out when that is outside the directory.
func (d *driver) ListDir(ctx *server.Context, p string, fn func(os.FileInfo) error) error {
	_, sn, err := d.session(ctx)
	if err != nil {
		return err
	}
	rel := relPath(p)
	f, err := sn.root.Open(rel)
	if err != nil {
		return sn.public("list", p, err)
	}
	defer f.Close()
	entries, err := f.ReadDir(-1)
	if err != nil {
		return sn.public("list", p, err)
	}
	sort.Slice(entries, func(i, j int) bool { return entries[i].Name() < entries[j].Name() })
	for _, e := range entries {
		if lectern.Reserved(path.Join(rel, e.Name())) {
			continue // Lectern's own (the capture agents' staging)
		}
		fi, err := e.Info()
		if err != nil {
			continue // gone meanwhile
		}
		if fi.Mode()&fs.ModeSymlink != 0 {
			if fi, err = sn.root.Stat(path.Join(rel, e.Name())); err != nil {
				continue
			}
		}
		if err := fn(fi); err != nil {
			return err
		}
	}
	return nil
}

// MakeDir makes a directory within the bounds (MaxDirs, MaxDepth),
// checked again here, one MKD at a time, after the guard's check: two
// sessions of one recorder cannot both take the last directory.
func (d *driver) MakeDir(ctx *server.Context, p string) error {
	_, sn, err := d.session(ctx)
	if err != nil {
		return err
	}
	d.s.dirLock.Lock()
	defer d.s.dirLock.Unlock()
	if r := d.s.mkdirRefusal(sn, p); r.code != 0 {
		return errors.New(r.text)
	}
	rel := relPath(p)
	if err := sn.root.Mkdir(rel, 0o750); err != nil {
		return sn.public("mkdir", p, err)
	}
	_ = sn.root.Chmod(rel, 0o750) // whatever the umask, as the recorder directory
	return nil
}

func (d *driver) DeleteDir(ctx *server.Context, p string) error {
	_, sn, err := d.session(ctx)
	if err != nil {
		return err
	}
	rel := relPath(p)
	if rel == "." {
		return errDenied
	}
	fi, err := sn.root.Lstat(rel)
	if err != nil {
		return sn.public("rmdir", p, err)
	}
	if !fi.IsDir() {
		return errNotDir
	}
	if err := sn.root.Remove(rel); err != nil { // only when empty
		return sn.public("rmdir", p, err)
	}
	return nil
}

// DeleteFile removes a file and releases its hold.
func (d *driver) DeleteFile(ctx *server.Context, p string) error {
	c, sn, err := d.session(ctx)
	if err != nil {
		return err
	}
	u := c.takeCarried() // DELE right after uploading this very file
	asked := relPath(p)
	rel := sn.name(asked)
	fi, err := sn.root.Lstat(rel)
	if err == nil && fi.IsDir() {
		err = errNotFile
	}
	var abs string
	if err == nil {
		abs = d.s.canonical(sn, rel)
		err = sn.root.Remove(rel)
	}
	if err != nil {
		if u != nil {
			d.s.confirm(u, "delete failed")
		}
		if errors.Is(err, errNotFile) {
			return err
		}
		return sn.public("delete", p, err)
	}
	sn.redirects.forget(asked)
	if fi.Mode().IsRegular() {
		d.s.release(abs, false)
		// A waiting deposit deleted: its treatment says so at once, and
		// the claim list and the add form no longer offer it.
		if _, err := d.s.deps.Intake.Vanished(d.s.ctx, abs, "Deleted by the recorder over FTP before it was published"); err != nil {
			sn.log.Error("ftp delete: record deleted deposit", "path", abs, "err", err)
		}
	}
	if u != nil {
		sn.log.Info("ftp upload deleted by the client", "path", u.path, "size", u.size)
	}
	return nil
}

// Rename renames a file or directory. For a file, the new name counts as
// the end of an upload: see the package documentation.
func (d *driver) Rename(ctx *server.Context, from, to string) error {
	c, sn, err := d.session(ctx)
	if err != nil {
		return err
	}
	u := c.takeCarried() // RNTO right after uploading the file
	askedFrom, askedTo := relPath(from), relPath(to)
	fromRel, toRel := sn.name(askedFrom), askedTo
	if u != nil && fromRel != "." && d.s.canonical(sn, fromRel) != u.path {
		// The upload was stored under a name of its own (depositName):
		// the rename is of that file.
		fromRel = path.Join(path.Dir(fromRel), filepath.Base(u.path))
	}
	fi, err := sn.root.Lstat(fromRel)
	if err == nil && (from == "" || fromRel == "." || toRel == ".") {
		err = errDenied
	}
	var oldAbs string
	var prev lectern.Sighting
	var seen bool
	if err == nil && fi.Mode().IsRegular() {
		oldAbs = d.s.canonical(sn, fromRel)
		if u == nil {
			prev, err = d.s.deps.Sightings.FindSighting(d.s.ctx, oldAbs)
			seen = err == nil
			err = nil
		}
		if err == nil {
			toRel, err = d.renameTarget(sn, oldAbs, toRel)
		}
	}
	if err == nil {
		err = sn.root.Rename(fromRel, toRel)
	}
	if err != nil {
		if u != nil {
			d.s.confirm(u, "rename failed")
		}
		if errors.Is(err, errDenied) || errors.Is(err, errBeingPublished) || errors.Is(err, errLocal) {
			return err
		}
		return sn.public("rename", from, err)
	}
	if !fi.Mode().IsRegular() {
		return nil // directories and links: nothing held by name
	}
	sn.redirects.forget(askedFrom)
	ino, _ := lectern.FileIdentity(fi) // a rename keeps it
	sn.redirects.set(askedTo, toRel, ino)
	newAbs := d.s.canonical(sn, toRel)
	switch {
	case u != nil:
		d.s.release(oldAbs, false)
		u.path, u.vpath = newAbs, to
		d.s.confirm(u, "renamed after upload")
	case seen && prev.Held:
		// A broken-off upload stays broken off under its new name.
		now := time.Now()
		if _, _, err := d.s.deps.Sightings.ObserveFile(d.s.ctx, lectern.Sighting{Path: newAbs, Size: fi.Size(),
			ModTime: fi.ModTime(), FirstSeen: prev.FirstSeen, LastSeen: now}); err != nil {
			sn.log.Error("ftp rename: move hold", "path", newAbs, "err", err)
		}
		if err := d.s.deps.Sightings.HoldFile(d.s.ctx, newAbs, true, now); err != nil {
			sn.log.Error("ftp rename: move hold", "path", newAbs, "err", err)
		}
		d.s.release(oldAbs, false)
		sn.log.Warn("ftp held file renamed, still held", "from", oldAbs, "path", newAbs)
	default:
		if seen {
			d.s.release(oldAbs, false)
		}
		now := time.Now()
		first := now
		if seen && !prev.FirstSeen.IsZero() {
			first = prev.FirstSeen
		}
		d.s.confirm(&upload{sess: sn, vpath: to, path: newAbs, size: fi.Size(), firstSeen: first, start: now, end: now},
			"renamed")
	}
	return nil
}

// errBeingPublished refuses to rename a deposit whose recording is being
// made: its source must stay where the recording says.
var errBeingPublished = errors.New("this file is being published and cannot be renamed")

// renameTarget checks a rename of the file at oldAbs to toRel: the file
// of a deposit being published stays where it is, and a new name that an
// earlier deposit used (a treatment has it) becomes the next free one
// (lectern.CandidateName), so that neither deposit is lost. The
// treatment of a waiting deposit follows its file when the new name is
// completed (Intake.Complete).
func (d *driver) renameTarget(sn *session, oldAbs, toRel string) (string, error) {
	ts, _, err := d.s.deps.Intake.Treatments.FindTreatments(d.s.ctx, lectern.TreatmentFilter{File: &oldAbs, Page: lectern.Page{Size: 1}})
	if err != nil {
		sn.log.Error("ftp rename: find treatment", "path", oldAbs, "err", err)
		return "", errLocal
	}
	if len(ts) == 1 && (ts[0].State == lectern.TreatmentToPublish || ts[0].State == lectern.TreatmentPublished) {
		return "", errBeingPublished
	}
	toAbs := d.s.canonical(sn, toRel)
	if taken, err := d.s.deps.Intake.Taken(d.s.ctx, toAbs); err != nil {
		sn.log.Error("ftp rename: find earlier deposit", "path", toAbs, "err", err)
		return "", errLocal
	} else if !taken || toAbs == oldAbs {
		return toRel, nil
	}
	free, err := d.s.deps.Intake.FreePath(d.s.ctx, toAbs)
	if err != nil {
		sn.log.Error("ftp rename: choose a free name", "path", toAbs, "err", err)
		return "", errLocal
	}
	stored := path.Join(path.Dir(toRel), filepath.Base(free))
	sn.log.Info("ftp rename onto the name of an earlier deposit: renamed to a name of its own", "path", "/"+toRel,
		"stored_as", "/"+stored)
	return stored, nil
}

// GetFile opens a file of the recorder for RETR, from the REST offset.
func (d *driver) GetFile(ctx *server.Context, p string, _ int64) (int64, io.ReadCloser, error) {
	c, sn, err := d.session(ctx)
	if err != nil {
		return 0, nil, err
	}
	offset := max(c.xferOffset, 0)
	c.xferOffset = -1
	rel := sn.name(relPath(p))
	if fi, err := sn.root.Stat(rel); err == nil && !fi.Mode().IsRegular() {
		return 0, nil, errNotFile // a FIFO would block the open
	}
	f, err := sn.root.Open(rel)
	if err != nil {
		return 0, nil, sn.public("retrieve", p, err)
	}
	fi, err := f.Stat()
	if err == nil && !fi.Mode().IsRegular() {
		err = errNotFile
	}
	if err == nil && offset > fi.Size() {
		err = errors.New("restart offset beyond the end of the file")
	}
	if err == nil {
		_, err = f.Seek(offset, io.SeekStart)
	}
	if err != nil {
		f.Close()
		return 0, nil, err
	}
	return fi.Size() - offset, f, nil
}

// perm shows every file as the recorder's own; the library asks it for
// listings only (it has no SITE CHMOD).
type perm struct{}

func (perm) GetOwner(string) (string, error)     { return "lectern", nil }
func (perm) GetGroup(string) (string, error)     { return "lectern", nil }
func (perm) GetMode(string) (os.FileMode, error) { return 0o640, nil }
func (perm) ChOwner(string, string) error        { return errDenied }
func (perm) ChGroup(string, string) error        { return errDenied }
func (perm) ChMode(string, os.FileMode) error    { return errDenied }
