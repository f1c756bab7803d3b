package api

import (
	"net/http"
	"strconv"
	"strings"

	"lectern"
	"lectern/httpjson"
)

// pageBody is one page of a list, shaped like Django REST framework's
// PageNumberPagination.
type pageBody struct {
	Count    int     `json:"count"`
	Next     *string `json:"next"`
	Previous *string `json:"previous"`
	Results  any     `json:"results"`
}

// pageFromQuery reads ?page= (from 1; anything else is an invalid page,
// 404 as in DRF) and ?page_size= (1 to lectern.MaxPageSize, larger is
// clamped, anything else means lectern.DefaultPageSize).
func pageFromQuery(r *http.Request) (lectern.Page, error) {
	q := r.URL.Query()
	p := lectern.Page{Number: 1}
	if s := q.Get("page"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			return p, lectern.Errorf(lectern.ENOTFOUND, "Invalid page.")
		}
		p.Number = n
	}
	if n, err := strconv.Atoi(q.Get("page_size")); err == nil && n > 0 {
		p.Size = n
	}
	return p.Normalize(), nil
}

// writePage answers with one page of total rows; results must not be nil
// (an empty list is []). A page past the last is 404; the first page of
// an empty list is not.
func (h *Handler) writePage(w http.ResponseWriter, r *http.Request, page lectern.Page, total int, results any) error {
	page = page.Normalize()
	last := page.PageCount(total)
	if page.Number > last {
		return lectern.Errorf(lectern.ENOTFOUND, "Invalid page.")
	}
	body := pageBody{Count: total, Results: results}
	if page.Number < last {
		body.Next = h.pageURL(r, page.Number+1)
	}
	if page.Number > 1 {
		body.Previous = h.pageURL(r, page.Number-1)
	}
	httpjson.Write(w, http.StatusOK, body)
	return nil
}

// pageURL is the absolute URL of page n of the request's list, keeping its
// other query parameters. Page 1 has no page parameter, as in DRF.
func (h *Handler) pageURL(r *http.Request, n int) *string {
	q := r.URL.Query()
	if n == 1 {
		q.Del("page")
	} else {
		q.Set("page", strconv.Itoa(n))
	}
	u := strings.TrimSuffix(h.deps.BaseURL, "/") + r.URL.EscapedPath()
	if enc := q.Encode(); enc != "" {
		u += "?" + enc
	}
	return &u
}
