package opencast

import (
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"os"
	"path"
	"regexp"
	"strings"

	"lectern"
)

// handleAddElement serves addTrack (and addPartialTrack), addCatalog and
// addAttachment: multipart/form-data whose fields mediaPackage and flavor
// (and tags) come before the file, as Opencast requires. The file is
// streamed to disk 32 KiB at a time by a multipart.Reader, never held
// in memory whatever its size (no ParseMultipartForm), into a hidden
// temporary file of the package's staging folder, and given its own name
// only once whole: an upload that breaks off leaves nothing behind.
func (h *Ingest) handleAddElement(kind string) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request, rec *lectern.Recorder) (*packageState, error) {
		mr, err := r.MultipartReader()
		if err != nil {
			return nil, invalid("Send multipart/form-data: the fields mediaPackage and flavor, then the file.")
		}
		var (
			mp     *xmlPackage
			flavor string
			tags   []string
		)
		for n := 0; ; n++ {
			part, err := mr.NextPart()
			if err == io.EOF {
				return nil, invalid("No file was sent.")
			} else if err != nil {
				return nil, bodyError(err)
			}
			if n >= MaxFields {
				return nil, invalid("More than %d fields.", MaxFields)
			}
			if part.FileName() != "" {
				if mp == nil {
					return nil, invalid("The field mediaPackage must come before the file.")
				}
				if flavor == "" {
					return nil, invalid("The field flavor must come before the file.")
				}
				return h.addFile(r.Context(), rec, kind, mp, flavor, tags, part)
			}
			v, err := readField(part)
			if err != nil {
				return nil, err
			}
			switch part.FormName() {
			case "mediaPackage":
				mp, err = parsePackage([]byte(v))
			case "flavor":
				flavor, err = parseFlavor(v)
			case "tags":
				tags = splitTags(v)
			}
			if err != nil {
				return nil, err
			}
		}
	}
}

// splitTags reads Opencast's comma-separated tags, bounded.
func splitTags(v string) []string {
	var tags []string
	for t := range strings.SplitSeq(v, ",") {
		if t = strings.TrimSpace(t); t != "" && len(tags) < 20 && len(t) <= 64 {
			tags = append(tags, t)
		}
	}
	return tags
}

// addFile stores the file part as a new element of the package mp names.
// The package is checked (rec's, not ingested) before a byte is read, and
// again under its lock once the file is whole.
func (h *Ingest) addFile(ctx context.Context, rec *lectern.Recorder, kind string, mp *xmlPackage, flavor string,
	tags []string, part *multipart.Part) (*packageState, error) {
	p, s, err := h.packageFor(ctx, rec, mp)
	if err != nil {
		return nil, err
	}
	defer p.Close()
	if err := checkOpen(s); err != nil {
		return nil, err
	}
	if err := p.save(s); err != nil { // a package its agent made: kept from now
		return nil, err
	}
	p.unlock()

	max := int64(MaxSmallFile)
	if kind == kindTrack {
		max = h.cfg.MaxSize
	}
	tmp, n, err := receive(p, part, max)
	if err != nil {
		return nil, err
	}
	defer func() {
		if tmp != "" {
			_ = p.root.Remove(tmp)
		}
	}()
	title := ""
	if kind == kindCatalog && strings.HasPrefix(strings.ToLower(flavor), "dublincore/") {
		// A Dublin Core catalog is checked as addDCCatalog's, and the
		// episode's title kept.
		b, err := p.root.ReadFile(tmp)
		if err != nil {
			return nil, fmt.Errorf("read catalog of media package %s: %w", s.ID, err)
		}
		dc, err := parseDublinCore(b)
		if err != nil {
			return nil, err
		}
		if isEpisode(flavor) {
			title = dc.Title
		}
	}

	if err := p.lockNow(); err != nil {
		return nil, err
	}
	if s, err = p.load(); err != nil {
		return nil, err
	}
	if err := checkOpen(s); err != nil {
		return nil, err
	}
	h.reconcile(p, s, mp)
	ext := fileExt(part.FileName(), part.Header.Get("Content-Type"), kind)
	name, err := p.commitFile(tmp, filePrefix(kind, flavor), ext)
	if err != nil {
		return nil, err
	}
	tmp = ""
	s.Elements = append(s.Elements, stateElement{ID: newID(), Kind: kind, Flavor: flavor, File: name,
		MimeType: mimeType(ext, kind), Size: n, Tags: tags, AddedAt: h.now()})
	if title != "" {
		s.Title = title
	}
	if err := p.save(s); err != nil {
		return nil, err
	}
	h.log.Info("opencast element added", "media_package", s.ID, "recorder_id", rec.ID, "kind", kind,
		"flavor", flavor, "file", name, "size", n)
	return s, nil
}

