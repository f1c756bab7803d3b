package ffmpeg

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// A rendition is one file: a fragmented MP4 (a fragment at each
// keyframe) whose moov is at the front, followed by a global sidx that
// indexes every fragment (ffmpeg's mov muxer, fragMovflags). It is the
// MP4 a browser plays or a viewer downloads (the sidx lets a player seek
// without reading the fragments first, as faststart's index does), and
// the media of the rendition's HLS playlist, which names byte ranges of
// it: the file is written once, not once per format.
//
// The playlist is written here from the sidx rather than by ffmpeg's HLS
// muxer, which writes its own copy of the media. Reading the few boxes
// needed (ftyp, moov's tracks, sidx) is small and central; an MP4
// library would bring much more than this needs.

// fragMovflags make ffmpeg's mov muxer write a rendition as above.
const fragMovflags = "+frag_keyframe+empty_moov+default_base_moof+global_sidx"

// maxIndexBox bounds the moov and sidx boxes read: a sidx of a day of
// 1 s fragments is about 1 MiB.
const maxIndexBox = 16 << 20

// fragment is one moof+mdat of a rendition's file.
type fragment struct {
	offset, size int64
	start, dur   float64 // seconds, from the file's start
}

// fragIndex is what a rendition's file says of itself.
type fragIndex struct {
	initSize  int64 // ftyp and moov: the HLS init section
	fragments []fragment
	tracks    []mp4Track
	sidxes    []sidxBox
}

// mp4Track is one trak of a moov.
type mp4Track struct {
	id      uint32
	handler string // "vide", "soun"
}

// maxDur is the longest fragment's duration.
func (x *fragIndex) maxDur() float64 {
	m := 0.0
	for _, f := range x.fragments {
		m = max(m, f.dur)
	}
	return m
}

// readFragIndex reads the index of the fragmented MP4 at path: the size
// of its init section and, from the sidx of its video track (its only
// track's when there is one), the offset, size and time of every
// fragment.
func readFragIndex(path string) (*fragIndex, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("fragment index: %w", err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("fragment index: %w", err)
	}
	name := filepath.Base(path)
	var (
		x       fragIndex
		off     int64
		sawMoov bool
	)
	for off < fi.Size() {
		typ, hdr, size, err := boxHeader(f, off, fi.Size())
		if err != nil {
			return nil, fmt.Errorf("fragment index of %s: %w", name, err)
		}
		switch typ {
		case "moov", "sidx":
			if size-hdr > maxIndexBox {
				return nil, fmt.Errorf("fragment index of %s: %s box of %d bytes", name, typ, size)
			}
			b := make([]byte, size-hdr)
			if _, err := f.ReadAt(b, off+hdr); err != nil {
				return nil, fmt.Errorf("fragment index of %s: %w", name, err)
			}
			if typ == "moov" {
				sawMoov, x.initSize, x.tracks = true, off+size, moovTracks(b)
			} else {
				s, err := parseSidx(b, off+size)
				if err != nil {
					return nil, fmt.Errorf("fragment index of %s: %w", name, err)
				}
				x.sidxes = append(x.sidxes, s)
			}
		case "moof":
			off = fi.Size() // the index is before the first fragment
			continue
		}
		off += size
	}
	if !sawMoov {
		return nil, fmt.Errorf("fragment index of %s: no moov box", name)
	}
	if len(x.sidxes) == 0 {
		return nil, fmt.Errorf("fragment index of %s: no sidx box (not written with global_sidx)", name)
	}
	s := x.sidxes[0]
	if v, ok := x.sidxOf("vide"); ok {
		s = v
	}
	at, t := s.first, 0.0
	for _, r := range s.refs {
		if r.size <= 0 || at+r.size > fi.Size() {
			return nil, fmt.Errorf("fragment index of %s: a fragment of %d bytes at %d is outside the file", name, r.size, at)
		}
		d := float64(r.dur) / float64(s.timescale)
		x.fragments = append(x.fragments, fragment{offset: at, size: r.size, start: t, dur: d})
		at += r.size
		t += d
	}
	if len(x.fragments) == 0 {
		return nil, fmt.Errorf("fragment index of %s: no fragment", name)
	}
	return &x, nil
}

