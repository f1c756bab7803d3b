package avc

import (
	"archive/zip"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"syscall"

	"lectern"
)

// SMILName is the name of the SMIL file in an audiovideocast archive.
const SMILName = "cours.smil"

// Archive is an audiovideocast ZIP that Open found sound. Its extraction
// methods may run concurrently; Close must come after them.
type Archive struct {
	file   *os.File
	name   string // the archive's base name, for messages
	size   int64
	smil   *zip.File
	media  *zip.File
	slides []*zip.File // the entry of each of pres.Slides
	pres   Presentation
	closed bool
}

// Open opens the audiovideocast archive at path and checks it whole,
// within lim: every entry of its directory, its SMIL, and that its media
// and slides name entries that can be read (see the package
// documentation for the rules). A refusal is an EINVALID
// *lectern.Error naming the entry at fault; any other error (the file
// cannot be read) is returned wrapped. Close the Archive when done.
func Open(path string, lim Limits) (*Archive, error) {
	lim = lim.withDefaults()
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open audiovideocast archive: %w", err)
	}
	a := &Archive{file: f, name: filepath.Base(path)}
	if err := a.load(lim); err != nil {
		f.Close()
		return nil, err
	}
	return a, nil
}

// Presentation returns the archive's presentation, its Media and its
// slides' Image being the names of archive entries, cleaned (path.Clean:
// "./a//b.jpg" is "a/b.jpg").
func (a *Archive) Presentation() *Presentation {
	p := a.pres
	p.Slides = slices.Clone(a.pres.Slides)
	return &p
}

// SMIL returns the name of the archive's SMIL entry (cleaned, as the
// Presentation's names).
func (a *Archive) SMIL() string { return path.Clean(a.smil.Name) }

// MediaSize returns the declared size of the media, in bytes: what
// ExtractMedia will write.
func (a *Archive) MediaSize() int64 { return int64(a.media.UncompressedSize64) }

// Close closes the archive's file. It may be called more than once.
func (a *Archive) Close() error {
	if a.closed {
		return nil
	}
	a.closed = true
	return a.file.Close()
}

// invalid returns the EINVALID error of a refused archive.
func (a *Archive) invalid(err error, format string, args ...any) error {
	return &lectern.Error{Op: "open " + a.name, Code: lectern.EINVALID, Message: fmt.Sprintf(format, args...), Err: err}
}

// load reads and checks the directory and the SMIL.
func (a *Archive) load(lim Limits) error {
	fi, err := a.file.Stat()
	if err != nil {
		return fmt.Errorf("open %s: %w", a.name, err)
	}
	if !fi.Mode().IsRegular() {
		return a.invalid(nil, "%s is not a regular file", a.name)
	}
	a.size = fi.Size()
	n, err := declaredEntries(a.file, a.size)
	if err != nil {
		return a.zipError(err)
	}
	if n > uint64(lim.MaxEntries) {
		return a.invalid(nil, "%s holds %d entries, more than the limit of %d", a.name, n, lim.MaxEntries)
	}
	br := &budgetReader{r: a.file, left: lim.directoryBudget()}
	zr, err := zip.NewReader(br, a.size)
	if errors.Is(err, errDirectoryTooLarge) {
		return a.invalid(err, "%s has a central directory larger than %d entries need: refused, it could fill memory", a.name, lim.MaxEntries)
	} else if err != nil && !errors.Is(err, zip.ErrInsecurePath) { // names are checked below, one by one
		return a.zipError(err)
	}
	br.unlimited = true
	if len(zr.File) > lim.MaxEntries {
		return a.invalid(nil, "%s holds %d entries, more than the limit of %d", a.name, len(zr.File), lim.MaxEntries)
	}
	files, err := a.checkEntries(zr.File, lim)
	if err != nil {
		return err
	}
	if a.smil, err = a.findSMIL(zr.File, files); err != nil {
		return err
	}
	if err := a.readSMIL(); err != nil {
		return err
	}
	return a.resolve(files, lim)
}

// zipError is the error of an archive archive/zip cannot read: EINVALID,
// unless the disk failed.
func (a *Archive) zipError(err error) error {
	var errno syscall.Errno
	if errors.As(err, &errno) {
		return fmt.Errorf("open %s: %w", a.name, err)
	}
	return a.invalid(err, "%s is not a ZIP archive, or it is truncated or damaged", a.name)
}

