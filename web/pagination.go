package web

import (
	"net/http"
	"net/url"
	"strconv"

	"lectern"
)

// pageSize is the number of rows of every admin list.
const pageSize = 20

// pagination is the page links under a list.
type pagination struct {
	Number, Count, Total int
	Prev, Next           string // URLs, empty on the first and last page
	Links                []pageLink
}

type pageLink struct {
	Number  int
	URL     string
	Current bool
	Gap     bool // an ellipsis instead of a link
}

// requestPage reads ?page= (1 when absent or not a number).
func requestPage(r *http.Request) lectern.Page { return requestPageOf(r, "page") }

// requestPageOf reads the page number in query parameter param, for a
// page with two lists.
func requestPageOf(r *http.Request, param string) lectern.Page {
	n, _ := strconv.Atoi(r.URL.Query().Get(param))
	return lectern.Page{Number: n, Size: pageSize}.Normalize()
}

// newPagination links the pages of total rows, keeping the request's other
// query parameters (the search).
func newPagination(r *http.Request, page lectern.Page, total int) pagination {
	return newPaginationOf(r, "page", page, total)
}

// newPaginationOf links the pages of a list whose page number is query
// parameter param.
func newPaginationOf(r *http.Request, param string, page lectern.Page, total int) pagination {
	page = page.Normalize()
	p := pagination{Number: page.Number, Count: page.PageCount(total), Total: total}
	link := func(n int) string {
		q := url.Values{}
		for k, v := range r.URL.Query() {
			if k != param {
				q[k] = v
			}
		}
		if n > 1 {
			q.Set(param, strconv.Itoa(n))
		}
		if len(q) == 0 {
			return r.URL.Path
		}
		return r.URL.Path + "?" + q.Encode()
	}
	if p.Number > 1 {
		p.Prev = link(min(p.Number-1, p.Count))
	}
	if p.Number < p.Count {
		p.Next = link(p.Number + 1)
	}
	gap := false
	for n := 1; n <= p.Count; n++ {
		if n == 1 || n == p.Count || (n >= p.Number-2 && n <= p.Number+2) {
			p.Links = append(p.Links, pageLink{Number: n, URL: link(n), Current: n == p.Number})
			gap = false
		} else if !gap {
			p.Links = append(p.Links, pageLink{Gap: true})
			gap = true
		}
	}
	return p
}

// withFragment returns p with #fragment on every link, so that a list
// lower on the page stays in sight from page to page.
func (p pagination) withFragment(fragment string) pagination {
	add := func(u string) string {
		if u == "" {
			return ""
		}
		return u + "#" + fragment
	}
	p.Prev, p.Next = add(p.Prev), add(p.Next)
	links := make([]pageLink, len(p.Links))
	for i, l := range p.Links {
		if !l.Gap {
			l.URL = add(l.URL)
		}
		links[i] = l
	}
	p.Links = links
	return p
}
