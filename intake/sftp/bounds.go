package sftp

import (
	"errors"
	"fmt"
	"io/fs"
	"path"
	"strings"

	"lectern"
)

// What a recorder may build in its directory is bounded (MaxDirs,
// MaxDepth, MaxFiles), as on the FTP server: directories are checked in
// mkdir, one at a time; files when a new one is opened for writing, so
// two sessions of one recorder creating files at the same instant may end
// one file over. A rename of a directory may not nest it deeper.

// usage is what a recorder's directory holds.
type usage struct{ dirs, files int }

var errStopWalk = errors.New("stop")

// usage counts the directories (not "/" itself) and the other entries of
// the session's directory, up to one over each limit.
func (s *Server) usage(sn *session) usage {
	var u usage
	_ = fs.WalkDir(sn.root.FS(), ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || p == "." {
			return nil
		}
		if lectern.Reserved(p) {
			// Lectern's own, bounded by the ingest (the recorder can
			// neither see nor touch it): an agent's packages must not
			// take the FTP and SFTP sessions' room.
			if d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		if d.IsDir() {
			u.dirs++
		} else {
			u.files++
		}
		if u.dirs > s.cfg.MaxDirs && u.files > s.cfg.MaxFiles {
			return errStopWalk
		}
		return nil
	})
	return u
}

// depth is the number of directories in a path: "/" is 0, "/a/b" is 2.
func depth(p string) int {
	p = strings.Trim(path.Clean("/"+p), "/")
	if p == "" {
		return 0
	}
	return strings.Count(p, "/") + 1
}

// height is how many levels of directories rel holds below itself.
func (sn *session) height(rel string) int {
	h := 0
	base := depth(rel)
	_ = fs.WalkDir(sn.root.FS(), rel, func(p string, d fs.DirEntry, err error) error {
		if err == nil && d.IsDir() {
			h = max(h, depth(p)-base)
		}
		return nil
	})
	return h
}

// fileRefusal checks a new file against MaxFiles.
func (s *Server) fileRefusal(sn *session) error {
	if u := s.usage(sn); u.files >= s.cfg.MaxFiles {
		sn.log.Warn("sftp upload refused: too many files", "files", u.files, "max_files", s.cfg.MaxFiles)
		return fmt.Errorf("too many files in your directory (at most %d); delete some first", s.cfg.MaxFiles)
	}
	return nil
}

// mkdirRefusal checks a new directory's depth and the directory count.
func (s *Server) mkdirRefusal(sn *session, rel string) error {
	if d := depth(rel); d > s.cfg.MaxDepth {
		return fmt.Errorf("directory not created: directories may be nested at most %d deep", s.cfg.MaxDepth)
	}
	if u := s.usage(sn); u.dirs >= s.cfg.MaxDirs {
		sn.log.Warn("sftp mkdir refused: too many directories", "dirs", u.dirs, "max_dirs", s.cfg.MaxDirs)
		return fmt.Errorf("directory not created: your directory holds %d directories, the most allowed", s.cfg.MaxDirs)
	}
	return nil
}
