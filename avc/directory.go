package avc

import (
	"archive/zip"
	"encoding/binary"
	"errors"
	"io"
)

// archive/zip loads the whole central directory before anyone can count
// its entries, and sizes a slice by the count the end record declares. So
// that a forged directory cannot fill memory, Open first reads the
// declared count itself (declaredEntries), then lets archive/zip read the
// directory through a budgetReader.

const (
	endLen      = 22 // end of central directory record, without its comment
	end64LocLen = 20 // zip64 end of central directory locator
	end64Len    = 56 // zip64 end of central directory record
)

// declaredEntries returns the number of entries the archive's end of
// central directory record declares, found as archive/zip finds it: the
// last signature in the last 1 KiB, else in the last 65 KiB, whose
// comment fits, and the zip64 record when the locator before it is
// valid. It returns zip.ErrFormat when there is no end record or the
// zip64 one is damaged.
func declaredEntries(r io.ReaderAt, size int64) (uint64, error) {
	var buf []byte
	var endOffset int64
	for i, n := range []int64{1024, 65 * 1024} {
		n = min(n, size)
		buf = make([]byte, n)
		if _, err := r.ReadAt(buf, size-n); err != nil && err != io.EOF {
			return 0, err
		}
		if p := findEnd(buf); p >= 0 {
			buf, endOffset = buf[p:], size-n+int64(p)
			break
		}
		if i == 1 || n == size {
			return 0, zip.ErrFormat
		}
	}
	le := binary.LittleEndian
	records := uint64(le.Uint16(buf[10:]))
	dirSize, dirOffset := le.Uint32(buf[12:]), le.Uint32(buf[16:])
	if records != 0xffff && dirSize != 0xffff && dirOffset != 0xffffffff {
		return records, nil
	}
	// Perhaps a zip64 archive: archive/zip then uses the zip64 record if
	// the locator just before the end record is valid.
	if endOffset < end64LocLen {
		return records, nil
	}
	loc := make([]byte, end64LocLen)
	if _, err := r.ReadAt(loc, endOffset-end64LocLen); err != nil {
		return 0, zip.ErrFormat
	}
	if le.Uint32(loc) != 0x07064b50 || le.Uint32(loc[4:]) != 0 || le.Uint32(loc[16:]) != 1 {
		return records, nil
	}
	p := le.Uint64(loc[8:])
	if p > uint64(size) || uint64(size)-p < end64Len {
		return 0, zip.ErrFormat
	}
	rec := make([]byte, end64Len)
	if _, err := r.ReadAt(rec, int64(p)); err != nil || le.Uint32(rec) != 0x06064b50 {
		return 0, zip.ErrFormat
	}
	return le.Uint64(rec[32:]), nil
}

// findEnd returns the offset of the end record in b, or -1, as
// archive/zip's findSignatureInBlock does.
func findEnd(b []byte) int {
	for i := len(b) - endLen; i >= 0; i-- {
		if b[i] == 'P' && b[i+1] == 'K' && b[i+2] == 0x05 && b[i+3] == 0x06 {
			n := int(b[i+endLen-2]) | int(b[i+endLen-1])<<8
			if n+endLen+i > len(b) {
				return -1
			}
			return i
		}
	}
	return -1
}

// errDirectoryTooLarge is what a budgetReader returns once its budget is
// spent.
var errDirectoryTooLarge = errors.New("central directory larger than allowed")

// budgetReader lets archive/zip read at most left bytes while it loads the
// directory; Open then sets unlimited before the archive is used.
type budgetReader struct {
	r         io.ReaderAt
	left      int64
	unlimited bool
}

func (b *budgetReader) ReadAt(p []byte, off int64) (int, error) {
	if b.unlimited {
		return b.r.ReadAt(p, off)
	}
	if int64(len(p)) > b.left {
		return 0, errDirectoryTooLarge
	}
	b.left -= int64(len(p))
	return b.r.ReadAt(p, off)
}
