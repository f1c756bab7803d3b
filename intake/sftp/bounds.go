package sftp

import (
	"fmt"

	"lectern"
)

// What a recorder may build in its directory is bounded (MaxDirs,
// MaxDepth, MaxFiles), as on the FTP server: directories are checked in
// mkdir, one at a time; files when a new one is opened for writing, so
// two sessions of one recorder creating files at the same instant may end
// one file over. A rename of a directory may not nest it deeper.

// fileRefusal checks a new file against MaxFiles.
func (s *Server) fileRefusal(sn *session) error {
	if u := lectern.CountFolder(sn.root.FS(), s.cfg.MaxDirs, s.cfg.MaxFiles); u.Files >= s.cfg.MaxFiles {
		sn.log.Warn("sftp upload refused: too many files", "files", u.Files, "max_files", s.cfg.MaxFiles)
		return fmt.Errorf("too many files in your directory (at most %d); delete some first", s.cfg.MaxFiles)
	}
	return nil
}

// mkdirRefusal checks a new directory's depth and the directory count.
func (s *Server) mkdirRefusal(sn *session, rel string) error {
	if d := lectern.FolderDepth(rel); d > s.cfg.MaxDepth {
		return fmt.Errorf("directory not created: directories may be nested at most %d deep", s.cfg.MaxDepth)
	}
	if u := lectern.CountFolder(sn.root.FS(), s.cfg.MaxDirs, s.cfg.MaxFiles); u.Dirs >= s.cfg.MaxDirs {
		sn.log.Warn("sftp mkdir refused: too many directories", "dirs", u.Dirs, "max_dirs", s.cfg.MaxDirs)
		return fmt.Errorf("directory not created: your directory holds %d directories, the most allowed", s.cfg.MaxDirs)
	}
	return nil
}
