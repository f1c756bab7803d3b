package api

import (
	"net/http"

	"lectern"
)

// handleVideoTypeList serves GET /api/v1/types?page=&page_size=, for any
// authenticated user: clients need the ids to fill a recorder's type.
func (h *Handler) handleVideoTypeList(w http.ResponseWriter, r *http.Request, _ *lectern.User) error {
	page, err := pageFromQuery(r)
	if err != nil {
		return err
	}
	types, total, err := h.deps.Types.FindVideoTypes(r.Context(), page)
	if err != nil {
		return err
	}
	if types == nil {
		types = []*lectern.VideoType{}
	}
	return h.writePage(w, r, page, total, types)
}
