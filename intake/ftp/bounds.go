package ftp

import (
	"errors"
	"fmt"
	"io/fs"
	"path"
	"strings"

	"goftp.io/server/v2"

	"lectern"
)

// What a recorder may build in its directory is bounded (MaxDirs,
// MaxDepth, MaxFiles), so that one recorder, careless or taken over,
// cannot fill the file system with empty directories or millions of
// small files. Directories are checked again in MakeDir, one MKD at a
// time; files only before STOR and APPE, so two sessions of one recorder
// storing new files at the same instant may end one file over.

// usage is what a recorder's directory holds.
type usage struct{ dirs, files int }

// errStopWalk ends a count that is already over both limits.
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

// depth is the number of directories in an absolute client path: "/" is
// 0, "/a/b" is 2.
func depth(p string) int {
	p = strings.Trim(path.Clean("/"+p), "/")
	if p == "" {
		return 0
	}
	return strings.Count(p, "/") + 1
}

// height is how many levels of directories rel holds below itself (0
// for an empty directory or a file).
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

// boundsRefusal checks MKD, STOR, APPE and RNTO against the bounds before
// the library acts.
func (s *Server) boundsRefusal(c *conn, name string, sess *server.Session, param string) reply {
	sn := c.session()
	if sn == nil {
		return reply{}
	}
	switch name {
	case "MKD":
		return s.mkdirRefusal(sn, sess.BuildPath(param))
	case "STOR", "APPE":
		if _, err := sn.root.Lstat(relPath(sess.BuildPath(param))); err == nil {
			return reply{} // written over or resumed: no new file
		}
		if u := s.usage(sn); u.files >= s.cfg.MaxFiles {
			sn.log.Warn("ftp upload refused: too many files", "files", u.files, "max_files", s.cfg.MaxFiles)
			return reply{552, fmt.Sprintf("Too many files in your directory (at most %d); delete some first.", s.cfg.MaxFiles)}
		}
	case "RNTO":
		from := relPath(c.renameFrom)
		fi, err := sn.root.Lstat(from)
		if err != nil || !fi.IsDir() {
			return reply{}
		}
		to := sess.BuildPath(param)
		if d := depth(to) + sn.height(from); d > s.cfg.MaxDepth {
			return reply{553, fmt.Sprintf("Not renamed: directories may be nested at most %d deep, this would make %d.", s.cfg.MaxDepth, d)}
		}
	}
	return reply{}
}

// mkdirRefusal checks a new directory's depth and the directory count.
func (s *Server) mkdirRefusal(sn *session, p string) reply {
	if d := depth(p); d > s.cfg.MaxDepth {
		return reply{553, fmt.Sprintf("Directory not created: directories may be nested at most %d deep.", s.cfg.MaxDepth)}
	}
	if u := s.usage(sn); u.dirs >= s.cfg.MaxDirs {
		sn.log.Warn("ftp mkdir refused: too many directories", "dirs", u.dirs, "max_dirs", s.cfg.MaxDirs)
		return reply{552, fmt.Sprintf("Directory not created: your directory holds %d directories, the most allowed.", s.cfg.MaxDirs)}
	}
	return reply{}
}
