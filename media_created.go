package lectern

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"time"
)

// Bounds of MediaCreationTime's walk through a file's boxes: a recorder's
// MP4 or MOV has a handful at the top (ftyp, free, mdat, moov) and a
// handful in moov (mvhd first, then the tracks).
const (
	mediaMaxBoxes = 64
	// mediaMinTime: a creation time before 1971 is none (0, the 1904
	// epoch, or the Unix epoch a misconfigured recorder writes).
	mediaMinYear = 1971
)

// mp4Epoch is where MP4 and QuickTime times count from: 1904-01-01 UTC.
var mp4Epoch = time.Date(1904, 1, 1, 0, 0, 0, 0, time.UTC)

// MediaCreationTime reads the creation time of an MP4 or MOV file: the
// movie header's (moov/mvhd), which recorders set to when the recording
// started and ffmpeg's -metadata creation_time= writes. ok is false when
// the file is not an ISO media file, has no movie header, or its time is
// unset (zero, the 1904 or the Unix epoch).
//
// Hand-rolled rather than ffprobe or a box library: Intake.Complete calls
// it on every deposit, on the FTP server's path before its 226, which must
// stay fast (no process per deposit); and it reads one field of one box,
// in a bounded walk (mediaMaxBoxes boxes per level, seeking over the media
// data, never reading it), where a full MP4 library would parse the whole
// box tree.
func MediaCreationTime(path string) (t time.Time, ok bool, err error) {
	f, err := os.Open(path)
	if err != nil {
		return time.Time{}, false, fmt.Errorf("read creation time of %s: %w", path, err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return time.Time{}, false, fmt.Errorf("read creation time of %s: %w", path, err)
	}
	moov, size, found, err := findBox(f, 0, fi.Size(), "moov")
	if err != nil || !found {
		return time.Time{}, false, err
	}
	mvhd, size, found, err := findBox(f, moov, moov+size, "mvhd")
	if err != nil || !found || size < 12 {
		return time.Time{}, false, err
	}
	var head [12]byte // version, flags, then the creation time (32 or 64 bits)
	if _, err := f.ReadAt(head[:], mvhd); err != nil {
		return time.Time{}, false, nil
	}
	var secs uint64
	switch head[0] {
	case 0:
		secs = uint64(binary.BigEndian.Uint32(head[4:8]))
	case 1:
		secs = binary.BigEndian.Uint64(head[4:12])
	default:
		return time.Time{}, false, nil
	}
	if secs > 1<<40 { // past year 36000: garbage
		return time.Time{}, false, nil
	}
	t = mp4Epoch.Add(time.Duration(secs) * time.Second)
	if t.Year() < mediaMinYear {
		return time.Time{}, false, nil
	}
	return t, true, nil
}

// findBox looks among the boxes in [from, to) of r for one of type typ,
// and returns the offset of its content and the content's size.
func findBox(r io.ReaderAt, from, to int64, typ string) (content, size int64, found bool, err error) {
	off := from
	for range mediaMaxBoxes {
		if to-off < 8 {
			return 0, 0, false, nil
		}
		var h [16]byte
		if _, err := r.ReadAt(h[:8], off); err != nil {
			return 0, 0, false, readErr(err)
		}
		boxSize, head := int64(binary.BigEndian.Uint32(h[:4])), int64(8)
		switch boxSize {
		case 0: // to the end
			boxSize = to - off
		case 1: // a 64-bit size follows the type
			if _, err := r.ReadAt(h[8:16], off+8); err != nil {
				return 0, 0, false, readErr(err)
			}
			big := binary.BigEndian.Uint64(h[8:16])
			if big > 1<<62 {
				return 0, 0, false, nil
			}
			boxSize, head = int64(big), 16
		}
		if boxSize < head || boxSize > to-off {
			return 0, 0, false, nil // not an ISO media file, or a truncated one
		}
		if string(h[4:8]) == typ {
			return off + head, boxSize - head, true, nil
		}
		off += boxSize
	}
	return 0, 0, false, nil
}

// readErr is nil for a file shorter than its boxes say (not a media file
// for this purpose), the error otherwise.
func readErr(err error) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return nil
	}
	return err
}
