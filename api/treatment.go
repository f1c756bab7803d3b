package api

import (
	"context"
	"net/http"
	"slices"
	"strconv"
	"time"

	"lectern"
	"lectern/httpjson"
)

// treatmentBody is a treatment as the API shows it: the lectern.Treatment
// fields, times that are not known yet as null rather than year 1, and the
// detection latency (first seen to found complete) in seconds.
type treatmentBody struct {
	*lectern.Treatment
	DateEmailSent  *time.Time `json:"date_email_sent"`
	FirstSeenAt    *time.Time `json:"first_seen_at"`
	CompletedAt    *time.Time `json:"completed_at"`
	RoutedAt       *time.Time `json:"routed_at"`
	LatencySeconds float64    `json:"latency_seconds"`
}

func newTreatmentBody(t *lectern.Treatment) *treatmentBody {
	return &treatmentBody{
		Treatment:      t,
		DateEmailSent:  optionalTime(t.DateEmailSent),
		FirstSeenAt:    optionalTime(t.FirstSeenAt),
		CompletedAt:    optionalTime(t.CompletedAt),
		RoutedAt:       optionalTime(t.RoutedAt),
		LatencySeconds: t.Latency().Seconds(),
	}
}

// treatment is t as v's user sees it: its file relative to its
// recorder's directory for all but superusers.
func (v *viewer) treatment(ctx context.Context, t *lectern.Treatment) (*treatmentBody, error) {
	c := *t
	var err error
	if c.File, err = v.path(ctx, t.RecorderID, t.File); err != nil {
		return nil, err
	}
	return newTreatmentBody(&c), nil
}

// optionalTime is nil for the zero time.
func optionalTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

// recorderFromQuery reads ?recorder=: nil when absent, a field error
// unless it is the id of an existing recorder u manages (one u may not
// read is answered as one that does not exist).
func (h *Handler) recorderFromQuery(r *http.Request, u *lectern.User) (*int64, error) {
	s := r.URL.Query().Get("recorder")
	if s == "" {
		return nil, nil
	}
	bad := invalid("Invalid filter.", map[string]string{"recorder": "Select a valid recorder."})
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil || id <= 0 {
		return nil, bad
	}
	rec, err := h.deps.Recorders.FindRecorderByID(r.Context(), id)
	if lectern.ErrorCode(err) == lectern.ENOTFOUND || (err == nil && !rec.ManagedBy(u)) {
		return nil, bad
	} else if err != nil {
		return nil, err
	}
	return &id, nil
}

// handleTreatmentList serves GET /api/v1/treatments?recorder=&state=&search=&page=&page_size=
// (staff: those of the recorders they manage), newest first.
func (h *Handler) handleTreatmentList(w http.ResponseWriter, r *http.Request, u *lectern.User) error {
	page, err := pageFromQuery(r)
	if err != nil {
		return err
	}
	f := lectern.TreatmentFilter{Search: r.URL.Query().Get("search"), Member: member(u), Page: page}
	if !u.IsSuperuser {
		f.SearchBelow = h.recorderRoot()
	}
	if f.RecorderID, err = h.recorderFromQuery(r, u); err != nil {
		return err
	}
	if s := r.URL.Query().Get("state"); s != "" {
		if !slices.Contains(lectern.TreatmentStates, s) {
			return invalid("Invalid filter.", map[string]string{"state": "Select a valid state."})
		}
		f.State = &s
	}
	list, total, err := h.deps.Treatments.FindTreatments(r.Context(), f)
	if err != nil {
		return err
	}
	v := h.viewer(u)
	results := make([]*treatmentBody, len(list))
	for i, t := range list {
		if results[i], err = v.treatment(r.Context(), t); err != nil {
			return err
		}
	}
	return h.writePage(w, r, page, total, results)
}

// handleTreatmentGet serves GET /api/v1/treatments/{id} (staff: of a
// recorder they manage or recorded in an event they own, else 404).
func (h *Handler) handleTreatmentGet(w http.ResponseWriter, r *http.Request, u *lectern.User) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	t, err := h.deps.Treatments.FindTreatmentByID(r.Context(), id)
	if err != nil {
		return err
	}
	v := h.viewer(u)
	ok, err := v.mayRead(r.Context(), t.RecorderID)
	if err == nil && !ok && t.EventID != nil {
		// The owner of the event it was recorded in reads it too (the
		// list's Member filter says so).
		ok, err = h.eventOwner(r.Context(), u, t)
	}
	if err != nil {
		return err
	} else if !ok {
		return notFound("Treatment")
	}
	body, err := v.treatment(r.Context(), t)
	if err != nil {
		return err
	}
	httpjson.Write(w, http.StatusOK, body)
	return nil
}

// eventOwner reports whether u owns the event t was recorded in: the
// store's TreatmentFilter.Member, asked for t alone.
func (h *Handler) eventOwner(ctx context.Context, u *lectern.User, t *lectern.Treatment) (bool, error) {
	n, err := h.deps.Treatments.CountTreatments(ctx, lectern.TreatmentFilter{ID: &t.ID, Member: &u.ID})
	return n > 0, err
}
