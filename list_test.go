package lectern_test

import (
	"testing"

	"lectern"
)

func TestPageNormalize(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name string
		in   lectern.Page
		want lectern.Page
	}{
		{"zero", lectern.Page{}, lectern.Page{Number: 1, Size: lectern.DefaultPageSize}},
		{"negative", lectern.Page{Number: -3, Size: -1}, lectern.Page{Number: 1, Size: lectern.DefaultPageSize}},
		{"kept", lectern.Page{Number: 4, Size: 12}, lectern.Page{Number: 4, Size: 12}},
		{"size 1", lectern.Page{Number: 1, Size: 1}, lectern.Page{Number: 1, Size: 1}},
		{"max size", lectern.Page{Number: 2, Size: lectern.MaxPageSize}, lectern.Page{Number: 2, Size: lectern.MaxPageSize}},
		{"too large", lectern.Page{Number: 2, Size: lectern.MaxPageSize + 1}, lectern.Page{Number: 2, Size: lectern.MaxPageSize}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := tt.in.Normalize(); got != tt.want {
				t.Errorf("%+v.Normalize() = %+v, want %+v", tt.in, got, tt.want)
			}
		})
	}
}

func TestPageOffset(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name string
		in   lectern.Page
		want int
	}{
		{"zero", lectern.Page{}, 0},
		{"first", lectern.Page{Number: 1, Size: 12}, 0},
		{"third", lectern.Page{Number: 3, Size: 12}, 24},
		{"default size", lectern.Page{Number: 2}, lectern.DefaultPageSize},
		{"clamped size", lectern.Page{Number: 2, Size: 10000}, lectern.MaxPageSize},
		{"negative number", lectern.Page{Number: -1, Size: 5}, 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := tt.in.Offset(); got != tt.want {
				t.Errorf("%+v.Offset() = %d, want %d", tt.in, got, tt.want)
			}
		})
	}
}

func TestPageCount(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name  string
		page  lectern.Page
		total int
		want  int
	}{
		{"empty", lectern.Page{Size: 10}, 0, 1},
		{"negative total", lectern.Page{Size: 10}, -5, 1},
		{"one row", lectern.Page{Size: 10}, 1, 1},
		{"exactly full", lectern.Page{Size: 10}, 10, 1},
		{"one more", lectern.Page{Size: 10}, 11, 2},
		{"many", lectern.Page{Size: 12}, 100, 9},
		{"default size", lectern.Page{}, lectern.DefaultPageSize + 1, 2},
		{"clamped size", lectern.Page{Size: 100000}, lectern.MaxPageSize * 3, 3},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := tt.page.PageCount(tt.total); got != tt.want {
				t.Errorf("%+v.PageCount(%d) = %d, want %d", tt.page, tt.total, got, tt.want)
			}
		})
	}
}

// A page number past any list's end never makes an offset overflow (a
// negative OFFSET, which PostgreSQL refuses).
func TestPageOffsetBounded(t *testing.T) {
	for _, n := range []int{1 << 40, int(^uint(0) >> 1)} {
		p := lectern.Page{Number: n, Size: lectern.MaxPageSize}
		if off := p.Offset(); off < 0 || off > lectern.MaxPageNumber*lectern.MaxPageSize {
			t.Errorf("page %d: offset %d", n, off)
		}
	}
}
