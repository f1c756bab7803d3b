package opencast

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"lectern"
)

// Where media packages wait between an agent's calls.
//
// Each media package has a staging folder inside its recorder's own
// folder, DEFAULT_RECORDER_PATH/<recorder>/.opencast/<id>/: a dot-folder,
// which the watcher and the cron pass skip, so nothing in it is taken
// for a deposit before `ingest` hands it to the Intake. It holds the
// media package's files, named by Lectern (presenter-1.mp4,
// dublincore-episode-1.xml), and state.json, the media package's state
// (packageState).
//
// The state is kept beside its files rather than in a table, because
//   - the two cannot disagree: a row never names a file a crash left
//     behind, nor a file waits for a row that was never written, and a
//     whole package is removed by removing its folder;
//   - it is on the storage every node shares (DEFAULT_RECORDER_PATH), so
//     a node restart, or the next call reaching another node, loses
//     nothing;
//   - ownership is where it lives: a recorder's calls only ever open
//     folders inside its own, so another recorder's package is out of
//     reach by construction (and found elsewhere only to answer 403).
//
// Files are opened through os.Root, so that no symbolic link inside the
// recorder's folder leads a write out of it. A package's calls are
// serialized by an flock(2) on its .lock file, across processes too;
// uploads stream into a hidden temporary file without the lock and take
// it only to commit (rename and state).
const (
	stagingDir = lectern.StagingFolder
	stateFile  = "state.json"
	lockFile   = ".lock"
	eventsDir  = ".events" // hidden: no media package id starts with a dot
)

// packageState is a media package between calls, as state.json holds it.
type packageState struct {
	ID         string         `json:"id"`
	RecorderID int64          `json:"recorder"`
	Start      time.Time      `json:"start"`
	CreatedAt  time.Time      `json:"created_at"`
	Title      string         `json:"title,omitempty"` // the episode Dublin Core's
	Elements   []stateElement `json:"elements"`

	// Set by the ingest that completed the deposit.
	IngestedAt           time.Time         `json:"ingested_at,omitzero"`
	TreatmentID          int64             `json:"treatment,omitempty"`
	EventUID             string            `json:"event_uid,omitempty"`
	WorkflowDefinitionID string            `json:"workflow_definition,omitempty"`
	WorkflowConfig       map[string]string `json:"workflow_config,omitempty"`
}

// stateElement is a track, catalog or attachment that Lectern stored.
type stateElement struct {
	ID       string    `json:"id"`
	Kind     string    `json:"kind"` // kindTrack, kindCatalog, kindAttachment
	Flavor   string    `json:"flavor"`
	File     string    `json:"file"` // name in the staging folder
	MimeType string    `json:"mimetype,omitempty"`
	Size     int64     `json:"size"`
	Tags     []string  `json:"tags,omitempty"`
	AddedAt  time.Time `json:"added_at"`
}

// pkgDir is an open staging folder.
type pkgDir struct {
	id   string
	dir  string   // its absolute path
	rec  *os.Root // the recorder's folder
	root *os.Root // the staging folder
	lock *os.File // held while locked
}

// recorderDir returns the absolute folder of rec, refusing a recorder
// without a valid directory.
func (h *Ingest) recorderDir(rec *lectern.Recorder) (string, error) {
	if !lectern.ValidDirectory(rec.Directory) {
		return "", lectern.Errorf(lectern.EFORBIDDEN, "Recorder %q has no directory to receive recordings.", rec.Name)
	}
	return filepath.Join(h.cfg.Root, rec.Directory), nil
}

// openPackage opens the staging folder of media package id of rec;
// create makes it when missing. ENOTFOUND when it is missing and create
// is false.
func (h *Ingest) openPackage(rec *lectern.Recorder, id string, create bool) (*pkgDir, error) {
	if !ValidID(id) {
		return nil, invalid("The media package id %.80q is not valid: a UUID is expected.", id)
	}
	recDir, err := h.recorderDir(rec)
	if err != nil {
		return nil, err
	}
	rel := stagingDir + "/" + id
	if create {
		if err := os.MkdirAll(recDir, 0o755); err != nil {
			return nil, fmt.Errorf("make recorder folder %s: %w", recDir, err)
		}
	}
	rr, err := os.OpenRoot(recDir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, lectern.Errorf(lectern.ENOTFOUND, "Media package %s not found.", id)
	} else if err != nil {
		return nil, fmt.Errorf("open recorder folder %s: %w", recDir, err)
	}
	if create {
		if _, serr := rr.Lstat(rel); errors.Is(serr, fs.ErrNotExist) {
			if err := h.packageRoom(rr); err != nil {
				rr.Close()
				return nil, err
			}
		}
		err = rr.MkdirAll(rel, 0o755)
	} else {
		_, err = rr.Stat(rel + "/" + stateFile)
	}
	if errors.Is(err, fs.ErrNotExist) {
		rr.Close()
		return nil, lectern.Errorf(lectern.ENOTFOUND, "Media package %s not found.", id)
	} else if err != nil {
		rr.Close()
		return nil, fmt.Errorf("open media package %s: %w", id, err)
	}
	pr, err := rr.OpenRoot(rel)
	if err != nil {
		rr.Close()
		return nil, fmt.Errorf("open media package %s: %w", id, err)
	}
	return &pkgDir{id: id, dir: filepath.Join(recDir, stagingDir, id), rec: rr, root: pr}, nil
}

