package avc

import (
	"archive/zip"
	"compress/flate"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"path/filepath"
	"strings"
	"syscall"
	"unicode/utf8"

	"lectern"
)

// checkEntries checks every entry of the directory: its name, its type,
// its sizes, and that no two share a name. It returns the file entries by
// cleaned name.
func (a *Archive) checkEntries(list []*zip.File, lim Limits) (map[string]*zip.File, error) {
	files := make(map[string]*zip.File, len(list))
	names := make(map[string]string, len(list)) // cleaned name -> entry name, files and folders
	var total, compressed uint64
	for _, f := range list {
		if f.Name == "" {
			return nil, a.invalid(nil, "%s has an entry without a name", a.name)
		}
		if msg := badName(f); msg != "" {
			return nil, a.invalid(nil, "Entry %q %s", f.Name, msg)
		}
		mode := f.Mode()
		if mode&fs.ModeSymlink != 0 {
			return nil, a.invalid(nil, "Entry %q is a symbolic link: refused, it could point outside the archive", f.Name)
		}
		if mode.Type()&^fs.ModeDir != 0 {
			return nil, a.invalid(nil, "Entry %q is not a regular file or a folder (%s)", f.Name, mode.Type())
		}
		if f.CompressedSize64 > uint64(a.size) {
			return nil, a.invalid(nil, "Entry %q declares %d compressed bytes, more than the %d bytes of %s: the archive is truncated or damaged",
				f.Name, f.CompressedSize64, a.size, a.name)
		}
		compressed += f.CompressedSize64
		if f.UncompressedSize64 > uint64(lim.MaxUncompressed) || total+f.UncompressedSize64 > uint64(lim.MaxUncompressed) {
			return nil, a.invalid(nil, "%s declares more than %d bytes once extracted, the limit (reached at entry %q)", a.name, lim.MaxUncompressed, f.Name)
		}
		total += f.UncompressedSize64
		if f.UncompressedSize64 > RatioMinSize && overRatio(f.UncompressedSize64, f.CompressedSize64, lim.MaxRatio) {
			return nil, a.invalid(nil, "Entry %q would expand from %d to %d bytes, more than %g times: refused as a zip bomb",
				f.Name, f.CompressedSize64, f.UncompressedSize64, lim.MaxRatio)
		}

		dir := strings.HasSuffix(f.Name, "/") || mode.IsDir()
		name := path.Clean(f.Name)
		if name == "." {
			if dir {
				continue // "./": the root itself
			}
			return nil, a.invalid(nil, "Entry %q has no file name", f.Name)
		}
		if prev, ok := names[name]; ok {
			return nil, a.invalid(nil, "Entries %q and %q have the same name", prev, f.Name)
		}
		names[name] = f.Name
		if !dir {
			files[name] = f
		}
	}
	if compressed > uint64(a.size) {
		return nil, a.invalid(nil, "The entries of %s declare %d bytes of data, more than the %d bytes of the file: they overlap (a zip bomb's trick) or the archive is truncated",
			a.name, compressed, a.size)
	}
	if total > RatioMinSize && overRatio(total, compressed, lim.MaxRatio) {
		return nil, a.invalid(nil, "%s would expand from %d to %d bytes, more than %g times: refused as a zip bomb",
			a.name, compressed, total, lim.MaxRatio)
	}
	for _, f := range list {
		name := path.Clean(f.Name)
		if files[name] != f {
			continue
		}
		for d := path.Dir(name); d != "."; d = path.Dir(d) {
			if g := files[d]; g != nil {
				return nil, a.invalid(nil, "Entry %q is inside %q, which is a file", f.Name, g.Name)
			}
		}
	}
	return files, nil
}

func overRatio(uncompressed, compressed uint64, limit float64) bool {
	return float64(uncompressed) > limit*float64(max(compressed, 1))
}

