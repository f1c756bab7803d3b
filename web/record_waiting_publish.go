package web

import (
	"context"
	"maps"
	"net/http"
	"path/filepath"
	"slices"
	"strings"

	"lectern"
	"lectern/locale"
)

// waitingOutcome is what became of one deposit of a bulk action.
type waitingOutcome struct {
	Name     string // the file's base name; "" when the visitor may not know it
	ID       int64
	Recorder string
	Title    string // the published recording's title
	Reason   string // why it was refused, translated
}

type recordWaitingPublishPage struct {
	layout
	Published []waitingOutcome
	Refused   []waitingOutcome
	Summary   string
	Back      string
}

// handleRecordWaitingPublish publishes the selected deposits (?id=, in
// the POST body) each as the add form would with its defaults: the same
// checks (mayPublish, resolveSource), the same core call (publish:
// CreateRecording, its row and its processing job in one transaction),
// one deposit at a time, so that one refused leaves the others
// published. The page then says what was published and what was
// refused, and why. A deposit the visitor may not see is named by its
// number only.
func (s *Server) handleRecordWaitingPublish(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	p := s.printer(r)
	u := currentUser(r)
	ids, back, ok := s.waitingSelection(w, r)
	if !ok {
		return
	}
	data := recordWaitingPublishPage{layout: s.page(r, "record.waiting.publish.title", "home"), Back: back}
	data.Next = waitingListPath
	for _, id := range ids {
		out, published, err := s.publishDefault(ctx, p, u, id)
		if err != nil {
			s.serverError(w, r, err)
			return
		}
		if published {
			data.Published = append(data.Published, out)
		} else {
			data.Refused = append(data.Refused, out)
		}
	}
	data.Summary = p.Plural("record.waiting.publish.summary", len(data.Published))
	s.render(w, r, http.StatusOK, "record_waiting_publish", data)
}

// waitingSelection reads the selected ids and where to go back; false
// when it answered (400 for a malformed or oversized selection, back to
// the list with a note when nothing was selected).
func (s *Server) waitingSelection(w http.ResponseWriter, r *http.Request) (ids []int64, back string, ok bool) {
	if err := r.ParseForm(); err != nil {
		s.renderError(w, r, http.StatusBadRequest, "")
		return nil, "", false
	}
	back = safeNext(r.PostForm.Get("next"), "/")
	ids, ok = formIDs(r.PostForm["id"])
	if !ok || len(ids) > lectern.MaxPageSize {
		s.renderError(w, r, http.StatusBadRequest, "")
		return nil, "", false
	}
	// Each deposit once, in the order first selected: a selection that
	// names one twice, apart, would act on it twice (a publication then
	// listed as refused, a deletion counted and asked for twice).
	seen := make(map[int64]bool, len(ids))
	ids = slices.DeleteFunc(ids, func(id int64) bool {
		dup := seen[id]
		seen[id] = true
		return dup
	})
	if len(ids) == 0 {
		s.flash(r, "info", "record.waiting.none")
		http.Redirect(w, r, back, http.StatusSeeOther)
		return nil, "", false
	}
	return ids, back, true
}

// waitingDepositOf finds deposit id and its recorder for u: nil (with
// the outcome's reason) when it is gone or not u's to act on; may tells
// which action the visitor needs (mayPublish's or mayDelete's rule).
func (s *Server) waitingDepositOf(ctx context.Context, p *locale.Printer, u *lectern.User, id int64,
	may func(*lectern.Recorder, *lectern.Treatment) bool) (*lectern.Treatment, *lectern.Recorder, waitingOutcome, error) {
	out := waitingOutcome{ID: id}
	gone := p.T("record.waiting.error.gone")
	t, err := s.deps.Treatments.FindTreatmentByID(ctx, id)
	if lectern.ErrorCode(err) == lectern.ENOTFOUND {
		out.Reason = gone
		return nil, nil, out, nil
	} else if err != nil {
		return nil, nil, out, err
	}
	var rec *lectern.Recorder
	if t.RecorderID != nil {
		rec, err = s.deps.Recorders.FindRecorderByID(ctx, *t.RecorderID)
		if err != nil && lectern.ErrorCode(err) != lectern.ENOTFOUND {
			return nil, nil, out, err
		}
	}
	if rec == nil || !may(rec, t) {
		// Told apart from a missing deposit by nothing: its name, its
		// recorder and its being there stay the recorder's people's.
		s.logger.Warn("bulk action refused", "user_id", u.ID, "treatment_id", id)
		out.Reason = gone
		return nil, nil, out, nil
	}
	out.Name, out.Recorder = filepath.Base(t.File), rec.Name
	return t, rec, out, nil
}

// publishDefault publishes deposit id for u as the add form would with
// its defaults (addFormDefaults); false with the reason when refused.
func (s *Server) publishDefault(ctx context.Context, p *locale.Printer, u *lectern.User, id int64) (waitingOutcome, bool, error) {
	var ev *lectern.Event
	t, rec, out, err := s.waitingDepositOf(ctx, p, u, id, func(rec *lectern.Recorder, t *lectern.Treatment) bool {
		var err error
		if ev, err = s.depositEvent(ctx, t); err != nil {
			s.logger.Error("find the event of a deposit", "treatment_id", t.ID, "err", err)
			return false
		}
		return s.mayPublish(u, rec, t, ev)
	})
	if err != nil || t == nil {
		return out, false, err
	}
	resolved, refusal, err := s.resolveSource(ctx, p, rec, t.File)
	if err != nil {
		return out, false, err
	}
	if refusal != "" || resolved == nil || resolved.ID != t.ID {
		out.Reason = refusal
		if out.Reason == "" {
			out.Reason = p.T("record.source.error.gone")
		}
		return out, false, nil
	}
	form := s.addFormDefaults(u, rec, resolved, ev)
	out.Title = form.Title
	_, err = s.publish(ctx, u, rec, resolved, form)
	switch {
	case err == nil:
		return out, true, nil
	case lectern.ErrorCode(err) == lectern.ECONFLICT:
		out.Reason = conflictMessage(p, resolved)
	case len(lectern.ErrorFields(err)) > 0:
		fields := lectern.ErrorFields(err)
		var msgs []string
		for _, k := range slices.Sorted(maps.Keys(fields)) {
			msgs = append(msgs, p.Error(fields[k]))
		}
		out.Reason = strings.Join(msgs, " ")
	case lectern.ErrorCode(err) != lectern.EINTERNAL:
		out.Reason = p.Error(lectern.ErrorMessage(err))
	default:
		return out, false, err
	}
	return out, false, nil
}
