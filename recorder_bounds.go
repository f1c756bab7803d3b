package lectern

import (
	"errors"
	"io/fs"
	"path"
	"strings"
)

// What a recorder may build in its folder is bounded (FTP_MAX_DIRS,
// FTP_MAX_DEPTH, FTP_MAX_FILES), so that one recorder, careless or taken
// over, cannot fill the file system with empty directories or millions of
// small files. The FTP and SFTP servers both count with these.

// FolderUsage is what a recorder's folder holds.
type FolderUsage struct{ Dirs, Files int }

// errStopWalk ends a count that is already over both limits.
var errStopWalk = errors.New("stop")

// CountFolder counts the directories (not the root itself) and the other
// entries of fsys, a recorder's folder, up to one over each limit; the
// staging folder of the ingest (Reserved) is not counted.
func CountFolder(fsys fs.FS, maxDirs, maxFiles int) FolderUsage {
	var u FolderUsage
	_ = fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || p == "." {
			return nil
		}
		if Reserved(p) {
			// Lectern's own, bounded by the ingest (the recorder can
			// neither see nor touch it): an agent's packages must not
			// take the FTP and SFTP sessions' room.
			if d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		if d.IsDir() {
			u.Dirs++
		} else {
			u.Files++
		}
		if u.Dirs > maxDirs && u.Files > maxFiles {
			return errStopWalk
		}
		return nil
	})
	return u
}

// FolderDepth is the number of directories in a path of a recorder's
// folder: "/" (or ".") is 0, "/a/b" is 2.
func FolderDepth(p string) int {
	p = strings.Trim(path.Clean("/"+p), "/")
	if p == "" {
		return 0
	}
	return strings.Count(p, "/") + 1
}

// FolderHeight is how many levels of directories rel, in fsys, holds
// below itself (0 for an empty directory or a file).
func FolderHeight(fsys fs.FS, rel string) int {
	h := 0
	base := FolderDepth(rel)
	_ = fs.WalkDir(fsys, rel, func(p string, d fs.DirEntry, err error) error {
		if err == nil && d.IsDir() {
			h = max(h, FolderDepth(p)-base)
		}
		return nil
	})
	return h
}
