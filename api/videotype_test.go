package api_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"testing"

	"lectern"
)

// pageJSON is a list answer.
type pageJSON struct {
	Count    int               `json:"count"`
	Next     *string           `json:"next"`
	Previous *string           `json:"previous"`
	Results  []json.RawMessage `json:"results"`
}

// str shows a nullable link.
func str(s *string) string {
	if s == nil {
		return "null"
	}
	return *s
}

func TestVideoTypePagination(t *testing.T) {
	t.Parallel()
	b := setup(t)
	for i := 2; i <= 25; i++ { // setup made the first
		if err := b.types.CreateVideoType(b.ctx, &lectern.VideoType{Title: fmt.Sprintf("Type %02d", i)}); err != nil {
			t.Fatal(err)
		}
	}
	base := b.srv.URL + "/api/v1/types"
	for _, c := range []struct {
		query          string
		results        int
		next, previous string
	}{
		{"", 20, base + "?page=2", "null"},
		{"?page=1", 20, base + "?page=2", "null"},
		{"?page=2", 5, "null", base},
		{"?page=2&page_size=10", 10, base + "?page=3&page_size=10", base + "?page_size=10"},
		{"?page_size=500", 25, "null", "null"},
		{"?page_size=abc", 20, base + "?page=2&page_size=abc", "null"},
	} {
		r := b.do(t, "GET", "/api/v1/types"+c.query, "Bearer "+b.user, nil)
		want(t, r, http.StatusOK)
		var p pageJSON
		r.decode(t, &p)
		if p.Count != 25 || len(p.Results) != c.results || str(p.Next) != c.next || str(p.Previous) != c.previous {
			t.Errorf("%q: count %d, %d results, next %s, previous %s", c.query, p.Count, len(p.Results), str(p.Next), str(p.Previous))
		}
	}
	var first lectern.VideoType
	r := b.do(t, "GET", "/api/v1/types", as(b.user), nil)
	var p pageJSON
	r.decode(t, &p)
	if err := json.Unmarshal(p.Results[0], &first); err != nil || first.Title != "Course" || first.ID != b.typeID {
		t.Errorf("first type %+v %v", first, err)
	}
	for _, q := range []string{"?page=9", "?page=3", "?page=0", "?page=-1", "?page=abc", "?page=last"} {
		r := b.do(t, "GET", "/api/v1/types"+q, as(b.user), nil)
		want(t, r, http.StatusNotFound)
		if d := r.object(t)["detail"]; d != "Invalid page." {
			t.Errorf("%s: detail = %v", q, d)
		}
	}
}

func TestEmptyListFirstPage(t *testing.T) {
	t.Parallel()
	b := setup(t)
	r := b.do(t, "GET", "/api/v1/recorders", as(b.super), nil)
	want(t, r, http.StatusOK)
	if string(r.body) != `{"count":0,"next":null,"previous":null,"results":[]}`+"\n" {
		t.Errorf("empty list: %s", r.body)
	}
	want(t, b.do(t, "GET", "/api/v1/recorders?page=2", as(b.super), nil), http.StatusNotFound)
}
