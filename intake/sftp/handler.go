package sftp

import (
	"errors"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"time"

	"github.com/pkg/sftp"

	"lectern"
)

// Errors shown to the client: they never name a host path.
var (
	errExists          = errors.New("file exists")
	errDenied          = sftp.ErrSSHFxPermissionDenied
	errNotFile         = errors.New("not a regular file")
	errNotDir          = errors.New("not a directory")
	errTooMany         = errors.New("too many files open on this connection")
	errBeingPublished  = errors.New("this file is being published and cannot be renamed")
	errSymlinksRefused = errors.New("symbolic links are not allowed here")
	errReserved        = errors.New("permission denied: " + lectern.StagingFolder + " is Lectern's folder for capture agents' uploads")
)

// reserved reports whether a request's path is in the recorder's
// lectern.StagingFolder, which its sessions may neither see nor touch, and
// logs the attempt.
func (sn *session) reserved(method string, paths ...string) bool {
	for _, p := range paths {
		if lectern.Reserved(relPath(p)) {
			sn.log.Warn("sftp request refused: Lectern's staging folder", "request", method, "path", p)
			return true
		}
	}
	return false
}

// handler serves one session's SFTP requests (pkg/sftp's request-server
// Handlers) on its os.Root, which refuses any path, symbolic links
// included, that leads outside the recorder's directory. Paths arrive
// absolute and clean ("/../x" is "/x"), relative to the recorder's "/".
type handler struct {
	s  *Server
	sn *session
}

var (
	_ sftp.FileReader           = (*handler)(nil)
	_ sftp.FileWriter           = (*handler)(nil)
	_ sftp.PosixRenameFileCmder = (*handler)(nil)
	_ sftp.LstatFileLister      = (*handler)(nil)
	_ sftp.RealPathFileLister   = (*handler)(nil)
	_ sftp.ReadlinkFileLister   = (*handler)(nil)
)

// canonical is the host path Intake and the sightings use for a file of
// the session: symbolic links resolved as lectern.ResolveDeposit does.
func (s *Server) canonical(sn *session, rel string) string {
	abs := filepath.Join(sn.dir, filepath.FromSlash(rel))
	if p, _, _, err := lectern.ResolveDeposit(s.cfg.Root, abs); err == nil {
		return p
	}
	return abs
}

// takeHandle counts a file open on the session; false beyond maxHandles.
func (sn *session) takeHandle() bool {
	if sn.handles.Add(1) > maxHandles {
		sn.handles.Add(-1)
		return false
	}
	return true
}

// Filewrite opens a file for an upload: a new one, one written over
// (truncated), or one resumed (opened without truncation, written from
// an offset). The file is held from here until its handle is closed.
func (h *handler) Filewrite(r *sftp.Request) (io.WriterAt, error) {
	s, sn := h.s, h.sn
	flags := r.Pflags()
	rel := relPath(r.Filepath)
	if rel == "." {
		return nil, errNotFile
	}
	if sn.reserved("write", r.Filepath) {
		return nil, errReserved
	}
	if !sn.takeHandle() {
		return nil, errTooMany
	}
	ok := false
	defer func() {
		if !ok {
			sn.handles.Add(-1)
		}
	}()
	fi, err := sn.root.Lstat(rel)
	exists := err == nil
	switch {
	case exists && !fi.Mode().IsRegular():
		// A directory, a FIFO, or a symbolic link planted there: never
		// written through.
		return nil, errNotFile
	case err != nil && !errors.Is(err, fs.ErrNotExist):
		return nil, sn.public("upload", r.Filepath, err)
	case exists && flags.Excl:
		return nil, errExists
	case !exists && !flags.Creat:
		return nil, sftp.ErrSSHFxNoSuchFile
	}
	if !exists {
		if err := s.fileRefusal(sn); err != nil {
			return nil, err
		}
	}
	stored, fresh, err := s.depositName(sn, rel, exists && !flags.Trunc)
	if err != nil {
		return nil, sn.public("upload", r.Filepath, err)
	}
	var f *os.File
	for range 100 {
		mode := os.O_WRONLY | os.O_CREATE
		if fresh {
			mode |= os.O_EXCL
		}
		f, err = sn.root.OpenFile(stored, mode, 0o640)
		if !fresh || !errors.Is(err, fs.ErrExist) {
			break
		}
		// Another session took the new name meanwhile: the next one.
		if stored, fresh, err = s.depositName(sn, rel, false); err != nil {
			break
		}
	}
	if err != nil {
		return nil, sn.public("upload", r.Filepath, err)
	}
	if fi, err = f.Stat(); err != nil || !fi.Mode().IsRegular() {
		f.Close()
		return nil, errNotFile
	}
	p := s.canonical(sn, stored)
	now := time.Now()
	first, err := s.hold(p, now)
	if err != nil {
		f.Close()
		sn.log.Error("sftp upload: hold file", "path", p, "err", err)
		return nil, sftp.ErrSSHFxFailure
	}
	// Truncate only what is to be written over: on ext4 a truncation,
	// even of an empty file, makes close start the write-back of the
	// whole file (auto_da_alloc), as intake/ftp measured.
	if flags.Trunc && fi.Size() > 0 {
		if err := f.Truncate(0); err != nil {
			f.Close()
			return nil, sn.public("upload", r.Filepath, err)
		}
	}
	if stored != rel {
		sn.redirect(rel, stored)
		sn.log.Info("sftp upload under the name of an earlier deposit: stored under a name of its own",
			"path", r.Filepath, "stored_as", "/"+stored)
	}
	sn.log.Debug("sftp upload opened", "path", p, "size", fi.Size(), "truncate", flags.Trunc)
	ok = true
	return &upload{s: s, sn: sn, f: f, path: p, start: now, firstSeen: first}, nil
}

