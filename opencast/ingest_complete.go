package opencast

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"lectern"
)

// handleIngest serves ingest and ingest/{wd}: fields mediaPackage,
// workflowDefinitionId, workflowInstanceId (pyCA sends the event's UID)
// and any workflow configuration, multipart or urlencoded. It completes
// the deposit once: a package ingested before answers the same media
// package again (200), unless the event named now is another (409).
func (h *Ingest) handleIngest(w http.ResponseWriter, r *http.Request, rec *lectern.Recorder) (*packageState, error) {
	form, err := readForm(w, r)
	if err != nil {
		return nil, err
	}
	mp, err := parsePackage([]byte(form.Get("mediaPackage")))
	if err != nil {
		return nil, err
	}
	wd, wi, cfg := workflowFields(r, form)
	p, err := h.openPackage(rec, mp.ID, false)
	if lectern.ErrorCode(err) == lectern.ENOTFOUND && h.ownedElsewhere(rec, mp.ID) {
		return nil, lectern.Errorf(lectern.EFORBIDDEN, "Media package %s belongs to another recorder.", mp.ID)
	} else if lectern.ErrorCode(err) == lectern.ENOTFOUND {
		return nil, lectern.Errorf(lectern.ENOTFOUND, "Media package %s not found: create it and add its tracks first.", mp.ID)
	} else if err != nil {
		return nil, err
	}
	defer p.Close()
	if err := p.lockNow(); err != nil {
		return nil, err
	}
	s, err := p.load()
	if err != nil {
		return nil, err
	}
	if s.RecorderID != rec.ID {
		return nil, lectern.Errorf(lectern.EFORBIDDEN, "Media package %s belongs to another recorder.", mp.ID)
	}
	if !s.IngestedAt.IsZero() {
		if wi != "" && s.EventUID != "" && wi != s.EventUID {
			return nil, lectern.Errorf(lectern.ECONFLICT, "Media package %s was already ingested for event %s.", s.ID, s.EventUID)
		}
		h.log.Info("opencast media package ingested again: nothing to do", "media_package", s.ID, "treatment_id", s.TreatmentID)
		return s, nil
	}
	h.reconcile(p, s, mp)
	return s, h.complete(r.Context(), rec, p, s, wd, wi, cfg)
}

// workflowFields returns the workflow definition (the path's or the
// field's), the workflow instance (the event UID) and every other field,
// the workflow's configuration, kept with the package.
func workflowFields(r *http.Request, form url.Values) (wd, wi string, cfg map[string]string) {
	wd = r.PathValue("wd")
	if wd == "" {
		wd = form.Get("workflowDefinitionId")
	}
	wi = strings.TrimSpace(form.Get("workflowInstanceId"))
	for k, vs := range form {
		switch k {
		case "mediaPackage", "workflowDefinitionId", "workflowInstanceId":
		default:
			if cfg == nil {
				cfg = map[string]string{}
			}
			cfg[k] = vs[0]
		}
	}
	return wd, wi, cfg
}

