package lectern

// DefaultPageSize is the number of rows a list shows when the caller does
// not say (Pod's claim list shows 12; admin lists show more).
const DefaultPageSize = 20

// MaxPageSize bounds any page a caller may ask for.
const MaxPageSize = 200

// MaxPageNumber bounds the page numbers a caller may ask for, so that an
// offset never overflows (a page past the rows is empty anyway).
const MaxPageNumber = 1 << 20

// Page selects one page of a list: Number counts from 1.
type Page struct {
	Number int
	Size   int
}

// Normalize returns p with Number within 1..MaxPageNumber and Size
// within 1..MaxPageSize (DefaultPageSize when unset).
func (p Page) Normalize() Page {
	if p.Number < 1 {
		p.Number = 1
	}
	if p.Number > MaxPageNumber {
		p.Number = MaxPageNumber
	}
	if p.Size < 1 {
		p.Size = DefaultPageSize
	}
	if p.Size > MaxPageSize {
		p.Size = MaxPageSize
	}
	return p
}

// Offset is the number of rows before this page.
func (p Page) Offset() int {
	p = p.Normalize()
	return (p.Number - 1) * p.Size
}

// PageCount is the number of pages needed for total rows (at least 1).
func (p Page) PageCount(total int) int {
	p = p.Normalize()
	if total <= 0 {
		return 1
	}
	return (total + p.Size - 1) / p.Size
}
