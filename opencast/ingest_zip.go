package opencast

import (
	"archive/zip"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"strings"

	"lectern"
)

// handleAddZipped serves addZippedMediaPackage (and /{wd}), Galicaster's
// ingest: one ZIP holding manifest.xml (the media package, each
// element's url naming an entry) and the files, sent as the file of a
// multipart form after the fields workflowDefinitionId,
// workflowInstanceId and workflow settings, or as the whole body. The
// archive is streamed to a hidden file of the recorder's staging folder,
// checked whole (see openZip), its elements extracted under Lectern's
// names into the package's folder, and the package ingested. The same
// package sent again once ingested answers 200 and completes nothing.
func (h *Ingest) handleAddZipped(w http.ResponseWriter, r *http.Request, rec *lectern.Recorder) (s *packageState, err error) {
	recDir, err := h.recorderDir(rec)
	if err != nil {
		return nil, err
	}
	// The folders made to receive an archive that is then refused are
	// removed with it (os.Remove: only when still empty).
	for _, d := range []string{recDir, filepath.Join(recDir, stagingDir)} {
		if _, serr := os.Lstat(d); os.IsNotExist(serr) {
			defer func() {
				if err != nil {
					_ = os.Remove(d)
				}
			}()
		}
	}
	if err := os.MkdirAll(filepath.Join(recDir, stagingDir), 0o755); err != nil {
		return nil, fmt.Errorf("make staging folder: %w", err)
	}
	rr, err := os.OpenRoot(filepath.Join(recDir, stagingDir))
	if err != nil {
		return nil, fmt.Errorf("open staging folder: %w", err)
	}
	defer rr.Close()
	form := url.Values{}
	if id := r.URL.Query().Get("id"); id != "" {
		form.Set("workflowInstanceId", id)
	}
	name := ".incoming-" + newID() + ".zip"
	f, err := rr.OpenFile(name, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, fmt.Errorf("create incoming archive: %w", err)
	}
	defer func() {
		f.Close()
		_ = rr.Remove(name)
	}()
	if err := receiveArchive(r, f, form, h.cfg.MaxSize); err != nil {
		return nil, err
	}
	zr, err := openZip(f, h.cfg.Zip)
	if err != nil {
		return nil, err
	}
	mp, dir, err := readManifest(zr)
	if err != nil {
		return nil, err
	}
	entries, err := manifestEntries(zr, mp, dir)
	if err != nil {
		return nil, err
	}
	wd, wi, cfg := workflowFields(r, form)

	if err := h.checkNewID(r.Context(), rec, mp.ID); err != nil {
		return nil, err
	}
	p, err := h.openPackage(rec, mp.ID, true)
	if err != nil {
		return nil, err
	}
	defer p.Close()
	if err := p.lockNow(); err != nil {
		return nil, err
	}
	s, err = p.load()
	switch {
	case err == nil && !s.IngestedAt.IsZero():
		h.log.Info("opencast zipped media package sent again: nothing to do", "media_package", s.ID, "treatment_id", s.TreatmentID)
		return s, nil
	case err == nil:
		for _, e := range s.Elements { // an earlier try that broke off: start anew
			_ = p.root.Remove(e.File)
		}
		s.Elements = nil
	case lectern.ErrorCode(err) == lectern.ENOTFOUND:
		now := h.now()
		s = &packageState{ID: mp.ID, RecorderID: rec.ID, Start: parseStart(mp.Start, now), CreatedAt: now}
	default:
		return nil, err
	}
	for _, e := range entries {
		if err := h.extract(p, s, e); err != nil {
			return nil, err
		}
	}
	if err := p.save(s); err != nil {
		return nil, err
	}
	return s, h.complete(r.Context(), rec, p, s, wd, wi, cfg)
}

// receiveArchive streams the request's archive into f: the file part of
// a multipart form (its fields, before it, added to form) or the whole
// body.
func receiveArchive(r *http.Request, f *os.File, form url.Values, max int64) error {
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if ct != "multipart/form-data" {
		_, err := copyLimited(f, r.Body, max)
		return err
	}
	mr, err := r.MultipartReader()
	if err != nil {
		return invalid("Malformed multipart body.")
	}
	for n := 0; ; n++ {
		part, err := mr.NextPart()
		if err == io.EOF {
			return invalid("No archive was sent.")
		} else if err != nil {
			return bodyError(err)
		}
		if n >= MaxFields {
			return invalid("More than %d fields.", MaxFields)
		}
		if part.FileName() != "" {
			_, err := copyLimited(f, part, max)
			return err
		}
		v, err := readField(part)
		if err != nil {
			return err
		}
		form.Add(part.FormName(), v)
	}
}

// zipEntry is an element of the manifest and the archive entry that
// holds it.
type zipEntry struct {
	kind   string
	flavor string
	file   *zip.File
	ext    string
}