// complete hands the package's tracks to the Intake as one deposit,
// recorded in the event wi names (or the one whose UID is the package's
// id), and marks the package ingested. p is locked. An event of another
// recorder is refused (403); an event already ingested as another package
// is a conflict (409). Nothing heavy happens here: the Intake writes rows.
func (h *Ingest) complete(ctx context.Context, rec *lectern.Recorder, p *pkgDir, s *packageState, wd, wi string, cfg map[string]string) error {
	var ev *lectern.Event
	var err error
	if wi != "" {
		if ev, err = h.eventOf(ctx, rec, wi); err != nil {
			return err
		}
	}
	if ev == nil && wi != s.ID {
		if ev, err = h.eventOf(ctx, rec, s.ID); err != nil {
			return err
		}
	}
	if ev == nil && wi != "" {
		h.log.Warn("opencast ingest names no event of its recorder", "media_package", s.ID, "workflow_instance", wi)
	}
	parts, err := depositParts(p.dir, s)
	if err != nil {
		return err
	}
	eventUID, claimed := "", false
	if ev != nil {
		eventUID = ev.UID
		other, created, err := p.claimEvent(eventUID)
		if err != nil {
			return err
		}
		if other != "" {
			return lectern.Errorf(lectern.ECONFLICT, "Event %s was already ingested as media package %s.", eventUID, other)
		}
		claimed = created
	}
	t, created, err := h.deps.Intake.Complete(ctx, lectern.Deposit{Path: parts[0].File, Source: lectern.SourceOpencast,
		Parts: parts, EventUID: eventUID})
	if err == nil && t == nil {
		err = invalid("Track %s is not a deposit (an empty file or a hidden name).", filepath.Base(parts[0].File))
	}
	if err != nil {
		if claimed {
			p.releaseEvent(eventUID)
		}
		return err
	}
	s.IngestedAt, s.TreatmentID, s.EventUID = h.now(), t.ID, eventUID
	s.WorkflowDefinitionID, s.WorkflowConfig = wd, cfg
	if err := p.save(s); err != nil {
		// The treatment is stored: a retried ingest finds it again by its
		// file (Intake.Complete) and completes nothing twice.
		return err
	}
	h.log.Info("opencast media package ingested", "media_package", s.ID, "recorder_id", rec.ID,
		"treatment_id", t.ID, "created", created, "event_uid", eventUID, "title", s.Title,
		"workflow_definition", wd, "parts", len(parts))
	return nil
}

// depositParts returns the package's tracks as the deposit's parts, in
// the order they are joined: presenter/source tracks as FlavorPresenter
// positions 1..n, ordered by their flavor's "-N" suffix (the Extron SMP's
// presenter/source-1, -2…), else in the order they were added; the same
// for presentation/source. A package with no presenter track has its
// presentation tracks as the video. Tracks of other flavors are no part.
func depositParts(dir string, s *packageState) ([]lectern.TreatmentPart, error) {
	type cand struct {
		e stateElement
		n int
	}
	byFlavor := map[string][]cand{}
	for _, e := range s.Elements {
		if e.Kind != kindTrack {
			continue
		}
		if f, n, ok := partFlavor(e.Flavor); ok {
			byFlavor[f] = append(byFlavor[f], cand{e, n})
		}
	}
	presenter, presentation := byFlavor[lectern.FlavorPresenter], byFlavor[lectern.FlavorPresentation]
	if len(presenter) == 0 {
		presenter, presentation = presentation, nil
	}
	if len(presenter) == 0 {
		return nil, invalid("Media package %s has no presenter/source nor presentation/source track.", s.ID)
	}
	var parts []lectern.TreatmentPart
	for _, list := range []struct {
		flavor string
		cands  []cand
	}{{lectern.FlavorPresenter, presenter}, {lectern.FlavorPresentation, presentation}} {
		sort.SliceStable(list.cands, func(i, j int) bool { return list.cands[i].n < list.cands[j].n })
		for i, c := range list.cands {
			parts = append(parts, lectern.TreatmentPart{Position: i + 1, Flavor: list.flavor,
				File: filepath.Join(dir, c.e.File), Size: c.e.Size})
		}
	}
	return parts, nil
}

// IngestedTitle returns the title of the episode Dublin Core of the media
// package whose track file is (a deposit's file or part made by an
// ingest), for the stages after the Intake; "" when file is no ingested
// track or its package had no title. The package's ingest need not be
// recorded yet: the Router may dispatch the deposit before the ingest
// that completed it writes its state, and a package's track is a
// deposit's file only once its ingest completed it.
func IngestedTitle(file string) string {
	dir := filepath.Dir(file)
	if filepath.Base(filepath.Dir(dir)) != stagingDir {
		return ""
	}
	b, err := readState(os.Open(filepath.Join(dir, stateFile)))
	if err != nil {
		return ""
	}
	var s packageState
	if json.Unmarshal(b, &s) != nil {
		return ""
	}
	return s.Title
}
