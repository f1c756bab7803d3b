package opencast

import (
	"archive/zip"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"strings"
)

// ZipLimits bound an archive sent to addZippedMediaPackage, as the
// ZIP_MAX_* settings bound an audiovideocast archive (package avc). A
// zero field takes its value in DefaultZipLimits.
type ZipLimits struct {
	MaxEntries      int     // entries of the archive (ZIP_MAX_ENTRIES)
	MaxUncompressed int64   // sum of the entries' declared sizes (ZIP_MAX_UNCOMPRESSED)
	MaxRatio        float64 // how many times an entry may expand (ZIP_MAX_RATIO)
}

// DefaultZipLimits: a media package holds a few tracks and catalogs; the
// rest are avc's defaults (64 GiB, 100 times).
var DefaultZipLimits = ZipLimits{MaxEntries: 1000, MaxUncompressed: 64 << 30, MaxRatio: 100}

// ratioMinSize is the declared size from which an entry's ratio is
// checked: a small catalog may compress very well and fill no disk.
const ratioMinSize = 1 << 20

func (l ZipLimits) withDefaults() ZipLimits {
	if l.MaxEntries <= 0 {
		l.MaxEntries = DefaultZipLimits.MaxEntries
	}
	if l.MaxUncompressed <= 0 {
		l.MaxUncompressed = DefaultZipLimits.MaxUncompressed
	}
	if !(l.MaxRatio > 0) || math.IsInf(l.MaxRatio, 0) {
		l.MaxRatio = DefaultZipLimits.MaxRatio
	}
	return l
}

// errDirectoryTooLarge stops archive/zip reading a central directory
// larger than the entries allowed need.
var errDirectoryTooLarge = errors.New("central directory too large")

// budgetReaderAt fails reads past a budget while archive/zip loads the
// central directory, so that a hostile directory cannot fill memory.
type budgetReaderAt struct {
	r    io.ReaderAt
	left int64
	off  bool
}

func (b *budgetReaderAt) ReadAt(p []byte, off int64) (int, error) {
	if !b.off {
		if int64(len(p)) > b.left {
			return 0, errDirectoryTooLarge
		}
		b.left -= int64(len(p))
	}
	return b.r.ReadAt(p, off)
}

// openZip reads the archive's directory within lim and checks every
// entry: a name with "..", an absolute or Windows path or a control
// character, a symbolic link or other special file, more declared bytes
// than MaxUncompressed in all, or an entry over ratioMinSize that would
// expand more than MaxRatio times (a zip bomb) refuse the whole archive.
// Entry names are only ever compared with the manifest's urls: no file is
// written under a name from the archive.
func openZip(f *os.File, lim ZipLimits) (*zip.Reader, error) {
	fi, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("stat archive: %w", err)
	}
	br := &budgetReaderAt{r: f, left: int64(lim.MaxEntries)*512 + 256<<10}
	zr, err := zip.NewReader(br, fi.Size())
	if errors.Is(err, errDirectoryTooLarge) {
		return nil, invalid("The archive's directory is larger than %d entries need.", lim.MaxEntries)
	} else if err != nil && !errors.Is(err, zip.ErrInsecurePath) {
		return nil, invalid("The archive is not a ZIP file, or it is truncated or damaged.")
	}
	br.off = true
	if len(zr.File) > lim.MaxEntries {
		return nil, invalid("The archive holds %d entries, more than %d.", len(zr.File), lim.MaxEntries)
	}
	var total uint64
	for _, e := range zr.File {
		if msg := badEntryName(e.Name); msg != "" {
			return nil, invalid("Entry %.80q %s.", e.Name, msg)
		}
		if t := e.Mode().Type(); t&^fs.ModeDir != 0 {
			return nil, invalid("Entry %.80q is not a regular file (%s): refused.", e.Name, t)
		}
		total += e.UncompressedSize64
		if e.UncompressedSize64 > uint64(lim.MaxUncompressed) || total > uint64(lim.MaxUncompressed) {
			return nil, invalid("The archive declares more than %d bytes once extracted.", lim.MaxUncompressed)
		}
		if e.UncompressedSize64 > ratioMinSize &&
			float64(e.UncompressedSize64) > lim.MaxRatio*float64(max(e.CompressedSize64, 1)) {
			return nil, invalid("Entry %.80q would expand from %d to %d bytes, more than %g times: refused as a zip bomb.",
				e.Name, e.CompressedSize64, e.UncompressedSize64, lim.MaxRatio)
		}
	}
	return zr, nil
}

// badEntryName says what is wrong with an entry's name, or "".
func badEntryName(name string) string {
	for i := 0; i < len(name); i++ {
		if c := name[i]; c < 0x20 || c == 0x7f {
			return "has a control character in its name"
		}
	}
	switch {
	case name == "":
		return "has no name"
	case strings.Contains(name, `\`):
		return "has a backslash in its name"
	case strings.HasPrefix(name, "/"), len(name) >= 2 && name[1] == ':':
		return "is an absolute path"
	}
	for part := range strings.SplitSeq(name, "/") {
		if part == ".." {
			return `has a ".." component: refused`
		}
	}
	return ""
}