// readManifest finds manifest.xml (at the top, or the only one) and
// parses it; dir is its folder in the archive.
func readManifest(zr *zip.Reader) (*xmlPackage, string, error) {
	var found *zip.File
	for _, e := range zr.File {
		if path.Clean(e.Name) == "manifest.xml" {
			found = e
			break
		}
		if path.Base(e.Name) == "manifest.xml" {
			if found != nil {
				return nil, "", invalid("The archive holds several manifest.xml.")
			}
			found = e
		}
	}
	if found == nil {
		return nil, "", invalid("The archive holds no manifest.xml.")
	}
	if found.UncompressedSize64 > MaxXMLSize {
		return nil, "", invalid("manifest.xml is larger than %d bytes.", MaxXMLSize)
	}
	rc, err := found.Open()
	if err != nil {
		return nil, "", invalid("manifest.xml cannot be read from the archive.")
	}
	defer rc.Close()
	b, err := io.ReadAll(io.LimitReader(rc, MaxXMLSize+1))
	if err != nil {
		return nil, "", invalid("manifest.xml cannot be read from the archive.")
	}
	mp, err := parsePackage(b)
	if err != nil {
		return nil, "", err
	}
	return mp, path.Dir(path.Clean(found.Name)), nil
}

// manifestEntries pairs each element of the manifest with its entry: its
// url, relative to the manifest, names it. An element at a remote URL is
// skipped (Lectern fetches nothing); one whose entry is missing, or is
// another element's, refuses the archive: the limits bound each entry
// once (openZip), and a manifest naming one well-compressed entry a
// hundred times would write it a hundred times.
func manifestEntries(zr *zip.Reader, mp *xmlPackage, dir string) ([]zipEntry, error) {
	byName := map[string]*zip.File{}
	for _, e := range zr.File {
		byName[path.Clean(e.Name)] = e
	}
	used := map[*zip.File]bool{}
	var out []zipEntry
	for _, list := range []struct {
		kind  string
		elems []xmlElement
	}{{kindCatalog, mp.Catalogs}, {kindAttachment, mp.Attachments}, {kindTrack, mp.Tracks}} {
		for _, el := range list.elems {
			u := strings.TrimSpace(el.URL)
			if strings.Contains(u, "://") {
				continue
			}
			flavor, err := parseFlavor(el.Type)
			if err != nil {
				return nil, err
			}
			name := path.Clean(path.Join(dir, u))
			f := byName[name]
			if f == nil || u == "" || f.Mode().IsDir() {
				return nil, invalid("The manifest lists %.80q, which the archive does not hold.", u)
			}
			if used[f] {
				return nil, invalid("The manifest lists %.80q twice: each element must have an entry of its own.", u)
			}
			used[f] = true
			out = append(out, zipEntry{kind: list.kind, flavor: flavor, file: f, ext: fileExt(u, el.MimeType, list.kind)})
		}
	}
	return out, nil
}

// extract writes entry e into the package's folder under Lectern's name,
// refusing more bytes than the entry declared.
func (h *Ingest) extract(p *pkgDir, s *packageState, e zipEntry) error {
	if len(s.Elements) >= MaxElements {
		return invalid("The media package has more than %d elements.", MaxElements)
	}
	rc, err := e.file.Open()
	if err != nil {
		return invalid("Entry %.80q cannot be read from the archive.", e.file.Name)
	}
	defer rc.Close()
	f, tmp, err := p.tempFile()
	if err != nil {
		return err
	}
	defer func() {
		if tmp != "" {
			_ = p.root.Remove(tmp)
		}
	}()
	declared := int64(e.file.UncompressedSize64)
	n, err := io.Copy(f, io.LimitReader(rc, declared+1))
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	var pe *os.PathError
	switch {
	case errors.As(err, &pe):
		return fmt.Errorf("extract %s: %w", e.file.Name, err)
	case err != nil:
		return invalid("Entry %.80q is damaged: %v.", e.file.Name, err)
	case n != declared:
		return invalid("Entry %.80q holds %d bytes, not the %d it declares.", e.file.Name, n, declared)
	}
	if e.kind == kindCatalog && isEpisode(e.flavor) {
		if n > MaxXMLSize {
			return invalid("The episode catalog is larger than %d bytes.", MaxXMLSize)
		}
		b, err := p.root.ReadFile(tmp)
		if err != nil {
			return fmt.Errorf("read episode catalog: %w", err)
		}
		dc, err := parseDublinCore(b)
		if err != nil {
			return err
		}
		if dc.Title != "" {
			s.Title = dc.Title
		}
	}
	name, err := p.commitFile(tmp, filePrefix(e.kind, e.flavor), e.ext)
	if err != nil {
		return err
	}
	tmp = ""
	s.Elements = append(s.Elements, stateElement{ID: newID(), Kind: e.kind, Flavor: e.flavor, File: name,
		MimeType: mimeType(e.ext, e.kind), Size: n, AddedAt: h.now()})
	return nil
}
