package avc

import (
	"archive/zip"
	"bufio"
	"bytes"
	"context"
	"fmt"
	"image"
	"image/gif"
	"image/jpeg"
	"image/png"
	"io"
	"os"
	"path/filepath"
	"time"

	"lectern"
)

const (
	mediaChunk = 1 << 20  // ExtractMedia's copy buffer
	slideChunk = 64 << 10 // ExtractSlides' copy buffer

	// MaxSlideSide bounds a slide's width and height, in pixels: screen
	// captures are 4K at most, and a picture is decoded whole wherever it
	// is shown or scaled.
	MaxSlideSide = 16384
)

// ExtractMedia writes the media to dst, a new file (it must not exist:
// after a crash, the caller removes the previous attempt's), created with
// mode 0640 and synced. It returns the number of bytes written, the
// entry's declared size. Memory stays the same whatever the size: the
// entry is copied in 1 MiB chunks, the context checked between them. On
// any error dst is removed; a damaged entry is an EINVALID
// *lectern.Error, a cancellation returns ctx.Err() wrapped.
func (a *Archive) ExtractMedia(ctx context.Context, dst string) (int64, error) {
	op := "extract media from " + a.name
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o640)
	if err != nil {
		return 0, fmt.Errorf("%s: %w", op, err)
	}
	n, err := a.writeEntry(ctx, op, out, a.media, nil, make([]byte, mediaChunk))
	if err == nil {
		err = closeSynced(op, out)
	} else {
		out.Close()
	}
	if err != nil {
		os.Remove(dst)
		return 0, err
	}
	return n, nil
}

// ExtractedSlide is a slide ExtractSlides wrote.
type ExtractedSlide struct {
	File          string        // base name of the file in the folder: slide-001.jpg
	Entry         string        // the archive entry it came from, as in Presentation
	Begin         time.Duration // as in the SMIL
	Width, Height int           // in pixels
}

// ExtractSlides writes each slide to dir, an existing folder, in SMIL
// order, as slide-001.jpg, slide-002.png and so on: the number is the
// slide's place in the SMIL, the extension that of the picture's type,
// found in its content (never the entry's name). Each file is new
// (O_EXCL: an existing file of that name fails the call and is left
// alone), mode 0640, synced.
//
// A slide that is not a JPEG, PNG or GIF image whose header decodes, or
// is larger than MaxSlideSide pixels on a side, or a damaged entry, is an
// EINVALID *lectern.Error; a cancellation returns ctx.Err() wrapped. On
// any error, the files this call wrote are removed.
func (a *Archive) ExtractSlides(ctx context.Context, dir string) ([]ExtractedSlide, error) {
	op := "extract slides from " + a.name
	var (
		written []string
		slides  = make([]ExtractedSlide, 0, len(a.slides))
		buf     = make([]byte, slideChunk)
	)
	for i, f := range a.slides {
		s, file, err := a.extractSlide(ctx, op, dir, "", i, f, buf)
		if file != "" {
			written = append(written, file)
		}
		if err != nil {
			for _, p := range written {
				os.Remove(p)
			}
			return nil, err
		}
		s.Begin = a.pres.Slides[i].Begin
		slides = append(slides, s)
	}
	return slides, nil
}

// FirstSlide writes the slide shown first (the smallest begin; the first
// in SMIL order among equals) to dst, a new file (O_EXCL), mode 0640,
// synced, checked as ExtractSlides checks each slide: whatever dst's
// name, the file holds the entry as is, a JPEG, PNG or GIF image. It is
// the picture of a deposit before it is processed. A presentation without
// slides is an ENOTFOUND *lectern.Error; otherwise the errors are those
// of ExtractSlides, and on any error dst is removed.
func (a *Archive) FirstSlide(ctx context.Context, dst string) (ExtractedSlide, error) {
	op := "extract first slide from " + a.name
	if len(a.slides) == 0 {
		return ExtractedSlide{}, &lectern.Error{Op: op, Code: lectern.ENOTFOUND, Message: a.name + " has no slides"}
	}
	first := 0
	for i, s := range a.pres.Slides {
		if s.Begin < a.pres.Slides[first].Begin {
			first = i
		}
	}
	s, file, err := a.extractSlide(ctx, op, "", dst, first, a.slides[first], make([]byte, slideChunk))
	if err != nil {
		if file != "" {
			os.Remove(file)
		}
		return ExtractedSlide{}, err
	}
	s.Begin = a.pres.Slides[first].Begin
	return s, nil
}

// imageType is a picture format a slide may have.
type imageType struct {
	name, ext, magic string
	decodeConfig     func(io.Reader) (image.Config, error)
}