// readFile is a file open for reading, counted against maxHandles.
type readFile struct {
	*os.File
	sn *session
}

func (f readFile) Close() error {
	f.sn.handles.Add(-1)
	return f.File.Close()
}

// Fileread opens one of the recorder's regular files for reading.
func (h *handler) Fileread(r *sftp.Request) (io.ReaderAt, error) {
	sn := h.sn
	if sn.reserved("read", r.Filepath) {
		return nil, errReserved
	}
	rel := sn.name(relPath(r.Filepath))
	if fi, err := sn.root.Stat(rel); err != nil {
		return nil, sn.public("read", r.Filepath, err)
	} else if !fi.Mode().IsRegular() {
		return nil, errNotFile // a FIFO would block the open
	}
	if !sn.takeHandle() {
		return nil, errTooMany
	}
	f, err := sn.root.Open(rel)
	if err != nil {
		sn.handles.Add(-1)
		return nil, sn.public("read", r.Filepath, err)
	}
	if fi, err := f.Stat(); err != nil || !fi.Mode().IsRegular() {
		f.Close()
		sn.handles.Add(-1)
		return nil, errNotFile
	}
	return readFile{File: f, sn: sn}, nil
}

// Filecmd makes and removes directories, renames and removes files, and
// sets a file's times; it refuses links, ownership, truncation and
// anything else.
func (h *handler) Filecmd(r *sftp.Request) error {
	sn := h.sn
	rel := relPath(r.Filepath)
	if r.Method == "Rename" && sn.reserved(r.Method, r.Filepath, r.Target) || sn.reserved(r.Method, r.Filepath) {
		return errReserved
	}
	switch r.Method {
	case "Mkdir":
		h.s.dirLock.Lock()
		defer h.s.dirLock.Unlock()
		if err := h.s.mkdirRefusal(sn, rel); err != nil {
			return err
		}
		if err := sn.root.Mkdir(rel, 0o750); err != nil {
			return sn.public("mkdir", r.Filepath, err)
		}
		_ = sn.root.Chmod(rel, 0o750) // whatever the umask
		return nil
	case "Rmdir":
		if rel == "." {
			return errDenied
		}
		fi, err := sn.root.Lstat(rel)
		if err != nil {
			return sn.public("rmdir", r.Filepath, err)
		}
		if !fi.IsDir() {
			return errNotDir
		}
		if err := sn.root.Remove(rel); err != nil { // only when empty
			return sn.public("rmdir", r.Filepath, err)
		}
		return nil
	case "Remove":
		if err := h.remove(sn.name(rel), r.Filepath); err != nil {
			return err
		}
		sn.forget(rel)
		return nil
	case "Rename":
		return h.rename(r.Filepath, r.Target, false)
	case "Setstat":
		return h.setstat(r, sn.name(rel))
	case "Symlink", "Link":
		sn.log.Warn("sftp link refused", "request", r.Method, "path", r.Filepath, "target", r.Target)
		return errSymlinksRefused
	}
	sn.log.Warn("sftp request refused", "request", r.Method, "path", r.Filepath)
	return sftp.ErrSSHFxOpUnsupported
}

// PosixRename is rename that may replace its target (OpenSSH's
// posix-rename@openssh.com, which its sftp command uses).
func (h *handler) PosixRename(r *sftp.Request) error {
	if h.sn.reserved("PosixRename", r.Filepath, r.Target) {
		return errReserved
	}
	return h.rename(r.Filepath, r.Target, true)
}