// boxHeader reads the header of the box at off: its type, header length
// and whole size.
func boxHeader(r io.ReaderAt, off, end int64) (typ string, hdr, size int64, err error) {
	var b [16]byte
	if _, err := r.ReadAt(b[:8], off); err != nil {
		return "", 0, 0, fmt.Errorf("box at %d: %w", off, err)
	}
	typ, hdr, size = string(b[4:8]), 8, int64(binary.BigEndian.Uint32(b[:4]))
	switch size {
	case 0:
		size = end - off
	case 1:
		if _, err := r.ReadAt(b[8:16], off+8); err != nil {
			return "", 0, 0, fmt.Errorf("box at %d: %w", off, err)
		}
		hdr, size = 16, int64(binary.BigEndian.Uint64(b[8:16]))
	}
	if size < hdr || size > end-off {
		return "", 0, 0, fmt.Errorf("box %q at %d: size %d does not fit the file", typ, off, size)
	}
	return typ, hdr, size, nil
}

// children calls fn with the type and body of each box in b.
func children(b []byte, fn func(typ string, body []byte)) {
	for len(b) >= 8 {
		size := int(binary.BigEndian.Uint32(b[:4]))
		if size < 8 || size > len(b) {
			return
		}
		fn(string(b[4:8]), b[8:size])
		b = b[size:]
	}
}

// moovTracks lists the tracks of a moov's body.
func moovTracks(moov []byte) []mp4Track {
	var out []mp4Track
	children(moov, func(typ string, trak []byte) {
		if typ != "trak" {
			return
		}
		var t mp4Track
		children(trak, func(typ string, body []byte) {
			switch {
			case typ == "tkhd" && len(body) >= 24:
				if body[0] == 1 {
					t.id = binary.BigEndian.Uint32(body[20:24])
				} else {
					t.id = binary.BigEndian.Uint32(body[12:16])
				}
			case typ == "mdia":
				children(body, func(typ string, b []byte) {
					if typ == "hdlr" && len(b) >= 12 {
						t.handler = string(b[8:12])
					}
				})
			}
		})
		out = append(out, t)
	})
	return out
}

// sidxOf is the sidx of the first track with the given handler.
func (x *fragIndex) sidxOf(handler string) (sidxBox, bool) {
	for _, t := range x.tracks {
		if t.handler != handler {
			continue
		}
		for _, s := range x.sidxes {
			if s.track == t.id {
				return s, true
			}
		}
	}
	return sidxBox{}, false
}

// sidxBox is a segment index (ISO/IEC 14496-12, 8.16.3).
type sidxBox struct {
	track     uint32
	timescale uint32
	first     int64 // offset of the first fragment in the file
	refs      []sidxRef
}

type sidxRef struct {
	size int64
	dur  uint32
}

// parseSidx reads a sidx box's body; end is the offset just after the
// box, the anchor of its first_offset.
func parseSidx(b []byte, end int64) (sidxBox, error) {
	var s sidxBox
	if len(b) < 12 {
		return s, errors.New("sidx box too short")
	}
	version := b[0]
	s.track, s.timescale = binary.BigEndian.Uint32(b[4:8]), binary.BigEndian.Uint32(b[8:12])
	p := 12
	var first uint64
	if version == 0 {
		if len(b) < p+8 {
			return s, errors.New("sidx box too short")
		}
		first = uint64(binary.BigEndian.Uint32(b[p+4 : p+8]))
		p += 8
	} else {
		if len(b) < p+16 {
			return s, errors.New("sidx box too short")
		}
		first = binary.BigEndian.Uint64(b[p+8 : p+16])
		p += 16
	}
	if len(b) < p+4 {
		return s, errors.New("sidx box too short")
	}
	n := int(binary.BigEndian.Uint16(b[p+2 : p+4]))
	p += 4
	if s.timescale == 0 || len(b) < p+12*n || first > math.MaxInt32 {
		return s, errors.New("sidx box: bad timescale, offset or reference count")
	}
	s.first = end + int64(first)
	for i := range n {
		r := b[p+12*i:]
		ref := binary.BigEndian.Uint32(r[:4])
		if ref>>31 != 0 {
			return s, errors.New("sidx box: a reference to another index (hierarchical sidx)")
		}
		s.refs = append(s.refs, sidxRef{size: int64(ref & 0x7fffffff), dur: binary.BigEndian.Uint32(r[4:8])})
	}
	return s, nil
}

// segment is one HLS media segment: consecutive fragments.
type segment struct {
	offset, size int64
	start, dur   float64
}

// cutTolerance: a fragment within this of a cut time begins a segment
// (the nearest one). Renditions' timelines differ by a few hundredths of
// a second (the muxer's shifts for B-frames and the sound's priming);
// cuts are keyframeSeconds apart.
const cutTolerance = 0.25

