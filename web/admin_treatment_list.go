package web

import (
	"net/http"
	"slices"
	"strconv"
	"strings"

	"lectern"
	"lectern/locale"
)

type adminTreatmentListPage struct {
	layout
	Head       listHead
	Rows       []treatmentRow
	Pagination pagination
}

// handleAdminTreatmentList lists deposits, newest first, 20 a page,
// filtered by recorder and state and searched by file name, with a bulk
// delete.
func (s *Server) handleAdminTreatmentList(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	p := s.printer(r)
	query := r.URL.Query()
	filter := lectern.TreatmentFilter{RecorderID: queryID(r, "recorder"), Search: strings.TrimSpace(query.Get("q")), Page: requestPage(r)}
	if st := query.Get("state"); slices.Contains(lectern.TreatmentStates, st) {
		filter.State = &st
	}
	list, total, err := s.deps.Treatments.FindTreatments(ctx, filter)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	recorders, err := s.allRecorders(ctx)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	rows, err := s.treatmentRows(ctx, p, s.recorderNames(recorders), list)
	if err != nil {
		s.serverError(w, r, err)
		return
	}

	stateFilter := listFilter{Name: "state", Label: p.T("treatment.field.state"),
		Options: []option{{"", p.T("admin.treatment.list.all_states"), filter.State == nil}}}
	for _, st := range lectern.TreatmentStates {
		stateFilter.Options = append(stateFilter.Options, option{st, stateLabel(p, st), filter.State != nil && *filter.State == st})
	}
	l := s.page(r, "admin.treatment.list.title", "treatments")
	s.render(w, r, http.StatusOK, "admin_treatment_list", adminTreatmentListPage{
		layout: l,
		Head: listHead{
			Path: "/admin/treatments/", Intro: p.T("admin.treatment.list.intro"), SearchLabel: p.T("admin.treatment.list.search"), Query: filter.Search,
			Filters: []listFilter{recorderFilter(p, recorders, filter.RecorderID), stateFilter},
			Count:   p.Plural("admin.treatment.list.count", total), Empty: p.T("admin.treatment.list.empty"),
		},
		Rows:       rows,
		Pagination: newPagination(r, filter.Page, total),
	})
}

// recorderFilter is the select of a list filtered by recorder.
func recorderFilter(p *locale.Printer, recorders []*lectern.Recorder, selected *int64) listFilter {
	f := listFilter{Name: "recorder", Label: p.T("treatment.field.recorder"),
		Options: []option{{"", p.T("admin.treatment.list.all_recorders"), selected == nil}}}
	for _, rec := range recorders {
		f.Options = append(f.Options, option{id64(rec.ID), rec.Name, selected != nil && *selected == rec.ID})
	}
	return f
}

// queryID reads the id in the query parameter name; nil when absent or not
// an id.
func queryID(r *http.Request, name string) *int64 {
	id, err := strconv.ParseInt(r.URL.Query().Get(name), 10, 64)
	if err != nil || id <= 0 {
		return nil
	}
	return &id
}