// readSMIL reads and parses the SMIL entry.
func (a *Archive) readSMIL() error {
	f := a.smil
	if err := a.checkReadable(f, "The SMIL file"); err != nil {
		return err
	}
	if f.UncompressedSize64 > MaxSMILSize {
		return a.invalid(nil, "The SMIL file %q is larger than %d MiB", f.Name, MaxSMILSize>>20)
	}
	rc, err := a.openEntry("open "+a.name, f)
	if err != nil {
		return err
	}
	defer rc.Close()
	data, err := io.ReadAll(io.LimitReader(rc, MaxSMILSize+1))
	if err != nil {
		return a.readError("open "+a.name, f, err)
	}
	p, err := parseSMIL("open "+a.name, fmt.Sprintf("The SMIL file %q", f.Name), data)
	if err != nil {
		return err
	}
	a.pres = *p
	return nil
}

// resolve finds the entries of the media and the slides.
func (a *Archive) resolve(files map[string]*zip.File, lim Limits) error {
	if len(a.pres.Slides) > lim.MaxEntries {
		return a.invalid(nil, "The SMIL file %q lists %d slides, more than the limit of %d", a.smil.Name, len(a.pres.Slides), lim.MaxEntries)
	}
	dir := path.Dir(path.Clean(a.smil.Name))
	name, f, err := a.lookup(files, dir, "the media", a.pres.Media)
	if err != nil {
		return err
	}
	if err := a.checkReadable(f, "The media"); err != nil {
		return err
	}
	if f.UncompressedSize64 == 0 {
		return a.invalid(nil, "The media %q is empty", f.Name)
	}
	a.media, a.pres.Media = f, name
	a.slides = make([]*zip.File, len(a.pres.Slides))
	for i, s := range a.pres.Slides {
		name, f, err := a.lookup(files, dir, fmt.Sprintf("slide %d", i+1), s.Image)
		if err != nil {
			return err
		}
		if err := a.checkReadable(f, fmt.Sprintf("Slide %d", i+1)); err != nil {
			return err
		}
		if f.UncompressedSize64 == 0 {
			return a.invalid(nil, "Slide %d (%q) is empty", i+1, f.Name)
		}
		a.slides[i], a.pres.Slides[i].Image = f, name
	}
	return nil
}

// lookup returns the file entry src names, relative to the SMIL's folder
// dir ("." at the root), and its cleaned name. what names src in messages
// ("the media").
func (a *Archive) lookup(files map[string]*zip.File, dir, what, src string) (string, *zip.File, error) {
	s := strings.ReplaceAll(src, `\`, "/") // a Windows recorder's separator
	if i := strings.IndexByte(s, ':'); i >= 0 && !strings.Contains(s[:i], "/") {
		return "", nil, a.invalid(nil, "The SMIL file %q gives %s as %q, a URL or a Windows path, not a file of the archive", a.smil.Name, what, src)
	}
	if strings.HasPrefix(s, "/") {
		return "", nil, a.invalid(nil, "The SMIL file %q gives %s as %q, an absolute path: paths must be relative to its folder", a.smil.Name, what, src)
	}
	name, ok := inside(dir, s)
	if !ok {
		return "", nil, a.invalid(nil, "The SMIL file %q gives %s as %q, which leaves its folder", a.smil.Name, what, src)
	}
	if f := files[name]; f != nil {
		return name, f, nil
	}
	// A URI may escape its spaces ("my%20slide.jpg").
	if strings.Contains(s, "%") {
		if u, err := url.PathUnescape(s); err == nil {
			if n, ok := inside(dir, u); ok && files[n] != nil {
				return n, files[n], nil
			}
		}
	}
	return "", nil, a.invalid(nil, "The SMIL file %q gives %s as %q, but the archive has no %q", a.smil.Name, what, src, name)
}

// inside joins dir and the relative path rel, and reports whether the
// result stays inside dir.
func inside(dir, rel string) (string, bool) {
	name := path.Join(dir, rel)
	if dir == "." {
		return name, name != "." && name != ".." && !strings.HasPrefix(name, "../")
	}
	return name, strings.HasPrefix(name, dir+"/")
}

// checkReadable refuses an entry that cannot be extracted: encrypted,
// compressed otherwise than stored or deflated, or whose data would end
// past the end of the file. what starts the message ("The media").
func (a *Archive) checkReadable(f *zip.File, what string) error {
	if f.Flags&0x1 != 0 {
		return a.invalid(nil, "%s %q is encrypted", what, f.Name)
	}
	if f.Method != zip.Store && f.Method != zip.Deflate {
		return a.invalid(nil, "%s %q is compressed with method %d: Lectern reads stored and deflated entries only", what, f.Name, f.Method)
	}
	off, err := f.DataOffset()
	if err != nil {
		return a.readError("open "+a.name, f, err)
	}
	if off < 0 || off > a.size || uint64(a.size-off) < f.CompressedSize64 {
		return a.invalid(nil, "%s %q ends past the end of %s: the archive is truncated", what, f.Name, a.name)
	}
	return nil
}
