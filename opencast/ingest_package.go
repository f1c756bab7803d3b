package opencast

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"strings"
	"time"

	"lectern"
)

// handleCreate serves createMediaPackage (GET: a new id) and
// createMediaPackageWithID/{id} (PUT, as Opencast, or POST): an empty
// media package, its staging folder made. A package of that id already
// here starts anew (Opencast's "overrides existing"), unless it was
// ingested (409). An id that is another recorder's package or event is
// refused (403).
func (h *Ingest) handleCreate(w http.ResponseWriter, r *http.Request, rec *lectern.Recorder) (*packageState, error) {
	id := r.PathValue("id")
	if id == "" {
		id = newID()
	} else if err := h.checkNewID(r.Context(), rec, id); err != nil {
		return nil, err
	}
	p, err := h.openPackage(rec, id, true)
	if err != nil {
		return nil, err
	}
	defer p.Close()
	if err := p.lockNow(); err != nil {
		return nil, err
	}
	s, err := p.load()
	switch {
	case err == nil && !s.IngestedAt.IsZero():
		return nil, lectern.Errorf(lectern.ECONFLICT, "Media package %s was already ingested.", id)
	case err == nil:
		for _, e := range s.Elements {
			_ = p.root.Remove(e.File)
		}
		s.Elements, s.Title = nil, ""
	case lectern.ErrorCode(err) == lectern.ENOTFOUND:
		now := h.now()
		s = &packageState{ID: id, RecorderID: rec.ID, Start: now, CreatedAt: now}
	default:
		return nil, err
	}
	if err := p.save(s); err != nil {
		return nil, err
	}
	h.log.Info("opencast media package created", "media_package", id, "recorder_id", rec.ID)
	return s, nil
}

// checkNewID refuses an agent's own id for a new package when it is not
// a valid token, or names another recorder's package or event.
func (h *Ingest) checkNewID(ctx context.Context, rec *lectern.Recorder, id string) error {
	if !ValidID(id) {
		return invalid("The media package id %.80q is not valid: a UUID is expected.", id)
	}
	if h.ownedElsewhere(rec, id) {
		return lectern.Errorf(lectern.EFORBIDDEN, "Media package %s belongs to another recorder.", id)
	}
	_, err := h.eventOf(ctx, rec, id)
	return err
}

// eventOf returns the event of UID uid when it is rec's; nil when no
// event has it; EFORBIDDEN when it is another recorder's.
func (h *Ingest) eventOf(ctx context.Context, rec *lectern.Recorder, uid string) (*lectern.Event, error) {
	if h.deps.Events == nil || uid == "" {
		return nil, nil
	}
	ev, err := h.deps.Events.FindEventByUID(ctx, uid)
	if lectern.ErrorCode(err) == lectern.ENOTFOUND {
		return nil, nil
	} else if err != nil {
		return nil, fmt.Errorf("find event %s: %w", uid, err)
	}
	if ev.RecorderID != rec.ID {
		return nil, lectern.Errorf(lectern.EFORBIDDEN, "Event %s belongs to another recorder.", uid)
	}
	return ev, nil
}

// packageFor returns the staging folder, locked, and the state of the
// package an agent's XML names. A package of rec's that is not here yet
// is made (Opencast takes any media package XML an agent writes itself),
// unless its id is another recorder's package or event.
func (h *Ingest) packageFor(ctx context.Context, rec *lectern.Recorder, mp *xmlPackage) (*pkgDir, *packageState, error) {
	p, err := h.openPackage(rec, mp.ID, false)
	created := false
	if lectern.ErrorCode(err) == lectern.ENOTFOUND {
		if err := h.checkNewID(ctx, rec, mp.ID); err != nil {
			return nil, nil, err
		}
		p, err = h.openPackage(rec, mp.ID, true)
		created = true
	}
	if err != nil {
		return nil, nil, err
	}
	if err := p.lockNow(); err != nil {
		p.Close()
		return nil, nil, err
	}
	s, err := p.load()
	if created && lectern.ErrorCode(err) == lectern.ENOTFOUND {
		now := h.now()
		s, err = &packageState{ID: mp.ID, RecorderID: rec.ID, Start: parseStart(mp.Start, now), CreatedAt: now}, nil
		h.log.Info("opencast media package created by its agent", "media_package", mp.ID, "recorder_id", rec.ID)
	}
	if err != nil {
		p.Close()
		return nil, nil, err
	}
	if s.RecorderID != rec.ID { // a folder moved between recorders by hand
		p.Close()
		return nil, nil, lectern.Errorf(lectern.EFORBIDDEN, "Media package %s belongs to another recorder.", mp.ID)
	}
	return p, s, nil
}

