package lectern

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
	"unicode/utf8"
)

// Detection paths: how a deposit was found complete.
const (
	SourceFTP    = "ftp"    // the embedded FTP server saw the upload end cleanly
	SourceWatch  = "watch"  // the directory watcher saw the file quiet
	SourceRescan = "rescan" // the watcher's periodic full scan
	SourceCron   = "cron"   // `lectern recorder checkDirectory` (Pod's cron line)
	SourceNotify = "notify" // the recorder called the notify URL itself
	SourceHTTP   = "http"   // an HTTP upload (multipart or tus) finished
	// SourceOpencast: a capture agent ingested a media package.
	SourceOpencast = "opencast"
)

// Sources lists every detection path.
var Sources = []string{SourceFTP, SourceWatch, SourceRescan, SourceCron, SourceNotify, SourceHTTP, SourceOpencast}

// Deposit is a file that a detection path believes complete.
type Deposit struct {
	Path      string    // absolute path under DEFAULT_RECORDER_PATH
	Size      int64     // size when found complete
	Source    string    // one of the Source* constants
	FirstSeen time.Time // when the file was first noticed; zero: now
	// Parts, for a deposit of several files (an Opencast media package's
	// tracks, a recording split into parts), lists every file in the
	// order they are joined, Path being the first presenter part. Each
	// must be a regular file in the folder of Path's recorder; their
	// sizes are read when the deposit is completed.
	Parts []TreatmentPart
	// EventUID is the scheduled event the deposit says it was recorded in
	// (an Opencast ingest's workflowInstanceId); empty when unknown.
	EventUID string
}

// NameClass is what Lectern makes of a file name.
type NameClass int

const (
	NameAccepted       NameClass = iota // an accepted extension: a deposit
	NameTemporary                       // hidden or temporary: ignored silently
	NameTreated                         // "<file>_treated": already processed
	NameNoExtension                     // ignored (logged once)
	NameWrongExtension                  // ignored (logged once)
)

// temporarySuffixes mark files that uploaders are still writing.
var temporarySuffixes = []string{".part", ".tmp", ".filepart", ".crdownload", ".partial", "~"}

// ClassifyName tells whether a base name is a deposit given the accepted
// extensions (VIDEO_ALLOWED_EXTENSIONS; "zip" is always accepted). The
// comparison ignores case, unlike Pod, which skips ".MP4".
func ClassifyName(name string, extensions []string) NameClass {
	lower := strings.ToLower(name)
	if name == "" || strings.HasPrefix(name, ".") {
		return NameTemporary
	}
	for _, s := range temporarySuffixes {
		if strings.HasSuffix(lower, s) {
			return NameTemporary
		}
	}
	if strings.HasSuffix(lower, "_treated") {
		return NameTreated
	}
	ext := strings.TrimPrefix(filepath.Ext(lower), ".")
	if ext == "" {
		return NameNoExtension
	}
	if ext == "zip" {
		return NameAccepted
	}
	for _, e := range extensions {
		if strings.EqualFold(strings.TrimPrefix(e, "."), ext) {
			return NameAccepted
		}
	}
	return NameWrongExtension
}

// MaxNameLength bounds a deposited file's name, in bytes (most file
// systems' limit).
const MaxNameLength = 255

// CandidateName is the i-th name a deposit named name may take: name
// itself for 0, then "stem-2.ext", "stem-3.ext"... (record.mp4,
// record-2.mp4, record-3.mp4: the second deposit of that name, the
// third), within MaxNameLength bytes. It is the one rule by which a
// deposit that arrives under a name already used by another one (a
// recorder that names every file record.mp4) gets a name of its own, on
// every path: FTP, HTTP upload, the watcher and the cron pass.
func CandidateName(name string, i int) string {
	if i <= 0 {
		return name
	}
	ext := filepath.Ext(name)
	suffix := "-" + strconv.Itoa(i+1) + ext
	stem := strings.TrimSuffix(name, ext)
	n := MaxNameLength - len(suffix)
	if len(stem) > n {
		for n > 0 && !utf8.RuneStart(stem[n]) {
			n--
		}
		stem = stem[:n]
	}
	return stem + suffix
}

// MaxCandidates bounds the search for a free name (CandidateName).
const MaxCandidates = 10000

// FileIdentity is what tells one file from another at the same path, and
// finds a file again under another name: its inode number and its
// modification time, which a rename keeps. The inode is 0 where the file
// system does not give one.
func FileIdentity(fi fs.FileInfo) (ino uint64, mod time.Time) {
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		ino = st.Ino
	}
	return ino, fi.ModTime().UTC()
}

