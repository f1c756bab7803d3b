package web

// listHead is the top of an admin list, shown by the list_header partial
// under the page's title: the add button, the search box with its filters,
// and the number of rows; list_empty shows Empty instead of an empty table.
// Every text is translated.
type listHead struct {
	Path        string // the list's URL: where the search goes
	Intro       string // "" for none
	AddURL      string // "" for no add button
	AddLabel    string
	SearchLabel string // "" for no search box
	Query       string
	Filters     []listFilter
	Count       string
	Empty       string // the list has no row at all; "" says nothing matches
}

// listFilter is one select of the search form.
type listFilter struct {
	Name    string // query parameter
	Label   string
	Options []option // the first is "all", with an empty value
}

// Filtered reports whether a search or a filter narrows the list.
func (h listHead) Filtered() bool {
	if h.Query != "" {
		return true
	}
	for _, f := range h.Filters {
		for _, o := range f.Options {
			if o.Selected && o.Value != "" {
				return true
			}
		}
	}
	return false
}
