package web

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"lectern"
)

// claimPageSize is Pod's claim list page: 12 cards.
const claimPageSize = 12

// claimListProbeTimeout bounds the probes one claim list page waits for;
// durations not known by then show as unknown.
const claimListProbeTimeout = 20 * time.Second

type recordClaimListPage struct {
	layout
	Cards      []claimCard
	Count      string
	Pagination pagination
	Preview    bool // USE_RECORD_PREVIEW
}

// claimCard is one deposit of the claim list, translated.
type claimCard struct {
	treatmentRow
	Duration  string // "" when unknown
	Slides    string // an audiovideocast ZIP's "3 slides", in place of a duration
	Thumbnail string
	// ThumbLoading: the thumbnail is not taken yet, and its request takes
	// it (ffmpeg, seconds): the card shows it loading until it comes.
	ThumbLoading bool
	Preview      string // "" for none
	ClaimURL     string // "" when the deposit has no recorder
	DeleteURL    string // "" for those who may not delete
}

// claimListOn tells whether the claim list exists:
// ALLOW_MANUAL_RECORDING_CLAIMING and the services behind it.
func (s *Server) claimListOn() bool {
	return s.cfg.AllowManualRecordingClaiming && s.deps.Treatments != nil && s.deps.Recordings != nil
}

// handleRecordClaimList is Pod's claim list (/record/claim_record/): the
// deposits waiting for someone to claim them (require_manual_claim),
// newest first, 12 a page, as cards with a thumbnail and, with
// USE_RECORD_PREVIEW, a player.
func (s *Server) handleRecordClaimList(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	p := s.printer(r)
	u := currentUser(r)
	page := requestPage(r)
	page.Size = claimPageSize
	state := lectern.TreatmentToClaim
	list, total, err := s.deps.Treatments.FindTreatments(ctx, lectern.TreatmentFilter{State: &state, Page: page})
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	rows, err := s.treatmentRows(ctx, p, s.recorderNames(nil), list)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	media := s.mediaInfos(ctx, list)
	data := recordClaimListPage{
		layout:     s.page(r, "record.claim.list.title", "claim"),
		Count:      p.Plural("record.claim.list.count", total),
		Pagination: newPagination(r, page, total),
		Preview:    s.cfg.UseRecordPreview,
	}
	for i, t := range list {
		c := claimCard{treatmentRow: rows[i], Thumbnail: "/record/thumbnail/" + id64(t.ID) + ".jpg"}
		e, ok := media[t.ID]
		c.ThumbLoading = s.media.enabled() && (!ok || e.Thumb == "")
		if ok && e.Archive {
			c.Slides = p.Plural("record.claim.list.slides", e.Slides)
		} else if ok && e.Duration > 0 {
			c.Duration = clockDuration(e.Duration)
		}
		if s.cfg.UseRecordPreview && !isArchive(t.File) { // no player reads a ZIP
			c.Preview = s.previewURL(t)
		}
		if rows[i].RecorderID != 0 {
			c.ClaimURL = addURL(t, "")
		}
		if u.IsSuperuser {
			c.DeleteURL = "/record/delete_record/" + id64(t.ID) + "/"
		}
		data.Cards = append(data.Cards, c)
	}
	s.render(w, r, http.StatusOK, "record_claim_list", data)
}

// mediaInfos probes the deposits of a page at once (the cache runs a few
// ffprobes at a time and remembers them), within claimListProbeTimeout:
// what is known of each, by treatment id.
func (s *Server) mediaInfos(ctx context.Context, list []*lectern.Treatment) map[int64]mediaEntry {
	out := map[int64]mediaEntry{}
	if !s.media.enabled() {
		return out
	}
	ctx, cancel := context.WithTimeout(ctx, claimListProbeTimeout)
	defer cancel()
	root := s.recorderRoot()
	var mu sync.Mutex
	var wg sync.WaitGroup
	for _, t := range list {
		wg.Go(func() {
			abs, _, _, err := lectern.ResolveDeposit(root, t.File)
			if err != nil {
				return
			}
			if e, ok := s.media.info(ctx, t.ID, abs); ok {
				mu.Lock()
				out[t.ID] = e
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	return out
}

// handleRecordThumbnail serves /record/thumbnail/<id>.jpg: a frame of the
// deposit taken with ffmpeg on first request and cached (an audiovideocast
// ZIP's first slide), or a placeholder picture for a sound, a file ffmpeg
// cannot read or an archive avc refuses.
func (s *Server) handleRecordThumbnail(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	name := r.PathValue("name")
	idText, ok := strings.CutSuffix(name, ".jpg")
	id, err := strconv.ParseInt(idText, 10, 64)
	if !ok || err != nil || id <= 0 {
		s.renderError(w, r, http.StatusNotFound, "")
		return
	}
	t, err := s.deps.Treatments.FindTreatmentByID(ctx, id)
	if err != nil {
		s.serviceError(w, r, err)
		return
	}
	if ok, err := s.maySee(ctx, currentUser(r), t); err != nil {
		s.serverError(w, r, err)
		return
	} else if !ok {
		s.renderError(w, r, http.StatusNotFound, "")
		return
	}
	abs, _, _, err := lectern.ResolveDeposit(s.recorderRoot(), t.File)
	if err != nil {
		servePlaceholder(w, r, false)
		return
	}
	jpg, audio := s.media.thumbnail(ctx, t.ID, abs)
	if jpg == "" {
		servePlaceholder(w, r, audio)
		return
	}
	f, err := os.Open(jpg)
	if err != nil {
		servePlaceholder(w, r, false)
		return
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	// ffmpeg's JPEG, or an archive's first slide kept as is.
	head := make([]byte, 512)
	n, _ := io.ReadFull(f, head)
	typ := http.DetectContentType(head[:n])
	if _, err := f.Seek(0, io.SeekStart); err != nil || !strings.HasPrefix(typ, "image/") {
		servePlaceholder(w, r, false)
		return
	}
	w.Header().Set("Content-Type", typ)
	w.Header().Set("Cache-Control", "private, max-age=300")
	http.ServeContent(w, r, name, fi.ModTime(), f)
}

// servePlaceholder answers a thumbnail request with the picture of a
// sound, or of a video without a thumbnail.
func servePlaceholder(w http.ResponseWriter, r *http.Request, audio bool) {
	name := "static/thumb-video.svg"
	if audio {
		name = "static/thumb-audio.svg"
	}
	b, _ := staticFS.ReadFile(name)
	h := w.Header()
	h.Set("Content-Type", "image/svg+xml")
	h.Set("Cache-Control", "private, max-age=300")
	http.ServeContent(w, r, name, time.Time{}, bytes.NewReader(b))
}
