package web

import (
	"context"
	"net/http"

	"lectern"
	"lectern/locale"
)

// The deposits that wait for a user: those of the recorders they manage
// or help with that nobody has published yet (the email's link may be
// lost). The dashboard shows the newest, a page at a time; "See all"
// leads to /record/waiting/, the whole list; both publish a selection
// with the add form's defaults (record_waiting_publish.go) or delete it
// after a confirmation (record_waiting_delete.go).

// waitingStates are the states of deposits that wait for a recorder's
// people (the claim list has the others).
var waitingStates = []string{lectern.TreatmentToNotify, lectern.TreatmentNotified, lectern.TreatmentToReport, lectern.TreatmentReported}

// dashboardWaiting is the number of waiting deposits a page of the
// dashboard shows (?wpage= pages through them).
const dashboardWaiting = 5

// waitingDeposit is a deposit the user may publish, with its add form.
type waitingDeposit struct {
	treatmentRow
	AddURL string
}

// waitingList is what the waiting_list partial shows: a page of waiting
// deposits in a form whose buttons publish or delete the selection.
type waitingList struct {
	Rows       []waitingDeposit
	Count      string // "3 deposits waiting for you"
	Total      int
	Pagination pagination
	CSRFToken  string
	Next       string // the page the actions come back to
	// AllURL is "See all N"'s link ("" on the full list, or when this
	// page shows them all).
	AllURL   string
	AllLabel string
}

// waitingFilter selects the deposits waiting for u.
func waitingFilter(u *lectern.User, page lectern.Page) lectern.TreatmentFilter {
	return lectern.TreatmentFilter{For: &u.ID, States: waitingStates, Page: page}
}

// waitingList reads a page of the deposits waiting for the user of r
// (one query: the recorders they are in, the waiting states), translated.
func (s *Server) waitingList(r *http.Request, p *locale.Printer, l layout, param string, size int) (waitingList, error) {
	ctx := r.Context()
	u := currentUser(r)
	page := requestPageOf(r, param)
	page.Size = size
	list, total, err := s.deps.Treatments.FindTreatments(ctx, waitingFilter(u, page))
	if err == nil && len(list) == 0 && page.Number > page.PageCount(total) && total > 0 {
		// Past the end (deposits went since the link was made): the last page.
		page.Number = page.PageCount(total)
		list, total, err = s.deps.Treatments.FindTreatments(ctx, waitingFilter(u, page))
	}
	if err != nil {
		return waitingList{}, err
	}
	data := waitingList{Count: p.Plural("dashboard.waiting.count", total), Total: total,
		Pagination: newPaginationOf(r, param, page, total), CSRFToken: l.CSRFToken, Next: l.Next}
	data.Rows, err = s.waitingRows(ctx, p, list)
	return data, err
}

// waitingRows translates deposits, each with its add form's link.
func (s *Server) waitingRows(ctx context.Context, p *locale.Printer, list []*lectern.Treatment) ([]waitingDeposit, error) {
	rows, err := s.treatmentRows(ctx, p, s.recorderNames(nil), list)
	if err != nil {
		return nil, err
	}
	out := make([]waitingDeposit, len(list))
	for i, t := range list {
		out[i] = waitingDeposit{treatmentRow: rows[i], AddURL: addURL(t, "")}
	}
	return out, nil
}

type recordWaitingListPage struct {
	layout
	List waitingList
}

// waitingListPath is the full list, where the bulk actions' pages (POST
// answers) send the language switch back.
const waitingListPath = "/record/waiting/"

// waitingPageSize is the number of deposits a page of the full list
// shows.
const waitingPageSize = pageSize

// handleRecordWaitingList is the full list of the deposits waiting for
// the user, newest first, a page at a time, with the bulk actions.
func (s *Server) handleRecordWaitingList(w http.ResponseWriter, r *http.Request) {
	p := s.printer(r)
	l := s.page(r, "record.waiting.list.title", "home")
	list, err := s.waitingList(r, p, l, "page", waitingPageSize)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "record_waiting_list", recordWaitingListPage{layout: l, List: list})
}
