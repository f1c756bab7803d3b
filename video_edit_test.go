package lectern

import (
	"slices"
	"strings"
	"testing"
)

func TestVideoValidate(t *testing.T) {
	t.Parallel()
	ok := func() *Video {
		return &Video{Title: "Optique", OwnerID: 1, TypeID: 2, AdditionalOwners: []int64{3, 1, 3}, Groups: []int64{5, 4, 5}}
	}
	for _, tc := range []struct {
		name   string
		change func(*Video)
		field  string // "" when valid
	}{
		{"valid", func(*Video) {}, ""},
		{"no title", func(v *Video) { v.Title = "  " }, "title"},
		{"long title", func(v *Video) { v.Title = strings.Repeat("é", 126) }, "title"},
		{"control in title", func(v *Video) { v.Title = "a\x00b" }, "title"},
		{"long description", func(v *Video) { v.Description = strings.Repeat("a", VideoDescriptionMax+1) }, "description"},
		{"bad date", func(v *Video) { v.DateEvt = "2026-02-30" }, "date_evt"},
		{"French date", func(v *Video) { v.DateEvt = "01/12/2026" }, "date_evt"},
		{"year 0", func(v *Video) { v.DateEvt = "0000-01-01" }, "date_evt"},
		{"date", func(v *Video) { v.DateEvt = " 2026-12-01 " }, ""},
		{"no type", func(v *Video) { v.TypeID = 0 }, "type"},
		{"bad cursus", func(v *Video) { v.Cursus = "X" }, "cursus"},
		{"bad language", func(v *Video) { v.MainLang = "fra" }, "main_lang"},
		{"bad licence", func(v *Video) { v.Licence = "gpl" }, "licence"},
		{"long tags", func(v *Video) { v.Tags = strings.Repeat("a", 256) }, "tags"},
		{"bad owner id", func(v *Video) { v.AdditionalOwners = []int64{-1} }, "additional_owners"},
		{"bad group id", func(v *Video) { v.Groups = []int64{0} }, "restrict_access_to_groups"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v := ok()
			tc.change(v)
			err := v.Validate()
			if tc.field == "" {
				if err != nil {
					t.Fatalf("Validate = %v", err)
				}
				return
			}
			if ErrorCode(err) != EINVALID || ErrorFields(err)[tc.field] == "" {
				t.Errorf("Validate = %v (fields %v), want an error on %s", err, ErrorFields(err), tc.field)
			}
		})
	}
	v := ok()
	v.Title, v.MainLang = " Optique géométrique ", "FR"
	if err := v.Validate(); err != nil {
		t.Fatal(err)
	}
	if v.Title != "Optique géométrique" || v.Slug != "optique-geometrique" || v.MainLang != "fr" || v.Cursus != "0" ||
		!slices.Equal(v.AdditionalOwners, []int64{3}) || !slices.Equal(v.Groups, []int64{4, 5}) || !v.IsRestricted {
		t.Errorf("normalised video %+v", v)
	}
}