// ResolveDeposit checks that path names a regular file inside root, also
// once symbolic links are resolved, and returns its cleaned absolute path
// (symlinks resolved), the recorder directory it belongs to (its first
// segment under root; "" for a file directly in root) and its size. Any
// path that escapes root is refused with EINVALID.
func ResolveDeposit(root, path string) (abs, dir string, size int64, err error) {
	if !filepath.IsAbs(path) {
		return "", "", 0, Errorf(EINVALID, "Path %q is not absolute.", path)
	}
	if strings.ContainsRune(path, 0) {
		return "", "", 0, Errorf(EINVALID, "Path %q holds a NUL byte.", path)
	}
	realRoot, err := filepath.EvalSymlinks(root)
	if err != nil {
		return "", "", 0, fmt.Errorf("resolve DEFAULT_RECORDER_PATH %s: %w", root, err)
	}
	real, err := filepath.EvalSymlinks(filepath.Clean(path))
	if errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENOTDIR) {
		return "", "", 0, Errorf(ENOTFOUND, "File %q does not exist.", filepath.Base(path))
	} else if errors.Is(err, syscall.ENAMETOOLONG) {
		return "", "", 0, Errorf(EINVALID, "Path %.80q… is too long.", path)
	} else if err != nil {
		return "", "", 0, fmt.Errorf("resolve deposit %s: %w", path, err)
	}
	rel, err := filepath.Rel(realRoot, real)
	if err != nil || rel == "." || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) || filepath.IsAbs(rel) {
		return "", "", 0, Errorf(EINVALID, "File %q is outside the recorders' directory.", filepath.Base(path))
	}
	fi, err := os.Stat(real)
	if err != nil {
		return "", "", 0, fmt.Errorf("stat deposit %s: %w", real, err)
	}
	if !fi.Mode().IsRegular() {
		return "", "", 0, Errorf(EINVALID, "%q is not a regular file.", filepath.Base(path))
	}
	if first, _, found := strings.Cut(rel, string(filepath.Separator)); found {
		dir = first
	}
	// Report the path under root as given, not under its resolved form, so
	// that every detection path names a file the same way.
	return filepath.Join(filepath.Clean(root), rel), dir, fi.Size(), nil
}

// Sighting is what a scan remembers of a file that is not yet a
// treatment, so that completeness can be judged across passes (the cron
// command runs as a new process each time) and restarts.
type Sighting struct {
	Path      string
	Size      int64
	ModTime   time.Time
	FirstSeen time.Time
	LastSeen  time.Time
	// Held is set while Lectern's own FTP server receives the file, and
	// stays set when that upload breaks off: scans never complete a held
	// file; the FTP server completes it when a resumed upload finishes.
	Held bool
	// TransferEnded is set (with EndedSize, the file's size then) when the
	// FTP server's transfer into the held file read to end of file and the
	// client was answered 226, until the upload is confirmed or found
	// unfinished; zero otherwise. A mark left when the server stopped lets
	// the next start complete the file (SightingService.MarkTransferEnded).
	TransferEnded time.Time
	EndedSize     int64
}

// SightingService stores sightings.
type SightingService interface {
	// ObserveFile records s (Path, Size, ModTime, LastSeen) and returns
	// the previous sighting of the same path, if any (ok false the first
	// time). FirstSeen and Held are kept from the previous sighting.
	ObserveFile(ctx context.Context, s Sighting) (prev Sighting, ok bool, err error)
	// HoldFile sets or clears the hold of path, creating its sighting
	// when needed. It clears the transfer-ended mark.
	HoldFile(ctx context.Context, path string, held bool, now time.Time) error
	// MarkTransferEnded records on the sighting of path that an FTP
	// transfer into it ended cleanly at at, leaving the file size bytes
	// long (Sighting.TransferEnded, EndedSize); a zero at clears the mark.
	// A path with no sighting is left alone (no error).
	MarkTransferEnded(ctx context.Context, path string, size int64, at time.Time) error
	// FindEndedTransfers returns the held sightings that carry a
	// transfer-ended mark, oldest mark first.
	FindEndedTransfers(ctx context.Context) ([]Sighting, error)
	// FindSighting returns the sighting of path; ENOTFOUND.
	FindSighting(ctx context.Context, path string) (Sighting, error)
	// ForgetFile deletes the sighting of path (none is fine).
	ForgetFile(ctx context.Context, path string) error
}