// MaxRecentPackages bounds the media packages of one recorder that
// changed within the expiry (UPLOAD_EXPIRY): an agent records a few a
// day, and a flood of createMediaPackage, each a folder and two files
// that Sweep removes only once idle, must not fill the file system's
// inodes. Ingested packages stop counting once idle.
const MaxRecentPackages = 500

// errTooMany marks a refusal for too many packages under way (429).
var errTooMany = errors.New("too many media packages")

// packageRoom refuses a new package when the recorder's staging folder
// (in rr, the recorder's folder) holds MaxRecentPackages packages that
// changed within the expiry.
func (h *Ingest) packageRoom(rr *os.Root) error {
	entries, err := fs.ReadDir(rr.FS(), stagingDir)
	if err != nil {
		return nil // no staging folder yet
	}
	since, n := h.now().Add(-h.expiry()), 0
	for _, e := range entries {
		if !e.IsDir() || !ValidID(e.Name()) {
			continue
		}
		if fi, err := e.Info(); err == nil && fi.ModTime().After(since) {
			n++
		}
	}
	if n >= MaxRecentPackages {
		h.log.Warn("opencast media package refused: too many under way", "packages", n)
		return &lectern.Error{Code: lectern.EINVALID, Err: errTooMany, Message: fmt.Sprintf(
			"This recorder has %d media packages changed within UPLOAD_EXPIRY, the most allowed: ingest them, or wait.", n)}
	}
	return nil
}

// ownedElsewhere reports whether another recorder's folder has a
// staging folder for media package id (one stat per recorder folder).
func (h *Ingest) ownedElsewhere(rec *lectern.Recorder, id string) bool {
	if !ValidID(id) {
		return false
	}
	dirs, err := os.ReadDir(h.cfg.Root)
	if err != nil {
		h.log.Warn("list recorder folders", "err", err)
		return false
	}
	for _, d := range dirs {
		if d.Name() == rec.Directory || !lectern.ValidDirectory(d.Name()) {
			continue
		}
		if _, err := os.Lstat(filepath.Join(h.cfg.Root, d.Name(), stagingDir, id)); err == nil {
			return true
		}
	}
	return false
}