// parseStart reads a media package's start: Opencast's UTC
// (2024-05-01T10:00:00Z), or Galicaster's local time without a zone,
// taken as UTC; def when neither.
func parseStart(s string, def time.Time) time.Time {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999", "2006-01-02T15:04:05"} {
		if t, err := time.Parse(layout, strings.TrimSpace(s)); err == nil {
			return t.UTC()
		}
	}
	return def
}

// reconcile keeps of the state's elements those the agent's XML lists,
// and deletes the files of the others: as in Opencast, the media package
// an agent sends back is the truth, so a track whose answer the agent
// never got (its upload broke, or the answer was lost) and that it sends
// again replaces the first.
func (h *Ingest) reconcile(p *pkgDir, s *packageState, mp *xmlPackage) {
	listed := mp.elementIDs()
	kept := s.Elements[:0]
	for _, e := range s.Elements {
		if listed[e.ID] {
			kept = append(kept, e)
			continue
		}
		if err := p.root.Remove(e.File); err != nil && !os.IsNotExist(err) {
			h.log.Warn("remove dropped element", "media_package", s.ID, "file", e.File, "err", err)
		}
		h.log.Info("opencast element dropped: the agent's media package no longer lists it",
			"media_package", s.ID, "element", e.ID, "flavor", e.Flavor, "file", e.File)
	}
	s.Elements = kept
}

// isEpisode reports whether flavor names the episode's Dublin Core.
func isEpisode(flavor string) bool { return strings.EqualFold(flavor, "dublincore/episode") }

// handleAddDCCatalog serves addDCCatalog: fields mediaPackage,
// dublinCore (the catalog's XML) and flavor (dublincore/episode when
// absent). The episode's title is kept as the recording's.
func (h *Ingest) handleAddDCCatalog(w http.ResponseWriter, r *http.Request, rec *lectern.Recorder) (*packageState, error) {
	form, err := readForm(w, r)
	if err != nil {
		return nil, err
	}
	mp, err := parsePackage([]byte(form.Get("mediaPackage")))
	if err != nil {
		return nil, err
	}
	flavor := "dublincore/episode"
	if f := form.Get("flavor"); f != "" {
		if flavor, err = parseFlavor(f); err != nil {
			return nil, err
		}
	}
	data := []byte(form.Get("dublinCore"))
	dc, err := parseDublinCore(data)
	if err != nil {
		return nil, err
	}
	p, s, err := h.packageFor(r.Context(), rec, mp)
	if err != nil {
		return nil, err
	}
	defer p.Close()
	if !s.IngestedAt.IsZero() {
		return nil, lectern.Errorf(lectern.ECONFLICT, "Media package %s was already ingested.", s.ID)
	}
	if len(s.Elements) >= MaxElements {
		return nil, invalid("The media package has %d elements already.", MaxElements)
	}
	h.reconcile(p, s, mp)
	f, tmp, err := p.tempFile()
	if err != nil {
		return nil, err
	}
	_, werr := f.Write(data)
	if cerr := f.Close(); werr == nil {
		werr = cerr
	}
	if werr != nil {
		_ = p.root.Remove(tmp)
		return nil, fmt.Errorf("write catalog of media package %s: %w", s.ID, werr)
	}
	name, err := p.commitFile(tmp, filePrefix(kindCatalog, flavor), ".xml")
	if err != nil {
		_ = p.root.Remove(tmp)
		return nil, err
	}
	s.Elements = append(s.Elements, stateElement{ID: newID(), Kind: kindCatalog, Flavor: flavor, File: name,
		MimeType: "text/xml", Size: int64(len(data)), AddedAt: h.now()})
	if isEpisode(flavor) && dc.Title != "" {
		s.Title = dc.Title
	}
	if err := p.save(s); err != nil {
		return nil, err
	}
	h.log.Info("opencast catalog added", "media_package", s.ID, "flavor", flavor, "title", dc.Title)
	return s, nil
}

// filePrefix is the start of the name Lectern gives an element's file:
// the flavor's type for a track (presenter-1.mp4), the whole flavor for
// the rest (dublincore-episode-1.xml). Flavors are checked tokens
// (parseFlavor): no separator, no leading dot.
func filePrefix(kind, flavor string) string {
	flavor = strings.ToLower(flavor)
	if kind == kindTrack {
		typ, _, _ := strings.Cut(flavor, "/")
		return typ
	}
	return strings.ReplaceAll(flavor, "/", "-")
}
