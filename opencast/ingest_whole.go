package opencast

import (
	"io"
	"net/http"
	"net/url"
	"strings"

	"lectern"
)

// handleAddMediaPackage serves addMediaPackage (and /{wd}): one multipart
// request with everything, as curl and some agents send it: flavor before
// each file (the tracks), the episode's terms (title, identifier…) or
// episodeDCCatalog, workflowInstanceId, and workflow settings. The
// package's id is identifier when it comes before the first file, else a
// new UUID. The tracks stream to disk as addTrack's; the package is
// ingested at the end.
func (h *Ingest) handleAddMediaPackage(w http.ResponseWriter, r *http.Request, rec *lectern.Recorder) (*packageState, error) {
	mr, err := r.MultipartReader()
	if err != nil {
		return nil, invalid("Send multipart/form-data: flavor before each file, and the episode's title.")
	}
	form := url.Values{}
	var (
		p      *pkgDir
		s      *packageState
		flavor string
		tags   []string
		id     string
	)
	defer func() {
		if p != nil {
			p.Close()
		}
	}()
	open := func() error {
		if p != nil {
			return nil
		}
		if id == "" {
			id = newID()
		} else if err := h.checkNewID(r.Context(), rec, id); err != nil {
			return err
		}
		pp, err := h.openPackage(rec, id, true)
		if err != nil {
			return err
		}
		if err := pp.lockNow(); err != nil {
			pp.Close()
			return err
		}
		p = pp
		old, err := p.load()
		switch {
		case err == nil && !old.IngestedAt.IsZero():
			s = old // sent again: answered as it was
		case err == nil || lectern.ErrorCode(err) == lectern.ENOTFOUND:
			if old != nil {
				for _, e := range old.Elements {
					_ = p.root.Remove(e.File)
				}
			}
			now := h.now()
			s = &packageState{ID: id, RecorderID: rec.ID, Start: now, CreatedAt: now}
		default:
			return err
		}
		return nil
	}
	for n := 0; ; n++ {
		part, err := mr.NextPart()
		if err == io.EOF {
			break
		} else if err != nil {
			return nil, bodyError(err)
		}
		if n >= MaxFields {
			return nil, invalid("More than %d fields.", MaxFields)
		}
		if part.FileName() != "" {
			if flavor == "" {
				return nil, invalid("A flavor has to come before each file.")
			}
			if err := open(); err != nil {
				return nil, err
			}
			if !s.IngestedAt.IsZero() {
				return s, nil
			}
			if err := h.addWholeTrack(p, s, flavor, tags, part); err != nil {
				return nil, err
			}
			tags = nil
			continue
		}
		v, err := readField(part)
		if err != nil {
			return nil, err
		}
		switch name := part.FormName(); name {
		case "flavor":
			if flavor, err = parseFlavor(v); err != nil {
				return nil, err
			}
		case "tag":
			tags = append(tags, splitTags(v)...)
		case "identifier":
			if p == nil {
				if !ValidID(strings.TrimSpace(v)) {
					return nil, invalid("The identifier %.80q is not valid: a UUID is expected.", v)
				}
				id = strings.TrimSpace(v)
			}
		case "title":
			form.Set(name, v)
		case "episodeDCCatalog":
			dc, err := parseDublinCore([]byte(v))
			if err != nil {
				return nil, err
			}
			form.Set("title", dc.Title)
			if p == nil && dc.Identifier != "" && ValidID(dc.Identifier) {
				id = dc.Identifier
			}
		default:
			form.Add(name, v)
		}
	}
	if p == nil || len(s.Elements) == 0 {
		return nil, invalid("Rejected ingest without actual media.")
	}
	if !s.IngestedAt.IsZero() {
		return s, nil
	}
	if t := strings.TrimSpace(form.Get("title")); t != "" {
		s.Title = t
	}
	form.Del("title")
	if err := p.save(s); err != nil {
		return nil, err
	}
	wd, wi, cfg := workflowFields(r, form)
	return s, h.complete(r.Context(), rec, p, s, wd, wi, cfg)
}