// lockNow takes the package's lock (blocking).
func (p *pkgDir) lockNow() error {
	f, err := p.root.OpenFile(lockFile, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("open lock of media package %s: %w", p.id, err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		f.Close()
		return fmt.Errorf("lock media package %s: %w", p.id, err)
	}
	p.lock = f
	return nil
}

func unlockFile(f *os.File) error { return syscall.Flock(int(f.Fd()), syscall.LOCK_UN) }

// Close releases the lock and closes the folders.
func (p *pkgDir) Close() {
	p.unlock()
	p.root.Close()
	p.rec.Close()
}

// maxStateSize bounds a state.json read: a hundred elements and a
// workflow configuration of MaxFields fields hold far less. The staging
// folder is out of the recorder's reach (lectern.Reserved), but a file
// there is never read whole whatever its size.
const maxStateSize = 8 << 20

// readState reads a state file of at most maxStateSize bytes from f.
func readState(f fs.File, err error) ([]byte, error) {
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if fi, err := f.Stat(); err != nil {
		return nil, err
	} else if !fi.Mode().IsRegular() || fi.Size() > maxStateSize {
		return nil, fmt.Errorf("%s is not a regular file of at most %d bytes", stateFile, maxStateSize)
	}
	return io.ReadAll(io.LimitReader(f, maxStateSize))
}

// load reads the package's state; ENOTFOUND when it has none.
func (p *pkgDir) load() (*packageState, error) {
	b, err := readState(p.root.Open(stateFile))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, lectern.Errorf(lectern.ENOTFOUND, "Media package %s not found.", p.id)
	} else if err != nil {
		return nil, fmt.Errorf("read media package %s: %w", p.id, err)
	}
	var s packageState
	if err := json.Unmarshal(b, &s); err != nil {
		return nil, fmt.Errorf("read media package %s: %w", p.id, err)
	}
	// The recorder can reach its folder by FTP: a state naming anything
	// but a file of this folder is refused.
	for _, e := range s.Elements {
		if e.File == "" || strings.HasPrefix(e.File, ".") || strings.ContainsAny(e.File, `/\`) {
			return nil, fmt.Errorf("read media package %s: element file %q is not a file of its folder", p.id, e.File)
		}
	}
	return &s, nil
}

// save writes the package's state under a temporary name, then renames
// it: a crash leaves the old state or the new one, never half of one.
func (p *pkgDir) save(s *packageState) error {
	b, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return fmt.Errorf("encode media package %s: %w", p.id, err)
	}
	tmp := "." + stateFile + ".tmp"
	f, err := p.root.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return fmt.Errorf("write media package %s: %w", p.id, err)
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		return fmt.Errorf("write media package %s: %w", p.id, err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("sync media package %s: %w", p.id, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("write media package %s: %w", p.id, err)
	}
	if err := p.root.Rename(tmp, stateFile); err != nil {
		return fmt.Errorf("write media package %s: %w", p.id, err)
	}
	return nil
}

// tempFile creates a hidden file to receive an upload.
func (p *pkgDir) tempFile() (*os.File, string, error) {
	for range 10 {
		name := ".upload-" + strings.ToLower(rand.Text()[:16]) + ".part"
		f, err := p.root.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
		if errors.Is(err, fs.ErrExist) {
			continue
		} else if err != nil {
			return nil, "", fmt.Errorf("create upload file in media package %s: %w", p.id, err)
		}
		return f, name, nil
	}
	return nil, "", fmt.Errorf("create upload file in media package %s: every name taken", p.id)
}

// commitFile renames the whole upload tmp to the element's own name,
// <prefix>-<n><ext> with the first free n.
func (p *pkgDir) commitFile(tmp, prefix, ext string) (string, error) {
	for n := 1; n <= MaxElements*2; n++ {
		name := fmt.Sprintf("%s-%d%s", prefix, n, ext)
		if _, err := p.root.Lstat(name); err == nil {
			continue
		} else if !errors.Is(err, fs.ErrNotExist) {
			return "", fmt.Errorf("name file in media package %s: %w", p.id, err)
		}
		if err := p.root.Rename(tmp, name); err != nil {
			return "", fmt.Errorf("name file in media package %s: %w", p.id, err)
		}
		return name, nil
	}
	return "", invalid("The media package has too many files.")
}

// eventMarker is the name, in the recorder's staging folder, of the file
// that records which media package an event was ingested as: a hash of
// the event UID, which may hold any character.
func eventMarker(uid string) string {
	sum := sha256.Sum256([]byte(uid))
	return stagingDir + "/" + eventsDir + "/" + hex.EncodeToString(sum[:16])
}

// claimEvent records that event uid is ingested as this package, unless
// another package already was: it returns that package's id then ("" when
// the claim is this package's, new or from an earlier try). O_EXCL makes
// two ingests of one event race to one winner.
func (p *pkgDir) claimEvent(uid string) (other string, created bool, err error) {
	if err := p.rec.MkdirAll(stagingDir+"/"+eventsDir, 0o755); err != nil {
		return "", false, fmt.Errorf("record event %s: %w", uid, err)
	}
	name := eventMarker(uid)
	f, err := p.rec.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if errors.Is(err, fs.ErrExist) {
		b, rerr := p.rec.ReadFile(name)
		if rerr != nil {
			return "", false, fmt.Errorf("read event %s: %w", uid, rerr)
		}
		if id := strings.TrimSpace(string(b)); id != p.id {
			return id, false, nil
		}
		return "", false, nil
	} else if err != nil {
		return "", false, fmt.Errorf("record event %s: %w", uid, err)
	}
	_, werr := f.WriteString(p.id + "\n")
	if cerr := f.Close(); werr == nil {
		werr = cerr
	}
	if werr != nil {
		_ = p.rec.Remove(name)
		return "", false, fmt.Errorf("record event %s: %w", uid, werr)
	}
	return "", true, nil
}

// releaseEvent removes this package's claim on event uid (its ingest
// failed).
func (p *pkgDir) releaseEvent(uid string) {
	_ = p.rec.Remove(eventMarker(uid))
}