// imageTypes are the slides' accepted formats, recognised by their first
// bytes. The decoders are called directly rather than through
// image.DecodeConfig, whose registry is global: a format another package
// registers (WebP, BMP) must not pass.
var imageTypes = []imageType{
	{"JPEG", ".jpg", "\xff\xd8\xff", jpeg.DecodeConfig},
	{"PNG", ".png", "\x89PNG\r\n\x1a\n", png.DecodeConfig},
	{"GIF", ".gif", "GIF87a", gif.DecodeConfig},
	{"GIF", ".gif", "GIF89a", gif.DecodeConfig},
}

// extractSlide writes slide i (from 0) to dst, or when dst is "" to dir
// under the name ExtractSlides gives it. It returns the path of the file
// it created, if it did, even with an error.
func (a *Archive) extractSlide(ctx context.Context, op, dir, dst string, i int, f *zip.File, buf []byte) (ExtractedSlide, string, error) {
	s := ExtractedSlide{Entry: a.pres.Slides[i].Image}
	invalid := func(format string, args ...any) error {
		msg := fmt.Sprintf("Slide %d (%q) ", i+1, f.Name) + fmt.Sprintf(format, args...)
		return &lectern.Error{Op: op, Code: lectern.EINVALID, Message: msg}
	}
	rc, err := a.openEntry(op, f)
	if err != nil {
		return s, "", err
	}
	defer rc.Close()
	br := bufio.NewReaderSize(rc, 512)
	head, err := br.Peek(8)
	if len(head) == 0 && err == io.EOF {
		return s, "", invalid("is empty")
	} else if err != nil && err != io.EOF {
		return s, "", a.readError(op, f, err)
	}
	var typ *imageType
	for k := range imageTypes {
		if bytes.HasPrefix(head, []byte(imageTypes[k].magic)) {
			typ = &imageTypes[k]
			break
		}
	}
	if typ == nil {
		return s, "", invalid("is not a JPEG, PNG or GIF image")
	}
	file := dst
	if file == "" {
		s.File = fmt.Sprintf("slide-%03d%s", i+1, typ.ext)
		file = filepath.Join(dir, s.File)
	} else {
		s.File = filepath.Base(file)
	}
	out, err := os.OpenFile(file, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o640)
	if err != nil {
		return s, "", fmt.Errorf("%s: %w", op, err)
	}
	// From here on the file is this call's, to remove on error.
	if _, err := a.writeEntry(ctx, op, out, f, br, buf); err != nil {
		out.Close()
		return s, file, err
	}
	cfg, err := decodeConfig(out, typ)
	if err != nil {
		out.Close()
		return s, file, invalid("is not a valid %s image: %v", typ.name, err)
	}
	if cfg.Width <= 0 || cfg.Height <= 0 || cfg.Width > MaxSlideSide || cfg.Height > MaxSlideSide {
		out.Close()
		return s, file, invalid("is %dx%d pixels: a slide is at least 1 and at most %d pixels on a side", cfg.Width, cfg.Height, MaxSlideSide)
	}
	s.Width, s.Height = cfg.Width, cfg.Height
	return s, file, closeSynced(op, out)
}

// decodeConfig decodes the header of the picture just written to f.
func decodeConfig(f *os.File, typ *imageType) (image.Config, error) {
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return image.Config{}, err
	}
	return typ.decodeConfig(bufio.NewReader(f))
}

// writeEntry copies entry f to w, reading from r (f opened when nil), in
// chunks of len(buf) bytes, checking ctx between chunks, and never
// writing more than the entry's declared size.
func (a *Archive) writeEntry(ctx context.Context, op string, w io.Writer, f *zip.File, r io.Reader, buf []byte) (int64, error) {
	if r == nil {
		rc, err := a.openEntry(op, f)
		if err != nil {
			return 0, err
		}
		defer rc.Close()
		r = rc
	}
	size := f.UncompressedSize64
	var n uint64
	for {
		if err := ctx.Err(); err != nil {
			return int64(n), fmt.Errorf("%s: %w", op, err)
		}
		k, err := r.Read(buf)
		if k > 0 {
			if uint64(k) > size-n {
				return int64(n), &lectern.Error{Op: op, Code: lectern.EINVALID,
					Message: fmt.Sprintf("Entry %q holds more data than the %d bytes it declares", f.Name, size)}
			}
			if _, err := w.Write(buf[:k]); err != nil {
				return int64(n), fmt.Errorf("%s: write: %w", op, err)
			}
			n += uint64(k)
		}
		if err == io.EOF {
			break
		} else if err != nil {
			return int64(n), a.readError(op, f, err)
		}
	}
	if n != size {
		return int64(n), &lectern.Error{Op: op, Code: lectern.EINVALID,
			Message: fmt.Sprintf("Entry %q is truncated: it holds %d of the %d bytes it declares", f.Name, n, size)}
	}
	return int64(n), nil
}

// closeSynced syncs and closes a file just written.
func closeSynced(op string, f *os.File) error {
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("%s: sync %s: %w", op, f.Name(), err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("%s: close %s: %w", op, f.Name(), err)
	}
	return nil
}
