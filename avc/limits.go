package avc

import "math"

// Limits bound what an archive may hold. A zero or negative field takes
// its value in DefaultLimits.
type Limits struct {
	// MaxEntries bounds the entries of the archive, folders and ignored
	// entries included, and the slides its SMIL may list
	// (ZIP_MAX_ENTRIES).
	MaxEntries int
	// MaxUncompressed bounds the sum of the entries' declared sizes, in
	// bytes: what extracting everything would write (ZIP_MAX_UNCOMPRESSED).
	MaxUncompressed int64
	// MaxRatio bounds how many times an entry of more than RatioMinSize
	// bytes, and the whole archive, may expand (ZIP_MAX_RATIO).
	MaxRatio float64
}

// DefaultLimits are generous for real recordings and far below what a
// hostile archive needs:
//
//   - 10,000 entries: recorders write a slide and its thumbnail at each
//     change, so this is a four-hour lecture with a new slide every three
//     seconds; the central directory Open keeps in memory stays a few
//     megabytes.
//   - 64 GiB: an eight-hour 1080p recording at 15 Mbit/s is 54 GB. The
//     declared size is what extraction writes to disk.
//   - 100 times: recorders store the media (1:1), JPEG and PNG slides
//     hardly compress, text compresses ten times at most, while deflate
//     can expand about 1,000 times: a bomb's entries are far above 100.
var DefaultLimits = Limits{MaxEntries: 10000, MaxUncompressed: 64 << 30, MaxRatio: 100}

// RatioMinSize is the declared size from which an entry's compression
// ratio is checked, and the whole archive's: a small entry, such as a
// SMIL full of repeated markup, may compress very well and cannot fill a
// disk.
const RatioMinSize = 1 << 20

// directoryBytesPerEntry is how much central directory Open reads per
// allowed entry (Limits.MaxEntries) before it refuses the archive. A
// directory record is 46 bytes plus the name and extra fields, under 200
// in practice.
const directoryBytesPerEntry = 512

func (l Limits) withDefaults() Limits {
	if l.MaxEntries <= 0 {
		l.MaxEntries = DefaultLimits.MaxEntries
	}
	if l.MaxUncompressed <= 0 {
		l.MaxUncompressed = DefaultLimits.MaxUncompressed
	}
	if !(l.MaxRatio > 0) || math.IsInf(l.MaxRatio, 0) {
		l.MaxRatio = DefaultLimits.MaxRatio
	}
	return l
}

// directoryBudget is how many bytes Open lets archive/zip read while it
// loads the central directory: the directory itself, the end records
// (up to 66 KiB searched) and some read-ahead.
func (l Limits) directoryBudget() int64 {
	return int64(l.MaxEntries)*directoryBytesPerEntry + 256<<10
}