// segments groups x's fragments into HLS segments. Without cuts, as
// ffmpeg's HLS muxer does: a segment ends at the first fragment
// starting at or after the next multiple of keyframeSeconds. With cuts
// (another rendition's segment starts, where this one has keyframes), a
// segment begins at the fragment nearest each cut, so that every
// rendition's segments begin at the same instants.
func (x *fragIndex) segments(cuts []float64) []segment {
	begins := map[int]bool{0: true}
	if cuts == nil {
		next := keyframeSeconds * 1.0
		for i, f := range x.fragments[1:] {
			if f.start >= next-0.001 {
				begins[i+1] = true
				next = (math.Floor((f.start+0.001)/keyframeSeconds) + 1) * keyframeSeconds
			}
		}
	}
	for _, c := range cuts {
		best := -1
		for i, f := range x.fragments[1:] {
			if d := math.Abs(f.start - c); d <= cutTolerance && (best < 0 || d < math.Abs(x.fragments[best].start-c)) {
				best = i + 1
			}
		}
		if best > 0 {
			begins[best] = true
		}
	}
	var segs []segment
	for i, f := range x.fragments {
		if begins[i] {
			segs = append(segs, segment{offset: f.offset, start: f.start})
		}
		s := &segs[len(segs)-1]
		s.size += f.size
		s.dur += f.dur
	}
	return segs
}

// cutsFor is when each of segs but the first begins, on the source's
// timeline: the keyframes and segment starts of the renditions encoded
// from it. A copy of the source is its timeline but for one shift: the
// mov muxer stretches its first frame by the sound's priming (0.023 s
// for AAC at 44.1 kHz) and everything after moves by as much. It is the
// first fragment's duration past a whole number of frames (frameRate
// frames a second; no shift when unknown).
func cutsFor(segs []segment, first float64, frameRate float64) []float64 {
	shift := 0.0
	if frameRate > 0 {
		d := 1 / frameRate
		if r := first - math.Floor(first/d+1e-6)*d; r > 1e-4 && r < d-1e-4 {
			shift = r
		}
	}
	var out []float64
	for _, s := range segs[1:] {
		out = append(out, s.start-shift)
	}
	return out
}

// writeMediaPlaylist writes the HLS media playlist dir/name over the
// segments of the file uri (relative to the playlist) whose init section
// is its first initSize bytes, and returns what the master playlist says
// of it; size counts the playlist only (the file is the MP4 rendition's).
func writeMediaPlaylist(dir, name, uri, media string, initSize int64, segs []segment) (mediaPlaylist, error) {
	var pl mediaPlaylist
	var b strings.Builder
	target, total, bytes := 1.0, 0.0, int64(0)
	for _, s := range segs {
		target = max(target, math.Ceil(s.dur-1e-6))
		total += s.dur
		bytes += s.size
		if s.dur > 0 {
			pl.peak = max(pl.peak, int(math.Ceil(float64(s.size)*8/s.dur)))
		}
	}
	if total <= 0 {
		return pl, fmt.Errorf("hls playlist %s: no segment", name)
	}
	pl.average = int(math.Ceil(float64(bytes) * 8 / total))
	fmt.Fprintf(&b, "#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-TARGETDURATION:%d\n#EXT-X-MEDIA-SEQUENCE:0\n#EXT-X-PLAYLIST-TYPE:VOD\n#EXT-X-INDEPENDENT-SEGMENTS\n", int(target))
	fmt.Fprintf(&b, "#EXT-X-MAP:URI=%q,BYTERANGE=\"%d@0\"\n", uri, initSize)
	for _, s := range segs {
		fmt.Fprintf(&b, "#EXTINF:%s,\n#EXT-X-BYTERANGE:%d@%d\n%s\n", strconv.FormatFloat(s.dur, 'f', 6, 64), s.size, s.offset, uri)
	}
	b.WriteString("#EXT-X-ENDLIST\n")
	var err error
	if pl.codecs, err = initCodecs(media, 0, initSize); err != nil {
		return pl, fmt.Errorf("hls playlist %s: %w", name, err)
	}
	if err := os.WriteFile(filepath.Join(dir, name), []byte(b.String()), 0o644); err != nil {
		return pl, fmt.Errorf("hls playlist %s: %w", name, err)
	}
	pl.size = int64(b.Len())
	return pl, nil
}
