package ftp

import (
	"fmt"

	"goftp.io/server/v2"
	"lectern"
)

// What a recorder may build in its directory is bounded (MaxDirs,
// MaxDepth, MaxFiles), so that one recorder, careless or taken over,
// cannot fill the file system with empty directories or millions of
// small files. Directories are checked again in MakeDir, one MKD at a
// time; files only before STOR and APPE, so two sessions of one recorder
// storing new files at the same instant may end one file over.

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
		if u := lectern.CountFolder(sn.root.FS(), s.cfg.MaxDirs, s.cfg.MaxFiles); u.Files >= s.cfg.MaxFiles {
			sn.log.Warn("ftp upload refused: too many files", "files", u.Files, "max_files", s.cfg.MaxFiles)
			return reply{552, fmt.Sprintf("Too many files in your directory (at most %d); delete some first.", s.cfg.MaxFiles)}
		}
	case "RNTO":
		from := relPath(c.renameFrom)
		fi, err := sn.root.Lstat(from)
		if err != nil || !fi.IsDir() {
			return reply{}
		}
		to := sess.BuildPath(param)
		if d := lectern.FolderDepth(to) + lectern.FolderHeight(sn.root.FS(), from); d > s.cfg.MaxDepth {
			return reply{553, fmt.Sprintf("Not renamed: directories may be nested at most %d deep, this would make %d.", s.cfg.MaxDepth, d)}
		}
	}
	return reply{}
}

// mkdirRefusal checks a new directory's depth and the directory count.
func (s *Server) mkdirRefusal(sn *session, p string) reply {
	if d := lectern.FolderDepth(p); d > s.cfg.MaxDepth {
		return reply{553, fmt.Sprintf("Directory not created: directories may be nested at most %d deep.", s.cfg.MaxDepth)}
	}
	if u := lectern.CountFolder(sn.root.FS(), s.cfg.MaxDirs, s.cfg.MaxFiles); u.Dirs >= s.cfg.MaxDirs {
		sn.log.Warn("ftp mkdir refused: too many directories", "dirs", u.Dirs, "max_dirs", s.cfg.MaxDirs)
		return reply{552, fmt.Sprintf("Directory not created: your directory holds %d directories, the most allowed.", s.cfg.MaxDirs)}
	}
	return reply{}
}