// setstat sets a file's times; a mode is ignored (files stay 0640, which
// Lectern must read); ownership and size (truncation) are refused.
func (h *handler) setstat(r *sftp.Request, rel string) error {
	sn := h.sn
	fi, err := sn.root.Lstat(rel)
	if err != nil {
		return sn.public("setstat", r.Filepath, err)
	}
	if fi.Mode()&fs.ModeSymlink != 0 {
		return errSymlinksRefused
	}
	flags := r.AttrFlags()
	if flags.UidGid || flags.Size {
		sn.log.Warn("sftp setstat refused: ownership or size", "path", r.Filepath, "uid_gid", flags.UidGid, "size", flags.Size)
		return errDenied
	}
	if flags.Acmodtime {
		a := r.Attributes()
		if err := sn.root.Chtimes(rel, time.Unix(int64(a.Atime), 0), time.Unix(int64(a.Mtime), 0)); err != nil {
			return sn.public("setstat", r.Filepath, err)
		}
	}
	return nil
}

// remove deletes a file and releases its hold; a waiting deposit's
// treatment says it vanished.
func (h *handler) remove(rel, vpath string) error {
	s, sn := h.s, h.sn
	fi, err := sn.root.Lstat(rel)
	if err != nil {
		return sn.public("delete", vpath, err)
	}
	if fi.IsDir() || rel == "." {
		return errNotFile
	}
	abs := s.canonical(sn, rel)
	if err := sn.root.Remove(rel); err != nil {
		return sn.public("delete", vpath, err)
	}
	if fi.Mode().IsRegular() {
		s.release(abs, false)
		if _, err := s.deps.Intake.Vanished(s.ctx, abs, "Deleted by the recorder over SFTP before it was published"); err != nil {
			sn.log.Error("sftp delete: record deleted deposit", "path", abs, "err", err)
		}
	}
	sn.log.Info("sftp file deleted", "path", abs, "size", fi.Size())
	return nil
}

// Filelist answers listings and stats.
func (h *handler) Filelist(r *sftp.Request) (sftp.ListerAt, error) {
	sn := h.sn
	rel := relPath(r.Filepath)
	if sn.reserved(r.Method, r.Filepath) {
		return nil, errReserved
	}
	switch r.Method {
	case "List":
		return h.list(rel, r.Filepath)
	case "Stat":
		fi, err := sn.root.Stat(sn.name(rel))
		if err != nil {
			return nil, sn.public("stat", r.Filepath, err)
		}
		return listerAt{fi}, nil
	case "Readlink":
		return nil, errSymlinksRefused
	}
	return nil, sftp.ErrSSHFxOpUnsupported
}

// Lstat stats a name without following it.
func (h *handler) Lstat(r *sftp.Request) (sftp.ListerAt, error) {
	if h.sn.reserved("Lstat", r.Filepath) {
		return nil, errReserved
	}
	fi, err := h.sn.root.Lstat(h.sn.name(relPath(r.Filepath)))
	if err != nil {
		return nil, h.sn.public("lstat", r.Filepath, err)
	}
	return listerAt{fi}, nil
}

// RealPath is the absolute, clean form of p in the recorder's "/" (no
// link resolved).
func (h *handler) RealPath(p string) (string, error) {
	return path.Clean("/" + p), nil
}

// Readlink refuses: links are not shown.
func (h *handler) Readlink(string) (string, error) { return "", errSymlinksRefused }

// list lists a directory, sorted by name. Symbolic links are shown as
// what they point to, and left out when that is outside the directory.
func (h *handler) list(rel, vpath string) (sftp.ListerAt, error) {
	sn := h.sn
	f, err := sn.root.Open(rel)
	if err != nil {
		return nil, sn.public("list", vpath, err)
	}
	defer f.Close()
	entries, err := f.ReadDir(-1)
	if err != nil {
		return nil, sn.public("list", vpath, err)
	}
	sort.Slice(entries, func(i, j int) bool { return entries[i].Name() < entries[j].Name() })
	var out listerAt
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
		out = append(out, fi)
	}
	return out, nil
}

// listerAt is a listing read at once (a recorder's directory holds at
// most MaxFiles files).
type listerAt []os.FileInfo

func (l listerAt) ListAt(ls []os.FileInfo, off int64) (int, error) {
	if off >= int64(len(l)) {
		return 0, io.EOF
	}
	n := copy(ls, l[off:])
	if n < len(ls) {
		return n, io.EOF
	}
	return n, nil
}