// addWholeTrack stores the file part as a new track of the package
// (addMediaPackage), p being locked.
func (h *Ingest) addWholeTrack(p *pkgDir, s *packageState, flavor string, tags []string, part *multipart.Part) error {
	if err := checkOpen(s); err != nil {
		return err
	}
	tmp, n, err := receive(p, part, h.cfg.MaxSize)
	if err != nil {
		return err
	}
	ext := fileExt(part.FileName(), part.Header.Get("Content-Type"), kindTrack)
	name, err := p.commitFile(tmp, filePrefix(kindTrack, flavor), ext)
	if err != nil {
		_ = p.root.Remove(tmp)
		return err
	}
	s.Elements = append(s.Elements, stateElement{ID: newID(), Kind: kindTrack, Flavor: flavor, File: name,
		MimeType: mimeType(ext, kindTrack), Size: n, Tags: tags, AddedAt: h.now()})
	h.log.Info("opencast track added", "media_package", s.ID, "flavor", flavor, "file", name, "size", n)
	return nil
}

// receive streams src into a new hidden file of the package, synced, and
// returns its name and size; nothing is left behind on failure. An empty
// file is refused.
func receive(p *pkgDir, src io.Reader, max int64) (string, int64, error) {
	f, tmp, err := p.tempFile()
	if err != nil {
		return "", 0, err
	}
	n, err := copyLimited(f, src, max)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil && n == 0 {
		err = invalid("The file is empty.")
	}
	if err != nil {
		_ = p.root.Remove(tmp)
		return "", 0, err
	}
	return tmp, n, nil
}

// checkOpen refuses a package that was ingested, or is full.
func checkOpen(s *packageState) error {
	if !s.IngestedAt.IsZero() {
		return lectern.Errorf(lectern.ECONFLICT, "Media package %s was already ingested: nothing can be added to it.", s.ID)
	}
	if len(s.Elements) >= MaxElements {
		return invalid("The media package has %d elements already.", MaxElements)
	}
	return nil
}

// unlock releases the package's lock, keeping its folders open.
func (p *pkgDir) unlock() {
	if p.lock != nil {
		_ = unlockFile(p.lock)
		p.lock.Close()
		p.lock = nil
	}
}

// copyLimited copies src into f, refusing more than max bytes (0: no
// limit). A failure to write is the disk's (an internal error); a failure
// to read is the client's.
func copyLimited(f *os.File, src io.Reader, max int64) (int64, error) {
	if max > 0 {
		src = io.LimitReader(src, max+1)
	}
	n, err := io.Copy(f, src)
	if err != nil {
		var pe *os.PathError
		if errors.As(err, &pe) {
			return n, fmt.Errorf("write upload: %w", err)
		}
		return n, bodyError(err)
	}
	if max > 0 && n > max {
		return n, tooLarge("The file is larger than the limit of %d bytes (RECORDING_FILE_MAX_SIZE).", max)
	}
	return n, nil
}

// extRE is a sane file extension.
var extRE = regexp.MustCompile(`^\.[a-z0-9]{1,8}$`)

// fileExt is the extension Lectern's name for an uploaded file keeps:
// the client's file name's, lower-case, when it is a sane one; else one
// its Content-Type gives; else .xml for a catalog and none for the rest.
// Nothing else of the client's name is used.
func fileExt(name, contentType, kind string) string {
	if ext := strings.ToLower(path.Ext(strings.ReplaceAll(name, `\`, "/"))); extRE.MatchString(ext) {
		return ext
	}
	ct, _, _ := mime.ParseMediaType(contentType)
	if ext, ok := mediaExts[ct]; ok {
		return ext
	}
	if ct != "" && ct != "application/octet-stream" {
		if exts, _ := mime.ExtensionsByType(ct); len(exts) > 0 && extRE.MatchString(exts[0]) {
			return exts[0]
		}
	}
	if kind == kindCatalog {
		return ".xml"
	}
	return ""
}

// mediaExts are the extensions of the media types recorders send, where
// mime.ExtensionsByType would list several (video/mp4: .f4v first).
var mediaExts = map[string]string{"video/mp4": ".mp4", "video/webm": ".webm", "video/quicktime": ".mov",
	"video/x-matroska": ".mkv", "video/mpeg": ".mpg", "video/mp2t": ".ts", "audio/mpeg": ".mp3", "text/xml": ".xml",
	"application/xml": ".xml"}

// mimeType is the MIME type an element's file is answered with.
func mimeType(ext, kind string) string {
	if kind == kindCatalog && ext == ".xml" {
		return "text/xml"
	}
	if t := mime.TypeByExtension(ext); t != "" {
		t, _, _ = strings.Cut(t, ";")
		return t
	}
	return "application/octet-stream"
}