// badName returns what is wrong with the entry's name, ending a sentence
// that starts with the name, or "".
func badName(f *zip.File) string {
	name := f.Name
	for i := 0; i < len(name); i++ {
		if c := name[i]; c < 0x20 || c == 0x7f {
			return "has a control character in its name"
		}
	}
	switch {
	case strings.Contains(name, `\`):
		return `has a backslash in its name: ZIP names separate folders with "/", and Windows would read it as a separator`
	case strings.HasPrefix(name, "/"):
		return "is an absolute path"
	case len(name) >= 2 && name[1] == ':' && ('a' <= name[0]|0x20 && name[0]|0x20 <= 'z'):
		return "is an absolute Windows path"
	case f.Flags&0x800 != 0 && !utf8.ValidString(name):
		return "is marked as UTF-8 but its name is not valid UTF-8"
	}
	for part := range strings.SplitSeq(name, "/") {
		if part == ".." {
			return `has a ".." component: refused, it could point outside the folder it is extracted to`
		}
	}
	return ""
}

// ignored reports whether the cleaned entry name is one macOS's archiver
// adds: under __MACOSX/, or a .DS_Store file.
func ignored(name string) bool {
	top, _, _ := strings.Cut(name, "/")
	return top == "__MACOSX" || path.Base(name) == ".DS_Store"
}

// findSMIL returns the archive's one SMIL entry (see the package
// documentation).
func (a *Archive) findSMIL(list []*zip.File, files map[string]*zip.File) (*zip.File, error) {
	stem := strings.TrimSuffix(a.name, filepath.Ext(a.name))
	var found []*zip.File
	tops := make(map[string]bool) // top-level folders
	rootFiles := false
	for _, f := range list {
		name := path.Clean(f.Name)
		if name == "." || ignored(name) {
			continue
		}
		if top, _, nested := strings.Cut(name, "/"); nested || files[name] == nil {
			tops[top] = true
		} else {
			rootFiles = true
		}
		if files[name] == f && strings.Count(name, "/") <= 1 && strings.EqualFold(path.Base(name), SMILName) {
			found = append(found, f)
		}
	}
	switch len(found) {
	case 0:
		return nil, a.invalid(nil, "%s holds no %s: expected %q, or %s at its root", a.name, SMILName, stem+"/"+SMILName, SMILName)
	case 1:
	default:
		names := make([]string, len(found))
		for i, f := range found {
			names[i] = fmt.Sprintf("%q", f.Name)
		}
		return nil, a.invalid(nil, "%s holds several SMIL files (%s): Lectern cannot tell which one describes the recording", a.name, strings.Join(names, ", "))
	}
	f := found[0]
	dir := path.Dir(path.Clean(f.Name))
	if dir == "." || dir == stem || len(tops) == 1 && !rootFiles {
		return f, nil
	}
	return nil, a.invalid(nil, "%s has its SMIL file in %q, a folder named neither after the archive (%q) nor its only folder", a.name, dir+"/", stem+"/")
}

// openEntry opens an entry for reading.
func (a *Archive) openEntry(op string, f *zip.File) (io.ReadCloser, error) {
	rc, err := f.Open()
	if err != nil {
		return nil, a.readError(op, f, err)
	}
	return rc, nil
}

// readError is the error of reading entry f: EINVALID when the archive is
// at fault, wrapped when the disk is.
func (a *Archive) readError(op string, f *zip.File, err error) error {
	var (
		errno   syscall.Errno
		corrupt flate.CorruptInputError
		msg     string
	)
	switch {
	case errors.As(err, &errno):
		return fmt.Errorf("%s: read %s: %w", op, f.Name, err)
	case errors.Is(err, zip.ErrChecksum):
		msg = "fails its CRC-32 check: the archive is damaged"
	case errors.Is(err, zip.ErrFormat):
		msg = "is damaged: its data or its header does not match the archive's directory"
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		msg = "is truncated: its data ends before the size it declares"
	case errors.Is(err, zip.ErrAlgorithm):
		msg = fmt.Sprintf("is compressed with method %d: Lectern reads stored and deflated entries only", f.Method)
	case errors.As(err, &corrupt):
		msg = "has damaged compressed data"
	default:
		msg = "cannot be read"
	}
	return &lectern.Error{Op: op, Code: lectern.EINVALID, Message: fmt.Sprintf("Entry %q %s", f.Name, msg), Err: err}
}
