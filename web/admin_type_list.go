package web

import (
	"net/http"

	"lectern"
)

type adminTypeListPage struct {
	layout
	Head       listHead
	Types      []*lectern.VideoType
	Pagination pagination
}

// handleAdminTypeList lists video types, 20 a page.
func (s *Server) handleAdminTypeList(w http.ResponseWriter, r *http.Request) {
	page := requestPage(r)
	types, total, err := s.deps.Types.FindVideoTypes(r.Context(), page)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	p := s.printer(r)
	s.render(w, r, http.StatusOK, "admin_type_list", adminTypeListPage{
		layout: s.page(r, "admin.type.list.title", "admin"),
		Head: listHead{
			Path: "/admin/types/", AddURL: "/admin/types/add/", AddLabel: p.T("admin.type.add.button"),
			Count: p.Plural("admin.type.list.count", total), Empty: p.T("admin.type.list.empty"),
		},
		Types:      types,
		Pagination: newPagination(r, page, total),
	})
}
